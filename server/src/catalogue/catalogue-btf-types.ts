/**
 * C-level views over BTF: type ids to C type text (`const char *`, `struct file *`), function prototypes,
 * aggregates with members, and the bpftrace-specific lookups (rawtracepoint, iter, trace_event_raw_*).
 * Implements the language layer's KernelTypeSource for vmlinux plus any module BTF objects.
 */
import type {
    KernelFunction, KernelTypeInfo, KernelTypeSource, TypedName, TypeMember,
} from '../../../language/src/catalogue/catalogue-kernel-types.js';
import { Btf, BtfKind } from './catalogue-btf.js';

const MAX_DEPTH = 32;
type Aggregate = Extract<KernelTypeInfo, { kind: 'struct' | 'union' }>;

/** C type text for a type id. */
export function typeText(btf: Btf, id: number, depth = 0): string {
    if (id === 0) return 'void';
    const t = btf.type(id);
    if (!t || depth > MAX_DEPTH) return '?';
    switch (t.kind) {
        case BtfKind.Int: case BtfKind.Float: case BtfKind.Typedef: return t.name;
        case BtfKind.Struct: return `struct ${t.name || '(anon)'}`;
        case BtfKind.Union: return `union ${t.name || '(anon)'}`;
        case BtfKind.Enum: case BtfKind.Enum64: return `enum ${t.name || '(anon)'}`;
        case BtfKind.Fwd: return `${t.kindFlag ? 'union' : 'struct'} ${t.name}`;
        case BtfKind.Const: case BtfKind.Volatile: {
            // A qualified pointer is written after its star, as C declares it: `const char *const`.
            const word = t.kind === BtfKind.Const ? 'const' : 'volatile';
            const inner = typeText(btf, t.sizeOrType, depth + 1);
            return inner.endsWith('*') ? `${inner}${word}` : `${word} ${inner}`;
        }
        case BtfKind.Restrict: case BtfKind.TypeTag: return typeText(btf, t.sizeOrType, depth + 1);
        case BtfKind.Ptr: {
            const target = btf.type(t.sizeOrType);
            if (target?.kind === BtfKind.FuncProto) {
                const proto = protoOf(btf, target.id, depth + 1);
                return `${proto.returnType} (*)(${proto.params.map(p => p.type).join(', ')})`;
            }
            const inner = typeText(btf, t.sizeOrType, depth + 1);
            return inner.endsWith('*') ? `${inner}*` : `${inner} *`;
        }
        case BtfKind.Array: {
            const elem = btf.u32(id, t.dataOffset);
            const n = btf.u32(id, t.dataOffset + 8);
            return `${typeText(btf, elem, depth + 1)}[${n}]`;
        }
        case BtfKind.FuncProto: {
            const proto = protoOf(btf, id, depth + 1);
            return `${proto.returnType} (${proto.params.map(p => p.type).join(', ')})`;
        }
        default: return t.name || '?';
    }
}

/** Return type and parameters of a FUNC_PROTO (a trailing unnamed `void` parameter means varargs). */
export function protoOf(btf: Btf, protoId: number, depth = 0): { returnType: string; params: TypedName[] } {
    const t = btf.type(protoId);
    if (!t || t.kind !== BtfKind.FuncProto) return { returnType: '?', params: [] };
    const params: TypedName[] = [];
    for (let i = 0; i < t.vlen; i++) {
        const at = t.dataOffset + 8 * i;
        const name = btf.str(btf.u32(protoId, at));
        const type = btf.u32(protoId, at + 4);
        params.push(type === 0 && !name ? { name: '...', type: '...' } : { name, type: typeText(btf, type, depth + 1) });
    }
    return { returnType: typeText(btf, t.sizeOrType, depth + 1), params };
}

/** Strips CONST/VOLATILE/TYPEDEF/TYPE_TAG/RESTRICT down to the underlying type id. */
function underlying(btf: Btf, id: number): number {
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
        const k = btf.kindOf(id);
        if (k !== BtfKind.Const && k !== BtfKind.Volatile && k !== BtfKind.Typedef && k !== BtfKind.TypeTag && k !== BtfKind.Restrict) return id;
        id = btf.type(id)!.sizeOrType;
    }
    return id;
}

/**
 * Members of a struct/union. Members of anonymous nested structs/unions are lifted into the parent (C lets
 * `x->member` reach them; `__bpf_md_ptr` and friends are such unions); unnamed padding bitfields are dropped.
 */
