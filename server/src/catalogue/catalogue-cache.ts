/**
 * The persistent catalogue cache: one JSON file per entry, `KIND-KEY.json`, the key a hash of the sources'
 * identity (paths + mtimes + sizes, BTF checksum, tool version, kernel build id, …). A changed source gives a
 * new key, so stale entries are never read. Each kind keeps its most recently used entries (a bound per kind),
 * so two workspaces, runtimes or targets do not evict each other. Entries are written to a temporary file and
 * renamed into place, so concurrent writers never leave a torn file and never lose each other's entries.
 * A file that is not the shape its reader expects is a miss. Directory: `$PROBEKIT_CACHE_DIR`, else
 * `$XDG_CACHE_HOME/probekit`, else `~/.cache/probekit`, where `~` is the home of the user who ran `sudo` when
 * root runs under sudo (what root can read, e.g. tracefs, is cached for the user's editor, and the files and
 * folders made belong to that user). Failures to read or write only cost speed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** Bumped whenever the cached data shapes or the indexers change meaning (5: entries are ASCII, read as latin1). */
export const CACHE_FORMAT = 5;

/** Entries kept per kind unless the cache is told otherwise. */
export const DEFAULT_ENTRIES_PER_KIND = 8;

/** Kinds with many small entries: one tool listing per probe pattern asked. */
const ENTRIES_PER_KIND: Readonly<Record<string, number>> = { toolquery: 256 };

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
        return parse(execFileSync('getent', ['passwd', String(uid)], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }));
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

/** A stable key for anything JSON-serialisable that identifies a set of sources. */
export function cacheKey(identity: unknown): string {
    return createHash('sha1').update(JSON.stringify([CACHE_FORMAT, identity])).digest('hex').slice(0, 20);
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

    private path(kind: string, key: string): string {
        return join(this.dir, `${kind}-${key}.json`);
    }

    /** The entry, or undefined when it is missing, unreadable, not JSON, or not of `shape`. A hit counts as a use. */
    read<T>(kind: string, key: string, shape: Shape<T>): T | undefined {
        const file = this.path(kind, key);
        let value: unknown;
        try {
            // Entries are written in ASCII (see asciiJson): latin1 is then the same text, without UTF-8 decoding (the
            // tapset index, 2.4 MB: 6 → 2.6 ms).
            value = JSON.parse(readFileSync(file, 'latin1'));
        } catch {
            return undefined;
        }
        if (!shape(value)) return undefined;
        try {
            const now = new Date();
            utimesSync(file, now, now);
        } catch {
            // Another user's cache (read-only to us): the use is not recorded, which only affects pruning.
        }
        return value;
    }

    write(kind: string, key: string, value: unknown): boolean {
        try {
            makeDir(this.dir, 0, dir => this.own(dir));
            const file = this.path(kind, key);
            const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
            writeFileSync(tmp, asciiJson(value));
            this.own(tmp);
            renameSync(tmp, file);
            this.prune(kind);
            return true;
        } catch {
            return false;
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
                if (/^[0-9a-f]+\.json$/.test(name.slice(kind.length + 1))) entries.push({ file, used: st.mtimeMs });
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
    const json = JSON.stringify(value);
    return /[^\x00-\x7f]/.test(json) ? json.replace(/[^\x00-\x7f]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : json;
}

/** Shape helpers for cache readers. */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(x => typeof x === 'string');
/** `{ name: string, type: string }[]`. */
export const isTypedNames = (v: unknown): v is Array<{ name: string; type: string }> =>
    Array.isArray(v) && v.every(x => isObject(x) && typeof x.name === 'string' && typeof x.type === 'string');
