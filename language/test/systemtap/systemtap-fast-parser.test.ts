// The hand-written SystemTap parser (systemtap-fast-parser.ts) must build, for every token
// stream Langium's parser reads without a syntax error, exactly the tree Langium's parser builds:
// compared node for node (AST properties in order, CST nodes with their grammar elements, owners,
// classes and fields, hidden leaves, offsets, containers) on every tapset file, every corpus file
// and synthetic texts. On every stream Langium's parser reports a syntax error in, it must give up
// (the caller then parses with Langium): checked on the corpus files stap rejects and on mutants.
// (Where the lexer left out a nest too deep to parse, or after a macro invocation stap stops at, the parser's errors
// are dropped: the hand-written parser may give up there, and Langium's parse stands.)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { URI, type AstNode, type ParseResult } from 'langium';
import { beforeAll, describe, expect, test } from 'vitest';
import type { ProbekitServices } from '../../src/probekit-module.js';
import { StapCode } from '../../src/systemtap/systemtap-diagnostic-codes.js';
import { STAP_FAST_MAX_DEPTH } from '../../src/systemtap/systemtap-fast-cst.js';
import { StapFastParser, type StapFastParse } from '../../src/systemtap/systemtap-fast-parser.js';
import type { StapParserError, SystemtapParser } from '../../src/systemtap/systemtap-parser.js';
import type { SystemtapLexer } from '../../src/systemtap/systemtap-lexer.js';
import { STAP_CHECKED_TYPES } from '../../src/systemtap/systemtap-syntax-checks.js';
import { lexStap } from '../../src/systemtap/systemtap-tokens.js';
import { linkContainers } from '../../src/systemtap/systemtap-tree-links.js';
import { mulberry32 } from '../seeded-random.js';
import { CORPUS, INSTALLED_TAPSET, TEST_HOST, breathe, corpusRows, stapServices, stpFiles } from './systemtap-test-helpers.js';
import { describeTree } from './systemtap-tree-description.js';

let services: ProbekitServices;
let parser: SystemtapParser;
let lexer: SystemtapLexer;
let fast: StapFastParser;

beforeAll(async () => {
    services = await stapServices({ arch: 'x86_64' }, { ...TEST_HOST, tapsetDirs: [INSTALLED_TAPSET] });
    parser = services.systemtap.parser.LangiumParser as SystemtapParser;
    lexer = services.systemtap.parser.Lexer as SystemtapLexer;
    fast = new StapFastParser(services.systemtap.Grammar, lexer.definition as never, STAP_CHECKED_TYPES);
});

/** The parse of Langium's parser (the parser's own fast path, if it has one, set aside). */
function langiumParse(uri: URI, text: string): ParseResult<AstNode> {
    const p = parser as unknown as { fast?: unknown };
    const saved = p.fast;
    p.fast = undefined;
    try {
        return parser.parseFor(uri, text);
    } finally {
        p.fast = saved;
    }
}

/** The hand-written parser on the lexer's tokens for `text`. */
function fastParse(uri: URI, text: string): StapFastParse | undefined {
    lexer.documentUri = uri;
    try {
        return fast.parse(text, lexer.lex(text));
    } finally {
        lexer.documentUri = undefined;
        lexer.lastPreprocess = undefined;
    }
}

/** Whether Langium's parser read the whole stream (its only errors, if any, are the structural checks'). */
function readWhole(result: ParseResult<AstNode>): boolean {
    return result.parserErrors.every(e => (e as StapParserError).stapCode === StapCode.ParseRule);
}

/**
 * Whether the lexer left out a nest too deep to parse, or the preprocessor found a macro invocation stap stops at (the
 * parser's errors about the hole, or after the invocation, are then dropped).
 */
function cutTooDeep(result: ParseResult<AstNode>): boolean {
    return (result.lexerReport?.diagnostics ?? []).some(d => [StapCode.LexTooDeep, StapCode.PpMacroInvocation].includes((d as { code?: string }).code as never));
}

