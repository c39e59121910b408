import { beforeAll, describe, expect, test } from 'vitest';
import type { ProbekitServices } from '../../src/probekit-module.js';
import type * as ast from '../../src/systemtap/generated/ast.js';
import { hasCrossReferences } from '../../src/common/unreferenced-grammar.js';
import { checkStap, firstExpression, stapServices } from './systemtap-test-helpers.js';

let services: ProbekitServices;
beforeAll(async () => {
    services = await stapServices();
});

/** Parse `probe begin { EXPR }` and print the expression fully parenthesised. */
async function precedence(expr: string): Promise<string> {
    const { doc, errors } = await checkStap(services, `probe begin { ${expr} }`);
    expect(errors.map(e => e.message)).toEqual([]);
    return firstExpression(doc);
}

describe('expression precedence and associativity (stap parse.cxx)', () => {
    test.each([
        ['x = a + b * c', '(x = (a + (b * c)))'],
        ['x = "a" . 1 + 2', '(x = ("a" . (1 + 2)))'],
        ['x = a . b << c', '(x = ((a . b) << c))'],
        ['x = a << b . c', '(x = (a << (b . c)))'],
        ['x = a . b . c', '(x = ((a . b) . c))'],
        ['x = a - b - c', '(x = ((a - b) - c))'],
        ['x = a >>> 2 >> 1', '(x = ((a >>> 2) >> 1))'],
        ['x = a < b == c', '(x = ((a < b) == c))'],
        ['x = k in arr && y', '(x = ((k in arr) && y))'],
        ['x = [a, b] in arr', '(x = ([a, b] in arr))'],
        ['x = a & b == c', '(x = (a & (b == c)))'],
        ['x = a | b ^ c & d', '(x = (a | (b ^ (c & d))))'],
        ['x = a || b && c', '(x = (a || (b && c)))'],
        ['x = a ? b : c ? d : e', '(x = (a ? b : (c ? d : e)))'],
        ['a = b = c', '(a = (b = c))'],
        ['a += b .= c', '(a += (b .= c))'],
        ['s <<< x + 1', '(s <<< (x + 1))'],
        ['x = -a * b', '(x = ((-a) * b))'],
        ['x = !a && ~b', '(x = ((!a) && (~b)))'],
        ['x = a++ + ++b', '(x = ((a++) + (++b)))'],
        ['x = &$p->f[1]', '(x = (&($p->f)[1]))'],
        ['x = $p->a->b$', '(x = (($p->a)->b$))'],
        ['x = @cast(p, "t")$$', '(x = (@cast(p, "t")$$))'],
        ['x = @cast(p, "task_struct")->pid', '(x = (@cast(p, "task_struct")->pid))'],
        ['x = @hist_log(s)[2]', '(x = @hist_log(s)[2])'],
        ['x = (a + b) * c', '(x = ((a + b) * c))'],
        ['x = s =~ "^a" && t !~ "b"', '(x = ((s =~ "^a") && (t !~ "b")))'],
        ['x = "a" "b" . c', '(x = ("a" "b" . c))'],
        ['x = a % b / c', '(x = ((a % b) / c))'],
        ['x = f(a, b)[1] + arr[i, *]', '(x = (f(a, b)[1] + arr[i, *]))'],
    ])('%s', async (expr, printed) => {
        expect(await precedence(expr)).toBe(printed);
    });
});

