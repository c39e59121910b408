import { chmodSync, chownSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { cacheFileOf, codeCacheDir, compileBundle, loadBundle, storeCodeCache } from '../src/code-cache.js';
import { tempDir } from './catalogue/catalogue-test-kit.js';

/** A CommonJS bundle in a fresh folder, as esbuild writes the CLI's (a `#!` line, `require`, `module.exports`). */
function bundle(name = 'cli-x.cjs', body = 'exports.twice = n => 2 * n;'): string {
    const file = join(tempDir(), name);
    writeFileSync(file, `#!/usr/bin/env node\nconst { join } = require('node:path');\nexports.file = __filename;\nexports.dir = __dirname;\n${body}\n`);
    return file;
}

/** The cache an earlier run leaves: the compiled bundle run, then its data stored. */
function runAndStore(file: string, dir: string): void {
    const first = compileBundle(file, dir);
    first.script.runInThisContext();
    storeCodeCache(dir, first.cacheFile!, first.script.createCachedData(), 'cli-x.cjs');
}

describe('bundles loaded through the code cache', () => {
    test('exports, __filename, __dirname and require work as with require()', () => {
        const file = bundle();
        const m = loadBundle(file, undefined) as { twice: (n: number) => number; file: string; dir: string };
        expect([m.twice(21), m.file, m.dir]).toEqual([42, file, join(file, '..')]);
    });
    test.each([
        ['no cache folder', undefined, 'off'],
        ['an empty cache folder', 'empty', 'none'],
        ['the data an earlier run stored', 'stored', 'used'],
        ['data from something else', 'junk', 'rejected'],
    ])('%s → %s', (_what, state, expected) => {
        // Each case its own source: V8 answers a source it compiled before in this process from memory.
        const file = bundle('cli-x.cjs', `exports.state = ${JSON.stringify(String(state))};`);
        const dir = state === undefined ? undefined : tempDir();
        if (state === 'stored') runAndStore(file, dir!);
        if (state === 'junk') writeFileSync(cacheFileOf(dir!, file), 'not V8 data');
        expect(compileBundle(file, dir).cache).toBe(expected);
    });
    test('a changed bundle gets a cache file of its own, and storing it removes the old one (not another node\'s)', () => {
        const file = bundle();
        const dir = tempDir();
        runAndStore(file, dir);
        const otherNode = join(dir, 'cli-x.cjs-1-2-v99.0.0-x64.bin');
        writeFileSync(otherNode, 'another node');
        writeFileSync(file, '#!/usr/bin/env node\nexports.changed = true;\n');
        utimesSync(file, new Date(), new Date(Date.now() + 5000));
        expect(compileBundle(file, dir).cache).toBe('none');
        runAndStore(file, dir);
        expect(readdirSync(dir).sort()).toEqual([compileBundle(file, dir).cacheFile!.split('/').pop(), 'cli-x.cjs-1-2-v99.0.0-x64.bin'].sort());
    });
    test.each([
        ['a cache file others may write', (file: string, dir: string) => chmodSync(cacheFileOf(dir, file), 0o666)],
        ['a cache folder others may write', (_file: string, dir: string) => chmodSync(dir, 0o777)],
        ['a cache file of another user', (file: string, dir: string) => chownSync(cacheFileOf(dir, file), 65534, 65534)],
    ])('%s is not used', (_what, spoil) => {
        const file = bundle('cli-x.cjs', `exports.spoilt = ${JSON.stringify(_what)};`);
        const dir = tempDir();
        runAndStore(file, dir);
        if (_what.includes('another user') && process.getuid?.() !== 0) return; // only root can give a file away
        spoil(file, dir);
        expect(compileBundle(file, dir).cache).toBe('none');
    });
    test('a cache folder that cannot be written costs nothing but the compile', () => {
        const file = bundle();
        const dir = join(file, 'v8'); // under a file: no folder can be made there
        const first = compileBundle(file, dir);
        expect(first.cache).toBe('none');
        expect(() => storeCodeCache(dir, first.cacheFile!, first.script.createCachedData(), 'cli-x.cjs')).not.toThrow();
        expect(compileBundle(file, dir).cache).toBe('none');
    });
    test.each([
        [{ PROBEKIT_CACHE_DIR: '/c' }, '/c/v8'],
        [{ XDG_CACHE_HOME: '/x' }, '/x/probekit/v8'],
        [{ PROBEKIT_CODE_CACHE: 'off', PROBEKIT_CACHE_DIR: '/c' }, undefined],
    ])('cache folder for %j: %s', (env, expected) => {
        expect(codeCacheDir(env)).toBe(expected);
    });
});
