/**
 * Node's heavier built-in modules, loaded when first used rather than when a bundle loads. A fresh `probekit`
 * process pays for every module its bundle requires at the top: `node:crypto` alone is ~5 ms, `node:child_process`
 * ~3 ms, with `node:zlib`, `node:fs/promises` and `node:v8` (which loads the streams) ~10 ms in all, a quarter of
 * `probekit index`'s own start over a bare node, on commands that often need none of them (a warm cache spawns
 * nothing, hashes nothing, inflates nothing). Types come from the modules themselves.
 */

/** A function that requires `name` at its first call and returns the module from then on. */
function lazy<T>(name: string): () => T {
    let module: T | undefined;
    return () => (module ??= require(name) as T);
}

/** `node:child_process`, loaded on first call. */
export const lazyChildProcess = lazy<typeof import('node:child_process')>('node:child_process');
/** `node:crypto`, loaded on first call. */
export const lazyCrypto = lazy<typeof import('node:crypto')>('node:crypto');
/** `node:zlib`, loaded on first call. */
export const lazyZlib = lazy<typeof import('node:zlib')>('node:zlib');
/** `node:fs/promises`, loaded on first call. */
export const lazyFsPromises = lazy<typeof import('node:fs/promises')>('node:fs/promises');
/** `node:worker_threads`, loaded on first call (with the streams it loads: ~17 ms of a fresh process). */
export const lazyWorkerThreads = lazy<typeof import('node:worker_threads')>('node:worker_threads');
/** `node:v8`, loaded on first call. */
export const lazyV8 = lazy<typeof import('node:v8')>('node:v8');

/**
 * Milliseconds from an arbitrary start, as `performance.now()` counts them, for timings a command reports. The global
 * `performance` is itself a lazy getter that loads `node:perf_hooks` on first use: ~2 ms of a fresh process that
 * only wants a clock.
 */
export function nowMs(): number {
    return Number(process.hrtime.bigint()) / 1e6;
}