/** Scripts stap 4.8 `-p1` accepts (each checked with the real stap while writing this table). */
const ACCEPTED = [
    'probe begin { if (x) y = 1; else z = 2 }',
    'probe begin { foreach ([a,b] in c[*,1] @sum + limit 3) ; }',
    'probe begin { foreach (v = [a,b] in c) ; }',
    'probe begin { foreach (k- in a) ; foreach (k in a+) ; }',
    'probe begin { foreach (x in @hist_log(s)) ; }',
    'probe begin { foreach (k in @arr) ; foreach (k in @count) ; foreach ([a,b] in @m[*,1] @sum + limit 3) ; }',
    'probe begin { delete a[1,*] }',
    'probe kernel.function("x").return.maxactive(10) { }',
    'probe $.$$ { }',
    'probe a.b.c = kernel.x { } probe a.b.c { }',
    'probe a = b, c { } , { }',
    'probe a = b = c, d { }',
    'probe a += b { }',
    'probe {a,b}.c { }',
    'probe a.* , b.**, sys**open, *_read { }',
    'probe foo!, bar? { }',
    'probe begin.x.y(1).z("a")? if (x > 1) { }',
    'probe begin(10) { } probe end(-10) { }',
    'function f:string (a:string, b:long) : 3 { return a }',
    'function string() { } function long:long() { }',
    'private global x = 5',
    'private x',
    'global a%[100], s = "x" "y", n = -1',
    'probe begin { x = $p$ ; y = $p$$; z = $$vars$; w = $$ }',
    'probe begin { x = @cast(p, "t", "kernel<linux/sched.h>")->a[1]->b$ }',
    'probe begin { x = $a->if + $b->string->long }',
    'probe begin { try { x = 1 } catch { y = 2 } try { } catch (e) { } }',
    'probe begin { x = 0xffffffffffffffff + 0777 + 0 }',
    'probe begin { printf("%d", 1) printf("%d", 2) }',
    'probe begin { x = 1;; }',
    'probe begin { for (;;) break while (1) continue next }',
    'probe begin { x = @entry($a) + @defined($b) + @var("a@b.c") + @probewrite(a) }',
    'probe begin { x <<< 1; y = @count(x) + @variance(x, 2) }',
    'probe begin { x = [1] + 2 }',
    // stap ends the expression after `[2]`, `in a` and `=~ "r"`: the rest is the next statement
    'probe begin { x = [2] - 3; x = [2][3]; x = 1 in a[1]; x = 1 in a + 1; x = y =~ "r" - 1 }',
    'probe begin { println() }',
    'function f() { return } function g() { return; }',
    'probe begin { x = 1 == 2 == 3 }',
    'probe begin { x = $1 + @1 + $# + @# } probe $1 { } probe kernel.function(@2) { }',
    'probe process.function("*").callee("x").call { }',
    'probe begin { a = 1 b = 2 c = a + b }',
    'probe begin { x = (a in b) in c; x = (++y)++; x = ++(y++); x = -y++; x = ++y++ z; x = --y-- (1) }',
    'probe begin { x = p$->b; x = $a$b->c; x = $$vars->a; x = $a->b$; x = &$a$ }',
    'probe begin { x = "a string \\\n  on two lines" }',
    // identifiers spelled like the grammar's terminals are identifiers
    'probe begin { NUMBER = 1; STR = 2; ID = 3; EMBEDDED = 4; AT_WORD = 5; ARG = 6; WS = 7; PP_HIDDEN = 8; SL_COMMENT = 9; ML_COMMENT = 10 }',
];

/** Scripts stap 4.8 `-p1` rejects, with the reason it gives. */
const REJECTED: Array<[string, RegExp]> = [
    ['probe begin { x = 1 + }', /expected an expression/],
    ['probe begin { x = y =~ "b" == 1 }', /cannot be chained/],
    ['probe begin { x = y =~ b }', /expected literal string/],
    ['probe a, b = c { }', /expected probe point specifier/],
    ['global b[100]%', /expected/],
    ['probe begin { x = [1,2] }', /comma-separated/],
    ['probe begin { print() }', /needs an argument/],
    ['probe begin { printf(x) }', /format string literal/],
    ['probe begin { printd(",", 1) }', /at least two values/],
    ['probe begin { return }', /not in function context/],
    ['function f() { return if (1) {} }', /must be followed by `;` or `}`/],
    ['probe begin { x = & & y }', /address more than once/],
    ['probe begin { foreach ([x+,y-] in a) {} }', /multiple sort directives/],
    ['probe begin { foreach (k in a @sum) {} }', /expected sort directive/],
    ['global foo\nglobal foo', /duplicate global name/],
    ['global a[0]', /array size out of range/],
    ['global a[10] = 42', /only scalar globals/],
    ['function f(x, x) { }', /duplicate parameter names/],
    ['function f() : 0 { }', /priority must be > 0/],
    ['probe a * b { }', /must not be separated by spaces/],
    ['probe begin { x = 0x10000000000000000 }', /number invalid or out of range/],
    ['probe begin { x = 089 + 12abc }', /number invalid or out of range/],
    ['probe begin { x = foo in bar->baz }', /array name/],
    ['probe begin { x = 1 + [2] }', /bracketed list/],
    ['probe begin { x = y =~ "r" * 2 }', /regular expression literal/],
    ['probe begin { x = @cast(p) }', /takes 2 to 3 arguments/],
    ['probe begin { x = @perf(1) }', /expected literal string/],
    ['probe begin { x = @undefined_macro }', /unknown operator `@undefined_macro`/],
    ['probe @hello = begin { }', /unknown operator/],
    ['probe a = b { } , { } probe c += d { }, { }', /epilogue/],
    ['probe begin {}}', /expected `probe`, `global`, `private`, `function` or `%\{`/],
];

