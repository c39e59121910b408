import { beforeAll, describe, expect, test } from 'vitest';
import type { ProbekitServices } from '../../src/probekit-module.js';
import { lcg } from '../seeded-random.js';
import * as ast from '../../src/systemtap/generated/ast.js';
import { checkStap, stapServices } from './systemtap-test-helpers.js';

let services: ProbekitServices;
beforeAll(async () => {
    services = await stapServices();
});

const invalidUtf8 = new TextDecoder().decode(new Uint8Array([
    ...new TextEncoder().encode('probe begin { x = "'), 0xff, 0xfe, 0x22, 0x20, 0x7d, 0x0a, 0xc3, 0x28, 0xe2, 0x82,
]));

const rnd = lcg(42);
const binary = String.fromCharCode(...Array.from({ length: 50_000 }, () => Math.floor(rnd() * 256)));
/** Junk that gets past the binary check (no NUL byte): printable ASCII, and bytes that are not UTF-8. */
const printable = Array.from({ length: 200_000 }, () => String.fromCharCode(32 + Math.floor(rnd() * 95))).join('');
const notUtf8 = new TextDecoder().decode(new Uint8Array(Array.from({ length: 200_000 }, () => 1 + Math.floor(rnd() * 255))));
const line = 'probe timer.ms(100) { x = count + y * 2; printf("%d\\n", x) }\n';

/**
 * Inputs that must give a diagnostic with a position and return: stap itself crashes on the
 * first (10,000 nested parentheses: signal 11 with 4.8).
 */
const NASTY: Array<[string, string, RegExp]> = [
    ['10,000 nested parentheses', `probe begin { x = ${'('.repeat(10_000)}1${')'.repeat(10_000)} }`, /too deeply nested to check/],
    ['10,000 nested blocks', `probe begin ${'{'.repeat(10_000)}${'}'.repeat(10_000)}`, /too deeply nested to check/],
    ['10,000 nested index brackets', `probe begin { x = ${'a['.repeat(10_000)}1${']'.repeat(10_000)} }`, /too deeply nested to check/],
    ['10,000 unclosed parentheses', `probe begin { x = ${'('.repeat(10_000)}`, /too deeply nested to check/],
    ['10,000 prefix minus signs', `probe begin { x = ${'- '.repeat(10_000)}1 }`, /too deeply nested to check/],
    ['10,000 chained assignments', `probe begin { ${'x = '.repeat(10_000)}1 }`, /too deeply nested to check/],
    ['10,000 chained conditionals', `probe begin { x = ${'a ? b : '.repeat(10_000)}1 }`, /too deeply nested to check/],
    ['a 10 MB file', line.repeat(Math.ceil(10 * 1024 * 1024 / line.length)), /larger than 1 MB/],
    ['binary junk', binary, /binary|unexpected character/],
    ['200 KB of random printable characters', printable, /unexpected|expected/],
    ['200 KB of bytes that are not UTF-8, no NUL among them', notUtf8, /unexpected|expected/],
    ['invalid UTF-8', invalidUtf8, /unexpected character/],
    ['an unclosed embedded block', 'probe begin { %{ int x;', /could not find matching `%\}`/],
    ['an unclosed comment', 'probe begin { /* x', /unclosed comment/],
    ['a lone @define', '@define', /identifier/],
    ['a lone %(', '%(', /incomplete condition/],
    ['a lone probe', 'probe', /expected a probe point/],
    // Each `in`, `=~` and bracket asks where its statement may end: asked once per chain, not once per operator (these
    // took 9-36 s each when every operator walked up the whole chain).
    ['30,000 membership tests ended early, in one chain', `probe begin { x = 1${' in a + 1'.repeat(30_000)} * }`, /expected/],
    ['30,000 brackets after an `in`', `probe begin { x = 1 in a${'[1]'.repeat(30_000)} * }`, /expected/],
    ['30,000 `in a[1]` in one chain', `probe begin { x = 1${' in a[1]'.repeat(30_000)} * }`, /expected/],
    ['30,000 matches ended early, in one chain', `probe begin { x = y${' =~ "r" - 1'.repeat(30_000)} * }`, /expected/],
    // Brackets left open by the thousand: the parser's recovery from each cost as much as the depth around it (20,000
    // unclosed calls took 13 s, 100,000 four minutes); past 200 the rest of the declaration is left out.
    ['100,000 unclosed calls, then a probe', `probe begin { x = ${'f(p '.repeat(100_000)} }\nprobe end { }`, /over 200 brackets are left open here/],
    ['100,000 unclosed statistics operators', `global p\nprobe begin { x = ${'@count(p '.repeat(100_000)} }`, /over 200 brackets are left open here/],
    ['30,000 membership tests ended early inside a condition', `probe begin { if (1 in a + 1${' && 1 in a + 1'.repeat(30_000)}) x = 1 }`, /expected/],
];

describe('bad input never crashes or hangs', () => {
    test.each(NASTY)('%s', async (_name, text, message) => {
        const { doc, diagnostics } = await checkStap(services, text);
        expect(diagnostics.length).toBeGreaterThan(0);
        expect(diagnostics.map(d => d.message).join('\n')).toMatch(message);
        for (const d of diagnostics) {
            expect(d.range.start.line).toBeGreaterThanOrEqual(0);
            expect(doc.textDocument.offsetAt(d.range.end)).toBeLessThanOrEqual(text.length);
        }
    });

    test.each([
        ['`+`', 10_000], ['`+`', 100_000], ['`&&`', 10_000], ['`.`', 100_000],
    ])('a flat chain of %s with %i operands parses (the tree built in linear time, without recursion)', async (op, n) => {
        // Langium's own builder overflowed the stack at 10,000 operands and ran out of memory at 65,536.
        const { doc, errors } = await checkStap(services, `probe begin { x = 1${` ${op.slice(1, -1)} 1`.repeat(n - 1)} }`);
        expect(errors).toEqual([]);
        const statement = ((doc.parseResult.value as ast.StapScript).items[0] as ast.StapProbe).body.statements[0] as ast.StapExpressionStatement;
        let depth = 0;
        for (let x = (statement.expression as ast.StapAssignment).value; ast.isStapBinary(x); x = x.left) depth++;
        expect(depth).toBe(n - 1);
    }, 60_000);

    test('200,000 comment lines around one probe parse', async () => {
        const { errors } = await checkStap(services, '#\n'.repeat(200_000) + 'probe begin { x = 1 }\n' + '#\n'.repeat(200_000));
        expect(errors).toEqual([]);
    });

    test('a long file of ordinary code parses (64 KB)', async () => {
        const { errors } = await checkStap(services, line.repeat(1000));
        expect(errors).toEqual([]);
    });

    test('a file of ordinary code just under the size limit (900 KB) is checked in full', async () => {
        // The parse and the document builder's walks stay linear: 1.4 s with the CLI.
        const { doc, errors } = await checkStap(services, line.repeat(Math.floor(900 * 1024 / line.length)));
        expect(errors).toEqual([]);
        expect((doc.parseResult.value as ast.StapScript).items.length).toBe(Math.floor(900 * 1024 / line.length));
    }, 60_000);
});
