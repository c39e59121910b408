/**
 * Which installed tool a cached answer came from: its resolved path and its version, the version read from the
 * disk cache while the binary is unchanged (path, mtime, size) and asked of the tool (`--version`) otherwise.
 */
import { statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { cacheKey, isObject, type CatalogueCache } from './catalogue-cache.js';

export interface ToolIdentity {
    path: string;
    version: string;
}

/** The file `tool` names: itself when it has a slash, else the first match on `$PATH`. */
export function resolveOnPath(tool: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
    if (tool.includes('/')) return tool;
    for (const dir of (env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
        try {
            if (statSync(join(dir, tool)).isFile()) return join(dir, tool);
        } catch {
            // not in this dir
        }
    }
    return undefined;
}

const isVersion = (v: unknown): v is { version: string } => isObject(v) && typeof v.version === 'string';

/** The tool's path, the cache key of its binary, and its version when the cache knows it (synchronous). */
function known(tool: string, cache: CatalogueCache | undefined, env: NodeJS.ProcessEnv): { path: string; key: string; version?: string } | undefined {
    const path = resolveOnPath(tool, env);
    if (!path) return undefined;
    try {
        const st = statSync(path);
        if (!st.isFile()) return undefined;
        const key = cacheKey([path, st.mtimeMs, st.size]);
        return { path, key, version: cache?.read('toolversion', key, isVersion)?.version };
    } catch {
        return undefined;
    }
}

/**
 * The tool's path and version; undefined when it is not installed or does not say its version. `ask` runs the
 * tool's version command (asynchronously, so callers can read files meanwhile). A version the cache knows comes
 * back as an already settled promise, so a caller racing it against other work sees it at once.
 */
export function toolIdentity(
    tool: string, ask: (path: string) => Promise<string | undefined>, cache?: CatalogueCache, env: NodeJS.ProcessEnv = process.env,
): Promise<ToolIdentity | undefined> {
    const k = known(tool, cache, env);
    if (!k) return Promise.resolve(undefined);
    if (k.version) return Promise.resolve({ path: k.path, version: k.version });
    return ask(k.path).then(version => {
        if (!version) return undefined;
        cache?.write('toolversion', k.key, { version });
        return { path: k.path, version };
    });
}

/** {@link toolIdentity}'s version alone, settled at once when the cache knows it. */
export function toolVersion(
    tool: string, ask: (path: string) => Promise<string | undefined>, cache?: CatalogueCache, env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
    const k = known(tool, cache, env);
    if (k?.version) return Promise.resolve(k.version);
    return toolIdentity(tool, ask, cache, env).then(id => id?.version);
}
