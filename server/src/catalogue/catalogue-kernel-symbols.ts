/**
 * Kernel symbols and tracing events read from /proc and tracefs. Every source degrades to `undefined` when it
 * cannot be read (not root, not mounted, locked down), and says why once, through `notices()`.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import type {
    CatalogueNotice, KernelSymbolSource, Tracepoint, TypedName,
} from '../../../language/src/catalogue/catalogue-kernel-types.js';
import { cacheKey, isObject, rootIndexCommand, isStringArray, isTypedNames, type CatalogueCache } from './catalogue-cache.js';

export interface KernelPaths {
    kallsyms: string;
    /** tracefs mount points to try, in order. */
    tracefs: readonly string[];
    /** The loaded modules (their symbols are in kallsyms): part of the cached kallsyms names' key. */
    modules?: string;
    /** This boot's id: part of the cached kallsyms names' key. */
    bootId?: string;
}

export const DEFAULT_KERNEL_PATHS: KernelPaths = {
    kallsyms: '/proc/kallsyms',
    tracefs: ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'],
    modules: '/proc/modules',
    bootId: '/proc/sys/kernel/random/boot_id',
};

/** A file's text, or '' when it cannot be read. */
function textOrEmpty(path: string | undefined): string {
    try {
        return path ? readFileSync(path, 'latin1') : '';
    } catch {
        return '';
    }
}

/** `\w`: a character of a C identifier. */
function isWordChar(c: number): boolean {
    return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

/**
 * The field's name in a declaration (`const char * filename`, `char comm[16]`), its array dimensions and where the
 * name starts, as `/(\w+)\s*((?:\[[^\]]*\])*)$/` finds them. Without a `[` the name is the identifier the
 * declaration ends with, found here without the expression, which backtracks from every word of the declaration:
 * `sudo probekit index` reads the 20,000 field lines of every event's format, and the expression took a quarter of that.
 */
function fieldName(decl: string): { name: string; dims: string; index: number } | undefined {
    if (decl.includes('[')) {
        const m = /(\w+)\s*((?:\[[^\]]*\])*)$/.exec(decl);
        return m ? { name: m[1], dims: m[2], index: m.index } : undefined;
    }
    let start = decl.length;
    while (start > 0 && isWordChar(decl.charCodeAt(start - 1))) start--;
    return start < decl.length ? { name: decl.slice(start), dims: '', index: start } : undefined;
}

/** One field line of a tracepoint `format` file: `field:const char * filename;\toffset:24;…`. */
export function parseFormatField(line: string): (TypedName & { offset?: number; size?: number }) | undefined {
    const m = /^\s*field:([^;]+);(.*)$/.exec(line);
    if (!m) return undefined;
    const decl = m[1].trim();
    const name = fieldName(decl);
    if (!name) return undefined;
    let type = decl.slice(0, name.index).trim();
    if (name.dims) type = `${type}${name.dims}`;
    const field: TypedName & { offset?: number; size?: number } = { name: name.name, type };
    const off = /offset:(\d+)/.exec(m[2]);
    const size = /size:(\d+)/.exec(m[2]);
    if (off) field.offset = Number(off[1]);
    if (size) field.size = Number(size[1]);
    return field;
}

/** The non-common fields of a tracepoint `format` file (what bpftrace's `args` offers). */
export function parseFormat(text: string): TypedName[] {
    const out: TypedName[] = [];
    for (const line of text.split('\n')) {
        const f = parseFormatField(line);
        if (f && !f.name.startsWith('common_')) out.push({ name: f.name, type: f.type });
    }
    return out;
}

/** How much {@link readProcFile} asks for at a time. */
const PROC_CHUNK = 1 << 16;
/** Files up to about this size are read into {@link procBuffer}; larger ones go on in fresh chunks. */
const PROC_BUFFER = 4 * PROC_CHUNK;
/** The buffer {@link readProcFile} reads small files into, kept for the next. */
let procBuffer: Buffer | undefined;

