import { beforeAll, describe, expect, test } from 'vitest';
import type { ProbekitServices } from '../../src/probekit-module.js';
import { BT_LIMITS } from '../../src/bpftrace/bpftrace-lexer.js';
import { btServices, checkBt } from './bpftrace-test-helpers.js';

let latest: ProbekitServices;
beforeAll(async () => {
    latest = await btServices('latest');
});

/**
 * Check a text; it must not throw, and every diagnostic must lie inside the text. Its errors and warnings (a nest past
 * a limit is a warning: not checked, not known to be wrong).
 */
async function survives(text: string): Promise<string[]> {
    const r = await checkBt(latest, text);
    const lines = text.split('\n');
    for (const d of r.diagnostics) {
        expect(d.range.start.line).toBeGreaterThanOrEqual(0);
        expect(d.range.start.line).toBeLessThan(lines.length);
        expect(d.range.start.character).toBeGreaterThanOrEqual(0);
    }
    return r.diagnostics.filter(d => d.severity === 1 || d.severity === 2).map(e => e.message);
}

const { nesting, prefixRun, conditionals, elseIfs, operators } = BT_LIMITS;
const terms = (n: number, term: (i: number) => string, sep: string): string => Array.from({ length: n }, (_, i) => term(i)).join(sep);

/** Programs of one shape, `n` levels deep (the probe's own block counts as one bracket). */
const SHAPES: Record<string, (n: number) => string> = {
    parentheses: n => `BEGIN { $x = ${'('.repeat(n - 1)}1${')'.repeat(n - 1)}; }`,
    blocks: n => `BEGIN ${'{ '.repeat(n)}${'} '.repeat(n)}`,
    'nested ifs': n => `BEGIN { ${'if (1) { '.repeat(n - 1)}${'} '.repeat(n - 1)} }`,
    'block expressions': n => `BEGIN { ${'$x = { '.repeat(n - 1)}1${' }'.repeat(n - 1)} }`,
    'map subscripts': n => `BEGIN { ${'@m['.repeat(n - 1)}1${']'.repeat(n - 1)} = 1; }`,
    calls: n => `BEGIN { $x = ${'f('.repeat(n - 1)}1${')'.repeat(n - 1)}; }`,
    'prefix operators': n => `BEGIN { $x = ${'!'.repeat(n)}1; }`,
    casts: n => `BEGIN { $x = ${'(uint8)'.repeat(n)}1; }`,
    comptime: n => `BEGIN { $x = ${'comptime '.repeat(n)}1; }`,
    conditionals: n => `BEGIN { $x = ${'1 ? '.repeat(n)}1${' : 2'.repeat(n)}; }`,
    'else if chain': n => `BEGIN { if (1) { } ${'else if (1) { } '.repeat(n)}}`,
    'a predicate of `pid == N ||`': n => `kprobe:f /${terms(Math.ceil((n + 1) / 2), i => `pid == ${i}`, ' || ')}/ { }`,
    additions: n => `BEGIN { $x = 1${' + 1'.repeat(n)}; }`,
};

/** Each shape at its limit, and the message one step past it. */
const AT_LIMIT: Array<[string, number, RegExp]> = [
    ['parentheses', nesting, /brackets nested more than 40 deep/],
    ['blocks', nesting, /brackets nested more than 40 deep/],
    ['nested ifs', nesting, /brackets nested more than 40 deep/],
    ['block expressions', nesting, /brackets nested more than 40 deep/],
    ['map subscripts', nesting, /brackets nested more than 40 deep/],
    ['calls', nesting, /brackets nested more than 40 deep/],
    ['prefix operators', prefixRun, /more than 200 prefix operators or casts in a row/],
    ['casts', prefixRun, /more than 200 prefix operators or casts in a row/],
    ['comptime', prefixRun, /more than 200 prefix operators or casts in a row/],
    ['conditionals', conditionals, /more than 100 nested conditionals/],
    ['else if chain', elseIfs, /more than 100 `else if` in a row/],
    ['a predicate of `pid == N ||`', operators - 1, /more than 1500 operators in one statement/],
    ['additions', operators - 1, /more than 1500 operators in one statement/],
];

