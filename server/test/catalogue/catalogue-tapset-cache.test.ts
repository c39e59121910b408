/** Tapset trees made in temp dirs: stap's directory choice, and the disk cache's keys and invalidation. */
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { arch as nodeArch, release } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { TapsetTarget } from '../../../language/src/catalogue/catalogue-tapset-types.js';
import { CatalogueCache, defaultCacheDir } from '../../src/catalogue/catalogue-cache.js';
import { stapArchOf } from '../../src/providers/node-host-facts.js';
import { NodeSystemCatalogue } from '../../src/catalogue/catalogue-system.js';
import { INSTALLED_TAPSET_DIR, listTapsetFiles, loadTapsetIndex } from '../../src/catalogue/catalogue-tapset-reader.js';
import { hasTool, kernelStub, runTool, tempDir } from './catalogue-test-kit.js';

const ARCH = stapArchOf(nodeArch());
const TARGET: TapsetTarget = { kernelRelease: release(), arch: ARCH, runtime: 'kernel', stapVersion: '4.8' };
const OTHER_ARCH = ARCH === 'x86_64' ? 's390' : 'x86_64';

/** Writes `files` (relative path → text) under a new temp dir. */
function tree(files: Record<string, string>): string {
    const dir = tempDir();
    for (const [rel, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, rel)), { recursive: true });
        writeFileSync(join(dir, rel), text);
    }
    return dir;
}

const FILES = {
    'mine.stp': 'probe mine.here = begin { where = "root" }\n',
    [`${ARCH}/arch_only.stp`]: 'function arch_fn:long () { return 1 }\n',
    [`${OTHER_ARCH}/other_arch.stp`]: 'function other_arch_fn:long () { return 1 }\n',
    'linux/runtime.stp': 'function linux_fn:long () { return 1 }\n',
    'bpf/runtime_bpf.stp': 'function bpf_fn:long () { return 1 }\n',
    [`linux/${release().replace(/-.*$/, '')}/versioned.stp`]: 'function versioned_fn:long () { return 1 }\n',
    'linux/mine.stpm': '@define MY_MACRO %( 42 %)\n',
    'uses_macro.stp': 'probe mine.macro = begin { v = @MY_MACRO }\n',
};

describe('a tapset tree given with --tapset-dir', () => {
    const dir = tree(FILES);
    test('the directories chosen for this kernel, arch and runtime', () => {
        const { macros, scripts } = listTapsetFiles([dir], TARGET);
        const rel = [...macros, ...scripts].map(f => f.path.slice(dir.length + 1)).sort();
        expect(rel).toEqual([`${ARCH}/arch_only.stp`, `linux/${release().replace(/-.*$/, '')}/versioned.stp`, 'linux/mine.stpm', 'linux/runtime.stp', 'mine.stp', 'uses_macro.stp'].sort());
    });
    test.runIf(hasTool('stap'))('are the files stap -I reads', () => {
        const out = runTool('stap', ['-r', kernelStub(), '-I', dir, '-vvv', '-p1', '-e', 'probe never {}']);
        const theirs = [...out.matchAll(/Processing tapset "([^"]+)"/g)].map(m => m[1]).filter(p => p.startsWith(dir)).sort();
        const { macros, scripts } = listTapsetFiles([dir, INSTALLED_TAPSET_DIR], { ...TARGET, kernelConfig: undefined });
        expect([...macros, ...scripts].map(f => f.path).filter(p => p.startsWith(dir)).sort()).toEqual(theirs);
    });
    test('-I dirs come before the installed library and see its macros', () => {
        const { index } = loadTapsetIndex({ roots: [dir, INSTALLED_TAPSET_DIR], target: TARGET });
        expect(index.data.files[0].file.startsWith(dir)).toBe(true);
        expect(index.contextVariables('mine.macro').map(v => v.name)).toEqual(['v']);
        expect(index.functions.has('execname')).toBe(true);
        expect(index.functions.has('other_arch_fn')).toBe(false);
        expect(index.functions.has('bpf_fn')).toBe(false);
    });
    test('the bpf runtime picks bpf/ instead of linux/', () => {
        const { index } = loadTapsetIndex({ roots: [dir], target: { ...TARGET, runtime: 'bpf' } });
        expect(index.functions.has('bpf_fn')).toBe(true);
        expect(index.functions.has('linux_fn')).toBe(false);
    });
});

