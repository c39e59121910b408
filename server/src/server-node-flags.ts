/**
 * The node flags the language server runs with (the client passes them to its process).
 *
 * Heap: a tapset library's documents are 1.5 million objects that all outlive their parse: a young generation of
 * 16 MB semi-spaces from the start and a first heap limit of 256 MB spare the collector most of its copying and
 * early full collections. On the installed library (586 files, all kept): collector 0.23 s → 0.10 s, parse
 * 1.11 s → 0.87 s, peak RSS unchanged (bench/stap-parse-bench.ts runs its children with these).
 *
 * Stack: V8's default (984 KB) holds about 620 `else if` branches or 350 levels of parentheses, where stap 4.8
 * takes 2,000 branches; with 3.9 MB the parser takes those (systemtap-deep-nesting.test.ts). V8 must stay well
 * inside the thread's real stack, or a deep text crashes the process instead of getting a diagnostic: the flag
 * is given only where the soft stack limit, which the server inherits, is at least 8 MB or unlimited.
 */
import { readFileSync } from 'node:fs';

export const SERVER_HEAP_FLAGS: readonly string[] = ['--min-semi-space-size=16', '--initial-heap-size=256'];
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
    return [...SERVER_HEAP_FLAGS, ...(stack !== undefined && stack >= STACK_NEEDED ? [SERVER_STACK_FLAG] : [])];
}
