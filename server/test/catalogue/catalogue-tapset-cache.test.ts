/** Tapset trees made in temp dirs: stap's directory choice, and the disk cache's keys and invalidation. */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { arch as nodeArch, release } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { TapsetTarget } from '../../../language/src/catalogue/catalogue-tapset-types.js';
import { asciiJson, cacheKey, CatalogueCache, DEFAULT_ENTRIES_PER_KIND, defaultCacheDir, hash80, rootIndexCommand, sudoInvoker } from '../../src/catalogue/catalogue-cache.js';
import { KernelConfigFile, stapArchOf } from '../../src/providers/node-host-facts.js';
import { NodeSystemCatalogue } from '../../src/catalogue/catalogue-system.js';
import { INSTALLED_TAPSET_DIR, listTapsetFiles, loadTapsetIndex } from '../../src/catalogue/catalogue-tapset-reader.js';
import { hasTool, kernelStub, runTool, tempDir, tree } from './catalogue-test-kit.js';

const ARCH = stapArchOf(nodeArch());
const TARGET: TapsetTarget = { kernelRelease: release(), arch: ARCH, runtime: 'kernel', stapVersion: '4.8' };
const OTHER_ARCH = ARCH === 'x86_64' ? 's390' : 'x86_64';


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
    test('entries are ASCII files that read back as the same values, whatever characters they hold', () => {
        const cache = new CatalogueCache(tempDir());
        const value = { doc: 'naïve — “quoted” ✓ 𝄞 \u0000 \\u00e9 \n', n: [1, 2.5, null, true] };
        expect(cache.write('k', 'a1', value)).toBe(true);
        const bytes = readFileSync(join(cache.dir, 'k-a1.json'));
        expect(bytes.every(b => b < 0x80)).toBe(true);
        expect(cache.read('k', 'a1', (v): v is typeof value => typeof v === 'object')).toEqual(value);
        expect(JSON.parse(asciiJson(value))).toEqual(value);
    });
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
        // Two targets (or workspaces, runtimes) keep their own entries instead of evicting each other.
        expect(load().fromCache).toBe(true);
        expect(load({ ...TARGET, arch: OTHER_ARCH }).fromCache).toBe(true);
        expect(load({ ...TARGET, runtime: 'bpf' }).fromCache).toBe(false);
        expect(load().fromCache).toBe(true);
    });
    test('an entry read by its first line: the rest is read when asked, and only if the entry is still that entry', () => {
        const cache = new CatalogueCache(tempDir());
        expect(cache.readHead('k', 'a1')).toBeUndefined();
        const long = 'x'.repeat(600_000);
        expect(cache.writeText('k', 'a1', `${long}\nrest of it\n`)).toBe(true);
        const read = cache.readHead('k', 'a1')!;
        expect([read.head.length, read.rest()]).toEqual([long.length, 'rest of it\n']);
        writeFileSync(join(cache.dir, 'k-a1.json'), `${long}\nrest of it, longer\n`);
        expect(read.rest()).toBeUndefined();
        expect(cache.writeText('k', 'b2', 'no line break')).toBe(true);
        expect(cache.readHead('k', 'b2')).toBeUndefined();
    });
    test('keys: 20 hex digits, the same for the same identity, another for any change', () => {
        const identity = { roots: ['/usr/share/systemtap/tapset'], target: TARGET, n: [1, 2.5] };
        expect(cacheKey(identity)).toMatch(/^[0-9a-f]{20}$/);
        expect(cacheKey(structuredClone(identity))).toBe(cacheKey(identity));
        const variants = [{ ...identity, n: [1, 2.6] }, { ...identity, n: [2.5, 1] }, { ...identity, roots: ['/usr/share/systemtap/tapseT'] }, { ...identity, target: { ...TARGET, arch: 'x86_6' } }];
        expect(new Set([identity, ...variants].map(cacheKey)).size).toBe(5);
        const keys = new Set(Array.from({ length: 20_000 }, (_, i) => hash80(`/usr/share/systemtap/tapset/linux/f${i}.stp:${1700000000000 + i}`)));
        expect(keys.size).toBe(20_000);
    });
    test('a record found broken when first read drops the entry: that load has the file empty, the next rebuilds it', () => {
        const dir = tree(FILES);
        const cache = new CatalogueCache(tempDir());
        const load = () => loadTapsetIndex({ roots: [dir], target: TARGET, cache });
        load();
        const [entry] = readdirSync(cache.dir).filter(n => n.startsWith('tapsets-'));
        const text = readFileSync(join(cache.dir, entry), 'latin1');
        writeFileSync(join(cache.dir, entry), text.replace('"where"', '"wh"re"'), 'latin1');
        const broken = load();
        expect([broken.fromCache, broken.index.contextVariables('mine.here')]).toEqual([true, []]);
        expect(readdirSync(cache.dir).filter(n => n.startsWith('tapsets-'))).toEqual([]);
        const again = load();
        expect([again.fromCache, again.index.contextVariables('mine.here').map(v => v.name)]).toEqual([false, ['where']]);
    });
    test('a kernel configuration read from a file keys the cache by the file: a hit reads it not', () => {
        const dir = tree({ 'conf.stp': '%( CONFIG_MINE == "y" %? function with_mine() {} %: function without_mine() {} %)\n' });
        const config = join(tempDir(), 'config-6.1.0');
        writeFileSync(config, 'CONFIG_MINE=y\n');
        const cache = new CatalogueCache(tempDir());
        const load = (identity: string) => {
            const kernelConfig = new KernelConfigFile(config, identity);
            return { result: loadTapsetIndex({ roots: [dir], target: { ...TARGET, kernelConfig }, cache }), kernelConfig };
        };
        const first = load('config-6.1.0:1');
        expect([first.result.fromCache, first.kernelConfig.loaded, first.result.index.functions.has('with_mine')]).toEqual([false, true, true]);
        const hit = load('config-6.1.0:1');
        expect([hit.result.fromCache, hit.kernelConfig.loaded, hit.result.index.functions.has('with_mine')]).toEqual([true, false, true]);
        writeFileSync(config, 'CONFIG_MINE=n\n');
        const changed = load('config-6.1.0:2');
        expect([changed.result.fromCache, changed.result.index.functions.has('without_mine')]).toEqual([false, true]);
    });
    test('each kind keeps its most recently used entries, within its bound', () => {
        const cache = new CatalogueCache(tempDir(), { entriesPerKind: { small: 3 } });
        const age = (key: string, secondsAgo: number) => {
            const t = new Date(Date.now() - secondsAgo * 1000);
            utimesSync(join(cache.dir, `small-${key}.json`), t, t);
        };
        const isNumber = (v: unknown): v is number => typeof v === 'number';
        for (const [i, key] of ['a1', 'b2', 'c3'].entries()) {
            expect(cache.write('small', key, i)).toBe(true);
            age(key, 100 - i);
        }
        cache.write('other', 'ff', 0);
        // Reading a1, the oldest written, makes it the most recently used: b2 goes when d4 comes.
        expect(cache.read('small', 'a1', isNumber)).toBe(0);
        cache.write('small', 'd4', 3);
        expect(readdirSync(cache.dir).sort()).toEqual(['other-ff.json', 'small-a1.json', 'small-c3.json', 'small-d4.json']);
        expect(cache.read('small', 'b2', isNumber)).toBeUndefined();
        // The default bound for kinds not named.
        for (let i = 0; i < DEFAULT_ENTRIES_PER_KIND + 3; i++) cache.write('other', `e${i}`, i);
        expect(readdirSync(cache.dir).filter(n => n.startsWith('other-'))).toHaveLength(DEFAULT_ENTRIES_PER_KIND);
    });
    test('a temporary file left by a writer that died is removed once it is old', () => {
        const cache = new CatalogueCache(tempDir());
        cache.write('k', 'a1', 1);
        const stale = join(cache.dir, 'k-b2.json.123.0000.tmp');
        const fresh = join(cache.dir, 'k-c3.json.124.0000.tmp');
        writeFileSync(stale, '{');
        writeFileSync(fresh, '{');
        utimesSync(stale, new Date(0), new Date(0));
        cache.write('k', 'd4', 2);
        expect(readdirSync(cache.dir).sort()).toEqual(['k-a1.json', 'k-c3.json.124.0000.tmp', 'k-d4.json']);
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
    test.each([
        ['not an object', '42'],
        ['files not an array', '{"files": {}}'],
        ['a file without its declarations', '{"files": [{"file": "/x.stp"}]}'],
        ['an alias without targets', '{"files": [{"file": "/x.stp", "aliases": [{"name": "a", "file": "/x.stp", "line": 0, "character": 0, "op": "=", "assigns": []}], "functions": [], "globals": [], "macros": [], "looseDocs": []}]}'],
        ['a doc without args', '{"files": [{"file": "/x.stp", "aliases": [], "functions": [], "globals": [], "macros": [], "looseDocs": [{"kind": "probe", "name": "a", "summary": ""}]}]}'],
    ])('a cache file of the wrong shape (%s) is a miss, rebuilt and rewritten', (_label, text) => {
        const dir = tree(FILES);
        const cache = new CatalogueCache(tempDir());
        loadTapsetIndex({ roots: [dir], target: TARGET, cache });
        const [file] = readdirSync(cache.dir);
        writeFileSync(join(cache.dir, file), text);
        const again = loadTapsetIndex({ roots: [dir], target: TARGET, cache });
        expect(again.fromCache).toBe(false);
        expect(again.index.contextVariables('mine.here').map(v => v.name)).toEqual(['where']);
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
    test('root under sudo: the invoking user, from SUDO_UID and the passwd database', () => {
        const nobody = { SUDO_UID: '65534', SUDO_GID: '65534', SUDO_USER: 'nobody' };
        expect(sudoInvoker(nobody, 0)).toEqual({ user: 'nobody', uid: 65534, gid: 65534, home: '/nonexistent' });
        expect(defaultCacheDir(nobody, sudoInvoker(nobody, 0))).toBe('/nonexistent/.cache/probekit');
        expect(defaultCacheDir({ ...nobody, PROBEKIT_CACHE_DIR: '/x' }, sudoInvoker(nobody, 0))).toBe('/x');
        expect(sudoInvoker(nobody, 1000)).toBeUndefined();
        expect(sudoInvoker({ SUDO_UID: '0' }, 0)).toBeUndefined();
        expect(sudoInvoker({ SUDO_UID: 'x' }, 0)).toBeUndefined();
        expect(sudoInvoker({}, 0)).toBeUndefined();
    });
    test.each([
        [{}, 'sudo probekit index'],
        [{ XDG_CACHE_HOME: '/xdg' }, 'sudo env PROBEKIT_CACHE_DIR=/xdg/probekit probekit index'],
        [{ PROBEKIT_CACHE_DIR: "/my cache/it's" }, `sudo env PROBEKIT_CACHE_DIR='/my cache/it'\\''s' probekit index`],
    ])('the root index command for %j', (env, expected) => {
        expect(rootIndexCommand(env)).toBe(expected);
    });
    test.runIf(process.getuid?.() === 0)('files and folders made for another owner belong to them', () => {
        const dir = join(tempDir(), 'a', 'b');
        const cache = new CatalogueCache(dir, { owner: { uid: 65534, gid: 65534 } });
        expect(cache.write('k', 'a1', 1)).toBe(true);
        for (const path of [dirname(dir), dir, join(dir, 'k-a1.json')]) expect(statSync(path).uid, path).toBe(65534);
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
    test.each([
        ['a device', () => '/dev/zero', /^\/dev\/zero: not a regular file$/],
        ['a FIFO (no writer: opening it to read would wait)', () => {
            const fifo = join(tempDir(), 'fifo');
            execFileSync('mkfifo', [fifo]);
            return fifo;
        }, /fifo: not a regular file$/],
        ['a directory', () => tempDir(), /: not a regular file$/],
        ['a sparse file of 300 MB', () => {
            const big = join(tempDir(), 'big');
            writeFileSync(big, '');
            truncateSync(big, 300 << 20);
            return big;
        }, /big: 300 MB, larger than any BTF$/],
    ])('BTF given as %s is a notice at once, with and without the cache, not a read without end', async (_what, make, message) => {
        const btfPath = make();
        for (const cache of [undefined, new CatalogueCache(tempDir())]) {
            const catalogue = new NodeSystemCatalogue({ tapsetRoots: [], target: TARGET, stapVersion: '4.8', btfPath, cache });
            expect(await catalogue.kernelTypes()).toBeUndefined();
            const notice = catalogue.notices().find(n => n.source === 'btf');
            expect(notice?.message).toMatch(message);
            expect(notice?.fix).toBeUndefined();
        }
    });
    test('with the cache warm, a stap version the cache knows is not waited for by reading the files', async () => {
        const dir = tree(FILES);
        const cache = new CatalogueCache(tempDir());
        const make = (stapVersion: Promise<string>) => new NodeSystemCatalogue({ tapsetRoots: [dir], target: TARGET, stapVersion, cache });
        // As `probekit index` passes it: the cached version through a chain of `then`s, settled within the microtasks.
        const known = () => Promise.resolve('4.8').then(v => v).then(v => v ?? '');
        const first = (await make(known()).tapsetResult())!;
        expect([first.fromCache, first.textsRead]).toEqual([false, first.files]);
        const hit = (await make(known()).tapsetResult())!;
        expect([hit.fromCache, hit.textsRead]).toEqual([true, 0]);
        // A version still being asked of stap (a later turn of the event loop): the files are read meanwhile.
        const asked = new Promise<string>(resolve => setTimeout(resolve, 20, '4.8'));
        const slow = (await make(asked).tapsetResult())!;
        expect([slow.fromCache, slow.textsRead]).toEqual([true, slow.files]);
        expect(hit.index.data).toEqual(first.index.data);
    });
    test('the stap version may arrive later (promise)', async () => {
        const dir = tree({ 'v.stp': '%( systemtap_v >= "4.0" %? function new_enough() {} %: function too_old() {} %)\n' });
        const catalogue = new NodeSystemCatalogue({ tapsetRoots: [dir], target: TARGET, stapVersion: Promise.resolve('3.3') });
        const index = (await catalogue.tapsets())!;
        expect(index.functions.has('too_old')).toBe(true);
    });
});
