/**
 * The Node implementation of the language layer's SystemCatalogue: tapsets through the disk cache, BTF from
 * /sys/kernel/btf, kernel symbols and tracefs, ELF binaries. Each source loads lazily, once.
 */
import { readdirSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import type { BinarySource } from '../../../language/src/catalogue/catalogue-binary-types.js';
import type { CatalogueNotice, KernelTypeSource, TypedName } from '../../../language/src/catalogue/catalogue-kernel-types.js';
import { probeFamilies, type ProbeFamily } from '../../../language/src/catalogue/catalogue-probe-families.js';
import type { SystemCatalogue } from '../../../language/src/catalogue/catalogue-service.js';
import type { TapsetIndex } from '../../../language/src/catalogue/catalogue-tapset-index.js';
import type { TapsetTarget } from '../../../language/src/catalogue/catalogue-tapset-types.js';
import { Btf, BtfFormatError } from './catalogue-btf.js';
import { BtfTypeSource } from './catalogue-btf-types.js';
import { openBtf } from './catalogue-btf-table.js';
import { readBtfFile } from './catalogue-btf-pages.js';
import { cacheKey, isObject, type CatalogueCache } from './catalogue-cache.js';
import { NodeBinarySource } from './catalogue-elf.js';
import { DEFAULT_KERNEL_PATHS, NodeKernelSymbols, type KernelPaths } from './catalogue-kernel-symbols.js';
import { hasKprobeEventSource, installedStapVersion, kernelBuildId, readKernelConfig } from '../providers/node-host-facts.js';
import { toolVersion } from './catalogue-tool-version.js';
import { loadTapsetIndex, readTapsetSources, type TapsetIndexer, type TapsetLoadResult } from './catalogue-tapset-reader.js';

/** The running kernel's build id (node-host-facts.ts): keys the per-kernel caches. */
export { kernelBuildId };

export const DEFAULT_BTF = '/sys/kernel/btf/vmlinux';

export interface NodeCatalogueOptions {
    /** Tapset roots (`-I` dirs first, installed library last). Empty: no tapset index. */
    tapsetRoots: readonly string[];
    /** The target, except the stap version, which may come later (see `stapVersion`). */
    target: Omit<TapsetTarget, 'stapVersion'>;
    /** The stap version for `systemtap_v` conditionals, or a promise of it (see `stapVersionOf`). */
    stapVersion: string | Promise<string>;
    /** vmlinux BTF file; module BTF is read from its directory on demand. */
    btfPath?: string;
    /** Also load module BTF objects found next to vmlinux. */
    btfModules?: boolean;
    cache?: CatalogueCache;
    kernelPaths?: KernelPaths;
    env?: NodeJS.ProcessEnv;
    /** Which tapset indexer to use (see TapsetLoadOptions). */
    indexer?: TapsetIndexer;
    /** Called before the tapset files are read to be indexed (not on a cache hit that needed no reading). */
    beforeIndexing?: () => void;
}

/** What the cache keeps of a kernel's kprobes: whether its configuration has them (null: it could not be read). */
const isKprobesAnswer = (v: unknown): v is { kprobes: boolean | null } => isObject(v) && (typeof v.kprobes === 'boolean' || v.kprobes === null);

/** Tapset version assumed when stap is not installed: new enough for every `systemtap_v >=` test in 4.x–5.x. */
export const ASSUMED_STAP_VERSION = '5.0';

/**
 * The installed stap's version: from the cache when the stap binary is unchanged (path, mtime, size), else by
 * running `stap --version` (asynchronously, so callers can read files meanwhile) and caching the answer.
 */
export function stapVersionOf(stap = 'stap', cache?: CatalogueCache, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
    return toolVersion(stap, path => installedStapVersion(path, 5000), cache, env);
}


/**
 * Reads vmlinux BTF (and, if asked, every module BTF object in the same directory); through its type table in `kept`'s
 * cache when there is one (see catalogue-btf-table.ts). `kept.kernel`: the running kernel's build id, for its own BTF.
 */
export function loadBtf(path: string, modules: boolean, kept?: { cache: CatalogueCache; kernel?: string }): { source: BtfTypeSource; moduleCount: number } {
    const vmlinux = openBtf(path, kept?.cache, kept?.kernel);
    const mods: Array<{ module: string; btf: Btf }> = [];
    if (modules) {
        const dir = path.replace(/\/[^/]+$/, '');
        for (const name of readdirSync(dir)) {
            if (join(dir, name) === path) continue;
            try {
                mods.push({ module: name, btf: new Btf(readBtfFile(join(dir, name)), vmlinux) });
            } catch {
                // not BTF (or unreadable): skip it
            }
        }
    }
    return { source: new BtfTypeSource(vmlinux, mods), moduleCount: mods.length };
}

export class NodeSystemCatalogue implements SystemCatalogue {
    readonly kernelSymbols: NodeKernelSymbols;
    readonly binaries: BinarySource;
    private identity?: string;
    private readonly extraNotices = new Map<string, CatalogueNotice>();
    private tapsetLoad?: Promise<TapsetLoadResult | undefined>;
    private btfLoad?: Promise<KernelTypeSource | undefined>;

    constructor(private readonly options: NodeCatalogueOptions) {
        // The build id is read only when a cache needs a key.
        const persist = options.cache ? { cache: options.cache, kernelIdentity: this.kernelIdentity } : undefined;
        // Kernel function names exist for probes only where the kernel has kprobes: its configuration says (the one
        // given, else this machine's, read when first asked; not this machine's for other kernel paths). On this
        // machine's running kernel the kprobe event source says yes first, without inflating /proc/config.gz.
        // This machine's own answer is kept in the cache under the kernel's build id (inflating /proc/config.gz took
        // 7–16 ms of a fresh process).
        const kprobes = (): boolean | undefined => {
            const own = !options.kernelPaths && options.target.kernelRelease === release();
            if (own && hasKprobeEventSource()) return true;
            if (options.target.kernelConfig) return options.target.kernelConfig.get('CONFIG_KPROBES') === 'y';
            if (!own) return undefined;
            const id = this.kernelBuild;
            const key = options.cache && id ? cacheKey(['kprobes', id]) : undefined;
            const kept = key ? options.cache?.read('kprobes', key, isKprobesAnswer) : undefined;
            if (kept) return kept.kprobes ?? undefined;
            const config = readKernelConfig(options.target.kernelRelease);
            const answer = config ? config.get('CONFIG_KPROBES') === 'y' : undefined;
            if (key) options.cache?.write('kprobes', key, { kprobes: answer ?? null });
            return answer;
        };
        this.kernelSymbols = new NodeKernelSymbols(options.kernelPaths ?? DEFAULT_KERNEL_PATHS, persist, kprobes);
        this.binaries = new NodeBinarySource(options.env ?? process.env);
    }

    /** The running kernel's build id (or its release when unknown): keys the per-kernel caches. Read on first use. */
    get kernelIdentity(): string {
        this.identity ??= kernelBuildId() ?? `release:${this.options.target.kernelRelease}`;
        return this.identity;
    }

    /** The running kernel's build id alone (undefined when {@link kernelIdentity} is only its release). */
    private get kernelBuild(): string | undefined {
        const id = this.kernelIdentity;
        return id.startsWith('release:') ? undefined : id;
    }

    /** The tapset load with its statistics (cache hit, timings). */
    tapsetResult(): Promise<TapsetLoadResult | undefined> {
        this.tapsetLoad ??= (async () => {
            if (this.options.tapsetRoots.length === 0) {
                this.note('tapsets', 'no tapset directory (is systemtap installed?)', 'apt-get install systemtap');
                return undefined;
            }
            // While `stap --version` still runs (its answer is not cached yet), read the sources meanwhile. A version
            // the cache knows settles within the microtasks before the next turn of the event loop, whatever chain of
            // `then`s it came through: only a version still being asked of stap leaves the sources read here early.
            const pending = Symbol('pending');
            const early = await Promise.race([this.options.stapVersion, new Promise<symbol>(resolve => setImmediate(resolve, pending))]);
            if (early === pending) this.options.beforeIndexing?.();
            const sources = early === pending ? readTapsetSources(this.options.tapsetRoots, this.options.target, !!this.options.cache) : undefined;
            const stapVersion = (await this.options.stapVersion) || ASSUMED_STAP_VERSION;
            return loadTapsetIndex({
                roots: this.options.tapsetRoots, target: { ...this.options.target, stapVersion }, cache: this.options.cache, indexer: this.options.indexer, sources,
                beforeIndexing: this.options.beforeIndexing,
            });
        })();
        return this.tapsetLoad;
    }

    async tapsets(): Promise<TapsetIndex | undefined> {
        return (await this.tapsetResult())?.index;
    }

    kernelTypes(): Promise<KernelTypeSource | undefined> {
        this.btfLoad ??= (async () => {
            const path = this.options.btfPath ?? DEFAULT_BTF;
            try {
                // The running kernel's own BTF is named by the kernel's build id (when it has one: else by the file's time).
                const kept = this.options.cache && { cache: this.options.cache, kernel: path === DEFAULT_BTF ? this.kernelBuild : undefined };
                return loadBtf(path, this.options.btfModules ?? false, kept).source;
            } catch (e) {
                const why = e instanceof BtfFormatError ? e.message : (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not present' : (e as Error).message;
                // The kernel's own BTF missing is the kernel's doing; a file given instead is the giver's.
                this.note('btf', `${path}: ${why}`, this.options.btfPath ? undefined : 'a kernel built with CONFIG_DEBUG_INFO_BTF=y');
                return undefined;
            }
        })();
        return this.btfLoad;
    }

    /**
     * A tracepoint's fields: from tracefs (its format file, or what root cached of it for this kernel) when there, else
     * from BTF (the event's class or the syscall's prototype), with which of them answered.
     */
    async tracepointFields(system: string, event: string): Promise<{ fields: TypedName[]; from: 'tracefs' | 'btf' } | undefined> {
        const fields = await this.kernelSymbols.tracepointFormat(system, event);
        if (fields) return { fields, from: 'tracefs' };
        const fromBtf = /^\w+$/.test(event) ? (await this.kernelTypes())?.tracepointFields(event) : undefined;
        return fromBtf && { fields: fromBtf, from: 'btf' };
    }

    families(language?: ProbeFamily['language']): readonly ProbeFamily[] {
        return probeFamilies(language);
    }

    private note(source: string, message: string, fix?: string): void {
        if (!this.extraNotices.has(source)) this.extraNotices.set(source, { source, message, ...(fix ? { fix } : {}) });
    }

    notices(): CatalogueNotice[] {
        return [...this.extraNotices.values(), ...this.kernelSymbols.notices()];
    }
}