describe('whole scripts', () => {
    test.each(ACCEPTED)('accepts %s', async text => {
        const { errors } = await checkStap(services, text);
        expect(errors.map(e => e.message)).toEqual([]);
    });

    test.each(REJECTED)('rejects %s', async (text, reason) => {
        const { errors } = await checkStap(services, text);
        expect(errors.length).toBeGreaterThan(0);
        expect(errors.map(e => e.message).join('\n')).toMatch(reason);
    });

    test('the tree of a probe alias with an epilogue', async () => {
        const { doc, errors } = await checkStap(services, 'probe a.b = kernel.function("f").return ?, c { x = 1 }, { y = 2 }');
        expect(errors).toEqual([]);
        const probe = (doc.parseResult.value as ast.StapScript).items[0] as ast.StapProbe;
        expect(probe.aliasOps).toEqual(['=']);
        expect(probe.groups.map(g => g.points.length)).toEqual([1, 2]);
        const [fn] = probe.groups[1].points;
        expect(fn.optional).toBe(true);
        expect(fn.components.map(c => (c as ast.StapNamedComponent).parts.join(''))).toEqual(['kernel', 'function', 'return']);
        expect(probe.epilogue?.statements.length).toBe(1);
    });

    test('-g and script arguments come from the options', async () => {
        const withArgs = await stapServices({ stapOptions: '-g "kernel.function(\\"x\\")" 12' });
        const { errors } = await checkStap(withArgs, 'probe $1 { x = $2 + @2 + $# } %{ %}');
        expect(errors).toEqual([]);
        const bad = await checkStap(withArgs, 'probe begin { x = $3 }');
        expect(bad.errors[0].message).toMatch(/argument index 3 out of range \[1-2\]/);
        const tooFew = await stapServices({ stapOptions: '1vars' });
        expect((await checkStap(tooFew, 'probe begin { x = $1 }')).errors[0].message).toMatch(/number invalid/);
    });

    test('embedded C without -g is a warning, not a syntax error', async () => {
        const { diagnostics, errors } = await checkStap(services, 'function f() %{ %} probe begin { x = @const("X") }');
        expect(errors).toEqual([]);
        expect(diagnostics.map(d => d.code)).toEqual(['stap-parse-needs-guru', 'stap-parse-needs-guru']);
    });
});

describe('documents as the language server builds them', () => {
    test('the grammar has no cross-references: no linking or reference walks, the exported functions stay', async () => {
        const { URI } = await import('langium');
        expect(hasCrossReferences(services.systemtap.Grammar)).toBe(false);
        const uri = URI.file('/nonexistent/probekit-test/exports.stp');
        const doc = services.shared.workspace.LangiumDocumentFactory.fromString('function f() { return 1 } probe begin { x = f() }', uri);
        services.shared.workspace.LangiumDocuments.addDocument(doc);
        try {
            await services.shared.workspace.DocumentBuilder.build([doc], { validation: true });
            expect(doc.diagnostics).toEqual([]);
            expect(doc.references).toEqual([]);
            const exported = services.shared.workspace.IndexManager.allElements('StapFunction').filter(e => e.documentUri.toString() === uri.toString());
            expect(exported.map(e => e.name).toArray()).toEqual(['f']);
        } finally {
            services.shared.workspace.LangiumDocuments.deleteDocument(uri);
        }
    });

    test('open, then re-parse after an edit (the async path)', async () => {
        const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
        const { join } = await import('node:path');
        const { tmpdir } = await import('node:os');
        const { URI, Cancellation } = await import('langium');
        const dir = mkdtempSync(join(tmpdir(), 'probekit-stap-'));
        try {
            const path = join(dir, 'edited.stp');
            writeFileSync(path, 'probe begin { x = 1 }');
            const uri = URI.file(path);
            const factory = services.shared.workspace.LangiumDocumentFactory;
            const doc = await factory.fromUri(uri);
            expect(doc.parseResult.parserErrors).toEqual([]);
            writeFileSync(path, 'probe begin { x = ( }');
            await factory.update(doc, Cancellation.CancellationToken.None);
            expect(doc.parseResult.parserErrors.map(e => e.message)).toEqual([expect.stringMatching(/expected an expression but found `\}`/)]);
            expect(doc.parseResult.value.$cstNode!.range.end.character).toBe(21);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
