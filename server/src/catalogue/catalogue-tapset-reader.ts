/**
 * Builds the tapset library index from the directories stap would read, through the disk cache.
 * Synchronous file access on purpose: ~500 small files read in one go is fastest this way, and the
 * caller (CLI, or the server once at startup) runs it off the keystroke path.
 * On one thread: a worker thread indexing 45 % of the scripts (its own 27 kB bundle, ~25 ms to its first
 * message) made a cold index slower (0.35 s against 0.27 s wall, +0.2 s CPU), as the worker runs the indexer
 * unoptimised all over again and V8's own compiler and GC threads already use much of the second core.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { indexMacroFile, indexTapsetFile } from '../../../language/src/catalogue/catalogue-tapset-indexer.js';
import { TapsetIndex, type TapsetIndexData } from '../../../language/src/catalogue/catalogue-tapset-index.js';
import { packTapsetIndex, tapsetNameTable, unpackTapsetIndex } from '../../../language/src/catalogue/catalogue-tapset-packed.js';
import { macroSearchDirs, tapsetSearchDirs } from '../../../language/src/catalogue/catalogue-tapset-paths.js';
import type { MacroDef } from '../../../language/src/catalogue/catalogue-tapset-preprocess.js';
import type { TapsetTarget } from '../../../language/src/catalogue/catalogue-tapset-types.js';
import { cacheKey, type CatalogueCache } from './catalogue-cache.js';
import { KernelConfigFile } from '../providers/node-host-facts.js';
import { nowMs } from '../node-lazy.js';

/** The installed library stap reads by default. */
export const INSTALLED_TAPSET_DIR = '/usr/share/systemtap/tapset';

export interface TapsetLoadOptions {
    /** Tapset roots, `-I` dirs first and the installed library last (as stap searches them). */
    roots: readonly string[];
    target: TapsetTarget;
    /** No cache: always index from the files (and do not write the cache). */
    cache?: CatalogueCache;
    /**
     * {@link fastTapsetIndexer} (default): the catalogue's own scanner and preprocessor. The SystemTap front end's
     * lexer and preprocessor (`frontendTapsetIndexer`, stap-exact diagnostics machinery, about twice the time)
     * gives the same index; it is passed in so that only who asks for it loads it.
     */
    indexer?: TapsetIndexer;
    /** The files already listed and read (see {@link readTapsetSources}); listed and read here otherwise. */
    sources?: TapsetSources;
    /** Called before the files are indexed (not on a cache hit). */
    beforeIndexing?: () => void;
}

/** The tapset files for a target and their texts (which files does not depend on the stap version). */
export interface TapsetSources {
    macros: SourceFile[];
    scripts: SourceFile[];
    texts: Map<string, string>;
}

export interface TapsetLoadResult {
    index: TapsetIndex;
    fromCache: boolean;
    files: number;
    /** Milliseconds spent listing + stat'ing, and indexing (or reading the cache). */
    listMs: number;
    loadMs: number;
    /** How many of the files' texts were read for this load: none on a cache hit, unless they were read beforehand. */
    textsRead: number;
}

interface SourceFile {
    path: string;
    mtimeMs: number;
    size: number;
}

