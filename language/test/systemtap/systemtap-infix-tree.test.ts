import { LangiumParser } from 'langium';
import { describe, expect, test } from 'vitest';
import { buildInfixTree, type InfixParts, type InfixPrecedence } from '../../src/common/infix-tree.js';
import { lcg } from '../seeded-random.js';
import { stapServices } from './systemtap-test-helpers.js';
import type { SystemtapParser } from '../../src/systemtap/systemtap-parser.js';

/** Langium's own `constructInfix` (recursive splits), the reference. */
function langiumInfix(obj: InfixParts, precedence: ReadonlyMap<unknown, InfixPrecedence>): unknown {
    const construct = (LangiumParser.prototype as unknown as { constructInfix: (o: InfixParts, p: unknown) => unknown }).constructInfix;
    return construct.call({ constructInfix: construct }, obj, precedence);
}

/** The SystemTap grammar's precedence table, and one with a right-associative level (the grammar has none). */
async function tables(): Promise<Array<[string, ReadonlyMap<unknown, InfixPrecedence>]>> {
    const services = await stapServices();
    const parser = services.systemtap.parser.LangiumParser as SystemtapParser;
    parser.langiumRules(); // built on first need: the table is Langium's, made with its rules
    const stap = (parser as unknown as { operatorPrecedence: Map<string, Map<unknown, InfixPrecedence>> }).operatorPrecedence.get('StapBinary')!;
    const mixed = new Map<unknown, InfixPrecedence>([['*', { precedence: 0, rightAssoc: false }], ['^', { precedence: 1, rightAssoc: true }],
        ['+', { precedence: 2, rightAssoc: false }], ['=', { precedence: 3, rightAssoc: true }]]);
    return [['StapBinary', stap], ['with right-associative levels', mixed]];
}

/** Random operand and operator lists; `broken` drops operands at the end, as after a syntax error. */
function randomInfix(random: () => number, operators: readonly unknown[], broken: boolean): InfixParts {
    const n = 1 + Math.floor(random() * 12);
    const parts = Array.from({ length: n }, (_, k) => ({ $type: 'Operand', k }));
    const ops = Array.from({ length: n - 1 }, () => operators[Math.floor(random() * operators.length)]);
    if (broken) {
        ops.push(operators[0]);
        parts.length -= Math.floor(random() * Math.min(3, parts.length + 1));
    }
    return { $type: 'Binary', $cstNode: { cst: true }, parts, operators: ops };
}

describe('binary trees from infix rules', () => {
    test('the same trees as Langium\'s recursive splits, paired lists and broken ones', async () => {
        const random = lcg(7);
        for (const [, table] of await tables()) {
            const operators = [...table.keys()];
            for (let k = 0; k < 3000; k++) {
                const obj = randomInfix(random, operators, k % 3 === 0);
                expect(buildInfixTree(obj, table)).toEqual(langiumInfix(obj, table));
            }
        }
    });

    test.each([
        ['no operands', { $type: 'B', parts: [] }],
        ['one operand', { $type: 'B', parts: ['a'], operators: [] }],
        ['no operator list', { $type: 'B', parts: ['a', 'b'] }],
        ['more operands than operators allow', { $type: 'B', parts: ['a', 'b', 'c'], operators: ['+'] }],
    ])('%s', async (_name, obj) => {
        const [[, table]] = await tables();
        expect(buildInfixTree(obj, table)).toEqual(langiumInfix(obj, table));
    });

    test('a long broken list of a right-associative level: as Langium splits it, and 100,000 operators without a scan per split', async () => {
        const [, [, mixed]] = await tables();
        const broken = (n: number) => ({ $type: 'B', $cstNode: {}, parts: Array.from({ length: n }, (_, k) => k), operators: Array.from({ length: n + 1 }, (_, k) => (k % 3 ? '=' : '^')) });
        expect(buildInfixTree(broken(2_000), mixed)).toEqual(langiumInfix(broken(2_000), mixed));
        // Split after split, each at the first operator: a scan of the rest per split took minutes here.
        let tree = buildInfixTree(broken(100_000), mixed) as { right: unknown } | undefined;
        let depth = 0;
        while (tree && typeof tree === 'object') {
            tree = tree.right as typeof tree;
            depth++;
        }
        expect(depth).toBeGreaterThan(60_000);
    });

    test('100,000 operands in linear time, the tree as deep as the list is long', async () => {
        const [[, table]] = await tables();
        const n = 100_000;
        const obj = { $type: 'B', parts: Array.from({ length: n }, (_, k) => k), operators: Array.from({ length: n - 1 }, () => '+') };
        let tree = buildInfixTree(obj, table) as { left: unknown; right: unknown };
        let depth = 0;
        while (typeof tree === 'object') {
            expect(tree.right).toBe(n - 1 - depth);
            tree = tree.left as typeof tree;
            depth++;
        }
        expect(depth).toBe(n - 1);
    });
});
