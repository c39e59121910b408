/**
 * The persistent catalogue cache: one JSON file per entry, `KIND-KEY.json` (JSON Lines for the tapset index; bytes of
 * their own, `KIND-KEY.bin`, for BTF's type table), the
 * key a hash of the sources' identity (paths + mtimes + sizes, BTF checksum, tool version, kernel build id, …). A
 * changed source gives a new key, so stale entries are never read; or, for the tapset index, the same key and a
 * list of the files' identities in the entry that no longer matches them. Each kind keeps its most recently used entries (a bound per kind),
 * so two workspaces, runtimes or targets do not evict each other. Entries are written to a temporary file and
 * renamed into place, so concurrent writers never leave a torn file and never lose each other's entries.
 * A file that is not the shape its reader expects is a miss. Directory: `$PROBEKIT_CACHE_DIR`, else
 * `$XDG_CACHE_HOME/probekit`, else `~/.cache/probekit`, where `~` is the home of the user who ran `sudo` when
 * root runs under sudo (what root can read, e.g. tracefs, is cached for the user's editor, and the files and
 * folders made belong to that user). Failures to read or write only cost speed.
 */
import { chownSync, closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { lazyChildProcess, lazyCrypto } from '../node-lazy.js';
import { asciiText } from '../../../language/src/common/ascii-text.js';

/**
 * Bumped whenever the cached data shapes or the indexers change meaning (5: entries are ASCII, read as latin1; 6: the
 * tapset index is JSON Lines, a name table and a line per file).
 */
export const CACHE_FORMAT = 6;

/** Entries kept per kind unless the cache is told otherwise. */
export const DEFAULT_ENTRIES_PER_KIND = 8;

/** Kinds with many small entries: one tool listing per probe pattern asked. */
const ENTRIES_PER_KIND: Readonly<Record<string, number>> = { toolquery: 256 };

/** How much of an entry {@link CatalogueCache.readHead} reads at a time, looking for the end of the first line. */
const HEAD_CHUNK = 256 * 1024;
/** A first line longer than this is no entry of ours (the tapset index's is ~300 KB): a miss, not read to its end. */
const HEAD_LIMIT = 64 * 1024 * 1024;

/** Temporary files older than this are a writer that died before its rename. */
const STALE_TEMP_MS = 60 * 60 * 1000;

/** The user who ran `sudo`, when this process is root under sudo. */
export interface SudoInvoker {
    user: string;
    uid: number;
    gid: number;
    home: string;
}

/** The passwd entry of a uid: /etc/passwd, else `getent passwd` (users from NSS: LDAP, systemd-homed, …). */
function passwdEntry(uid: number): { gid: number; home: string } | undefined {
    const parse = (text: string): { gid: number; home: string } | undefined => {
        for (const line of text.split('\n')) {
            const f = line.split(':');
            if (f.length >= 7 && Number(f[2]) === uid && f[2] !== '') return { gid: Number(f[3]), home: f[5] };
        }
        return undefined;
    };
    try {
        const local = parse(readFileSync('/etc/passwd', 'utf8'));
        if (local) return local;
    } catch {
        // no /etc/passwd: ask NSS
    }
    try {
        return parse(lazyChildProcess().execFileSync('getent', ['passwd', String(uid)], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }));
    } catch {
        return undefined;
    }
}

/** `SUDO_UID`/`SUDO_GID`/`SUDO_USER` as sudo sets them, when this process is root; undefined otherwise. */
export function sudoInvoker(env: NodeJS.ProcessEnv = process.env, uid: number | undefined = process.getuid?.()): SudoInvoker | undefined {
    if (uid !== 0 || !env.SUDO_UID || !/^\d+$/.test(env.SUDO_UID)) return undefined;
    const invoker = Number(env.SUDO_UID);
    if (invoker === 0) return undefined;
    const entry = passwdEntry(invoker);
    if (!entry?.home) return undefined;
    const gid = env.SUDO_GID && /^\d+$/.test(env.SUDO_GID) ? Number(env.SUDO_GID) : entry.gid;
    return { user: env.SUDO_USER ?? String(invoker), uid: invoker, gid, home: entry.home };
}