/**
 * Reads a /proc or tracefs file (they report size 0) synchronously in 64 KB chunks: for /proc/kallsyms this
 * takes ~25 ms where async chunked reads took ~200 ms (each read re-walks the kernel's seq_file).
 */
export function readProcFile(path: string): string {
    const fd = openSync(path, 'r');
    try {
        // Small files (a tracepoint's format is ~1 KB, and `sudo probekit index` reads 2,300 of them) are read into one
        // buffer kept for the next: a fresh 64 KB buffer for each read was a third of that time, in allocating them and
        // collecting them. A larger file goes on in fresh chunks, joined at the end (kallsyms: megabytes).
        const buf = (procBuffer ??= Buffer.allocUnsafe(PROC_BUFFER));
        let used = 0;
        let n: number;
        while (used + PROC_CHUNK <= buf.length && (n = readSync(fd, buf, used, PROC_CHUNK, null)) > 0) used += n;
        if (used + PROC_CHUNK <= buf.length) return buf.toString('latin1', 0, used);
        const chunks: Buffer[] = [Buffer.from(buf.subarray(0, used))];
        for (;;) {
            const chunk = Buffer.allocUnsafe(PROC_CHUNK);
            n = readSync(fd, chunk, 0, chunk.length, null);
            if (n === 0) break;
            chunks.push(chunk.subarray(0, n));
        }
        return Buffer.concat(chunks).toString('latin1');
    } finally {
        closeSync(fd);
    }
}

function reason(e: unknown): string {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return 'not permitted';
    if (code === 'ENOENT') return 'not present';
    return (e as Error).message;
}

/** What a root process saw in tracefs, cached per kernel. */
interface TracefsSnapshot {
    /** `system:event` names. */
    events: string[];
    formats: Record<string, TypedName[]>;
}

const isNameLines = (v: unknown): v is { names: string } => isObject(v) && typeof v.names === 'string';

function isSnapshot(v: unknown): v is TracefsSnapshot {
    return isObject(v) && isStringArray(v.events) && isObject(v.formats) && Object.values(v.formats).every(isTypedNames);
}

/** Reads kallsyms and tracefs, each at most once per instance. */
export class NodeKernelSymbols implements KernelSymbolSource {
    private readonly said = new Map<string, CatalogueNotice>();
    private readonly memo = new Map<string, Promise<unknown>>();

    private snapshot?: TracefsSnapshot | null;
    /** What `kprobes` answered (null: unknown). */
    private hasKprobes?: boolean | null;

    /**
     * `cache` + `kernelIdentity`: what tracefs shows root is remembered per kernel, so a later non-root process
     * (tracefs is 0700) still knows the tracepoints and their fields. `kprobes`: whether the kernel is built with
     * kprobes (its CONFIG_KPROBES), asked once, when kernel function names are first wanted; undefined when unknown.
     */
    constructor(
        private readonly paths: KernelPaths = DEFAULT_KERNEL_PATHS,
        private readonly persist?: { cache: CatalogueCache; kernelIdentity: string },
        private readonly kprobes?: () => boolean | undefined,
    ) {}

    private cached(): TracefsSnapshot | undefined {
        if (this.snapshot === undefined) {
            this.snapshot = this.persist?.cache.read('tracefs', cacheKey(this.persist.kernelIdentity), isSnapshot) ?? null;
        }
        return this.snapshot ?? undefined;
    }

    private remember(update: (s: TracefsSnapshot) => void): void {
        if (!this.persist) return;
        const snap = this.cached() ?? { events: [], formats: {} };
        update(snap);
        this.snapshot = snap;
        this.persist.cache.write('tracefs', cacheKey(this.persist.kernelIdentity), snap);
    }

