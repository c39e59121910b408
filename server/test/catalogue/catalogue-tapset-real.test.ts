/**
 * The tapset index on the installed library, checked against stap itself: the same files, every public
 * function and alias stap dumps, and the facts the issue names.
 */
import { arch as nodeArch, release } from 'node:os';
import { beforeAll, describe, expect, test } from 'vitest';
import type { TapsetIndex } from '../../../language/src/catalogue/catalogue-tapset-index.js';
import type { TapsetTarget } from '../../../language/src/catalogue/catalogue-tapset-types.js';
import { readKernelConfig, stapArchOf } from '../../src/providers/node-host-facts.js';
import { frontendTapsetIndexer } from '../../src/catalogue/catalogue-tapset-frontend-indexer.js';
import { INSTALLED_TAPSET_DIR, listTapsetFiles, loadTapsetIndex } from '../../src/catalogue/catalogue-tapset-reader.js';
import { CatalogueCache } from '../../src/catalogue/catalogue-cache.js';
import { kernelStub, runTool, runToolAsync, tempDir } from './catalogue-test-kit.js';

const TARGET: TapsetTarget = {
    kernelRelease: release(), arch: stapArchOf(nodeArch()), runtime: 'kernel', stapVersion: '4.8', kernelConfig: readKernelConfig(release()),
};

let index: TapsetIndex;
let stub: string;
/**
 * stap --dump-functions elaborates every tapset function, and for each `@cast` to a kernel header's type tries to build
 * a type-query module, which fails on the stub after a `make` each: 30 s to over a minute on these machines. Started
 * before the tests, beside them.
 */
let functionDump: Promise<string>;
const FUNCTION_DUMP_TIMEOUT = 240_000;

beforeAll(() => {
    index = loadTapsetIndex({ roots: [INSTALLED_TAPSET_DIR], target: TARGET }).index;
    stub = kernelStub();
    functionDump = runToolAsync('stap', ['-r', stub, '--dump-functions'], FUNCTION_DUMP_TIMEOUT);
});