describe('the disk cache', () => {
    test('miss, hit, and a new key when a file changes, appears, or the target changes', () => {
        const dir = tree(FILES);
        const cache = new CatalogueCache(tempDir());
        const load = (target = TARGET) => loadTapsetIndex({ roots: [dir], target, cache });
        expect(load().fromCache).toBe(false);
        const hit = load();
        expect(hit.fromCache).toBe(true);
        expect(hit.index.contextVariables('mine.here').map(v => v.name)).toEqual(['where']);

        writeFileSync(join(dir, 'mine.stp'), 'probe mine.here = begin { where = "root"; extra = 1 }\n');
        utimesSync(join(dir, 'mine.stp'), new Date(), new Date(Date.now() + 5000));
        const changed = load();
        expect(changed.fromCache).toBe(false);
        expect(changed.index.contextVariables('mine.here').map(v => v.name)).toEqual(['where', 'extra']);

        writeFileSync(join(dir, 'added.stp'), 'global added_global\n');
        expect(load().fromCache).toBe(false);
        expect(load().index.globals.has('added_global')).toBe(true);

        expect(load({ ...TARGET, arch: OTHER_ARCH }).fromCache).toBe(false);
        // Only the newest entry per kind is kept.
        expect(readdirSync(cache.dir).filter(n => n.startsWith('tapsets-'))).toHaveLength(1);
    });
    test('a corrupt cache file is ignored and rewritten', () => {
        const dir = tree(FILES);
        const cache = new CatalogueCache(tempDir());
        loadTapsetIndex({ roots: [dir], target: TARGET, cache });
        const [file] = readdirSync(cache.dir);
        writeFileSync(join(cache.dir, file), '{"files": [trunc');
        const again = loadTapsetIndex({ roots: [dir], target: TARGET, cache });
        expect(again.fromCache).toBe(false);
        expect(again.index.functions.has('arch_fn')).toBe(true);
        expect(loadTapsetIndex({ roots: [dir], target: TARGET, cache }).fromCache).toBe(true);
    });
    test('an unwritable cache directory costs only speed', () => {
        const dir = tree(FILES);
        const cache = new CatalogueCache('/proc/probekit-cannot-write-here');
        expect(loadTapsetIndex({ roots: [dir], target: TARGET, cache }).index.functions.has('arch_fn')).toBe(true);
    });
    test.each([
        [{ PROBEKIT_CACHE_DIR: '/x/y' }, '/x/y'],
        [{ XDG_CACHE_HOME: '/xdg' }, '/xdg/probekit'],
        [{ PROBEKIT_CACHE_DIR: '/x', XDG_CACHE_HOME: '/xdg' }, '/x'],
    ])('cache dir for %j', (env, expected) => {
        expect(defaultCacheDir(env)).toBe(expected);
    });
});

describe('the Node catalogue service', () => {
    test('missing sources become notices, once', async () => {
        const catalogue = new NodeSystemCatalogue({
            tapsetRoots: [], target: TARGET, stapVersion: '4.8', btfPath: '/nonexistent/vmlinux',
            kernelPaths: { kallsyms: '/nonexistent', tracefs: ['/nonexistent'] },
        });
        expect(await catalogue.tapsets()).toBeUndefined();
        expect(await catalogue.kernelTypes()).toBeUndefined();
        expect(await catalogue.kernelTypes()).toBeUndefined();
        await catalogue.kernelSymbols.tracepoints();
        expect(catalogue.notices().map(n => n.source)).toEqual(['tapsets', 'btf', 'tracefs']);
    });
    test('a corrupt BTF file is a notice with the reason', async () => {
        const bad = join(tempDir(), 'vmlinux');
        writeFileSync(bad, 'not btf at all, but long enough for a header');
        const catalogue = new NodeSystemCatalogue({ tapsetRoots: [], target: TARGET, stapVersion: '4.8', btfPath: bad });
        expect(await catalogue.kernelTypes()).toBeUndefined();
        expect(catalogue.notices().find(n => n.source === 'btf')?.message).toMatch(/bad BTF magic/);
    });
    test('the stap version may arrive later (promise)', async () => {
        const dir = tree({ 'v.stp': '%( systemtap_v >= "4.0" %? function new_enough() {} %: function too_old() {} %)\n' });
        const catalogue = new NodeSystemCatalogue({ tapsetRoots: [dir], target: TARGET, stapVersion: Promise.resolve('3.3') });
        const index = (await catalogue.tapsets())!;
        expect(index.functions.has('too_old')).toBe(true);
    });
});
