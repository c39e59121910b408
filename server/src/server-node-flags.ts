/**
 * The node flags the language server runs with (the client passes them to its process).
 *
 * Heap: a tapset library's documents are 1.5 million objects that all outlive their parse: a young generation of
 * 16 MB semi-spaces from the start and a first heap limit of 256 MB spare the collector most of its copying and
 * early full collections. On the installed library (586 files, all kept): collector 0.23 s → 0.10 s, parse
 * 1.11 s → 0.87 s, peak RSS unchanged (bench/stap-parse-bench.ts runs its children with these).
 *
 * JIT: TurboFan inlines less (callees of up to 100 bytes of bytecode in all per function, not 920). A cold process
 * parsing the library spent more CPU on optimising compiles (1.5 s, on the second core) than on the parse itself, and
 * its parse waited for them in slower code. With less inlining the compiles are smaller and land sooner. On the x86_64
 * selection in a cold process (31 interleaved runs each): CPU 2.17 → 1.83 s, time runnable but waiting for a core
 * 174 → 73 ms, wall 1.51 → 1.38 s (medians), 1.19 → 1.02 s (fastest). The parse in a warm process is no slower, nor
 * is one 1 MB file.
 *
 * Stack: V8's default (984 KB) holds about 620 `else if` branches or 350 levels of parentheses, where stap 4.8
 * takes 2,000 branches; with 3.9 MB the parser takes those (systemtap-deep-nesting.test.ts). V8 must stay well
 * inside the thread's real stack, or a deep text crashes the process instead of getting a diagnostic: the flag
 * is given only where the soft stack limit, which the server inherits, is at least 8 MB or unlimited.
 */
import { readFileSync } from 'node:fs';

/** The inlining budget of {@link SERVER_NODE_FLAGS} (see above); also what `probekit check` runs with (probekit.sh). */
export const PARSE_JIT_FLAG = '--max-inlined-bytecode-size-cumulative=100';
/** Heap and JIT flags, always given. */
export const SERVER_NODE_FLAGS: readonly string[] = ['--min-semi-space-size=16', '--initial-heap-size=256', PARSE_JIT_FLAG];
export const SERVER_STACK_FLAG = '--stack-size=3900';
const STACK_NEEDED = 8 * 1024 * 1024;

/** The soft stack limit in bytes from /proc/self/limits text (Infinity when unlimited; undefined when not said). */
export function softStackLimit(limits: string): number | undefined {
    const m = /^Max stack size\s+(\S+)/m.exec(limits);
    if (!m) return undefined;
    return m[1] === 'unlimited' ? Infinity : Number(m[1]) || undefined;
}

/** The flags for a server process started by this one (`limits`: /proc/self/limits, read when not given). */
export function serverNodeFlags(limits?: string): string[] {
    let text = limits;
    if (text === undefined) {
        try {
            text = readFileSync('/proc/self/limits', 'utf8');
        } catch {
            text = '';
        }
    }
    const stack = softStackLimit(text);
    return [...SERVER_NODE_FLAGS, ...(stack !== undefined && stack >= STACK_NEEDED ? [SERVER_STACK_FLAG] : [])];
}