function membersOf(btf: Btf, id: number, baseBits = 0, depth = 0): TypeMember[] {
    const t = btf.type(id)!;
    const out: TypeMember[] = [];
    for (let i = 0; i < t.vlen; i++) {
        const at = t.dataOffset + 12 * i;
        const off = btf.u32(id, at + 8);
        const bitOffset = baseBits + (t.kindFlag ? off & 0xffffff : off);
        const name = btf.str(btf.u32(id, at));
        const typeId = btf.u32(id, at + 4);
        if (!name) {
            const inner = underlying(btf, typeId);
            const k = btf.kindOf(inner);
            if ((k === BtfKind.Struct || k === BtfKind.Union) && depth < MAX_DEPTH) out.push(...membersOf(btf, inner, bitOffset, depth + 1));
            continue;
        }
        const m: TypeMember = { name, type: typeText(btf, typeId), bitOffset };
        if (t.kindFlag && off >>> 24) m.bitSize = off >>> 24;
        out.push(m);
    }
    return out;
}

/** Decodes a type into the language layer's KernelTypeInfo. */
export function typeInfo(btf: Btf, id: number): KernelTypeInfo | undefined {
    const t = btf.type(id);
    if (!t) return undefined;
    switch (t.kind) {
        case BtfKind.Struct: case BtfKind.Union:
            return { kind: t.kind === BtfKind.Struct ? 'struct' : 'union', name: t.name, size: t.sizeOrType, members: membersOf(btf, id) };
        case BtfKind.Enum: case BtfKind.Enum64: {
            const values: Array<{ name: string; value: number | bigint }> = [];
            const width = t.kind === BtfKind.Enum ? 8 : 12;
            for (let i = 0; i < t.vlen; i++) {
                const at = t.dataOffset + width * i;
                const name = btf.str(btf.u32(id, at));
                if (t.kind === BtfKind.Enum) {
                    values.push({ name, value: t.kindFlag ? btf.i32(id, at + 4) : btf.u32(id, at + 4) });
                } else {
                    const v = (BigInt(btf.u32(id, at + 8)) << 32n) | BigInt(btf.u32(id, at + 4));
                    values.push({ name, value: v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v });
                }
            }
            return { kind: 'enum', name: t.name, size: t.sizeOrType, values };
        }
        case BtfKind.Typedef: return { kind: 'typedef', name: t.name, type: typeText(btf, t.sizeOrType) };
        case BtfKind.Int: return { kind: 'int', name: t.name, size: t.sizeOrType };
        case BtfKind.Float: return { kind: 'float', name: t.name, size: t.sizeOrType };
        case BtfKind.Fwd: return { kind: 'fwd', name: t.name };
        default: return undefined;
    }
}

/** The iterators BTF describes (its `bpf_iter__*` structs), sorted. Only their few names are decoded, not every struct's. */
export function iterNamesOf(btf: Btf): string[] {
    return btf.findPrefixed('bpf_iter__', BtfKind.Struct).map(id => btf.nameOf(id).slice(10)).sort();
}

const KIND_WORD: Record<string, BtfKind[]> = {
    struct: [BtfKind.Struct, BtfKind.Fwd], union: [BtfKind.Union, BtfKind.Fwd], enum: [BtfKind.Enum, BtfKind.Enum64],
};

/** KernelTypeSource over vmlinux BTF and optional module BTF objects (searched after vmlinux). */
export class BtfTypeSource implements KernelTypeSource {
    private readonly all: Array<{ module: string; btf: Btf }>;

    constructor(readonly vmlinux: Btf, modules: ReadonlyArray<{ module: string; btf: Btf }> = []) {
        this.all = [{ module: 'vmlinux', btf: vmlinux }, ...modules];
    }

    get typeCount(): number {
        return this.vmlinux.count;
    }

    private find(name: string, kinds: BtfKind[]): { btf: Btf; id: number; module: string } | undefined {
        for (const { module, btf } of this.all) {
            // Prefer full definitions over forward declarations.
            // One kind asked (a function): found by that kind, which a type table kept on disk answers without the strings.
            const ids = kinds.length === 1 ? btf.findNamed(name, kinds[0]) : btf.findNamed(name).filter(id => kinds.includes(btf.kindOf(id)));
            const best = ids.find(id => btf.kindOf(id) !== BtfKind.Fwd) ?? ids[0];
            if (best !== undefined) return { btf, id: best, module };
        }
        return undefined;
    }

