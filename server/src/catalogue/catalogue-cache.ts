/**
 * The persistent catalogue cache: one JSON file per kind of source, named by a hash of the sources' identity
 * (paths + mtimes + sizes, BTF checksum, …). A changed source gives a new key, so stale entries are never read;
 * writing a kind removes its older entries. Directory: `$PROBEKIT_CACHE_DIR`, else `$XDG_CACHE_HOME/probekit`,
 * else `~/.cache/probekit`. Failures to read or write only cost speed, never correctness.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** Bumped whenever the cached data shapes or the indexers change meaning. */
export const CACHE_FORMAT = 3;

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
    if (env.PROBEKIT_CACHE_DIR) return env.PROBEKIT_CACHE_DIR;
    if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'probekit');
    return join(homedir(), '.cache', 'probekit');
}

/** A stable key for anything JSON-serialisable that identifies a set of sources. */
export function cacheKey(identity: unknown): string {
    return createHash('sha1').update(JSON.stringify([CACHE_FORMAT, identity])).digest('hex').slice(0, 20);
}

/**
 * `mkdir -p` that gives up instead of looping: Node's recursive mkdir spins forever under /proc, where mkdir
 * answers ENOENT although the parent exists.
 */
export function makeDir(dir: string, depth = 0): void {
    try {
        mkdirSync(dir);
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') return;
        const parent = dirname(dir);
        if (code !== 'ENOENT' || parent === dir || depth > 32) throw e;
        makeDir(parent, depth + 1);
        mkdirSync(dir);
    }
}

export class CatalogueCache {
    constructor(readonly dir: string = defaultCacheDir()) {}

    private path(kind: string, key: string): string {
        return join(this.dir, `${kind}-${key}.json`);
    }

    read<T>(kind: string, key: string): T | undefined {
        try {
            return JSON.parse(readFileSync(this.path(kind, key), 'utf8')) as T;
        } catch {
            return undefined;
        }
    }

    write(kind: string, key: string, value: unknown): boolean {
        try {
            makeDir(this.dir);
            const file = this.path(kind, key);
            const tmp = `${file}.${process.pid}.tmp`;
            writeFileSync(tmp, JSON.stringify(value));
            renameSync(tmp, file);
            for (const name of readdirSync(this.dir)) {
                if (name.startsWith(`${kind}-`) && name.endsWith('.json') && join(this.dir, name) !== file) {
                    try { unlinkSync(join(this.dir, name)); } catch { /* another process got there first */ }
                }
            }
            return true;
        } catch {
            return false;
        }
    }
}