    /**
     * Reads every event's format (root) and stores the whole tracefs view in the cache: what `sudo probekit
     * index` does so that non-root editing has tracepoint fields. Returns the number of formats read.
     */
    async fillCache(): Promise<number> {
        const events = await this.tracepoints();
        if (!events || !this.persist) return 0;
        const formats: Record<string, TypedName[]> = {};
        for (const e of events) {
            const fields = await this.tracepointFormat(e.system, e.event);
            if (fields) formats[`${e.system}:${e.event}`] = fields;
        }
        this.remember(s => { s.formats = formats; });
        return Object.keys(formats).length;
    }

    notices(): CatalogueNotice[] {
        return [...this.said.values()];
    }

    private note(source: string, message: string, fix?: string): void {
        if (!this.said.has(source)) this.said.set(source, { source, message, ...(fix ? { fix } : {}) });
    }

    private once<T>(key: string, load: () => Promise<T>): Promise<T> {
        let p = this.memo.get(key) as Promise<T> | undefined;
        if (!p) {
            p = load();
            this.memo.set(key, p);
        }
        return p;
    }

    /** Reads a file from the first tracefs mount that has it. */
    private async tracefsFile(rel: string): Promise<string | undefined> {
        let last: unknown;
        for (const dir of this.paths.tracefs) {
            try {
                return readProcFile(`${dir}/${rel}`);
            } catch (e) {
                last = e;
                if ((e as NodeJS.ErrnoException).code !== 'ENOENT') break;
            }
        }
        const why = reason(last);
        // A missing event under a mounted tracefs is just an unknown event, not a problem to report.
        if (why === 'not present' && this.paths.tracefs.some(d => existsSync(`${d}/available_events`))) return undefined;
        if (why === 'not present') {
            this.note('tracefs', `tracefs is not mounted (no ${rel} under ${this.paths.tracefs.join(' or ')})`, 'mount -t tracefs nodev /sys/kernel/tracing');
        } else {
            // Only the event list and formats are cached; available_filter_functions is too large to be worth it.
            const cacheable = rel === 'available_events' || rel.startsWith('events/');
            const fromCache = cacheable && !!this.cached();
            const root = process.getuid?.() === 0;
            this.note(`tracefs:${rel.split('/')[0]}`, `${rel} is ${why === 'not permitted' ? `not readable${root ? '' : ' for this user'}` : why}${fromCache ? '; using what root cached' : ''}`,
                why === 'not permitted' && !root && cacheable && !fromCache ? `${rootIndexCommand()} (caches tracepoints and their fields for this kernel)` : undefined);
        }
        return undefined;
    }

    /**
     * The cache key of the kallsyms names: the kernel, this boot and its loaded modules (name and size each), or,
     * for a regular file standing in for /proc/kallsyms, its path, mtime and size. Reading /proc/kallsyms costs
     * the kernel ~35 ms (more than `bpftrace -l` takes in all here); the cached names take ~5 ms to read.
     */
    private kallsymsKey(): string | undefined {
        if (!this.persist) return undefined;
        const path = this.paths.kallsyms;
        let file: [number, number] | undefined;
        try {
            const st = statSync(path);
            if (st.isFile() && st.size > 0) file = [st.mtimeMs, st.size];
        } catch {
            return undefined;
        }
        const modules = file ? '' : textOrEmpty(this.paths.modules).split('\n').map(l => l.split(' ', 2).join(' ')).join('\n');
        return cacheKey({ kernel: this.persist.kernelIdentity, path, file, boot: file ? '' : textOrEmpty(this.paths.bootId).trim(), modules });
    }

