/**
 * The tapset index's stored form: an index read back from it answers every query as the index it was packed from,
 * reads the files' records only when a query needs a declaration, and stands bad stored text off with a miss or
 * empty files, never a throw.
 */
import { describe, expect, test } from 'vitest';
import { TapsetIndex } from '../../src/catalogue/catalogue-tapset-index.js';
import { packTapsetIndex, unpackTapsetIndex } from '../../src/catalogue/catalogue-tapset-packed.js';
import type { TapsetTarget } from '../../src/catalogue/catalogue-tapset-types.js';
import { declsOf } from './catalogue-test-decls.js';

const TARGET: TapsetTarget = { kernelRelease: '6.1.0', arch: 'x86_64', runtime: 'kernel', stapVersion: '4.8', kernelConfig: new Map() };

const FILES: Record<string, string> = {
    'lib.stpm': '/**\n * smacro _ret - the return value\n * @v: the value\n */\n@define _ret(v) %( retval = @v %)\n',
    'a.stp': `/**
 * probe syscall.x - x was called: “naïve” ✓ 𝄞
 * @fd: the descriptor
 */
probe syscall.x = dw_syscall.x !, nd_syscall.x ? {}
probe dw_syscall.x = kernel.function("sys_x").call ? { fd = $fd; @_ret($return) }
probe nd_syscall.x = kprobe.function("sys_x") ? { fd = int_arg(1) }
global shared, private_one
/**
 * sfunction f - first f
 */
function f:long (a:long) { return a }
`,
    'b.stp': `probe syscall.x += begin { extra = 1 }
function f:string (s:string) { return s }
function g () %{ /* pure unprivileged */ %}
global shared
/**
 * sfunction f - the later f's doc wins
 */
function f (a, b) { return a + b }
`,
    'c.stp': '/**\n * sfunction loose - a doc with no function\n */\nprobe other.y = syscall.x { y = 1 }\n',
};

/** A stored form split as the cache gives it: the first line, and the rest (counting how often it is read). */
function stored(text: string): { head: string; rest: () => string | undefined; reads: () => number } {
    const nl = text.indexOf('\n');
    let reads = 0;
    return { head: text.slice(0, nl), rest: () => (reads++, text.slice(nl + 1)), reads: () => reads };
}

/** Every query's answer, for comparing two indexes. */
function answers(ix: TapsetIndex): unknown {
    const all = <T>(m: { keys(): IterableIterator<string>; get(n: string): T[] | undefined }) => [...m.keys()].map(n => [n, m.get(n)]);
    return {
        counts: ix.counts(),
        aliases: all(ix.aliases), functions: all(ix.functions), globals: all(ix.globals), macros: all(ix.macros),
        vars: [...ix.aliases.keys()].map(n => [n, ix.contextVariables(n)]),
        docs: [['probe', 'syscall.x'], ['sfunction', 'f'], ['sfunction', 'loose'], ['smacro', '_ret'], ['sfunction', 'nosuch']]
            .map(([k, n]) => ix.doc(k as 'probe', n)),
        matched: ix.matchAliases('syscall.*'),
        described: ix.describeAlias('other.y'),
        data: ix.data,
    };
}

describe('an index read back from its stored form', () => {
    const decls = declsOf(FILES, TARGET);
    const text = packTapsetIndex(decls, 'stamp');
    test('answers every query as the index it was packed from', () => {
        const s = stored(text);
        const source = unpackTapsetIndex(s.head, s.rest)!;
        expect(source.stamp).toBe('stamp');
        expect(answers(new TapsetIndex(source))).toEqual(answers(new TapsetIndex({ files: decls })));
        expect(s.reads()).toBe(1);
    });
    test('names, counts and docs known without reading a record; a declaration reads them once', () => {
        const s = stored(text);
        const ix = new TapsetIndex(unpackTapsetIndex(s.head, s.rest)!);
        expect([ix.aliases.has('syscall.x'), ix.functions.size, ix.counts().functions, [...ix.macros.keys()]]).toEqual([true, 2, 4, ['_ret']]);
        expect(ix.matchAliases('syscall.*')).toEqual(['syscall.x']);
        expect(s.reads()).toBe(0);
        expect(ix.functions.get('f')?.map(f => f.file)).toEqual(['/t/a.stp', '/t/b.stp', '/t/b.stp']);
        expect(ix.doc('sfunction', 'f')?.summary).toBe('the later f\'s doc wins');
        expect(s.reads()).toBe(1);
    });
    test('is ASCII, each record its length in bytes, whatever the texts hold', () => {
        expect([...text].every(c => c.charCodeAt(0) < 0x80)).toBe(true);
        const s = stored(text);
        const ix = new TapsetIndex(unpackTapsetIndex(s.head, s.rest)!);
        expect(ix.doc('probe', 'syscall.x')?.summary).toBe('x was called: “naïve” ✓ 𝄞');
    });
});

describe('stored text that is not an index', () => {
    const decls = declsOf(FILES, TARGET);
    const text = packTapsetIndex(decls, 'stamp');
    const nl = text.indexOf('\n');
    const head = JSON.parse(text.slice(0, nl));
    const rest = text.slice(nl + 1);
    test.each<[string, string]>([
        ['not JSON', '{"files": ['],
        ['JSON of another shape', '[1, 2, 3]'],
        ['no stamp', JSON.stringify({ ...head, stamp: undefined })],
        ['a file index out of range', JSON.stringify({ ...head, kinds: { ...head.kinds, functions: { ...head.kinds.functions, files: [0, 9, 0] } } })],
        ['fewer names than files given for them', JSON.stringify({ ...head, kinds: { ...head.kinds, globals: { ...head.kinds.globals, names: 'shared' } } })],
        ['a length per file missing', JSON.stringify({ ...head, lengths: head.lengths.slice(1) })],
        ['binary junk', '\u0000\u0001\u00ff{"'],
    ])('%s: no index (a miss)', (_what, bad) => {
        expect(unpackTapsetIndex(bad, () => rest)).toBeUndefined();
    });
    /** The index over `records` after the genuine head; what the bad-record callback was told. */
    const over = (records: string | undefined) => {
        let told = 0;
        const ix = new TapsetIndex(unpackTapsetIndex(text.slice(0, nl), () => records, () => told++)!);
        return { ix, told: () => told };
    };
    test.each<[string, string | undefined]>([
        ['records that can no longer be read', undefined],
        ['records cut short', rest.slice(0, rest.length - 10)],
        // Each of these keeps the records' lengths, so that only the record itself is wrong.
        ['a record not JSON', rest.replace('{"file":"/t/a.stp"', '{"file"!"/t/a.stp"')],
        ['a record of another file', rest.replace('{"file":"/t/a.stp"', '{"file":"/t/z.stp"')],
        ['a record of another shape', rest.replace('"name":"syscall.x"', '"name":12345678901')],
    ])('%s: the files stand empty and the reader is told', (_what, records) => {
        const { ix, told } = over(records);
        expect(ix.aliases.has('syscall.x')).toBe(true);
        expect(ix.aliases.get('syscall.x')?.filter(a => a.file === '/t/a.stp')).toEqual([]);
        expect(ix.contextVariables('dw_syscall.x')).toEqual([]);
        expect(told()).toBeGreaterThan(0);
    });
});
