/**
 * Every real script in the corpus goes through the grammars. The test proves tokenizing never
 * hangs or throws and that files the real tools accept leave the grammar back at top level (no
 * begin/end rule left open). Per-line times are measured and printed, never asserted.
 */
import { describe, expect, test } from 'vitest';
import type { FileResult, GrammarScope } from './textmate-helpers.js';
import { readLabels, tokenizeCorpus } from './textmate-helpers.js';

function report(name: string, results: FileResult[]): void {
    const lines = results.reduce((n, r) => n + r.lines, 0);
    const ms = results.reduce((n, r) => n + r.totalMs, 0);
    const slow = [...results].sort((a, b) => b.slowestLineMs - a.slowestLineMs).slice(0, 3);
    console.log(`${name}: ${results.length} files, ${lines} lines in ${ms.toFixed(0)} ms `
        + `(${(lines / ms * 1000).toFixed(0)} lines/s); slowest lines: `
        + slow.map(r => `${r.path} ${r.slowestLineMs.toFixed(1)} ms`).join(', '));
}

const cases: Array<{ scope: GrammarScope; language: 'stap' | 'bpftrace' }> = [
    { scope: 'source.systemtap', language: 'stap' },
    { scope: 'source.bpftrace', language: 'bpftrace' },
];

describe.each(cases)('$scope over the corpus', ({ scope, language }) => {
    const files = readLabels(language);

    test('tokenizes every file and accepted files end at top level', async () => {
        const results = await tokenizeCorpus(scope, language, files);
        report(scope, results);
        expect(results).toHaveLength(files.length);
        const accepted = new Set(files.filter(f => f.expectSyntax === 'ok').map(f => f.path));
        const unbalanced = results.filter(r => accepted.has(r.path) && r.endDepth !== 1).map(r => `${r.path} (depth ${r.endDepth})`);
        expect(unbalanced).toEqual([]);
    });
});
