import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { shippedCli, tempDir } from '../catalogue/catalogue-test-kit.js';

/**
 * What a fresh `probekit` loads of Node's own modules: only what the command uses. Each heavy module is milliseconds
 * of every start (node:crypto ~5 ms, node:child_process ~3 ms), so a command that needs none of them must not load
 * them (server/src/node-lazy.ts, scripts/esbuild-lazy-builtins.mjs, server/src/cli/cli-output.ts).
 */
let cli: string;
let dir: string;
beforeAll(() => {
    cli = shippedCli();
    dir = tempDir('probekit-startup-');
    writeFileSync(join(dir, 'hello.stp'), 'probe begin { printf("hello\\n"); exit() }\n');
    writeFileSync(join(dir, 'loaded.cjs'), `
const before = new Set(process.moduleLoadList);
process.on('exit', () => {
    const loaded = process.moduleLoadList.filter(m => !before.has(m) && m.startsWith('NativeModule ')).map(m => m.slice(13));
    require('fs').writeFileSync(process.env.PROBEKIT_LOADED_FILE, JSON.stringify(loaded));
});
`);
}, 300_000);

/** The built-in modules a run of the shipped CLI loaded (its stdout a pipe, as in a terminal's pipeline). */
function loaded(args: string[], cacheDir: string): string[] {
    const out = join(dir, `loaded-${Math.random().toString(36).slice(2)}.json`);
    const r = spawnSync(process.execPath, ['-r', join(dir, 'loaded.cjs'), cli, ...args], {
        encoding: 'utf8', timeout: 120_000, env: { ...process.env, PROBEKIT_CACHE_DIR: cacheDir, PROBEKIT_LOADED_FILE: out },
    });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(readFileSync(out, 'utf8')) as string[];
}

describe('a fresh probekit loads no module it does not use', () => {
    test.each<[string, string[], string[]]>([
        ['index from a warm cache', ['index', '--only', 'tapsets'], ['crypto', 'child_process', 'zlib', 'v8', 'net', 'stream', 'fs/promises']],
        ['check of a script', ['check', '<dir>/hello.stp'], ['crypto', 'child_process', 'net', 'fs/promises']],
        ['index --help', ['index', '--help'], ['crypto', 'child_process', 'zlib', 'v8', 'net', 'stream', 'fs/promises']],
    ])('%s', (_what, args, absent) => {
        const cacheDir = tempDir('probekit-startup-cache-');
        const argv = args.map(a => a.replace('<dir>', dir));
        loaded(argv, cacheDir);
        const mods = loaded(argv, cacheDir);
        expect(mods.filter(m => absent.includes(m))).toEqual([]);
    }, 120_000);
});