describe('the installed tapset library', () => {
    test('reads the same files as stap -p1', () => {
        const out = runTool('stap', ['-r', stub, '-vvv', '-p1', '-e', 'probe never {}']);
        const stapFiles = [...out.matchAll(/Processing tapset "([^"]+)"/g)].map(m => m[1]).sort();
        expect(stapFiles.length).toBeGreaterThan(400);
        const { macros, scripts } = listTapsetFiles([INSTALLED_TAPSET_DIR], TARGET);
        expect([...macros, ...scripts].map(f => f.path).sort()).toEqual(stapFiles);
        // Without identities (no cache to key): the same files in the same order, from the directory entries alone.
        const bare = listTapsetFiles([INSTALLED_TAPSET_DIR], TARGET, false);
        expect([...bare.macros, ...bare.scripts].map(f => f.path)).toEqual([...macros, ...scripts].map(f => f.path));
    });

    test('has every function signature stap --dump-functions prints', async () => {
        const dump = (await functionDump).split('\n').filter(l => /^\w+:/.test(l));
        expect(dump.length).toBeGreaterThan(500);
        const problems: string[] = [];
        for (const line of dump) {
            // `name:type (p:type, …) /* unprivileged */`
            const m = /^(\w+):(\w+) \(([^)]*)\)(.*)$/.exec(line);
            if (!m) continue;
            const [, name, ret, params, tail] = m;
            const overloads = index.functions.get(name) ?? [];
            const want = params ? params.split(', ').map(p => p.split(':')[0]) : [];
            const f = overloads.find(o => o.params.map(p => p.name).join(',') === want.join(','));
            if (!f) { problems.push(`missing ${line}`); continue; }
            if (f.returnType && f.returnType !== ret) problems.push(`${name}: return ${f.returnType} vs ${ret}`);
            // stap also marks script functions whose @const expressions it compiles to unprivileged C; compare embedded C only.
            if (f.embeddedC && tail.includes('unprivileged') !== f.markers.some(x => x.includes('unprivileged'))) problems.push(`${name}: unprivileged marker`);
        }
        expect(problems).toEqual([]);
    }, FUNCTION_DUMP_TIMEOUT + 10_000);

    test('has every probe alias stap --dump-probe-aliases prints, with the same targets', () => {
        const dump = runTool('stap', ['-r', stub, '--dump-probe-aliases']).split('\n').filter(l => l.includes(' = '));
        expect(dump.length).toBeGreaterThan(5000);
        const missing: string[] = [];
        const wrongTargets: string[] = [];
        for (const line of dump) {
            const [name, rhs] = line.split(' = ');
            const defs = index.aliases.get(name);
            if (!defs) { missing.push(name); continue; }
            const first = rhs.split(', ')[0].replace(/[?!]$/, '');
            if (!defs.some(d => d.targets.some(t => t.replace(/\s/g, '') === first.replace(/\s/g, '')))) wrongTargets.push(`${name}: ${first} vs ${defs.map(d => d.targets.join(', ')).join(' | ')}`);
        }
        expect(missing).toEqual([]);
        // stap prints targets after its own macro expansion and string folding; allow a handful of spelling differences.
        expect(wrongTargets.length, wrongTargets.slice(0, 10).join('\n')).toBeLessThan(dump.length / 100);
    });

    test.each([
        ['syscall.openat', ['filename', 'flags', 'mode', 'argstr', 'name', 'dfd']],
        ['syscall.openat.return', ['name', 'retval', 'retstr']],
        ['syscall.read', ['fd', 'buf_uaddr', 'count', 'argstr', 'name']],
        ['vfs.read', ['file', 'pos', 'buf', 'bytes_to_read', 'dev', 'devname', 'ino']],
        ['scheduler.cpu_off', ['task_prev', 'task_next', 'idle']],
        ['nfs.fop.entries', []],
        ['tcp.sendmsg', ['name', 'sock', 'size', 'family']],
    ])('%s has context variables %j', (alias, vars) => {
        const names = index.contextVariables(alias).map(v => v.name);
        expect(index.aliases.has(alias)).toBe(true);
        expect(names).toEqual(expect.arrayContaining(vars));
    });

    test('execname has its kerneldoc summary and markers', () => {
        const [f] = index.functions.get('execname')!;
        expect(f.doc?.summary).toBe('Returns the execname of a target process (or group of processes)');
        expect(f.returnType).toBe('string');
        expect(f.markers).toContain('unprivileged');
        expect(f.file).toMatch(/linux\/context\.stp$/);
    });

    test('probe docs describe the alias variables', () => {
        const doc = index.doc('probe', 'vfs.read');
        expect(doc?.summary).not.toBe('');
        const v = index.contextVariables('scheduler.cpu_off').find(x => x.name === 'task_prev');
        expect(v?.doc).toBeTruthy();
    });

    test('library macros are indexed with their files', () => {
        expect(index.macros.get('__private30')?.[0]).toMatchObject({ library: true });
        expect(index.macros.get('json_output_data_start')?.[0].doc?.kind).toBe('smacro');
        expect(index.counts().macros).toBeGreaterThan(100);
    });
});

describe('the installed library read back from the disk cache', () => {
    test('answers as the index built from the files: names, counts, context variables, docs, every declaration', () => {
        const cache = new CatalogueCache(tempDir('probekit-real-cache-'));
        const load = () => loadTapsetIndex({ roots: [INSTALLED_TAPSET_DIR], target: TARGET, cache });
        expect(load().fromCache).toBe(false);
        const hit = load();
        expect(hit.fromCache).toBe(true);
        const warm = hit.index;
        expect(warm.counts()).toEqual(index.counts());
        expect(warm.contextVariables('syscall.openat')).toEqual(index.contextVariables('syscall.openat'));
        expect(warm.doc('sfunction', 'execname')).toEqual(index.doc('sfunction', 'execname'));
        expect(warm.functions.get('execname')).toEqual(index.functions.get('execname'));
        expect([...warm.aliases.keys()]).toEqual([...index.aliases.keys()]);
        expect(warm.data).toEqual(index.data);
    });
});

describe('the SystemTap front end\'s preprocessor gives the same index', () => {
    test('aliases with context variables, functions, globals, macros', () => {
        const fe = loadTapsetIndex({ roots: [INSTALLED_TAPSET_DIR], target: TARGET, indexer: frontendTapsetIndexer }).index;
        expect(fe.counts()).toEqual(index.counts());
        const vars = (ix: TapsetIndex) => [...ix.aliases.keys()].sort().map(a => `${a}=${ix.contextVariables(a).map(v => v.name).sort().join(',')}`);
        expect(vars(fe)).toEqual(vars(index));
        const sigs = (ix: TapsetIndex) => [...ix.functions.keys()].flatMap(n => ix.functions.get(n) ?? [])
            .map(f => `${f.file}:${f.line}:${f.name}:${f.returnType}(${f.params.map(p => `${p.name}:${p.type}`).join(',')})${f.markers.join(' ')}${f.private}`).sort();
        expect(sigs(fe)).toEqual(sigs(index));
    });
});
