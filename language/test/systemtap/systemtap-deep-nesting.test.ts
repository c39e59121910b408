import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, test } from 'vitest';
import type { ProbekitServices } from '../../src/probekit-module.js';
import type * as ast from '../../src/systemtap/generated/ast.js';
import { checkStap, markers, stapServices } from './systemtap-test-helpers.js';
import { NESTING_SHAPES } from './systemtap-nesting-shapes.js';

let services: ProbekitServices;
beforeAll(async () => {
    services = await stapServices();
});

/**
 * How deep a text may nest is what the parser's stack holds (each level costs Chevrotain and
 * Langium frames; stap 4.8 takes 2,000 `else if` branches and crashes at 10,000 parentheses).
 * Node's default stack (984 KB) holds about 350 levels of parentheses, 480 blocks, 230 index
 * brackets or 620 `else if` branches (measured with the CLI); these depths stay below that with a margin.
 */
const PARSED_ON_THE_DEFAULT_STACK: Array<[string, number]> = [
    ['parentheses', 250], ['blocks', 350], ['index brackets', 150], ['else if branches', 400], ['nested ifs', 400],
];

describe('deep nesting', () => {
    test.each(PARSED_ON_THE_DEFAULT_STACK)('%s, %i deep, parse', async (shape, depth) => {
        const { errors } = await checkStap(services, NESTING_SHAPES[shape](depth));
        expect(errors.map(e => e.message)).toEqual([]);
    });

    test('brackets too deep for the stack: the nest is left out where the parser ran out, the rest of the file is checked', async () => {
        const { text, offsets } = markers(`probe begin { x = ${'('.repeat(10_000)}1${')'.repeat(10_000)} }\nprobe end { y = <|>}\n`);
        const { doc, errors } = await checkStap(services, text);
        expect(errors.map(e => e.message)).toEqual([
            expect.stringMatching(/^too deeply nested to check: over \d+ levels of brackets, where the parser ran out of stack; the rest of this nest is not checked$/),
            expect.stringMatching(/^expected an expression but found `\}`/),
        ]);
        const levels = Number(/over (\d+) levels/.exec(errors[0].message)![1]);
        expect(levels).toBeGreaterThan(250);
        // at the first bracket past that depth (the probe's `{` is the first level)
        expect(doc.textDocument.offsetAt(errors[0].range.start)).toBe('probe begin { x = '.length + levels - 1);
        expect(errors[0].code).toBe('stap-lex-too-deep');
        expect(doc.textDocument.offsetAt(errors[1].range.start)).toBe(offsets[0]);
    });

    test.each(['else if branches', 'nested ifs', 'chained assignments'])('%s too deep for the stack: the declaration is left out, the rest of the file is checked', async shape => {
        const { text, offsets } = markers(`global g\n${NESTING_SHAPES[shape](5000)}\n<|>probe end { y = <|>}\n`);
        const { doc, errors } = await checkStap(services, text);
        expect(errors.map(e => e.message)).toEqual([
            'too deeply nested to check: the parser ran out of stack here, so the `probe` at 2:1 is not checked',
            expect.stringMatching(/^expected an expression but found `\}`/),
        ]);
        // where the parser was, far into the probe
        const at = doc.textDocument.offsetAt(errors[0].range.start);
        expect(errors[0].range.start.line).toBe(1);
        expect(errors[0].range.start.character).toBeGreaterThan(500);
        expect(at).toBeLessThan(offsets[0]);
        expect(doc.textDocument.offsetAt(errors[1].range.start)).toBe(offsets[1]);
        expect((doc.parseResult.value as ast.StapScript).items.map(i => i.$type)).toEqual(['StapGlobal', 'StapProbe']);
    });

    test('after 16 declarations left out, the rest of the file is left out with the 16th', async () => {
        const deep = NESTING_SHAPES['chained assignments'](3000);
        const { errors } = await checkStap(services, `${deep}\n`.repeat(20) + 'probe end { y = }\n');
        expect(errors.map(e => e.range.start.line)).toEqual(Array.from({ length: 16 }, (_, k) => k));
        expect(errors[15].message).toMatch(/so the `probe` at 16:1 and the rest of the file is not checked$/);
    }, 60_000);

    test('with a larger stack (node --stack-size=3900, 4 MB) 2,000 else-if branches and 500 levels of brackets parse', () => {
        const depths = ['else if branches:2000', 'parentheses:500', 'blocks:500', 'nested ifs:1500'];
        const child = new URL('./systemtap-nesting-child.ts', import.meta.url).pathname;
        const viteNode = new URL('../../../node_modules/vite-node/vite-node.mjs', import.meta.url).pathname;
        const out = execFileSync(process.execPath, ['--stack-size=3900', viteNode, child, ...depths], { encoding: 'utf8', timeout: 120_000 });
        expect(JSON.parse(out)).toEqual(Object.fromEntries(depths.map(d => [d, []])));
    }, 180_000);
});
