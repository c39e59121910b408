/**
 * Optional, richer sources: `stap -L PATTERN` (DWARF context variables, needs debuginfo) and `bpftrace -lv
 * PATTERN` (root). Run with execFile (argv, never a shell) and a timeout. A complete answer (the tool exited 0
 * and listed something) is kept in memory and, when a cache is given, on disk, one file per query, under a key
 * of the tool's path and version, the kernel's identity and the arguments. A failed, timed-out or empty answer
 * is kept in memory only until its back-off runs out (doubling per failure), then the tool is asked again.
 * Callers must not await these on a keystroke path.
 */
import { release } from 'node:os';
import { lazyChildProcess } from '../node-lazy.js';
import type { TypedName } from '../../../language/src/catalogue/catalogue-kernel-types.js';
import { installedBpftraceVersion, installedStapVersion } from '../providers/node-host-facts.js';
import { cacheKey, isObject, isTypedNames, type CatalogueCache } from './catalogue-cache.js';
import { kernelBuildId } from './catalogue-system.js';
import { toolIdentity, type ToolIdentity } from './catalogue-tool-version.js';

/** One listed probe with its variables / arguments. */
export interface ListedProbe {
    probe: string;
    vars: TypedName[];
}

export interface ToolQueryOptions {
    stapPath?: string;
    bpftracePath?: string;
    /** Extra stap arguments, e.g. `['-r', stubDir]`. */
    stapArgs?: readonly string[];
    timeoutMs?: number;
    cache?: CatalogueCache;
    /** Identifies the kernel (build id / BTF checksum) so cached listings follow kernel changes; the running kernel's by default. */
    kernelIdentity?: string;
    /** First wait before a failed or empty query runs again (doubled per further failure, up to `maxRetryMs`). */
    retryMs?: number;
    maxRetryMs?: number;
    env?: NodeJS.ProcessEnv;
    /** Milliseconds now (Date.now); tests step it through the back-off instead of sleeping. */
    clock?: () => number;
}

const isListing = (v: unknown): v is ListedProbe[] => Array.isArray(v) && v.every(p => isObject(p) && typeof p.probe === 'string' && isTypedNames(p.vars));

/** Parses `stap -L` lines: `PROBE name:type … $ctx:type …` (types may contain spaces). */
export function parseStapListing(text: string): ListedProbe[] {
    const out: ListedProbe[] = [];
    for (const line of text.split('\n')) {
        if (!line.trim() || /^\s/.test(line)) continue;
        const parts = line.trim().split(/ (?=\$?[A-Za-z_]\w*:)/);
        const probe = parts.shift()!;
        const vars = parts.map(p => {
            const c = p.indexOf(':');
            return { name: p.slice(0, c), type: p.slice(c + 1).trim() };
        });
        out.push({ probe, vars });
    }
    return out;
}

/** Parses `bpftrace -lv` output: a probe line, then indented `TYPE NAME[dims]` lines. */
export function parseBpftraceListing(text: string): ListedProbe[] {
    const out: ListedProbe[] = [];
    for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        if (!/^\s/.test(line)) {
            out.push({ probe: line.trim(), vars: [] });
            continue;
        }
        const m = /^(.*?)\s*\b(\w+)\s*((?:\[[^\]]*\])*)\s*;?\s*$/.exec(line.trim());
        if (m && out.length) out[out.length - 1].vars.push({ name: m[2], type: `${m[1].trim()}${m[3]}` });
    }
    return out;
}

function run(file: string, args: readonly string[], timeoutMs: number): Promise<{ stdout: string; ok: boolean }> {
    return new Promise(resolve => {
        lazyChildProcess().execFile(file, [...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' }, (error, stdout) => {
            resolve({ stdout: String(stdout), ok: !error });
        });
    });
}

/** A query's answer in memory: complete answers are kept; the others until `retryAt`. */
interface Answer {
    listing: Promise<ListedProbe[] | undefined>;
    retryAt?: number;
    failures: number;
}

export class ToolQueries {
    private readonly answers = new Map<string, Answer>();
    private readonly tools = new Map<string, Promise<ToolIdentity | undefined>>();
    private kernel?: string;
    /** How many times a tool was run for a listing (not counting `--version`). */
    runs = 0;

    constructor(private readonly options: ToolQueryOptions = {}) {}

    private get kernelIdentity(): string {
        this.kernel ??= this.options.kernelIdentity ?? kernelBuildId() ?? `release:${release()}`;
        return this.kernel;
    }

    /** The tool's path and version, asked once per instance (and cached on disk while the binary is unchanged). */
    private identity(tool: string, ask: (path: string) => Promise<string | undefined>): Promise<ToolIdentity | undefined> {
        let p = this.tools.get(tool);
        if (!p) {
            p = toolIdentity(tool, ask, this.options.cache, this.options.env);
            this.tools.set(tool, p);
        }
        return p;
    }

    private query(
        tool: string, ask: (path: string) => Promise<string | undefined>, args: readonly string[], parse: (s: string) => ListedProbe[],
    ): Promise<ListedProbe[] | undefined> {
        const memoKey = JSON.stringify([tool, args]);
        const known = this.answers.get(memoKey);
        const now = this.options.clock ?? Date.now;
        if (known && (known.retryAt === undefined || now() < known.retryAt)) return known.listing;
        const answer: Answer = { listing: Promise.resolve(undefined), failures: known?.failures ?? 0 };
        answer.listing = (async () => {
            const cache = this.options.cache;
            const id = await this.identity(tool, ask);
            // Without a version there is no key that would follow an upgrade: such answers stay in memory.
            const diskKey = id && cacheKey({ tool: id.path, version: id.version, kernel: this.kernelIdentity, args });
            const cached = diskKey ? cache?.read('toolquery', diskKey, isListing) : undefined;
            if (cached) return cached;
            this.runs++;
            const r = await run(id?.path ?? tool, args, this.options.timeoutMs ?? 10_000);
            const listed = parse(r.stdout);
            if (r.ok && listed.length > 0) {
                if (diskKey) cache?.write('toolquery', diskKey, listed);
                return listed;
            }
            // Failed, killed at the timeout (what it printed may be cut short) or empty: ask again after a back-off.
            answer.failures++;
            const first = this.options.retryMs ?? 30_000;
            answer.retryAt = now() + Math.min(first * 2 ** (answer.failures - 1), this.options.maxRetryMs ?? 10 * 60_000);
            return r.ok ? listed : undefined;
        })();
        this.answers.set(memoKey, answer);
        return answer.listing;
    }

    /** `stap -L PATTERN`; undefined when stap fails (no debuginfo, no kernel tree, timeout). */
    stapList(pattern: string): Promise<ListedProbe[] | undefined> {
        const versionTimeout = Math.min(5000, this.options.timeoutMs ?? 10_000);
        return this.query(this.options.stapPath ?? 'stap', path => installedStapVersion(path, versionTimeout), [...(this.options.stapArgs ?? []), '-L', pattern], parseStapListing);
    }

    /** `bpftrace -lv PATTERN`; undefined when bpftrace fails (not root, timeout). */
    bpftraceList(pattern: string): Promise<ListedProbe[] | undefined> {
        return this.query(this.options.bpftracePath ?? 'bpftrace', installedBpftraceVersion, ['-lv', pattern], parseBpftraceListing);
    }
}