/** Type and offset of each node, for the nodes the syntax checks look at. */
function describeNodes(nodes: readonly AstNode[]): string[] {
    return nodes.map(n => `${n.$type}@${n.$cstNode?.offset}+${n.$cstNode?.length}`);
}

interface Tally {
    same: number;
    gaveUp: number;
    problems: string[];
}

/**
 * Compare the two parsers on one text: the same tree and the same nodes for the checks when
 * Langium's parser read it whole, and no tree from the hand-written one otherwise, nor for a nest
 * deeper than it takes (`tooDeep`).
 */
function compare(name: string, text: string, tally: Tally, tooDeep = false): void {
    const uri = URI.file(name.startsWith('/') ? name : `/nonexistent/probekit-test/${name}`);
    const reference = langiumParse(uri, text);
    const mine = fastParse(uri, text);
    if (tooDeep && mine) tally.problems.push(`${name}: a tree for a nest deeper than ${STAP_FAST_MAX_DEPTH}`);
    if (!mine) {
        if (readWhole(reference) && !cutTooDeep(reference) && !tooDeep) tally.problems.push(`${name}: no tree`);
        else tally.gaveUp++;
        return;
    }
    if (!readWhole(reference)) {
        tally.problems.push(`${name}: a tree where Langium's parser reports ${reference.parserErrors.find(e => (e as StapParserError).stapCode !== StapCode.ParseRule)?.message}`);
        return;
    }
    const expected = describeTree(reference.value, [], true);
    const actual = describeTree(mine.value, [], true);
    if (actual !== expected) {
        const a = actual.split('\n');
        const e = expected.split('\n');
        let i = 0;
        while (a[i] === e[i]) i++;
        tally.problems.push(`${name}: line ${i}: ${a[i]} instead of ${e[i]}`);
        return;
    }
    const checked = describeNodes(linkContainers(reference.value, STAP_CHECKED_TYPES));
    if (describeNodes(mine.checked).join() !== checked.join()) {
        tally.problems.push(`${name}: other nodes for the syntax checks`);
        return;
    }
    tally.same++;
}

const elseIfs = (n: number) => `probe begin { ${Array.from({ length: n }, (_, i) => `if (x == ${i}) y = ${i}`).join(' else ')} }`;
const parentheses = (n: number) => `probe begin { x = ${'('.repeat(n)}1${')'.repeat(n)} }`;
const indexBrackets = (n: number) => `probe begin { x = ${'a['.repeat(n)}1${']'.repeat(n)} }`;
const blocks = (n: number) => `probe begin ${'{'.repeat(n)}${'}'.repeat(n)}`;

/** Token-level mutants of a text (delete, duplicate or swap tokens, cut the text short), seeded. */
function mutants(text: string, count: number, rnd: () => number): string[] {
    const tokens = lexStap(text).tokens;
    if (tokens.length === 0) return [];
    const out: string[] = [];
    for (let m = 0; m < count; m++) {
        const t = tokens[Math.floor(rnd() * tokens.length)];
        const u = tokens[Math.floor(rnd() * tokens.length)];
        switch (m % 4) {
            case 0: out.push(text.slice(0, t.offset) + text.slice(t.end)); break;
            case 1: out.push(text.slice(0, t.end) + ' ' + t.image + text.slice(t.end)); break;
            case 2: {
                const [a, b] = t.offset < u.offset ? [t, u] : [u, t];
                out.push(a.end > b.offset ? text : text.slice(0, a.offset) + b.image + text.slice(a.end, b.offset) + a.image + text.slice(b.end));
                break;
            }
            default: out.push(text.slice(0, t.end));
        }
    }
    return out;
}

