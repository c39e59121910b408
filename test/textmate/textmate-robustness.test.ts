/**
 * Bad input never hangs highlighting: long lines of repeated fragments (VS Code tokenizes lines up
 * to 20,000 characters by default) in the contexts where the grammars' rules differ. Each must
 * tokenize to the end; times are printed, never asserted.
 */
import { describe, expect, test } from 'vitest';
import vsctm from 'vscode-textmate';
import type { GrammarScope } from './textmate-helpers.js';
import { loadGrammar } from './textmate-helpers.js';

/** VS Code's default editor.maxTokenizationLineLength. */
const LONG = 20_000;
/** Fragments that open a rule each time nest; every push costs more, so they get shorter lines. */
const NESTING = 2_000;

const fragments = ['a', '$', '$$a$', '@', '@a', '%', '"\\', '/', '/ ', '0x', '1_', 'k:', ':', ', ', '* ', 'a.', '->x', '# ', '%?', '%:', '%)', '1e', '\\'];
const nesting = ['{', '(', '%(', '%{', 'k:f {', '/*', '"'];
const contexts = ['', 'probe begin { x = ', 'probe ', 'global ', 'function f(', 'kprobe:f { $x = ', 'kprobe:f /', 'k:', '%( '];

interface Case {
    readonly scope: GrammarScope;
    readonly context: string;
    readonly fragment: string;
    readonly length: number;
}

const cases: Case[] = (['source.systemtap', 'source.bpftrace'] as const).flatMap(scope => contexts.flatMap(context => [
    ...fragments.map(fragment => ({ scope, context, fragment, length: LONG })),
    ...nesting.map(fragment => ({ scope, context, fragment, length: NESTING })),
]));

describe('long pathological lines tokenize to the end', () => {
    test.each(['source.systemtap', 'source.bpftrace'] as const)('%s', async scope => {
        const grammar = await loadGrammar(scope);
        const timings: Array<{ label: string; ms: number }> = [];
        for (const c of cases.filter(x => x.scope === scope)) {
            const line = c.context + c.fragment.repeat(Math.ceil(c.length / c.fragment.length)).slice(0, c.length);
            const t0 = performance.now();
            const r = grammar.tokenizeLine(line, vsctm.INITIAL);
            timings.push({ label: `${JSON.stringify(c.context)} + ${JSON.stringify(c.fragment)}×${c.length}`, ms: performance.now() - t0 });
            expect(r.stoppedEarly).toBe(false);
            expect(r.tokens[r.tokens.length - 1].endIndex).toBeGreaterThanOrEqual(line.length);
            // and the grammar still works on the next line
            const next = grammar.tokenizeLine('x', r.ruleStack);
            expect(next.tokens.length).toBeGreaterThan(0);
        }
        const slowest = timings.sort((a, b) => b.ms - a.ms).slice(0, 3);
        console.log(`${scope}: ${timings.length} lines; slowest ${slowest.map(t => `${t.label} ${t.ms.toFixed(0)} ms`).join(', ')}`);
    }, 600_000);
});
