/**
 * What the catalogue knows about the kernel: C types and function prototypes (from BTF), symbols,
 * tracepoints with their fields. Interfaces only; the server reads the machine, tests inject fixtures.
 */

/** A named, typed slot: a function parameter, a struct member, a tracepoint field. C type as text (`struct file *`). */
export interface TypedName {
    name: string;
    type: string;
}

export interface KernelFunction {
    name: string;
    returnType: string;
    params: TypedName[];
    /** The BTF object it came from: `vmlinux` or a module name. */
    module: string;
}

export interface TypeMember extends TypedName {
    /** Offset in bits from the start of the aggregate. */
    bitOffset: number;
    /** Width of a bitfield, when it is one. */
    bitSize?: number;
}

export type KernelTypeInfo =
    | { kind: 'struct' | 'union'; name: string; size: number; members: TypeMember[] }
    | { kind: 'enum'; name: string; size: number; values: Array<{ name: string; value: number | bigint }> }
    | { kind: 'typedef'; name: string; type: string }
    | { kind: 'int' | 'float'; name: string; size: number }
    | { kind: 'fwd'; name: string };

/** Type information of the running (or a given) kernel: BTF for vmlinux and modules. */
export interface KernelTypeSource {
    /** Number of types in vmlinux BTF (for reports). */
    readonly typeCount: number;
    /** Names of all functions with a prototype (fentry/fexit candidates). */
    functionNames(): string[];
    /** How many there are, without decoding the names. */
    functionCount(): number;
    /** A function's prototype: parameter names and types, return type. */
    func(name: string): KernelFunction | undefined;
    /** A type by C name: `struct file`, `union x`, `enum y`, a typedef or base type name (`size_t`). */
    type(name: string): KernelTypeInfo | undefined;
    /**
     * The struct/union reached from a C type text by stripping `const`/`volatile`, pointers and typedefs:
     * what `x->` completes to when x has that type.
     */
    aggregateOf(typeText: string): Extract<KernelTypeInfo, { kind: 'struct' | 'union' }> | undefined;
    /** Arguments of `rawtracepoint:EVENT` (from `__probestub_EVENT` / `__traceiter_EVENT`, first parameter dropped). */
    rawTracepointArgs(event: string): TypedName[] | undefined;
    /** Arguments of `iter:NAME` (members of `struct bpf_iter__NAME` except `meta`). */
    iterArgs(name: string): TypedName[] | undefined;
    /** Iterator names (`task`, `task_file`, …) from the `bpf_iter__*` structs. */
    iterNames(): string[];
    /**
     * Tracepoint fields without tracefs: the members of the event's class (`struct trace_event_raw_CLASS`, the class found
     * from the event's probe prototype when it shares one), `__data_loc_x` as `__data_loc char[] x`; for syscalls:sys_enter_*
     * and sys_exit_*, `__syscall_nr` and the syscall's parameters or `ret`. `common_` fields and `ent` dropped.
     */
    tracepointFields(event: string): TypedName[] | undefined;
}

/** A tracepoint `SYSTEM:EVENT` with the fields of its format (non-common ones). */
export interface Tracepoint {
    system: string;
    event: string;
    fields?: TypedName[];
}

/** Where a kernel fact could not be read, said once. */
export interface CatalogueNotice {
    source: string;
    message: string;
    /** A command that fixes it, when there is one. */
    fix?: string;
}

/** Kernel symbols and tracing events, each degrading to undefined when unreadable. */
export interface KernelSymbolSource {
    /** Function symbols (`t`/`T`) from /proc/kallsyms, names only, each once (static functions of one name in several files are one name to a probe). */
    kallsymsFunctions(): Promise<string[] | undefined>;
    /** Traceable functions (`available_filter_functions`; root). */
    traceableFunctions(): Promise<string[] | undefined>;
    /**
     * The kernel functions probes may name: the traceable ones when tracefs lets us read them, else every
     * function symbol in kallsyms (a superset: some of them cannot be traced).
     */
    kernelFunctions(): Promise<{ names: string[]; from: 'available_filter_functions' | 'kallsyms' } | undefined>;
    /** Tracepoints from tracefs `available_events` (root), as `system:event`. */
    tracepoints(): Promise<Tracepoint[] | undefined>;
    /** One tracepoint's fields from its `format` file (root). */
    tracepointFormat(system: string, event: string): Promise<TypedName[] | undefined>;
    /** What could not be read so far (each source at most once). */
    notices(): CatalogueNotice[];
}
