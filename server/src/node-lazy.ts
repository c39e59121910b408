/**
 * Node's heavier built-in modules, loaded when first used rather than when a bundle loads. A fresh `probekit`
 * process pays for every module its bundle requires at the top: `node:crypto` alone is ~5 ms, `node:child_process`
 * ~3 ms, with `node:zlib`, `node:fs/promises` and `node:v8` (which loads the streams) ~10 ms in all, a quarter of `probekit index`'s own start over a
 * bare node, on commands that often need none of them (a warm cache spawns nothing, hashes nothing, inflates
 * nothing). Types come from the modules themselves.
 */
type ChildProcessModule = typeof import('node:child_process');
type CryptoModule = typeof import('node:crypto');
type ZlibModule = typeof import('node:zlib');
type FsPromisesModule = typeof import('node:fs/promises');
type V8Module = typeof import('node:v8');

let childProcess: ChildProcessModule | undefined;
let crypto: CryptoModule | undefined;
let zlib: ZlibModule | undefined;
let fsPromises: FsPromisesModule | undefined;
let v8: V8Module | undefined;

/** `node:child_process`, loaded on first call. */
export const lazyChildProcess = (): ChildProcessModule => (childProcess ??= require('node:child_process') as ChildProcessModule);
/** `node:crypto`, loaded on first call. */
export const lazyCrypto = (): CryptoModule => (crypto ??= require('node:crypto') as CryptoModule);
/** `node:zlib`, loaded on first call. */
export const lazyZlib = (): ZlibModule => (zlib ??= require('node:zlib') as ZlibModule);
/** `node:fs/promises`, loaded on first call. */
export const lazyFsPromises = (): FsPromisesModule => (fsPromises ??= require('node:fs/promises') as FsPromisesModule);
/** `node:v8`, loaded on first call. */
export const lazyV8 = (): V8Module => (v8 ??= require('node:v8') as V8Module);