    functionNames(): string[] {
        // Within one object equal names share an offset (the kernel's BTF is deduplicated by pahole, strings and all);
        // across objects (vmlinux and modules) a Set takes the names each has once.
        if (this.all.length === 1) return this.all[0].btf.namesOfKind(BtfKind.Func, true);
        return [...new Set(this.all.flatMap(({ btf }) => btf.namesOfKind(BtfKind.Func, true)))];
    }

    /**
     * {@link functionNames} as lines of text, `prefix` + name + newline, each name once: `probekit index --list`.
     * From vmlinux alone the bytes are copied from BTF's string section, with no string made per name.
     */
    functionNameLines(prefix: string): Uint8Array {
        if (this.all.length === 1) return this.all[0].btf.nameLinesOfKind(BtfKind.Func, prefix);
        return Buffer.from(this.functionNames().map(n => `${prefix}${n}\n`).join(''), 'latin1');
    }

    functionCount(): number {
        return this.all.reduce((n, { btf }) => n + btf.countOfKind(BtfKind.Func), 0);
    }

    func(name: string): KernelFunction | undefined {
        const hit = this.find(name, [BtfKind.Func]);
        if (!hit) return undefined;
        const t = hit.btf.type(hit.id)!;
        return { name, module: hit.module, ...protoOf(hit.btf, t.sizeOrType) };
    }

    type(name: string): KernelTypeInfo | undefined {
        const m = /^(struct|union|enum)\s+(\w+)$/.exec(name.trim());
        const hit = m
            ? this.find(m[2], KIND_WORD[m[1]])
            : this.find(name.trim(), [BtfKind.Typedef, BtfKind.Int, BtfKind.Float, BtfKind.Struct, BtfKind.Union, BtfKind.Enum, BtfKind.Enum64]);
        return hit ? typeInfo(hit.btf, hit.id) : undefined;
    }

    aggregateOf(typeText: string): Aggregate | undefined {
        let text = typeText.replace(/\b(const|volatile)\b/g, '').replace(/\*/g, '').replace(/\[\d*\]/g, '').trim().replace(/\s+/g, ' ');
        for (let depth = 0; depth < MAX_DEPTH; depth++) {
            const info = this.type(text);
            if (!info) return undefined;
            if (info.kind === 'struct' || info.kind === 'union') return info;
            if (info.kind !== 'typedef') return undefined;
            text = info.type.replace(/\b(const|volatile)\b/g, '').replace(/\*/g, '').replace(/\[\d*\]/g, '').trim().replace(/\s+/g, ' ');
        }
        return undefined;
    }

    rawTracepointArgs(event: string): TypedName[] | undefined {
        for (const prefix of ['__probestub_', '__traceiter_']) {
            const f = this.func(prefix + event);
            if (f) return f.params.slice(1);
        }
        return undefined;
    }

    iterArgs(name: string): TypedName[] | undefined {
        const info = this.type(`struct bpf_iter__${name}`);
        if (!info || info.kind !== 'struct') return undefined;
        return info.members.filter(m => m.name !== 'meta').map(m => ({ name: m.name, type: m.type }));
    }

    iterNames(): string[] {
        return this.vmlinux.table?.iters ? [...this.vmlinux.table.iters] : iterNamesOf(this.vmlinux);
    }

    /** Tracepoint classes by their probe prototype, and the events that have a probe stub (built on first use). */
    private tracepointIndex?: { classesByProto: Map<string, string[]>; events: Set<string> };

    private tracepoints(): { classesByProto: Map<string, string[]>; events: Set<string> } {
        if (!this.tracepointIndex) {
            const btf = this.vmlinux;
            const classesByProto = new Map<string, string[]>();
            for (const id of btf.findPrefixed('__bpf_trace_', BtfKind.Func)) {
                const key = JSON.stringify(protoOf(btf, btf.type(id)!.sizeOrType).params.slice(1));
                const list = classesByProto.get(key);
                const name = btf.nameOf(id).slice('__bpf_trace_'.length);
                if (list) list.push(name); else classesByProto.set(key, [name]);
            }
            const events = new Set<string>();
            for (const prefix of ['__probestub_', '__traceiter_']) {
                for (const id of btf.findPrefixed(prefix, BtfKind.Func)) events.add(btf.nameOf(id).slice(prefix.length));
            }
            this.tracepointIndex = { classesByProto, events };
        }
        return this.tracepointIndex;
    }