function cacheDirIn(env: NodeJS.ProcessEnv, home: string): string {
    if (env.PROBEKIT_CACHE_DIR) return env.PROBEKIT_CACHE_DIR;
    if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'probekit');
    return join(home, '.cache', 'probekit');
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, invoker: SudoInvoker | undefined = sudoInvoker(env)): string {
    return cacheDirIn(env, invoker?.home ?? homedir());
}

/**
 * The command that caches root-only facts where a process with this environment reads them: `sudo probekit
 * index`, naming the cache folder when it is not the one root would find by itself under sudo (sudo drops
 * `PROBEKIT_CACHE_DIR` and `XDG_CACHE_HOME`).
 */
export function rootIndexCommand(env: NodeJS.ProcessEnv = process.env): string {
    const dir = cacheDirIn(env, homedir());
    if (dir === join(homedir(), '.cache', 'probekit')) return 'sudo probekit index';
    const quoted = /^[\w@%+=:,./-]+$/.test(dir) ? dir : `'${dir.replace(/'/g, `'\\''`)}'`;
    return `sudo env PROBEKIT_CACHE_DIR=${quoted} probekit index`;
}

/**
 * A stable key for anything JSON-serialisable that identifies a set of sources: 80 bits of a hash of its JSON. Not
 * a cryptographic hash (a key names our own entries; nothing trusts it), so that a warm start need not load
 * `node:crypto` (see node-lazy.ts).
 */
export function cacheKey(identity: unknown): string {
    return hash80(JSON.stringify([CACHE_FORMAT, identity]));
}

/**
 * 80 bits (20 hex digits) of four 32-bit multiply-xor lanes over the UTF-16 code units of `text` (cyrb53's mixing,
 * widened): every unit feeds every lane, each with its own multiplier, and the lanes are mixed with each other at
 * the end.
 */
export function hash80(text: string): string {
    let a = 0x9e3779b9 ^ text.length;
    let b = 0x85ebca6b;
    let c = 0xc2b2ae35;
    let d = 0x27d4eb2f;
    for (let i = 0; i < text.length; i++) {
        const u = text.charCodeAt(i);
        a = Math.imul(a ^ u, 2654435761);
        b = Math.imul(b ^ u, 1597334677);
        c = Math.imul(c ^ u, 2246822519);
        d = Math.imul(d ^ u, 3266489917);
    }
    const mix = (x: number, y: number): number => (Math.imul(x ^ (x >>> 16), 2246822507) ^ Math.imul(y ^ (y >>> 13), 3266489909)) >>> 0;
    const hex = (x: number): string => x.toString(16).padStart(8, '0');
    return (hex(mix(a, c)) + hex(mix(b, d)) + hex(mix(c, b))).slice(0, 20);
}

/**
 * `mkdir -p` that gives up instead of looping: Node's recursive mkdir spins forever under /proc, where mkdir
 * answers ENOENT although the parent exists. `made` receives each directory it created.
 */
export function makeDir(dir: string, depth = 0, made?: (dir: string) => void): void {
    try {
        mkdirSync(dir);
        made?.(dir);
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') return;
        const parent = dirname(dir);
        if (code !== 'ENOENT' || parent === dir || depth > 32) throw e;
        makeDir(parent, depth + 1, made);
        mkdirSync(dir);
        made?.(dir);
    }
}

/** Tells whether parsed JSON has the shape a reader expects. */
export type Shape<T> = (value: unknown) => value is T;

export interface CatalogueCacheOptions {
    /** Entries kept per kind (least recently used pruned first); other kinds keep their usual bound. */
    entriesPerKind?: Readonly<Record<string, number>>;
    /** Who the files and folders made belong to (chown); the process's user when not given. */
    owner?: { uid: number; gid: number };
}

export class CatalogueCache {
    readonly dir: string;
    private readonly options: CatalogueCacheOptions;

    /** Without `dir`: the default folder, for the user who ran sudo when root runs under sudo (and owned by them). */
    constructor(dir?: string, options: CatalogueCacheOptions = {}) {
        const invoker = dir === undefined ? sudoInvoker() : undefined;
        this.dir = dir ?? defaultCacheDir(process.env, invoker);
        this.options = { ...options, owner: options.owner ?? invoker };
    }

    private own(path: string): void {
        const owner = this.options.owner;
        if (owner) chownSync(path, owner.uid, owner.gid);
    }

    private path(kind: string, key: string, ext = 'json'): string {
        return join(this.dir, `${kind}-${key}.${ext}`);
    }

    /** A binary entry's bytes, or undefined when it is missing or unreadable; the caller checks them. A hit counts as a use. */
    readBytes(kind: string, key: string): Buffer | undefined {
        const file = this.path(kind, key, 'bin');
        let bytes: Buffer;
        try {
            bytes = readFileSync(file);
        } catch {
            return undefined;
        }
        this.touch(file);
        return bytes;
    }

    /** Stores a binary entry, the parts one after another (written to a temporary file and renamed, as JSON entries are). */
    writeBytes(kind: string, key: string, parts: readonly Uint8Array[]): boolean {
        return this.store(kind, key, 'bin', tmp => {
            const fd = openSync(tmp, 'w');
            try {
                for (const part of parts) {
                    for (let at = 0; at < part.byteLength;) at += writeSync(fd, part, at, part.byteLength - at);
                }
            } finally {
                closeSync(fd);
            }
        });
    }

    /**
     * Writes an entry through `write` into a temporary file, then renames it into place (concurrent writers never leave
     * a torn file) and prunes the kind. False when any of it failed.
     */
    private store(kind: string, key: string, ext: 'json' | 'bin', write: (tmp: string) => void): boolean {
        try {
            makeDir(this.dir, 0, dir => this.own(dir));
            const file = this.path(kind, key, ext);
            const tmp = `${file}.${process.pid}.${lazyCrypto().randomBytes(4).toString('hex')}.tmp`;
            write(tmp);
            this.own(tmp);
            renameSync(tmp, file);
            this.prune(kind);
            return true;
        } catch {
            return false;
        }
    }

    /** The entry, or undefined when it is missing, unreadable, not JSON, or not of `shape`. A hit counts as a use. */
    read<T>(kind: string, key: string, shape: Shape<T>): T | undefined {
        const text = this.readText(kind, key);
        let value: unknown;
        try {
            value = text === undefined ? undefined : JSON.parse(text);
        } catch {
            return undefined;
        }
        return shape(value) ? value : undefined;
    }

    /**
     * The entry's text, or undefined when it is missing or unreadable; the caller checks what it holds. A hit
     * counts as a use.
     */
    private readText(kind: string, key: string): string | undefined {
        const file = this.path(kind, key);
        let text: string;
        try {
            // Entries are written in ASCII (see asciiJson): latin1 is then the same text, without UTF-8 decoding (the
            // tapset index, 2.4 MB: 6 → 2.6 ms).
            text = readFileSync(file, 'latin1');
        } catch {
            return undefined;
        }
        this.touch(file);
        return text;
    }

    /**
     * The entry's first line and, when asked, the text after it: a reader that needs only the first line of a large
     * entry reads only that (see catalogue-tapset-packed.ts). Undefined when the entry is missing, unreadable or has
     * no line break in its first 64 MB. A hit counts as a use. `rest` reads the entry again: undefined when it is gone or is no longer
     * the size it was.
     */
    readHead(kind: string, key: string): { head: string; rest: () => string | undefined } | undefined {
        const file = this.path(kind, key);
        let head: string | undefined;
        let size = 0;
        try {
            const fd = openSync(file, 'r');
            try {
                size = fstatSync(fd).size;
                const chunks: Buffer[] = [];
                for (let pos = 0; pos < Math.min(size, HEAD_LIMIT) && head === undefined;) {
                    const chunk = Buffer.allocUnsafe(Math.min(HEAD_CHUNK, size - pos));
                    const n = readSync(fd, chunk, 0, chunk.length, pos);
                    if (n <= 0) break;
                    const read = chunk.subarray(0, n);
                    const nl = read.indexOf(10);
                    if (nl >= 0) head = Buffer.concat([...chunks, read.subarray(0, nl)]).toString('latin1');
                    else chunks.push(read);
                    pos += n;
                }
            } finally {
                closeSync(fd);
            }
        } catch {
            return undefined;
        }
        if (head === undefined) return undefined;
        this.touch(file);
        const offset = head.length + 1;
        const rest = (): string | undefined => {
            try {
                const text = readFileSync(file, 'latin1');
                return text.length === size ? text.slice(offset) : undefined;
            } catch {
                return undefined;
            }
        };
        return { head, rest };
    }

    /** Records a use of an entry (its modification time): pruning removes the least recently used first. */
    private touch(file: string): void {
        try {
            const now = new Date();
            utimesSync(file, now, now);
        } catch {
            // Another user's cache (read-only to us): the use is not recorded, which only affects pruning.
        }
    }

    write(kind: string, key: string, value: unknown): boolean {
        return this.writeText(kind, key, JSON.stringify(value));
    }

    /** Stores JSON text (one value, or JSON Lines) for `kind` and `key`; characters beyond ASCII are escaped. */
    writeText(kind: string, key: string, json: string): boolean {
        return this.store(kind, key, 'json', tmp => writeFileSync(tmp, asciiText(json)));
    }

    /** Removes an entry found unusable after it was read, so that the next reader rebuilds it. */
    discard(kind: string, key: string, ext: 'json' | 'bin' = 'json'): void {
        try {
            unlinkSync(this.path(kind, key, ext));
        } catch {
            // gone already, or another user's cache
        }
    }

    /** Keeps the kind's most recently used entries within its bound; removes temporary files left by dead writers. */
    private prune(kind: string): void {
        const keep = this.options.entriesPerKind?.[kind] ?? ENTRIES_PER_KIND[kind] ?? DEFAULT_ENTRIES_PER_KIND;
        const entries: Array<{ file: string; used: number }> = [];
        const now = Date.now();
        for (const name of readdirSync(this.dir)) {
            if (!name.startsWith(`${kind}-`)) continue;
            const file = join(this.dir, name);
            try {
                const st = statSync(file);
                if (/^[0-9a-f]+\.(json|bin)$/.test(name.slice(kind.length + 1))) entries.push({ file, used: st.mtimeMs });
                else if (name.endsWith('.tmp') && now - st.mtimeMs > STALE_TEMP_MS) unlinkSync(file);
            } catch {
                // removed by another process meanwhile
            }
        }
        if (entries.length <= keep) return;
        entries.sort((a, b) => b.used - a.used);
        for (const { file } of entries.slice(keep)) {
            try { unlinkSync(file); } catch { /* another process got there first */ }
        }
    }
}

/** JSON text in ASCII: every other character as a `\\uXXXX` escape (a pair of them for one beyond the BMP). */
export function asciiJson(value: unknown): string {
    return asciiText(JSON.stringify(value));
}

/** Shape helpers for cache readers. */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(x => typeof x === 'string');
/** `{ name: string, type: string }[]`. */
export const isTypedNames = (v: unknown): v is Array<{ name: string; type: string }> =>
    Array.isArray(v) && v.every(x => isObject(x) && typeof x.name === 'string' && typeof x.type === 'string');
