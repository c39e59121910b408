/**
 * User-space binaries as probe targets: function symbols (for `process("…").function("…")`, `uprobe:BIN:fn`)
 * and SDT markers (for `process("…").mark("…")`, `usdt:BIN:provider:probe`). Interfaces only.
 */

/** One `.note.stapsdt` marker. */
export interface UsdtMarker {
    provider: string;
    name: string;
    /** Number of arguments (`$arg1…$argN`, `args.argN`). */
    argCount: number;
    /** The raw argument description (`-4@%eax 8@%rdx`). */
    args: string;
    /** Whether the marker has a semaphore (needs `-p PID` or a uprobe refcount to fire). */
    semaphore: boolean;
}

export interface BinaryInfo {
    path: string;
    /** ELF class and machine, for reports (`ELF64 x86-64`). */
    format: string;
    /** Defined function symbols from `.symtab` and `.dynsym`, deduplicated, sorted. */
    functions: string[];
    /** Whether the binary still has a `.symtab` (not stripped); otherwise only dynamic symbols. */
    hasSymtab: boolean;
    markers: UsdtMarker[];
    buildId?: string;
}

export interface BinarySource {
    /** Resolves a binary name (`bash`, `libc.so.6`) through PATH and the library dirs; paths are checked as is. */
    resolve(name: string): Promise<string | undefined>;
    /** Reads a binary's symbols and markers; undefined when it is not a readable ELF file. */
    read(path: string): Promise<BinaryInfo | undefined>;
}
