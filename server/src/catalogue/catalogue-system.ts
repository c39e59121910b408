/**
 * The Node implementation of the language layer's SystemCatalogue: tapsets through the disk cache, BTF from
 * /sys/kernel/btf, kernel symbols and tracefs, ELF binaries. Each source loads lazily, once.
 */
import { readdirSync, readFileSync } from 'node:fs';
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
import type { CatalogueCache } from './catalogue-cache.js';
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

/** Tapset version assumed when stap is not installed: new enough for every `systemtap_v >=` test in 4.x–5.x. */
export const ASSUMED_STAP_VERSION = '5.0';

/**
 * The installed stap's version: from the cache when the stap binary is unchanged (path, mtime, size), else by
 * running `stap --version` (asynchronously, so callers can read files meanwhile) and caching the answer.
 */
export function stapVersionOf(stap = 'stap', cache?: CatalogueCache, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
    return toolVersion(stap, path => installedStapVersion(path, 5000), cache, env);
}


/** Reads vmlinux BTF (and, if asked, every module BTF object in the same directory). */
export function loadBtf(path: string, modules: boolean): { source: BtfTypeSource; moduleCount: number } {
    const vmlinux = new Btf(readFileSync(path));
    const mods: Array<{ module: string; btf: Btf }> = [];
    if (modules) {
        const dir = path.replace(/\/[^/]+$/, '');
        for (const name of readdirSync(dir)) {
            if (join(dir, name) === path) continue;
            try {
                mods.push({ module: name, btf: new Btf(readFileSync(join(dir, name)), vmlinux) });
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
        const kprobes = (): boolean | undefined => {
            if (!options.kernelPaths && options.target.kernelRelease === release() && hasKprobeEventSource()) return true;
            const config = options.target.kernelConfig ?? (options.kernelPaths ? undefined : readKernelConfig(options.target.kernelRelease));
            return config ? config.get('CONFIG_KPROBES') === 'y' : undefined;
        };
        this.kernelSymbols = new NodeKernelSymbols(options.kernelPaths ?? DEFAULT_KERNEL_PATHS, persist, kprobes);
        this.binaries = new NodeBinarySource(options.env ?? process.env);
    }

    /** The running kernel's build id (or its release when unknown): keys the per-kernel caches. Read on first use. */
    get kernelIdentity(): string {
        this.identity ??= kernelBuildId() ?? `release:${this.options.target.kernelRelease}`;
        return this.identity;
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
                return loadBtf(path, this.options.btfModules ?? false).source;
            } catch (e) {
                const why = e instanceof BtfFormatError ? e.message : (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not present' : (e as Error).message;
                this.note('btf', `${path}: ${why}`, 'a kernel built with CONFIG_DEBUG_INFO_BTF=y');
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