    kallsymsFunctions(): Promise<string[] | undefined> {
        return this.once('kallsyms', async () => {
            const key = this.kallsymsKey();
            // One string of names a line: JSON.parse reads that several times faster than an array of strings.
            const cached = key ? this.persist?.cache.read('kallsyms', key, isNameLines) : undefined;
            if (cached) return cached.names === '' ? [] : cached.names.split('\n');
            let text: string;
            try {
                text = readProcFile(this.paths.kallsyms);
            } catch (e) {
                this.note('kallsyms', `${this.paths.kallsyms}: ${reason(e)}`);
                return undefined;
            }
            const out: string[] = [];
            // Static functions of one name in several files are one name to a probe.
            const seen = new Set<string>();
            let start = 0;
            while (start < text.length) {
                let end = text.indexOf('\n', start);
                if (end < 0) end = text.length;
                // `ffffffff81000000 T name [module]`: the type letter sits right after the first space.
                const sp = text.indexOf(' ', start);
                const ty = text.charCodeAt(sp + 1);
                if (sp > 0 && sp < end && (ty === 116 || ty === 84)) {
                    // Module symbols carry `\t[module]`; look for the tab only within this line.
                    let nameEnd = sp + 3;
                    while (nameEnd < end && text.charCodeAt(nameEnd) !== 9) nameEnd++;
                    // `__pfx_NAME` / `__cfi_NAME` label the padding before a function (call thunks, CFI), not functions.
                    if (!text.startsWith('__pfx_', sp + 3) && !text.startsWith('__cfi_', sp + 3)) {
                        const name = text.slice(sp + 3, nameEnd);
                        if (!seen.has(name)) {
                            seen.add(name);
                            out.push(name);
                        }
                    }
                }
                start = end + 1;
            }
            if (key && out.length > 0) this.persist?.cache.write('kallsyms', key, { names: out.join('\n') });
            return out;
        });
    }

    traceableFunctions(): Promise<string[] | undefined> {
        return this.once('filter', async () => {
            const text = await this.tracefsFile('available_filter_functions');
            if (text === undefined) return undefined;
            return text.split('\n').filter(Boolean).map(l => l.split(/\s/, 1)[0]);
        });
    }

    async kernelFunctions(): Promise<{ names: string[]; from: 'available_filter_functions' | 'kallsyms' } | undefined> {
        // kprobe: and kernel.function("…") attach through kprobes: a kernel built without them has no such names to
        // offer (and its kallsyms is not read for them). fentry names come from BTF.
        if (this.hasKprobes === undefined) this.hasKprobes = this.kprobes?.() ?? null;
        if (this.hasKprobes === false) {
            this.note('kprobes', 'this kernel is built without kprobes (CONFIG_KPROBES is not set): no kprobe: or kernel.function names', 'boot a kernel built with CONFIG_KPROBES=y');
            return undefined;
        }
        const traceable = await this.traceableFunctions();
        if (traceable) return { names: traceable, from: 'available_filter_functions' };
        const symbols = await this.kallsymsFunctions();
        return symbols && { names: symbols, from: 'kallsyms' };
    }

    tracepoints(): Promise<Tracepoint[] | undefined> {
        return this.once('events', async () => {
            const text = await this.tracefsFile('available_events');
            if (text === undefined) {
                const cached = this.cached()?.events;
                return cached?.length ? cached.map(e => ({ system: e.slice(0, e.indexOf(':')), event: e.slice(e.indexOf(':') + 1) })) : undefined;
            }
            const out: Tracepoint[] = [];
            for (const line of text.split('\n')) {
                const colon = line.indexOf(':');
                if (colon > 0) out.push({ system: line.slice(0, colon), event: line.slice(colon + 1).trim() });
            }
            const names = out.map(t => `${t.system}:${t.event}`);
            if (this.persist && this.cached()?.events.join('\n') !== names.join('\n')) this.remember(snap => { snap.events = names; });
            return out;
        });
    }

    tracepointFormat(system: string, event: string): Promise<TypedName[] | undefined> {
        if (!/^\w+$/.test(system) || !/^\w+$/.test(event)) return Promise.resolve(undefined);
        return this.once(`format:${system}:${event}`, async () => {
            const text = await this.tracefsFile(`events/${system}/${event}/format`);
            return text === undefined ? this.cached()?.formats[`${system}:${event}`] : parseFormat(text);
        });
    }
}
