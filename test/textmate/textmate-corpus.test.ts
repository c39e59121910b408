/**
 * Every real script in the corpus goes through the grammars. The test proves tokenizing never
 * hangs or throws and that files the real tools accept leave the grammar back at top level (no
 * begin/end rule left open). Per-line times are measured and printed, never asserted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import vsctm from 'vscode-textmate';
import type { GrammarScope } from './textmate-helpers.js';
import { corpusRoot, loadGrammar } from './textmate-helpers.js';

interface CorpusFile {
    readonly path: string;
    readonly expectSyntax: string;
}

function readLabels(language: 'stap' | 'bpftrace'): CorpusFile[] {
    const rows = readFileSync(join(corpusRoot, language, 'labels.tsv'), 'utf8').trim().split('\n').slice(1);
    return rows.map(row => row.split('\t')).map(cols => ({ path: cols[0], expectSyntax: cols[3] }));
}

interface FileResult {
    readonly path: string;
    readonly lines: number;
    readonly endDepth: number;
    readonly slowestLineMs: number;
    readonly totalMs: number;
}

async function tokenizeCorpus(scope: GrammarScope, language: 'stap' | 'bpftrace', files: CorpusFile[]): Promise<FileResult[]> {
    const grammar = await loadGrammar(scope);
    const results: FileResult[] = [];
    for (const file of files) {
        const text = readFileSync(join(corpusRoot, language, 'files', file.path), 'utf8');
        let state = vsctm.INITIAL;
        let slowest = 0;
        const start = performance.now();
        for (const line of text.split(/\r?\n/)) {
            const t0 = performance.now();
            // The same per-line budget VS Code gives the tokenizer; a stopped line would show here.
            const r = grammar.tokenizeLine(line, state, 10_000);
            expect(r.stoppedEarly, `${file.path} stopped early`).toBe(false);
            slowest = Math.max(slowest, performance.now() - t0);
            state = r.ruleStack;
        }
        results.push({
            path: file.path,
            lines: text.split('\n').length,
            endDepth: state.depth,
            slowestLineMs: slowest,
            totalMs: performance.now() - start,
        });
    }
    return results;
}

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
