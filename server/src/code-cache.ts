/**
 * Loads one of Probekit's CommonJS bundles with V8's code cache, as `require` would load it otherwise: the bytecode
 * V8 compiled for the bundle in an earlier run (its top level and every function that run called) is kept in
 * Probekit's cache folder, so a later process skips most compiling — like Python's .pyc files. Measured on the check
 * bundle (1.5 MB) parsing the tapset library: 45 ms less per cold process (815 → 760 ms).
 *
 * The cache file is named by the bundle's name, size and mtime and the node version; V8 itself refuses data made by
 * another V8 or with other flags, and then the bundle compiles as usual and the cache is written again when the
 * process exits. Any failure to read or write the cache only costs the compile: the bundle loads all the same. Only
 * files this user alone can have written are used (see readOwnFile).
 */
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

/**
 * Where the code cache goes: `$PROBEKIT_CACHE_DIR/v8`, else under `$XDG_CACHE_HOME/probekit` or `~/.cache/probekit`;
 * none with `PROBEKIT_CODE_CACHE=off`. The catalogue's folder (catalogue-cache.ts), but this process's own home
 * under sudo too (bytecode is never shared between users), and without loading that module's dependencies (crypto)
 * into the boot bundles.
 */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
    if (env.PROBEKIT_CODE_CACHE === 'off') return undefined;
    const root = env.PROBEKIT_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'probekit');
    return join(root, 'v8');
}

/** The cache file of `file` (its name, size and mtime, and this node). */
export function cacheFileOf(dir: string, file: string): string {
    const st = statSync(file);
    return join(dir, `${basename(file)}-${st.size}-${Math.trunc(st.mtimeMs)}-${process.version}-${process.arch}.bin`);
}

/**
 * The cache file's bytes when this user alone can have written it: owned by this user, and neither it nor its folder
 * writable by group or others (the code in it runs as this process: a root process started with another user's HOME
 * must not take that user's files).
 */
function readOwnFile(path: string): Buffer | undefined {
    const uid = process.getuid?.();
    const own = (st: { uid: number; mode: number }) => uid === undefined || (st.uid === uid && (st.mode & 0o022) === 0);
    if (!own(statSync(dirname(path)))) return undefined;
    const fd = openSync(path, 'r');
    try {
        return own(fstatSync(fd)) ? readFileSync(fd) : undefined;
    } finally {
        closeSync(fd);
    }
}

/** CommonJS's wrapper around a module's source. */
function wrap(source: string): string {
    // A bundle may start with a `#!` line, which only the first line of a file may hold.
    const body = source.startsWith('#!') ? `//${source}` : source;
    return `(function (exports, require, module, __filename, __dirname) { ${body}\n});`;
}

/**
 * Writes `data` as `path` (a temporary file renamed into place) and removes this node's cache files of other builds
 * of the bundle (another node's, e.g. the editor's own, stay).
 */
export function storeCodeCache(dir: string, path: string, data: Buffer, bundle: string): void {
    try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const tmp = `${path}.${process.pid}.tmp`;
        writeFileSync(tmp, data, { mode: 0o600 });
        renameSync(tmp, path);
        const prefix = `${bundle}-`;
        const suffix = `-${process.version}-${process.arch}.bin`;
        for (const name of readdirSync(dir)) {
            if (name.startsWith(prefix) && name.endsWith(suffix) && join(dir, name) !== path) unlinkSync(join(dir, name));
        }
    } catch {
        // Not writable (a read-only home, a full disk): the next run compiles again.
    }
}

/** A bundle compiled for {@link loadBundle}, and what became of its code cache. */
export interface CompiledBundle {
    script: Script;
    /** The cache file (undefined without a cache folder). */
    cacheFile?: string;
    /** `used`: V8 took the cache; `none`: there was none; `rejected`: V8 refused it (another V8 or other flags); `off`. */
    cache: 'used' | 'none' | 'rejected' | 'off';
}

/** Compiles `file` with its cached data from `dir` when there is some. */
export function compileBundle(file: string, dir: string | undefined): CompiledBundle {
    const source = readFileSync(file, 'utf8');
    if (!dir) return { script: new Script(wrap(source), { filename: file }), cache: 'off' };
    let cacheFile: string | undefined;
    let cachedData: Buffer | undefined;
    try {
        cacheFile = cacheFileOf(dir, file);
        cachedData = readOwnFile(cacheFile);
    } catch {
        cachedData = undefined;
    }
    const script = new Script(wrap(source), { filename: file, cachedData });
    return { script, cacheFile, cache: !cachedData ? 'none' : script.cachedDataRejected ? 'rejected' : 'used' };
}

/** Runs a compiled bundle as CommonJS runs a module; returns its `module.exports`. */
function run(script: Script, file: string): unknown {
    const module = { exports: {} as unknown, filename: file, id: file, loaded: false };
    const fn = script.runInThisContext() as (exports: unknown, require: NodeRequire, module: unknown, filename: string, dirname: string) => void;
    fn.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
    module.loaded = true;
    return module.exports;
}

/**
 * `require(file)` through the code cache in `dir`: returns the bundle's `module.exports`. Without a usable cache the
 * bundle compiles as `require` would, and the cache is written when the process exits (then it holds every function
 * this run compiled, not only the top level).
 */
export function loadBundle(file: string, dir: string | undefined = codeCacheDir(), options: { storeAfterMs?: number } = {}): unknown {
    const compiled = compileBundle(file, dir);
    const { script, cacheFile } = compiled;
    if (dir && cacheFile && (compiled.cache === 'none' || compiled.cache === 'rejected')) {
        let stored = false;
        const store = () => {
            if (stored) return;
            stored = true;
            storeCodeCache(dir, cacheFile, script.createCachedData(), basename(file));
        };
        process.once('exit', store);
        // A long-lived process (the language server) may end by a signal, with no exit event: store a while after
        // the start too, by when its first documents have been through most of the code.
        if (options.storeAfterMs !== undefined) setTimeout(store, options.storeAfterMs).unref();
    }
    return run(script, file);
}
