/**
 * The language configurations VS Code reads for .stp and .bt: they are JSON with regular
 * expressions VS Code compiles as JavaScript RegExps, so the tests compile them the same way.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { repoRoot } from './textmate-helpers.js';

interface LanguageConfiguration {
    comments: { lineComment: string; blockComment: [string, string] };
    brackets: Array<[string, string]>;
    autoClosingPairs: Array<{ open: string; close: string; notIn?: string[] }>;
    surroundingPairs: Array<[string, string]>;
    folding: { markers: { start: string; end: string } };
    indentationRules: { increaseIndentPattern: string; decreaseIndentPattern: string };
    wordPattern: string;
}

function readConfiguration(language: 'systemtap' | 'bpftrace'): LanguageConfiguration {
    return JSON.parse(readFileSync(join(repoRoot, 'syntaxes', `${language}.language-configuration.json`), 'utf8')) as LanguageConfiguration;
}

/** The word VS Code would take at the `<|>` cursor, found the way its getWordAtText scans. */
function wordAtCursor(wordPattern: string, snippet: string): string | undefined {
    const column = snippet.indexOf('<|>');
    const text = snippet.replace('<|>', '');
    const regex = new RegExp(wordPattern, 'g');
    for (const m of text.matchAll(regex)) {
        if (m.index <= column && column <= m.index + m[0].length) {
            return m[0];
        }
    }
    return undefined;
}

const wordCases: Array<{ language: 'systemtap' | 'bpftrace'; snippet: string; word: string }> = [
    { language: 'systemtap', snippet: 'println($fi<|>le->f_path)', word: '$file' },
    { language: 'systemtap', snippet: 'println($$v<|>ars)', word: '$$vars' },
    { language: 'systemtap', snippet: 'println($$parms<|>$)', word: '$$parms$' },
    { language: 'systemtap', snippet: 'println($$loc<|>als$$)', word: '$$locals$$' },
    { language: 'systemtap', snippet: 'x = @ca<|>st(p, "task_struct")', word: '@cast' },
    { language: 'systemtap', snippet: 'x = @ent<|>ry($count)', word: '@entry' },
    { language: 'systemtap', snippet: 'print(@hist_<|>log(s))', word: '@hist_log' },
    { language: 'systemtap', snippet: 'counts[execname()] <<< @my_ma<|>cro', word: '@my_macro' },
    { language: 'systemtap', snippet: 'x = $<|>1 + 1', word: '$1' },
    { language: 'systemtap', snippet: 'x = @<|>2', word: '@2' },
    { language: 'systemtap', snippet: 'if ($<|># > 1) next', word: '$#' },
    { language: 'systemtap', snippet: 'x = user_str<|>ing($filename)', word: 'user_string' },
    { language: 'systemtap', snippet: 'probe kernel.func<|>tion("f")', word: 'function' },
    { language: 'bpftrace', snippet: '@rea<|>ds[comm] = count();', word: '@reads' },
    { language: 'bpftrace', snippet: '@<|> = count();', word: '@' },
    { language: 'bpftrace', snippet: '$fi<|>le = str(args.filename);', word: '$file' },
    { language: 'bpftrace', snippet: 'if (pid == $<|>1) { }', word: '$1' },
    { language: 'bpftrace', snippet: 'kpro<|>be:vfs_read { }', word: 'kprobe' },
    { language: 'bpftrace', snippet: 'kprobe:vfs_re<|>ad { }', word: 'vfs_read' },
    { language: 'bpftrace', snippet: '$t = 10<|>0ms;', word: '100ms' },
];

describe('word pattern', () => {
    test.each(wordCases)('$language: $snippet → $word', ({ language, snippet, word }) => {
        expect(wordAtCursor(readConfiguration(language).wordPattern, snippet)).toBe(word);
    });

    test.each(['systemtap', 'bpftrace'] as const)('%s word pattern never matches the empty string', language => {
        expect(new RegExp(readConfiguration(language).wordPattern).test('')).toBe(false);
    });
});

describe('comments, brackets, pairs', () => {
    test('SystemTap line comment is # and block comments are C style', () => {
        const c = readConfiguration('systemtap');
        // '#' is what the upstream examples and real-world scripts use for line comments (about
        // four '#' lines to one '//' line in the corpus); '//' still highlights as a comment.
        expect(c.comments).toEqual({ lineComment: '#', blockComment: ['/*', '*/'] });
    });

    test('bpftrace comments are // and /* */ (bpftrace has no # comments)', () => {
        expect(readConfiguration('bpftrace').comments).toEqual({ lineComment: '//', blockComment: ['/*', '*/'] });
    });

    test('SystemTap brackets and auto-closing include %{ %} and %( %)', () => {
        const c = readConfiguration('systemtap');
        expect(c.brackets).toContainEqual(['%{', '%}']);
        expect(c.brackets).toContainEqual(['%(', '%)']);
        const pairs = c.autoClosingPairs.map(p => [p.open, p.close]);
        expect(pairs).toContainEqual(['%{', '%}']);
        expect(pairs).toContainEqual(['%(', '%)']);
        expect(pairs).toContainEqual(['"', '"']);
    });

    test.each(['systemtap', 'bpftrace'] as const)('%s: every bracket pair also surrounds and auto-closes', language => {
        const c = readConfiguration(language);
        const closing = c.autoClosingPairs.map(p => `${p.open}${p.close}`);
        for (const pair of [['{', '}'], ['[', ']'], ['(', ')']]) {
            expect(c.brackets).toContainEqual(pair);
            expect(c.surroundingPairs).toContainEqual(pair);
            expect(closing).toContain(pair.join(''));
        }
    });
});

