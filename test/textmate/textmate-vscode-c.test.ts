/**
 * The embeds with VS Code's own C grammar, taken from the code-server the end-to-end setup installs
 * (`npm test` runs that setup first). The other grammar tests use a small stand-in for C; this file
 * shows the real one neither swallows `%}` nor leaks past a bpftrace C block. Without code-server
 * installed there is no real C grammar to load, and the tests say so by being skipped.
 */
import { describe, expect, test } from 'vitest';
import type { GrammarScope, ScopeCase } from './textmate-helpers.js';
import {
    corpusRoot, formatToken, readLabels, tokenForCase, tokenizeCorpus, vscodeCGrammarPath, workspaceRoot,
} from './textmate-helpers.js';

const EX = 'stap/files/systemtap.examples';

const cases: Array<ScopeCase & { grammar: GrammarScope; root: string }> = [
    { grammar: 'source.systemtap', root: corpusRoot, file: `${EX}/process/pfiles.stp`, line: 77, text: 'include', scope: 'keyword.control.directive.include.c' },
    { grammar: 'source.systemtap', root: corpusRoot, file: `${EX}/process/pfiles.stp`, line: 77, text: 'include', scope: 'meta.embedded.block.c' },
    { grammar: 'source.systemtap', root: corpusRoot, file: `${EX}/process/pfiles.stp`, line: 77, text: 'include', scope: 'source.c' },
    { grammar: 'source.systemtap', root: corpusRoot, file: `${EX}/process/pfiles.stp`, line: 117, text: '%}', scope: 'punctuation.section.embedded.end.systemtap', not: 'meta.embedded.block.c' },
    { grammar: 'source.systemtap', root: corpusRoot, file: `${EX}/process/pfiles.stp`, line: 126, text: 'pure', scope: 'keyword.other.pragma.systemtap' },
    { grammar: 'source.systemtap', root: corpusRoot, file: `${EX}/process/pfiles.stp`, line: 127, text: 'STAP_ARG_task', scope: 'support.variable.stap-c.systemtap' },
    { grammar: 'source.systemtap', root: corpusRoot, file: `${EX}/process/pfiles.stp`, line: 127, text: 'struct', scope: 'meta.embedded.block.c' },
    { grammar: 'source.systemtap', root: corpusRoot, file: `${EX}/process/pfiles.stp`, line: 786, text: 'function', scope: 'storage.type.function.systemtap', not: 'meta.embedded.block.c' },
    { grammar: 'source.systemtap', root: corpusRoot, file: `${EX}/general/badname.stp`, line: 30, text: 'S_DEAD', scope: 'meta.embedded.block.c' },
    { grammar: 'source.systemtap', root: corpusRoot, file: `${EX}/general/badname.stp`, line: 30, text: 'S_DEAD', scope: 'source.c' },
    { grammar: 'source.systemtap', root: corpusRoot, file: `${EX}/general/badname.stp`, line: 30, text: '%}', scope: 'punctuation.section.embedded.end.systemtap', not: 'meta.embedded.block.c' },
    { grammar: 'source.systemtap', root: workspaceRoot, file: 'stap/guru-task-info.stp', line: 30, text: 'jiffies', scope: 'meta.embedded.block.c' },
    { grammar: 'source.systemtap', root: workspaceRoot, file: 'stap/guru-task-info.stp', line: 33, text: 'probe', scope: 'storage.type.probe.systemtap', not: 'meta.embedded.block.c' },
    { grammar: 'source.bpftrace', root: corpusRoot, file: 'bpftrace/files/tools/tcplife.bt', line: 28, text: 'include', scope: 'keyword.control.directive.include.c' },
    { grammar: 'source.bpftrace', root: corpusRoot, file: 'bpftrace/files/tools/tcplife.bt', line: 36, text: 'AF_INET', scope: 'meta.embedded.c' },
    { grammar: 'source.bpftrace', root: corpusRoot, file: 'bpftrace/files/tools/tcplife.bt', line: 36, text: 'AF_INET', scope: 'source.c' },
    { grammar: 'source.bpftrace', root: corpusRoot, file: 'bpftrace/files/tools/tcplife.bt', line: 40, text: 'BEGIN', scope: 'support.type.provider.special.bpftrace', not: 'meta.embedded.c' },
    { grammar: 'source.bpftrace', root: corpusRoot, file: 'bpftrace/files/tools/dcsnoop.bt', line: 43, text: 'struct', scope: 'storage.type.struct.c' },
    { grammar: 'source.bpftrace', root: corpusRoot, file: 'bpftrace/files/tools/dcsnoop.bt', line: 47, text: '}', scope: 'meta.embedded.c' },
    { grammar: 'source.bpftrace', root: corpusRoot, file: 'bpftrace/files/tools/dcsnoop.bt', line: 50, text: 'BEGIN', scope: 'support.type.provider.special.bpftrace', not: 'meta.embedded.c' },
    { grammar: 'source.bpftrace', root: workspaceRoot, file: 'bt/vfs-latency-0.17.bt', line: 16, text: 'kprobe', scope: 'support.type.provider.bpftrace', not: 'meta.embedded.c' },
];

describe.skipIf(!vscodeCGrammarPath())('with VS Code\'s C grammar', () => {
    test.each([
        { scope: 'source.systemtap' as const, language: 'stap' as const },
        { scope: 'source.bpftrace' as const, language: 'bpftrace' as const },
    ])('$language corpus: accepted files end at top level', async ({ scope, language }) => {
        const files = readLabels(language).filter(f => f.expectSyntax === 'ok');
        const results = await tokenizeCorpus(scope, language, files, 'vscode');
        expect(results.filter(r => r.endDepth !== 1).map(r => `${r.path} (depth ${r.endDepth})`)).toEqual([]);
    });

    test.each(cases)('$file:$line \'$text\' is $scope', async c => {
        const token = await tokenForCase(c.grammar, c.root, c, 'vscode');
        expect(token.scopes, formatToken(token)).toContain(c.scope);
        if (c.not) {
            expect(token.scopes, formatToken(token)).not.toContain(c.not);
        }
    });
});
