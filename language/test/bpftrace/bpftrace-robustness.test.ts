import { beforeAll, describe, expect, test } from 'vitest';
import type { ProbekitServices } from '../../src/probekit-module.js';
import { btServices, checkBt } from './bpftrace-test-helpers.js';

let latest: ProbekitServices;
beforeAll(async () => {
    latest = await btServices('latest');
});

/** Check a text; it must not throw, and every diagnostic must lie inside the text. */
async function survives(text: string): Promise<string[]> {
    const r = await checkBt(latest, text);
    const lines = text.split('\n');
    for (const d of r.diagnostics) {
        expect(d.range.start.line).toBeGreaterThanOrEqual(0);
        expect(d.range.start.line).toBeLessThan(lines.length);
        expect(d.range.start.character).toBeGreaterThanOrEqual(0);
    }
    return r.errors.map(e => e.message);
}

describe('deep nesting never overflows the stack: one clear error instead', () => {
    test.each([
        ['10,000 parentheses', `BEGIN { $x = ${'('.repeat(10_000)}1${')'.repeat(10_000)}; }`, /brackets nested more than 32 deep/],
        ['10,000 blocks', `BEGIN ${'{'.repeat(10_000)}${'}'.repeat(10_000)}`, /brackets nested more than 32 deep/],
        ['10,000 nested ifs', `BEGIN { ${'if 1 { '.repeat(10_000)}${'}'.repeat(10_000)} }`, /brackets nested more than 32 deep/],
        ['10,000 map subscripts', `BEGIN { ${'@m['.repeat(10_000)}1${']'.repeat(10_000)}; }`, /brackets nested more than 32 deep/],
        ['10,000 calls', `BEGIN { $x = ${'f('.repeat(10_000)}1${')'.repeat(10_000)}; }`, /brackets nested more than 32 deep/],
        ['10,000 prefix operators', `BEGIN { $x = ${'!'.repeat(10_000)}1; }`, /more than 200 prefix operators/],
        ['10,000 conditionals', `BEGIN { $x = ${'1 ? '.repeat(10_000)}1${' : 2'.repeat(10_000)}; }`, /more than 32 nested conditionals/],
        ['100,000 additions', `BEGIN { $x = 1${' + 1'.repeat(100_000)}; }`, /more than 1000 operators in one statement/],
        ['10,000 unclosed parentheses', `BEGIN { $x = ${'('.repeat(10_000)}`, /brackets nested more than 32 deep/],
    ])('%s', async (_name, text, expected) => {
        const errors = await survives(text);
        expect(errors[0]).toMatch(expected);
        expect(errors).toHaveLength(1);
    });

    test('just below the limits everything parses', async () => {
        expect(await survives(`BEGIN { $x = ${'('.repeat(30)}1${')'.repeat(30)}; }`)).toEqual([]);
        expect(await survives(`BEGIN ${'{ '.repeat(31)}${'} '.repeat(31)}`)).toEqual([]);
        expect(await survives(`BEGIN { $x = 1${' + 1'.repeat(900)}; }`)).toEqual([]);
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
        expect(await survives(text)).toEqual([]);
        const r = await checkBt(latest, text);
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
