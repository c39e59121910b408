/**
 * The V8 heap settings the language server runs with (the client passes them to its process). A tapset library's
 * documents are 1.5 million objects that all outlive their parse: a young generation of 16 MB semi-spaces from the
 * start and a first heap limit of 256 MB spare the collector most of its copying and early full collections.
 * On the installed library (586 files, all kept): collector 0.23 s → 0.10 s, parse 1.11 s → 0.87 s, peak RSS
 * unchanged (bench/stap-parse-bench.ts runs its children with these).
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--min-semi-space-size=16', '--initial-heap-size=256'];