describe('programs up to the limits are checked; past them, one clear warning and the rest of the file is still checked', () => {
    test.each(AT_LIMIT)('%s: %s deep is fine', async (shape, n) => {
        expect(await survives(SHAPES[shape](n))).toEqual([]);
    });

    test.each(AT_LIMIT)('%s: one more is one warning where it happens, and no error', async (shape, n, message) => {
        const r = await checkBt(latest, SHAPES[shape](n + 1));
        expect(r.errors).toEqual([]);
        const errors = await survives(SHAPES[shape](n + 1));
        expect(errors).toHaveLength(1);
        expect(errors[0]).toMatch(message);
        expect(errors[0]).toMatch(/the probe or definition around it is not checked$/);
    });

    test.each(Object.keys(SHAPES))('%s 10,000 deep: one warning, and the probes after it are checked', async shape => {
        const text = `${SHAPES[shape](10_000)}
END { $a = 1 $b = 2; }
kprobe:f { @ = count(); }`;
        const r = await checkBt(latest, text);
        const shown = r.diagnostics.filter(d => d.severity === 1 || d.severity === 2);
        expect(shown.map(e => [e.severity, e.message])).toEqual([
            [2, expect.stringMatching(/^too complex to check: /)],
            [1, "expected ';' before this statement"],
        ]);
        expect(r.program.items.map(i => i.$type)).toEqual(['BtProbe', 'BtProbe']);
        expect(shown[1].range.start.line).toBe(1);
    });

    test('only the item past the limit is left out: the C definitions before it and the probe after it stay', async () => {
        const deep = `${'('.repeat(nesting + 1)}1${')'.repeat(nesting + 1)}`;
        const r = await checkBt(latest, `#define X 1\nBEGIN { $x = ${deep}; }\nEND { @a = X; }`);
        expect(r.errors).toHaveLength(0);
        expect(r.diagnostics.filter(d => d.severity === 2)).toHaveLength(1);
        expect(r.program.items.map(i => i.$type)).toEqual(['BtCDefinition', 'BtProbe']);
        const stray = await checkBt(latest, `${deep}\nEND { @a = 1 @b = 2; }`);
        expect(stray.diagnostics.filter(d => d.severity === 1 || d.severity === 2).map(e => [e.range.start.line, e.message.slice(0, 21)])).toEqual([
            [0, 'too complex to check:'], [1, "expected ';' before t"],
        ]);
    });

    test('10,000 unclosed parentheses: one warning (the probe is not checked)', async () => {
        expect(await survives(`BEGIN { $x = ${'('.repeat(10_000)}`)).toEqual([expect.stringMatching(/brackets nested more than 40 deep/)]);
    });

    test('the warning points at the bracket past the limit', async () => {
        const text = `BEGIN { $x = ${'('.repeat(nesting)}1${')'.repeat(nesting)}; }`;
        const r = await checkBt(latest, text);
        expect(r.diagnostics[0].range.start).toEqual({ line: 0, character: text.indexOf('(') + nesting - 1 });
    });
});

describe('junk never crashes or hangs', () => {
    test('binary bytes (read as UTF-8 with replacement characters)', async () => {
        let seed = 7;
        const bytes = Buffer.alloc(200_000);
        for (let i = 0; i < bytes.length; i++) {
            seed = (seed * 1103515245 + 12345) & 0x7fffffff;
            bytes[i] = seed & 0xff;
        }
        const errors = await survives(bytes.toString('utf8'));
        expect(errors.length).toBeGreaterThan(0);
        expect(errors.length).toBeLessThan(200);
    });

    test('invalid UTF-8, NUL bytes and lone surrogates', async () => {
        const text = Buffer.from([0x42, 0x45, 0x47, 0x49, 0x4e, 0x20, 0x7b, 0xff, 0xfe, 0x00, 0xc3, 0x28, 0x7d]).toString('utf8')
            + '\uD800 BEGIN { @x = "\u0000"; }';
        const errors = await survives(text);
        expect(errors.some(e => e.startsWith('invalid character'))).toBe(true);
    });

    test('a 10 MB file is not checked: one warning at its start', async () => {
        const chunk = '// ' + 'x'.repeat(1000) + '\n';
        const text = chunk.repeat(10_000) + `BEGIN { printf("${'y'.repeat(100_000)}"); }\n`;
        expect(text.length).toBeGreaterThan(10_000_000);
        expect(await survives(text)).toEqual(['not checked: the file is larger than 1 MB']);
        const r = await checkBt(latest, text);
        expect(r.errors).toEqual([]);
        expect(r.diagnostics.map(d => [d.message, d.range.start.line, d.range.start.character]))
            .toEqual([['not checked: the file is larger than 1 MB', 0, 0]]);
    });

    test('a file just under 1 MB of comments and one long string is checked', async () => {
        const text = ('// ' + 'x'.repeat(1000) + '\n').repeat(900) + `BEGIN { printf("${'y'.repeat(100_000)}"); }\n`;
        expect(await survives(text)).toEqual([]);
    });

    test('a 1 MB program of real probes (the 10 MB case is measured in bench/)', async () => {
        const probe = 'tracepoint:block:block_rq_issue /args.bytes > 0/ { @start[args.dev, args.sector] = nsecs; }\n'
            + 'tracepoint:block:block_rq_complete { $s = @start[args.dev, args.sector]; if ($s) { @us = hist((nsecs - $s) / 1000); } delete(@start, (args.dev, args.sector)); }\n';
        const text = probe.repeat(Math.ceil(1_000_000 / probe.length));
        expect(await survives(text)).toEqual([]);
    });

    test('unterminated everything at the end of the file', async () => {
        for (const text of ['BEGIN {', 'BEGIN { "abc', 'BEGIN { /* x', 'kprobe:f /pid', 'struct foo {', 'config = {', 'BEGIN { $x = (1, ']) {
            expect((await survives(text)).length).toBeGreaterThan(0);
        }
    });
});
