/**
 * The sample workspace through the grammars: every script tokenizes, the good ones end at top level
 * without an invalid token, and the newer syntax in the samples gets its scopes.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import vsctm from 'vscode-textmate';
import type { GrammarScope, ScopeCase } from './textmate-helpers.js';
import { formatToken, loadGrammar, tokenForCase, tokenizeFile, workspaceRoot } from './textmate-helpers.js';

interface WorkspaceFile {
    readonly file: string;
    readonly scope: GrammarScope;
    readonly broken: boolean;
}

const files: WorkspaceFile[] = [
    ...readdirSync(join(workspaceRoot, 'stap'), { recursive: true, encoding: 'utf8' }).filter(f => /\.stpm?$/.test(f))
        .map(f => ({ file: `stap/${f}`, scope: 'source.systemtap' as const })),
    ...readdirSync(join(workspaceRoot, 'bt')).filter(f => f.endsWith('.bt')).map(f => ({ file: `bt/${f}`, scope: 'source.bpftrace' as const })),
].map(f => ({ ...f, broken: /broken|half-typed/.test(f.file) }));

describe('workspace scripts tokenize', () => {
    test('the workspace has samples in both languages', () => {
        expect(files.filter(f => f.scope === 'source.systemtap').length).toBeGreaterThanOrEqual(6);
        expect(files.filter(f => f.scope === 'source.bpftrace').length).toBeGreaterThanOrEqual(6);
    });

    test.each(files)('$file', async ({ file, scope, broken }) => {
        const { text, lines } = await tokenizeFile(scope, workspaceRoot, file);
        expect(lines.length).toBe(text.split(/\r?\n/).length);
        if (broken) {
            return;
        }
        const invalid = lines.flat().filter(t => t.scopes.some(s => s.startsWith('invalid')));
        expect(invalid.map(formatToken)).toEqual([]);
        // A good file leaves no begin/end rule open.
        const grammar = await loadGrammar(scope);
        let state = vsctm.INITIAL;
        for (const line of text.split(/\r?\n/)) {
            state = grammar.tokenizeLine(line, state).ruleStack;
        }
        expect(state.depth).toBe(1);
    });
});

describe('theme-sensitive scopes', () => {
    // Themes colour everything under meta.preprocessor (Dark+ makes it blue), so SystemTap code in
    // %( %) branches and @define bodies must not carry it; only the condition itself does, like
    // C's directive lines.
    test.each(files.filter(f => f.scope === 'source.systemtap'))('$file: meta.preprocessor only on conditions', async ({ file, scope }) => {
        const { lines } = await tokenizeFile(scope, workspaceRoot, file);
        const leaked = lines.flat().filter(t => t.scopes.some(s => s.startsWith('meta.preprocessor'))
            && !t.scopes.includes('meta.preprocessor.condition.systemtap')
            && !t.scopes.includes('meta.embedded.block.c'));
        expect(leaked.map(formatToken)).toEqual([]);
    });
});

const cases: Array<ScopeCase & { grammar: GrammarScope }> = [
    { grammar: 'source.bpftrace', file: 'bt/modern.bt', line: 8, text: 'config', scope: 'keyword.other.config.bpftrace' },
    { grammar: 'source.bpftrace', file: 'bt/modern.bt', line: 9, text: 'max_strlen', scope: 'variable.other.config.bpftrace' },
    { grammar: 'source.bpftrace', file: 'bt/modern.bt', line: 13, text: 'lruhash', scope: 'support.function.builtin.bpftrace' },
    { grammar: 'source.bpftrace', file: 'bt/modern.bt', line: 17, text: '1ms', scope: 'constant.numeric.duration.bpftrace' },
    { grammar: 'source.bpftrace', file: 'bt/modern.bt', line: 20, text: 'fn', scope: 'storage.type.function.bpftrace' },
    { grammar: 'source.bpftrace', file: 'bt/modern.bt', line: 20, text: '$ns', scope: 'variable.parameter.bpftrace' },
    { grammar: 'source.bpftrace', file: 'bt/modern.bt', line: 20, text: 'uint64', scope: 'storage.type.bpftrace' },
    { grammar: 'source.bpftrace', file: 'bt/modern.bt', line: 33, text: 'let', scope: 'keyword.other.let.bpftrace' },
    { grammar: 'source.bpftrace', file: 'bt/modern.bt', line: 33, text: '$ts', scope: 'variable.other.scratch.bpftrace' },
    { grammar: 'source.bpftrace', file: 'bt/modern.bt', line: 36, text: 'to_us', scope: 'entity.name.function.call.bpftrace' },
    { grammar: 'source.bpftrace', file: 'bt/modern.bt', line: 37, text: 'slow_threshold', scope: 'entity.name.function.call.bpftrace' },
    { grammar: 'source.bpftrace', file: 'bt/modern.bt', line: 44, text: '5s', scope: 'constant.numeric.bpftrace' },
    { grammar: 'source.bpftrace', file: 'bt/modern.bt', line: 47, text: '$kv', scope: 'variable.other.scratch.bpftrace' },
    { grammar: 'source.bpftrace', file: 'bt/vfs-latency-0.17.bt', line: 11, text: 'BPFTRACE_HAVE_BTF', scope: 'meta.embedded.c' },
    { grammar: 'source.bpftrace', file: 'bt/vfs-latency-0.17.bt', line: 25, text: '/', scope: 'punctuation.definition.predicate.begin.bpftrace' },
    { grammar: 'source.bpftrace', file: 'bt/vfs-latency-0.17.bt', line: 27, text: '/ 1000', scope: 'keyword.operator.arithmetic.bpftrace', not: 'meta.predicate.bpftrace' },
    { grammar: 'source.bpftrace', file: 'bt/vfs-latency-0.17.bt', line: 28, text: 'probe', scope: 'variable.language.builtin.bpftrace' },
    { grammar: 'source.bpftrace', file: 'bt/opensnoop.bt', line: 24, text: 'str', scope: 'support.function.builtin.bpftrace' },
    { grammar: 'source.systemtap', file: 'stap/macros.stp', line: 7, text: '$#', scope: 'variable.parameter.script-argument.systemtap' },
    { grammar: 'source.systemtap', file: 'stap/macros.stp', line: 8, text: 'bytes', scope: 'variable.parameter.macro.systemtap' },
    { grammar: 'source.systemtap', file: 'stap/macros.stp', line: 18, text: '@interval_s', scope: 'entity.name.function.macro.systemtap' },
    { grammar: 'source.systemtap', file: 'stap/macros.stp', line: 21, text: '@sum', scope: 'support.function.aggregate.systemtap' },
    { grammar: 'source.systemtap', file: 'stap/lib/units.stpm', line: 4, text: 'KB', scope: 'entity.name.function.macro.definition.systemtap' },
    { grammar: 'source.systemtap', file: 'stap/lib/units.stpm', line: 12, text: 'systemtap_v', scope: 'support.variable.preprocessor.systemtap' },
    { grammar: 'source.systemtap', file: 'stap/lib/units.stpm', line: 13, text: 'sprintf', scope: 'meta.macro.body.systemtap' },
    { grammar: 'source.systemtap', file: 'stap/library-macros.stp', line: 33, text: '@KB', scope: 'entity.name.function.macro.systemtap' },
    { grammar: 'source.systemtap', file: 'stap/kernel-version.stp', line: 33, text: 'CONFIG_PREEMPT_RT', scope: 'support.constant.kernel-config.systemtap' },
    { grammar: 'source.systemtap', file: 'stap/guru-task-info.stp', line: 18, text: 'STAP_ARG_task', scope: 'meta.embedded.block.c' },
    { grammar: 'source.systemtap', file: 'stap/guru-task-info.stp', line: 30, text: 'jiffies %}', scope: 'meta.embedded.block.c' },
];

describe('workspace scopes', () => {
    test.each(cases)('$file:$line \'$text\' is $scope', async c => {
        const token = await tokenForCase(c.grammar, workspaceRoot, c);
        expect(token.scopes, formatToken(token)).toContain(c.scope);
        if (c.not) {
            expect(token.scopes, formatToken(token)).not.toContain(c.not);
        }
    });
});