function listFiles(dir: string, ext: string, identity: boolean): SourceFile[] {
    let entries: Dirent[];
    try {
        entries = readdirSync(dir, { withFileTypes: true });
    } catch {
        return [];
    }
    const out: SourceFile[] = [];
    const picked = entries.filter(e => e.name.endsWith(ext)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    // `join(dir, name)` for every entry, the folder normalised once (a name from readdir holds no `/`, and is never
    // `.` or `..`): join normalised the whole path each time, 3.5 ms of a cold index for 484 files.
    const folder = join(dir, '.');
    const prefix = folder === '.' ? '' : folder.endsWith('/') ? folder : `${folder}/`;
    for (const entry of picked) {
        const path = prefix + entry.name;
        // Without a cache there is no key to compute: the directory entry says whether it is a file.
        if (!identity && !entry.isSymbolicLink()) {
            if (entry.isFile()) out.push({ path, mtimeMs: 0, size: 0 });
            continue;
        }
        try {
            const st = statSync(path);
            if (st.isFile()) out.push({ path, mtimeMs: st.mtimeMs, size: st.size });
        } catch {
            // vanished between readdir and stat: skip
        }
    }
    return out;
}

/**
 * The `.stpm` and `.stp` files stap would read for the target, in its order. `identity: false` leaves
 * `mtimeMs` and `size` at 0 (no stat per file) for callers without a cache.
 */
export function listTapsetFiles(roots: readonly string[], target: TapsetTarget, identity = true): { macros: SourceFile[]; scripts: SourceFile[] } {
    return {
        macros: macroSearchDirs(roots, target).flatMap(d => listFiles(d, '.stpm', identity)),
        scripts: tapsetSearchDirs(roots, target).flatMap(d => listFiles(d, '.stp', identity)),
    };
}

/** One buffer for every tapset file read: a few hundred reads into it take about half the time readFileSync does. */
let readBuffer: Buffer | undefined;

function readFile(path: string): string {
    try {
        readBuffer ??= Buffer.allocUnsafe(1 << 20);
        const fd = openSync(path, 'r');
        try {
            let n = 0;
            for (let k; n < readBuffer.length && (k = readSync(fd, readBuffer, n, readBuffer.length - n, n)) > 0;) n += k;
            // A file as large as the buffer, or larger: read it whole.
            return n < readBuffer.length ? readBuffer.toString('latin1', 0, n) : readFileSync(path, 'latin1');
        } finally {
            closeSync(fd);
        }
    } catch {
        return '';
    }
}

/**
 * Lists and reads the tapset files for the target, e.g. while `stap --version` still runs: the file list
 * depends on the runtime, kernel release and architecture only.
 */
export function readTapsetSources(roots: readonly string[], target: Omit<TapsetTarget, 'stapVersion'>, identity = true): TapsetSources {
    const { macros, scripts } = listTapsetFiles(roots, { ...target, stapVersion: '' }, identity);
    const texts = new Map<string, string>();
    for (const f of macros) texts.set(f.path, readFile(f.path));
    for (const f of scripts) texts.set(f.path, readFile(f.path));
    return { macros, scripts, texts };
}

/** Indexes tapset files for a target. The indexers give the same index by different means; `name` keys the cache. */
export interface TapsetIndexer {
    readonly name: string;
    index(macros: readonly string[], scripts: readonly string[], target: TapsetTarget, readText: (path: string) => string): TapsetIndexData;
}

/** The catalogue's own scanner and preprocessor. */
export const fastTapsetIndexer: TapsetIndexer = {
    name: 'fast',
    index(macros, scripts, target, readText) {
        const library = new Map<string, MacroDef>();
        const files: TapsetIndexData['files'] = [];
        for (const m of macros) {
            const { defs, decls } = indexMacroFile(m, readText(m), target);
            for (const d of defs) if (!library.has(`@${d.name}`)) library.set(`@${d.name}`, d);
            files.push(decls);
        }
        for (const s of scripts) files.push(indexTapsetFile(s, readText(s), target, library));
        return { files };
    },
};

/** Indexes the files (no cache); `texts` has those already read. */
export function indexTapsetFiles(
    macros: readonly SourceFile[], scripts: readonly SourceFile[], target: TapsetTarget, indexer: TapsetIndexer = fastTapsetIndexer,
    texts?: ReadonlyMap<string, string>,
): TapsetIndexData {
    const readText = (path: string): string => texts?.get(path) ?? readFile(path);
    return indexer.index(macros.map(m => m.path), scripts.map(s => s.path), target, readText);
}

/** What keys a kernel configuration: the file it is read from, when it is read lazily; else its settings. */
function configIdentity(config: TapsetTarget['kernelConfig']): unknown {
    return config instanceof KernelConfigFile ? { file: config.identity } : config ? [...config] : undefined;
}

/** Loads the tapset index: from the cache when the sources are unchanged, else by indexing and caching. */
export function loadTapsetIndex(options: TapsetLoadOptions): TapsetLoadResult {
    const t0 = nowMs();
    const { macros, scripts } = options.sources ?? listTapsetFiles(options.roots, options.target, !!options.cache);
    // The entry is found by what the index is for (the roots, the target, the indexer) and is of the files it was
    // made from (paths, mtimes, sizes, which only a cache needs): their list is stored with it and compared, not
    // hashed into the key (hashing its 40 KB would take longer than comparing it).
    const key = options.cache ? cacheKey({
        roots: options.roots, target: { ...options.target, kernelConfig: configIdentity(options.target.kernelConfig) },
        indexer: (options.indexer ?? fastTapsetIndexer).name,
    }) : '';
    const stamp = options.cache ? JSON.stringify([...macros, ...scripts].map(f => [f.path, f.mtimeMs, f.size])) : '';
    const t1 = nowMs();
    // A warm cache gives the name table; the files' records are read and decoded when a query first needs one (one
    // that turns out unreadable drops the entry, so the next load rebuilds it).
    const stored = options.cache?.readHead('tapsets', key);
    let source = stored && unpackTapsetIndex(stored.head, stored.rest, () => options.cache?.discard('tapsets', key));
    if (source?.stamp !== stamp) source = undefined;
    const cached = !!source;
    if (!source) {
        options.beforeIndexing?.();
        const data = indexTapsetFiles(macros, scripts, options.target, options.indexer, options.sources?.texts);
        const table = tapsetNameTable(data.files);
        options.cache?.writeText('tapsets', key, packTapsetIndex(data.files, stamp, table));
        source = { table, decls: i => data.files[i] };
    }
    const index = new TapsetIndex(source);
    const files = macros.length + scripts.length;
    return { index, fromCache: cached, files, listMs: t1 - t0, loadMs: nowMs() - t1, textsRead: options.sources?.texts.size ?? (cached ? 0 : files) };
}