    /** The fields of a tracepoint class (`struct trace_event_raw_CLASS`), as the event's format file names them. */
    private classFields(cls: string): TypedName[] | undefined {
        const info = this.type(`struct trace_event_raw_${cls}`);
        if (!info || info.kind !== 'struct') return undefined;
        return info.members
            .filter(m => m.name !== 'ent' && m.name !== '__data' && !m.name.startsWith('common_'))
            .map(m => {
                // `__string(x)` / `__dynamic_array` fields are a u32 offset+length word named `__data_loc_x` (`__rel_loc_x`); the
                // format file shows `__data_loc char[] x`. BTF does not keep the element type: char, as for strings, the usual case.
                const loc = /^__(data|rel)_loc_(\w+)$/.exec(m.name);
                return loc ? { name: loc[2], type: `__${loc[1]}_loc char[]` } : { name: m.name, type: m.type };
            });
    }

    /**
     * The class (`DECLARE_EVENT_CLASS`) whose record layout an event uses: its own name when it has one (`TRACE_EVENT`), else
     * among the classes whose probe prototype is the event's (`__bpf_trace_CLASS` and `__probestub_EVENT` / `__traceiter_EVENT`
     * parameters), the one that is only a class, not itself an event, and shares most words of the event's name (parameter
     * names aside). Undefined when that leaves a tie between classes of different layouts: a guess could show the wrong
     * fields.
     */
    tracepointClass(event: string): string | undefined {
        if (this.vmlinux.findNamed(`trace_event_raw_${event}`, BtfKind.Struct).length) return event;
        const stub = this.func(`__probestub_${event}`) ?? this.func(`__traceiter_${event}`);
        if (!stub) return undefined;
        const { classesByProto, events } = this.tracepoints();
        const candidates = classesByProto.get(JSON.stringify(stub.params.slice(1))) ?? [];
        // The parameters' names (`skb`, `inode`) say nothing about the class: every candidate takes them.
        const params = new Set(stub.params.map(p => p.name));
        const words = new Set(event.split('_').filter(w => w && !params.has(w)));
        const score = (cls: string): number => (events.has(cls) ? 0 : 1000) + cls.split('_').filter(w => words.has(w)).length;
        const best = Math.max(...candidates.map(score));
        const top = candidates.filter(c => score(c) === best);
        if (top.length === 1) return top[0];
        const layouts = new Set(top.map(c => JSON.stringify(this.classFields(c))));
        return top.length && layouts.size === 1 ? top[0] : undefined;
    }

    /**
     * Arguments of `syscalls:sys_enter_NAME` / `sys_exit_NAME` as their format files show them: `__syscall_nr`, then the
     * syscall's parameters (from `__do_sys_NAME`, which keeps the declared types, else `__se_sys_NAME`, whose parameters
     * are all `long`), or `ret`. Undefined for a syscall this kernel lacks, or whose parameters BTF does not have.
     */
    private syscallFields(kind: 'enter' | 'exit', name: string): TypedName[] | undefined {
        const has = (f: string): boolean => this.vmlinux.findNamed(f, BtfKind.Func).length > 0;
        const exists = SYSCALL_ENTRY_PREFIXES.some(p => has(`${p}${name}`));
        if (kind === 'exit') return exists ? [{ name: '__syscall_nr', type: 'int' }, { name: 'ret', type: 'long' }] : undefined;
        const proto = this.func(`__do_sys_${name}`) ?? this.func(`__se_sys_${name}`);
        if (!proto) return undefined;
        // SYSCALL_DEFINE0's body takes the unused registers: no arguments.
        const params = proto.params.filter(p => p.name !== '...' && !(p.name === '__unused' && /\bpt_regs\b/.test(p.type)));
        return [{ name: '__syscall_nr', type: 'int' }, ...params];
    }

    tracepointFields(event: string): TypedName[] | undefined {
        const syscall = /^sys_(enter|exit)_(\w+)$/.exec(event);
        if (syscall) return this.syscallFields(syscall[1] as 'enter' | 'exit', syscall[2]);
        const cls = this.tracepointClass(event);
        return cls === undefined ? undefined : this.classFields(cls);
    }
}

/** Where each architecture's syscall entry points are (`__x64_sys_openat`, …; `sys_` where there is no wrapper). */
const SYSCALL_ENTRY_PREFIXES = ['__x64_sys_', '__arm64_sys_', '__riscv_sys_', '__s390x_sys_', '__ia32_sys_', '__do_sys_', '__se_sys_', 'sys_'];