const foldCases: Array<{ language: 'systemtap' | 'bpftrace'; line: string; marker: 'start' | 'end' | 'none' }> = [
    { language: 'systemtap', line: '# region counters', marker: 'start' },
    { language: 'systemtap', line: '// #endregion', marker: 'end' },
    { language: 'systemtap', line: '%{', marker: 'start' },
    { language: 'systemtap', line: '%}', marker: 'end' },
    { language: 'systemtap', line: 'x = %{ 1 %}', marker: 'none' },
    { language: 'bpftrace', line: '// region probes', marker: 'start' },
    { language: 'bpftrace', line: '  // endregion', marker: 'end' },
    { language: 'bpftrace', line: '#define REGION 1', marker: 'none' },
];

describe('folding markers', () => {
    test.each(foldCases)('$language: "$line" is $marker', ({ language, line, marker }) => {
        const { start, end } = readConfiguration(language).folding.markers;
        const found = new RegExp(start).test(line) ? 'start' : new RegExp(end).test(line) ? 'end' : 'none';
        expect(found).toBe(marker);
    });
});

const indentCases: Array<{ language: 'systemtap' | 'bpftrace'; line: string; increase: boolean; decrease: boolean }> = [
    { language: 'systemtap', line: 'probe begin {', increase: true, decrease: false },
    { language: 'systemtap', line: 'probe begin {  # start', increase: true, decrease: false },
    { language: 'systemtap', line: 'function f() %{', increase: true, decrease: false },
    { language: 'systemtap', line: '%( kernel_v >= "5.0" %?', increase: true, decrease: false },
    { language: 'systemtap', line: '    printf("{\\n")', increase: false, decrease: false },
    { language: 'systemtap', line: '}', increase: false, decrease: true },
    { language: 'systemtap', line: '%)', increase: false, decrease: true },
    { language: 'bpftrace', line: 'kprobe:vfs_read {', increase: true, decrease: false },
    { language: 'bpftrace', line: '  if ($x > 0) {', increase: true, decrease: false },
    { language: 'bpftrace', line: '  @[comm] = count();', increase: false, decrease: false },
    { language: 'bpftrace', line: '}', increase: false, decrease: true },
];

describe('indentation rules', () => {
    test.each(indentCases)('$language: "$line"', ({ language, line, increase, decrease }) => {
        const rules = readConfiguration(language).indentationRules;
        expect(new RegExp(rules.increaseIndentPattern).test(line)).toBe(increase);
        expect(new RegExp(rules.decreaseIndentPattern).test(line)).toBe(decrease);
    });
});

/** Every scope a grammar's rules assign (`name` / `contentName`, each space-separated scope on its own). */
function assignedScopes(node: unknown, into = new Set<string>()): Set<string> {
    if (Array.isArray(node)) {
        node.forEach(n => assignedScopes(n, into));
    } else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
            if ((key === 'name' || key === 'contentName') && typeof value === 'string') {
                value.split(/\s+/).forEach(s => into.add(s));
            } else {
                assignedScopes(value, into);
            }
        }
    }
    return into;
}

describe('package.json contributions point at these files', () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
        contributes: {
            languages: Array<{ id: string; configuration: string }>;
            grammars: Array<{ language: string; scopeName: string; path: string; embeddedLanguages: Record<string, string> }>;
        };
    };

    test.each(manifest.contributes.grammars)('$language grammar exists, has its scope name and gives every embedded scope it maps', g => {
        const file = join(repoRoot, g.path);
        expect(existsSync(file)).toBe(true);
        const grammar = JSON.parse(readFileSync(file, 'utf8')) as { scopeName: string };
        expect(grammar.scopeName).toBe(g.scopeName);
        const given = assignedScopes(grammar);
        expect(Object.keys(g.embeddedLanguages).filter(s => !given.has(s))).toEqual([]);
    });

    test.each(manifest.contributes.languages)('$id language configuration exists', l => {
        expect(existsSync(join(repoRoot, l.configuration))).toBe(true);
    });
});

describe('the grammars are hand-written', () => {
    test.each(['systemtap', 'bpftrace'])('langium-%s.json does not generate a TextMate grammar over syntaxes/', language => {
        const config = JSON.parse(readFileSync(join(repoRoot, 'language', `langium-${language}.json`), 'utf8')) as {
            textMate?: { out?: string };
            languages?: Array<{ textMate?: { out?: string } }>;
        };
        const outs = [config.textMate?.out, ...(config.languages ?? []).map(l => l.textMate?.out)].filter(o => o !== undefined);
        expect(outs.filter(o => o.includes('syntaxes'))).toEqual([]);
    });
});