describe('the hand-written SystemTap parser builds the trees Langium builds', () => {
    test('every tapset file and every corpus file', async () => {
        const paths = [...stpFiles(INSTALLED_TAPSET), ...corpusRows().map(r => join(CORPUS, 'files', r.path))];
        expect(paths.length).toBeGreaterThan(2000);
        const tally: Tally = { same: 0, gaveUp: 0, problems: [] };
        for (let i = 0; i < paths.length; i++) {
            compare(paths[i], readFileSync(paths[i], 'utf8'), tally);
            if (i % 100 === 99) await breathe();
        }
        expect(tally.problems).toEqual([]);
        expect(tally.same).toBeGreaterThan(1900);
        expect(tally.gaveUp).toBeGreaterThan(20);
    }, 300_000);

    test('mutants of corpus files: the same tree, or none where Langium reports a syntax error', () => {
        const rnd = mulberry32(20261201);
        const rows = corpusRows();
        const tally: Tally = { same: 0, gaveUp: 0, problems: [] };
        for (let k = 0; k < 60; k++) {
            const row = rows[Math.floor(rnd() * rows.length)];
            const text = readFileSync(join(CORPUS, 'files', row.path), 'utf8');
            mutants(text, 8, rnd).forEach((mutant, m) => compare(`${row.path}#${m}`, mutant, tally));
        }
        expect(tally.problems).toEqual([]);
        expect(tally.same).toBeGreaterThan(40);
        expect(tally.gaveUp).toBeGreaterThan(150);
    }, 120_000);

    const cases: Array<[string, string]> = [
        ['empty file', ''],
        ['comments only', '# one\n/* two */\n// three\n'],
        ['comments everywhere', '/*a*/ probe /*b*/ begin /*c*/ { /*d*/ x /*e*/ = /*f*/ 1 /*g*/ + /*h*/ f(/*i*/) /*j*/ } /*k*/\n# end'],
        ['comment before the first token of nested rules', 'probe begin {\n# c\n a[1]->b = 1\n}\nfunction f() { # c\n return 1 }'],
        ['every statement', `global a%[10] = 1, b, c = "s"
private global d
private e;
function f:long (x:long, y: string) : 5 { return x }
function g() %{ /* C */ %}
private function h() { }
probe a.b.c("x")?, d.e(1)! if (x > 1), {f, g.h}.i = x.y { }
probe j += k { } , { }
probe begin {
    if (a) b++ else if (c) --d else { }
    while (x) { break; continue }
    for (i = 0; i < 10; i++) next
    for (;;) ;
    foreach ([k, l] in a[*, 1] @sum + limit 5) delete a[k, l]
    foreach (v- = k in a) print(v)
    foreach (k+ in @hist_log(x)) {}
    try { error("x") } catch (m) { println(m) }
    try { } catch { }
    return
}`],
        ['every expression', `probe begin {
    x = a ? b : c ? d : e
    x <<< 1; x += 1; x .= "s"; x |= 1
    x = -+!~&a + b * c / d % e - f . g << h >> i >>> j < k > l <= m >= n == o != p & q ^ r | s && t || u
    x = "a" =~ "b"; y = [a, b] in c; z = $1 + @1 + $# + @#
    x = f(1, "two" "three", $var->m->if[1, *]$, $$vars$$, @cast(p, "task_struct")->pid, @entry($x), @defined($y))
    x = @var("a@b.c") + @unknown(1, 2) + @unknown + %{ 1 %} + (1, 2) + a++ + b--
}`],
        ['macros and conditionals', '@define m(x) %( @x + 1 %)\nprobe begin { y = @m(2) %( arch == "x86_64" %? + 1 %: - 1 %) }'],
        ['a long flat expression', `probe begin { x = ${Array.from({ length: 10_000 }, (_, i) => `a${i}`).join(' + ')} }`],
        ['a long chain of else-if', elseIfs(300)],
        ['deep parentheses', parentheses(200)],
        ['deep index brackets', indexBrackets(150)],
        ['parentheses too deep to parse', parentheses(2000)],
        ['syntax errors', 'probe begin { x = = 1 }\nprobe { }\nfunction f( { }'],
        ['a comma after the last parameter', 'function f(a,) { }\nfunction g(a, b:long , # c\n) { }\nfunction h(a,,) { }'],
        ['pretty-printing after `->`', 'probe kernel.function("f") { x = $t->$ . $t -> $$ . $t[1]->$$ . a->b->$ }'],
        ['`if` starting a probe point component', 'probe if.x, a.if, b.if(1).c if (d), e.if if (f) { }\nprobe kernel.if ?, if (1) { }\nprobe g = if.if { }'],
        ['an @-word as the array of foreach', 'probe begin { foreach (k in @arr[1, *] @sum +) { } foreach (k in @count) { } foreach ([a, b] in @cast limit 1) { } foreach (k in @x(1)) { } }'],
        ['script arguments where names go', 'global $1, $2%[10]\nfunction $3:long ($4, $5:string) { return $4 }\nprobe begin { foreach ($6 = [$7, $8-] in $1) { } foreach (k in $2[*]) { } try { } catch ($9) { } x = $p->$1 }'],
        ['keywords as names', 'probe kernel.function("x").return, process.function("y").call { $p->global = $p->in }'],
    ];
    test.each(cases)('%s', (name, text) => {
        const tally: Tally = { same: 0, gaveUp: 0, problems: [] };
        compare(`${name.replace(/\W+/g, '-')}.stp`, text, tally);
        expect(tally.problems).toEqual([]);
        expect(tally.same + tally.gaveUp).toBe(1);
    });

    // Nests deeper than the hand-written parser takes (Langium's runs out of stack not much deeper):
    // it leaves them to Langium's, whatever that makes of them.
    const deep: Array<[string, string]> = [
        ['else-if', elseIfs(STAP_FAST_MAX_DEPTH / 2 + 10)], ['parentheses', parentheses(STAP_FAST_MAX_DEPTH / 3 + 10)],
        ['index brackets', indexBrackets(STAP_FAST_MAX_DEPTH / 4 + 10)], ['blocks', blocks(STAP_FAST_MAX_DEPTH / 2 + 10)],
        ['chained assignments', `probe begin { ${'x = '.repeat(5000)}1 }`],
    ];
    test.each(deep)('%s nested deeper than it takes', (name, text) => {
        const tally: Tally = { same: 0, gaveUp: 0, problems: [] };
        compare(`deep-${name.replace(/\W+/g, '-')}.stp`, text, tally, true);
        expect(tally.problems).toEqual([]);
        expect(tally.gaveUp).toBe(1);
    });

    test('the parser with its fast path gives the results and errors of Langium\'s parse alone', () => {
        const p = parser as unknown as { fast?: StapFastParser };
        const paths = [...stpFiles(INSTALLED_TAPSET).slice(0, 100), ...corpusRows().slice(0, 300).map(r => join(CORPUS, 'files', r.path))];
        let taken = 0;
        const own = p.fast;
        if (own) {
            p.fast = { parse: (...args: Parameters<StapFastParser['parse']>) => {
                const r = own.parse(...args);
                if (r) taken++;
                return r;
            } } as unknown as StapFastParser;
        }
        const different: string[] = [];
        try {
            for (const path of paths) {
                const uri = URI.file(path);
                const text = readFileSync(path, 'utf8');
                const errorsOf = (r: ParseResult<AstNode>) => r.parserErrors.map(e => `E ${e.token.startOffset}-${e.token.endOffset} ${(e as StapParserError).stapCode} ${e.message}`);
                const reference = langiumParse(uri, text);
                const result = parser.parseFor(uri, text);
                if (describeTree(result.value, errorsOf(result), true) !== describeTree(reference.value, errorsOf(reference), true)) different.push(path);
            }
        } finally {
            p.fast = own;
        }
        expect(different).toEqual([]);
        if (own) expect(taken).toBeGreaterThan(350);
    }, 120_000);
});
