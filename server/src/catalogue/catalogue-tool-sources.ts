/**
 * Optional, richer sources: `stap -L PATTERN` (DWARF context variables, needs debuginfo) and `bpftrace -lv
 * PATTERN` (root). Run with execFile (argv, never a shell) and a timeout; results memoised in memory and, when
 * a cache is given, on disk under a key that includes the tool, its version and the kernel identity.
 * Callers must not await these on a keystroke path.
 */
import { execFile } from 'node:child_process';
import type { TypedName } from '../../../language/src/catalogue/catalogue-kernel-types.js';
import { cacheKey, isObject, type CatalogueCache } from './catalogue-cache.js';

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
    /** Identifies the kernel (build id / BTF checksum) so cached listings follow kernel changes. */
    kernelIdentity?: string;
}

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

function run(file: string, args: readonly string[], timeoutMs: number): Promise<{ stdout: string; stderr: string; ok: boolean }> {
    return new Promise(resolve => {
        execFile(file, [...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
            resolve({ stdout: String(stdout), stderr: String(stderr), ok: !error });
        });
    });
}

export class ToolQueries {
    private readonly memo = new Map<string, Promise<ListedProbe[] | undefined>>();

    constructor(private readonly options: ToolQueryOptions = {}) {}

    /** All cached listings for this kernel live in one file, a map from query key to listing. */
    private get diskKey(): string {
        return cacheKey({ kernel: this.options.kernelIdentity });
    }

    private query(tool: string, args: readonly string[], parse: (s: string) => ListedProbe[]): Promise<ListedProbe[] | undefined> {
        // Keyed by the tool's name, not its path: the listing depends on the kernel, which the disk key carries.
        const key = cacheKey({ tool: tool.replace(/^.*\//, ''), args });
        let p = this.memo.get(key);
        if (!p) {
            p = (async () => {
                const cache = this.options.cache;
                const cached = cache?.read('toolqueries', this.diskKey, isObject)?.[key] as ListedProbe[] | undefined;
                if (cached) return cached;
                const r = await run(tool, args, this.options.timeoutMs ?? 10_000);
                const listed = parse(r.stdout);
                if (!r.ok && listed.length === 0) return undefined;
                if (cache) {
                    const all = (cache.read('toolqueries', this.diskKey, isObject) ?? {}) as Record<string, ListedProbe[]>;
                    all[key] = listed;
                    cache.write('toolqueries', this.diskKey, all);
                }
                return listed;
            })();
            this.memo.set(key, p);
        }
        return p;
    }

    /** `stap -L PATTERN`; undefined when stap fails (no debuginfo, no kernel tree, timeout). */
    stapList(pattern: string): Promise<ListedProbe[] | undefined> {
        return this.query(this.options.stapPath ?? 'stap', [...(this.options.stapArgs ?? []), '-L', pattern], parseStapListing);
    }

    /** `bpftrace -lv PATTERN`; undefined when bpftrace fails (not root, timeout). */
    bpftraceList(pattern: string): Promise<ListedProbe[] | undefined> {
        return this.query(this.options.bpftracePath ?? 'bpftrace', ['-lv', pattern], parseBpftraceListing);
    }
}
