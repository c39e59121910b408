import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { URI } from 'langium';
import { beforeAll, describe, expect, test } from 'vitest';
import type { ProbekitServices } from '../../src/probekit-module.js';
import { checkStap, markers, stapServices } from './systemtap-test-helpers.js';

let services: ProbekitServices;
beforeAll(async () => {
    services = await stapServices();
});

/**
 * Each `<|>` marks where one error must start (0-based offsets compared through the document's
 * positions); the messages must match in order.
 */
async function expectErrors(marked: string, messages: RegExp[]): Promise<void> {
    const { text, offsets } = markers(marked);
    const { doc, errors } = await checkStap(services, text);
    const starts = errors.map(e => doc.textDocument.offsetAt(e.range.start));
    expect(starts).toEqual(offsets);
    errors.forEach((e, k) => expect(e.message).toMatch(messages[k]));
    for (const e of errors) expect(e.code).toMatch(/^stap-(lex|pp|parse)-/);
}

/** The first error is at the marker, with `message`, and alone there (errors after it may follow). */
async function expectFirstError(marked: string, message: RegExp): Promise<void> {
    const { text, offsets } = markers(marked);
    const { doc, errors } = await checkStap(services, text);
    const there = errors.filter(e => doc.textDocument.offsetAt(e.range.start) === offsets[0]);
    expect(there.map(e => e.message)).toHaveLength(1);
    expect(there[0].message).toMatch(message);
    expect(doc.textDocument.offsetAt(errors[0].range.start)).toBe(offsets[0]);
}

/**
 * stap reads a bracketed list only where it reads `[…] in A`, takes the array name after `in` and the literal after
 * `=~` alone, and ends the expression there: what follows is the next statement, which few tokens can start. Each
 * position is stap 4.8 -p1's (systemtap-real-tool.test.ts runs the verdicts against it).
 */
describe('expressions stap ends early: the error where stap reports it', () => {
    test.each<[string, RegExp]>([
        ['probe begin { x = 1 + <|>[2] }', /a bracketed list `\[…\]` stands only at the start of an expression or before `in`/],
        ['probe begin { x = -<|>[2] }', /bracketed list/],
        ['probe begin { x = [<|>[1]] in a }', /bracketed list/],
        // an item of a bracketed list is a comparison to stap: no `[` starts one, not even before `in`
        ['probe begin { [<|>[a] in b] in c }', /bracketed list `\[…\]` stands only/],
        ['probe begin { x = [1, <|>[a] in b] in c }', /bracketed list `\[…\]` stands only/],
        ['probe begin { [<|>[a] = 4; }', /bracketed list `\[…\]` stands only/],
        ['probe begin { x = [2] <|>* 3 }', /after a bracketed list `\[…\]`, and reads `\*` as the start of the next statement/],
        ['probe begin { x = [2]<|>->a }', /reads `->`/],
        ['probe begin { x = [2]++ <|>}', /reads `\+\+`/],
        // `++`/`--` there start a statement with the operand after them, which stap reads as such
        ['probe begin { [i]++ -<|>x }', /reads `\+\+`/],
        ['probe begin { [i]++ <|>!x }', /reads `\+\+`/],
        ['probe begin { [i]-- x-- <|>}', /reads `--`/],
        ['probe begin { if (1) y = [i]++ x <|>else z = 1 }', /but found `else`$/],
        ['probe begin { while ([1] <|>- 2) x = 1 }', /reads `-`/],
        ['probe begin { x = [1,2] <|>- 3 }', /unexpected comma-separated expression list/],
        ['probe begin { x = 1 in a[1, 2] <|>}', /unexpected comma-separated expression list/],
        ['probe begin { x = 1 in a <|>* 2 }', /after the array name after `in`/],
        ['probe begin { if (1 in a<|>[1]) x = 1 }', /after the array name after `in`/],
        ['probe begin { x = y in <|>1 + 2 }', /expected an array name/],
        ['probe begin { x = y in f(<|>) }', /takes `f` as the array name, and reads `\(…\)` as one expression/],
        ['probe begin { x = y in f(1<|>, 2) }', /one expression in parentheses/],
        ['probe begin { if (y in f<|>(1)) x = 1 }', /reads `\(`/],
        // any @-word is a name after `in`, known or not, and its `( … )` is the next statement's as a call's
        ['probe begin { x = y in @count(1<|>, 2) }', /takes `@count` as the array name, and reads `\(…\)` as one expression/],
        ['probe begin { x = y in @nosuch(<|>) }', /takes `@nosuch` as the array name/],
        ['probe begin { if (y in @cast<|>(p, "t")) x = 1 }', /reads `\(`/],
        ['probe begin { foreach (k in @cast<|>(p, "t")) x = 1 }', /^expected `\)`: after `in` stap takes `@cast` as the array's name/],
        ['probe begin { foreach (k in @arr<|>(1)) x = 1 }', /^expected `\)`/],
        ['probe begin { foreach (k in @hist_log<|>) x = 1 }', /^expected `\(`/],
        ['probe begin { foreach (k in @arr <|>}', /^expected `\)` to close the `foreach`/],
        // `$1` may name what stap wants a name for; `$#`, the count of the arguments, may not
        ['global <|>$#', /^expected an identifier: `\$#` is a number/],
        ['probe begin { foreach (k in <|>$#) x = 1 }', /^expected an identifier: `\$#` is a number/],
        ['probe begin { x = y =~ "r" <|>* 2 }', /after the regular expression literal of `=~`/],
        ['probe begin { x = "s" =~ "r"[1] <|>* 2 }', /after a bracketed list/],
        ['probe begin { x = $x =~ "r" <|>=~ "r" }', /cannot be chained/],
        ['probe begin { if (c) x = [2] - 3 <|>else y = 1 }', /this `else` has no `if`/],
        ['probe begin { if (c) x = 1 in a + 1; <|>else y = 1 }', /this `else` has no `if`/],
        ['probe begin { if (c) while (1) x = [2] - 3 <|>else y = 1 }', /this `else` has no `if`/],
        ['probe begin { if (c) if (d) y = 1 else x = [2] - 3 <|>else z = 1 }', /this `else` has no `if`/],
        // stap reads the next statement before it gets to the `else`
        ['probe begin { if (c) x -= y in a[1] <|><< z else w = 1 }', /reads `<<`/],
        // after a `-`, stap wants a number: it reports the token after
        ['probe begin { z = &-<|>y }', /`&` cannot take `-`/],
        ['probe begin { v = ++ - <|>"s" }', /`\+\+` cannot take `-`/],
        ['probe begin { v = ++<|>!y }', /`\+\+` cannot take `!`/],
    ])('%s', async (marked, message) => {
        await expectErrors(marked, [message]);
    });
});

/** stap 4.8 refuses a script with nothing in it ("Input file … is empty"), or nothing left for the target. */
/**
 * stap reads one expression as the first argument of a statistics operator (a number as each further one), then skips
 * every token up to `,` or `)`: no error, so a warning on what it skips; the arity error still at its `,`.
 */
describe('what stap skips in a statistics operator\'s arguments', () => {
    test.each<[string, string[]]>([
        ['global p\nprobe begin { x = @count(p <|>q r) }', ['q r']],
        ['global p\nprobe begin { x = @sum(f(p) <|>"s") + @avg(p[1] <|>; 2) }', ['"s"', '; 2']],
        ['global p\nprobe begin { x = @variance(p <|>junk, 3 <|>more) }', ['junk', 'more']],
        ['global p\nprobe begin { x = @count(p ? 1 : 2 <|>q) + @min(p->x <|>{ y) + @max(p in a <|>if) }', ['q', '{ y', 'if']],
        // a `:` goes on an expression only after its `?`
        ['global p\nprobe begin { x = @sum(p<|>:1) + @count(p ? 1 : 2 <|>: 3) }', [':1', ': 3']],
        ['global p\nprobe begin { x = @count(p) + @count(p + 1) + @variance(p, -3) }', []],
    ])('%s', async (marked, skipped) => {
        const { text, offsets } = markers(marked);
        const { doc, diagnostics, errors } = await checkStap(services, text);
        const ignored = diagnostics.filter(d => d.code === 'stap-parse-ignored');
        expect(errors).toEqual([]);
        expect(ignored.map(d => doc.textDocument.offsetAt(d.range.start))).toEqual(offsets);
        expect(ignored.map(d => doc.textDocument.getText(d.range))).toEqual(skipped);
        for (const d of ignored) expect(d.severity).toBe(2);
    });

    test.each<[string, RegExp]>([
        ['global p\nprobe begin { x = @count(p q<|>, 3) }', /^expected `\)`: `@count` takes 1 argument, not 2$/],
        ['global p\nprobe begin { x = @variance(p, 3 q<|>, 4) }', /^expected `\)`: `@variance` takes 1 to 2 arguments, not 3$/],
        ['global p\nprobe begin { x = @variance(p, <|>q) }', /^expected literal number as argument 2 of `@variance`$/],
        ['global p\nprobe begin { x = @count(p + <|>) }', /^expected an expression/],
    ])('%s', async (marked, message) => {
        await expectErrors(marked, [message]);
    });
});

/**
 * stap stops at a condition it cannot read (that conditional never opens; its parser goes on at the next declaration),
 * and at a `@define` without its `%)` (which takes the rest of the file): those errors come first, without the end of
 * the file or an empty script reported before them.
 */
describe('where the preprocessor stops stap', () => {
    test.each<[string, RegExp]>([
        ['probe kernel.%( <|>function("vfs_read") { }', /^expected 'arch', 'kernel_v'/],
        ['function f(n) {\n%( arch == "x86_64" %?\n  return 1\n%(\n<|>%) CONFIG_64BIT == "y" %?\n  return 2\n%:\n  return 3\n%)\n}', /^expected 'arch', 'kernel_v'/],
        ['@define <|>m %( 1\nprobe begin { }', /^incomplete macro definition: `@m` has no closing `%\)`$/],
        ['@define <|>min(a) %( %( @a %)\nprobe begin { print(@min("Hello")) }', /^incomplete macro definition/],
        // (the `%(` around it is left open at the end of the file, which stap does not reach)
        ['probe\n  %( CONFIG_NR_CPUS == 13 %?\n    noprobe\n  %:\n    <|>%( CO', /^incomplete condition after `%\(`$/],
        // (an alias name's `?` is wrong only once stap reads the `=`, after the condition)
        ['probe p ? %( <|>"x" %? , q %: , r %) = begin { }', /^expected 'arch', 'kernel_v'/],
    ])('%s', expectFirstError);
});

/**
 * Format strings stap 4.8 cannot read while it parses (each case measured with stap 4.8 -p1): at the token after the
 * literal, as stap reports them.
 */
describe('format strings stap cannot read', () => {
    test.each<[string, RegExp]>([
        // C's length modifiers (a real script generated from C formats failed on this)
        ['probe begin { printf("size: %llu"<|>, 1) }', /^invalid or missing conversion specifier: `%ll` in the format string of `printf`/],
        ['probe begin { x = sprintf("%hd"<|>, 1) }', /^invalid or missing conversion specifier: `%h` in the format string of `sprintf`/],
        ['probe begin { printf("%n"<|>, 1) }', /^invalid or missing conversion specifier: `%n`/],
        // one flag only; a `%` at the end is none
        ['probe begin { printf("%-+d"<|>, 1) }', /^invalid or missing conversion specifier: `%-\+`/],
        ['probe begin { printf("100%"<|>) }', /^invalid or missing conversion specifier: `%`/],
        // a conversion cut short by the end, in adjacent literals read as one
        ['probe begin { printf("a" "%5"<|>, 1) }', /^trailing incomplete print format conversion: `%5`/],
        // an escaped character after `%` (stap keeps C's escapes as written)
        ['probe begin { printf("%\\n"<|>, 1) }', /^invalid or missing conversion specifier: `%\\`/],
    ])('%s', expectFirstError);

    test.each([
        'probe begin { printf("%%%#lx %-08.3ld %*.*s %+5.3lX %b%c%m%M%p%ls %d%i%u%o%x", 1, 2, 3, 4, "s", 5, 6, 7, 8, 9, 10, "t", 11, 12, 13, 14, 15) }',
        // cut short where nothing makes it a conversion yet
        'probe begin { printf("%.") printf("%l") }',
    ])('%s: read', async text => {
        await expectErrors(text, []);
    });
});

/** A token the parser does not read (a string left unclosed, a lone `@`) is where stap stops, before the end of the file. */
describe('a token stap stops at that the parser does not read', () => {
    test.each<[string, RegExp]>([
        ['probe begin {\n  printf(<|>"%p\n', /^unclosed string: no matching `"` on this line$/],
        ['probe begin {\n  printdln(", ", 1, <|>"four\n', /^unclosed string/],
        // (a preprocessor's marker is such a token)
        ['probe begin {\n  print("x")\n<|>%:\n', /^incomplete conditional: `%:` without `%\(`$/],
        // (in a macro argument: at its own text)
        ['@define g(x) %( @x %)\nprobe begin { x = @g(<|>@/2) }', /^unexpected `@`: an @-operator or macro name must follow it$/],
    ])('%s', expectFirstError);
});

/** A `%(` left open: stap parses its branch to the end of the file, reporting on the way, and finds the `%(` open there. */
describe('a conditional left open', () => {
    test.each<[string, RegExp]>([
        ['%( arch == "x86_64" %? probe begin { x = <|>} ', /^expected an expression but found `}`$/],
        ['probe begin { %( arch == "x86_64" %? x = <|>) %: y = 1 }', /^expected an expression but found `\)`$/],
        ['<|>%( arch == "x86_64" %? probe begin { x = 1 } ', /^incomplete conditional at end of file/],
    ])('%s', expectFirstError);
});

/**
 * The end of the file right after a statement word, `->`, an @-operator, a print function or an expression's `in`: stap
 * reads the token after it with its `next()`, which names the token it read last (4.8 -p1: "unexpected end-of-file").
 */
describe('the end of the file where stap reports it at the token before', () => {
    test.each<[string, RegExp]>([
        ['probe begin { <|>while', /^expected `\(` but found the end of the file$/],
        ['probe begin { <|>try', /^expected `\{`/],
        ['probe begin { x = <|>@entry', /^expected `\(`/],
        ['probe begin { x = $y->a<|>->', /^expected an expression/],
        ['probe begin { x = a <|>in', /^expected an expression/],
        ['probe begin { <|>printf', /^expected `\(`: `printf` is a print function, called with its arguments in parentheses, but found the end of the file$/],
        ['<|>probe', /^expected a probe point component/],
        ['private function <|>f', /^expected `\(` but found the end of the file$/],
        ['function f(a, <|>b', /^expected `\)` to close the parameter list/],
        ['probe a.b(<|>0x10', /^expected `\)` to close the argument of probe point component `b`/],
        ['global a, b <|>=', /^expected a literal string or number but found the end of the file$/],
        ['probe begin { if ([*, "s"] <|>in', /^expected an expression/],
        // (stap's preprocessor meets the end of the file first inside a `%(`: it says so, not its parser)
        ['probe begin { <|>%( 1 == 1 %? while', /^incomplete conditional at end of file/],
        // (the syntax error after a `,` that stap reads on from, not the count of arguments before it)
        ['probe begin { x = @cast(ptr,<|>', /^expected an expression or `\*` but found the end of the file$/],
        // (read another way: at the end of the file)
        ['function f(a:long<|>', /^expected `\)` to close the parameter list/],
        ['probe a("x"<|>', /^expected `\)`/],
        ['probe begin { foreach (k in<|>', /^expected an array name but found the end of the file$/],
        ['probe begin { try { } catch<|>', /^expected `\{` but found the end of the file$/],
    ])('%s', expectFirstError);
});

describe('a script with nothing to parse', () => {
    test.each<[string, RegExp]>([
        ['<|># nothing but a comment', /^the script is empty: stap needs a probe, a function or a global in it$/],
        ['<|>%( arch == "no_such_arch" %? probe begin { } %)', /^the script is empty after preprocessing/],
    ])('%s', async (marked, message) => {
        await expectErrors(marked, [message]);
    });
});

describe('error messages with positions (same positions as stap 4.8 -p1)', () => {
    test('a missing `)` names the call it closes', async () => {
        await expectErrors('probe begin {\n    printf("%d\\n", x\n<|>}', [/^expected `\)` to close the call to printf opened at 2:11, but found `\}`$/]);
    });

    test('several errors in one file, resynchronised at top-level keywords', async () => {
        await expectErrors([
            'global x',
            'probe begin {',
            '    printf("%d\\n", x',
            '<|>}',
            'function f(a, <|>{',
            '    return 1',
            '}',
            'probe end {',
            '    y = 1 +',
            '<|>}',
            'probe timer.s(1) { x = 2 }',
            'probe kernel.function("x" <|>{ }',
            'global z',
        ].join('\n'), [
            /expected `\)` to close the call to printf opened at 3:11/,
            /expected an identifier but found `\{`/,
            /expected an expression but found `\}`/,
            /expected `\)` to close the argument of probe point component `function` opened at 12:22/,
        ]);
    });

    test('an unclosed block at the end of the file', async () => {
        await expectErrors('probe begin { if (x) { y = 1 }<|>\n', [/expected `\}` to close the block opened at 1:13, but found the end of the file/]);
    });

    test('top level', async () => {
        await expectErrors('<|>x = 1\nprobe begin {}', [/expected `probe`, `global`, `private`, `function` or `%\{` but found `x`/]);
    });

    test('preprocessor and lexer errors point at their token', async () => {
        // (stap stops in the condition: that conditional never opens, and its markers are ones without a `%(`)
        // (the unclosed string is where stap stops in its declaration: nothing more of the parser's there)
        await expectErrors('%( arch == <|>foo <|>%? probe begin {} <|>%)\nprobe end { s = <|>"open\n}', [
            /expected string literal/, /`%\?` without `%\(`/, /`%\)` without `%\(`/, /unclosed string/,
        ]);
    });



    test('rules beyond the grammar', async () => {
        await expectErrors('probe begin { <|>return }', [/found `return` not in function context/]);
        await expectErrors('global a\nglobal <|>a', [/duplicate global name `a`/]);
        // The token after a bare `return` (found under the statement's wrappers, in a nested block and an `if`).
        await expectErrors('function f() { if (1) { return\n  <|>if (2) {} } }', [/^expected literal string or number: `return` without a value must be followed by `;` or `\}`/]);
        await expectErrors('function f() { return <|>if (1) {} }', [/must be followed by `;` or `\}`/]);
    });
});

/**
 * Rules stap's parser enforces beyond the grammar, each reported once, at the token stap 4.8
 * `-p1` reports (each case checked with it); the messages say what stap's say.
 */
const AT_STAPS_TOKEN: Array<[string, RegExp]> = [
    ['probe begin { x = a in b <|>in c }', /^expected a statement but found `in`: a membership test `… in ARRAY` cannot be the left side of another `in`/],
    ['probe begin { x = [a, b] in m <|>in c }', /^expected a statement but found `in`/],
    ['probe begin { x = ++y++ <|>}', /^expected literal string or number: `\+\+` and `\+\+` on one operand need parentheses/],
    ['probe begin { x = --y++<|>; }', /^expected literal string or number: `--` and `\+\+` on one operand/],
    ['probe begin { x = ++y-- <|>+ 1 }', /^expected literal string or number/],
    ['probe begin { x = $a$<|>->b }', /^`->` and `\[` are not accepted for a pretty-printing variable$/],
    ['probe begin { x = $a$$<|>->b }', /^`->` and `\[` are not accepted for a pretty-printing variable$/],
    ['probe begin { x = $$parms$<|>[1] }', /^`->` and `\[` are not accepted for a pretty-printing variable$/],
    ['probe begin { x = $a->b$<|>->c }', /^`->` and `\[` are not accepted for a pretty-printing variable$/],
    ['probe begin { x = $a->$$<|>->c }', /^expected/],
    ['probe begin { print($a$ <|>$) }', /^`\$` is not accepted after a pretty-printing variable$/],
    ['probe begin { y = $a $ <|>[1] }', /^`->` and `\[` are not accepted for a pretty-printing variable$/],
    ['probe begin { foreach ([x+,y<|>-] in a) {} }', /^multiple sort directives$/],
    ['probe begin { foreach (v- = k<|>+ in a) {} }', /^multiple sort directives$/],
    ['probe begin { foreach (k in a @sum<|>) {} }', /^expected sort directive/],
    ['probe begin { foreach (k in a @max <|>limit 2) {} }', /^expected sort directive/],
    ['function f() : <|>0 { }', /^specified priority must be > 0$/],
    ['function f() : -<|>1 { }', /^specified priority must be > 0$/],
    ['function f() : "x" <|>{ }', /^expected literal number/],
    ['probe begin { x = @cast(p<|>) }', /^expected `,`: `@cast` takes 2 to 3 arguments, not 1$/],
    ['probe begin { x = @cast(p, "a", "b"<|>, "c") }', /^expected `\)`: `@cast` takes 2 to 3 arguments, not 4$/],
    ['probe begin { x = @entry(1<|>, 2) }', /^expected `\)`: `@entry` takes 1 argument, not 2$/],
    ['function f(a <|>b) { }', /^expected `\)` to close the parameter list of function f opened at 1:11, but found `b`$/],
    ['function f:long (a <|>b) { }', /^expected `\)` to close the parameter list of function f opened at 1:17/],
    // one error for one token: the parser's about a bad number it expected no number at …
    ['global <|>1x', /^expected a global variable name but found `1x`$/],
    // … the preprocessor's about the invocation it could not expand
    ['@define f(a) %( @a %) probe begin { x = @f <|>}', /^expected `\(` in invocation of macro `@f` taking 1 parameter$/],
    ['@define add(a, b) %( (@a + @b) %)\nprobe begin {\n  z = <|>@add(1, 2\n  w = 3\n}\n', /^could not find end of macro invocation `@add\(`$/],
    // print functions are called, never values (an array after `in` is a name: `x in print` is fine)
    ['probe begin { x = print <|>}', /^expected `\(`: `print` is a print function, called with its arguments in parentheses$/],
    ['probe begin { x = sprintdln<|>; y = 1 in print }', /^expected `\(`: `sprintdln` is a print function/],
    // a histogram is printed alone, indexed or iterated
    ['global s\nprobe begin { x = <|>@hist_log(s); print(@hist_log(s)); y = @hist_log(s)[2]; foreach (k in @hist_log(s)) { } }', /^base histogram operator where expression expected/],
    ['global s\nprobe begin { print(<|>@hist_log(s), 1) }', /^base histogram operator where expression expected/],
    ['global s\nprobe begin { printf("%s", <|>@hist_linear(s, -10, 10, 1)) }', /^base histogram operator where expression expected/],
    ['global s\nprobe begin { print(@hist_linear(s, 0, <|>a, 1)) }', /^expected literal number as argument 3 of `@hist_linear`$/],
    ['global s\nprobe begin { x = @variance(s, -1) + @variance(s, <|>a) }', /^expected literal number as argument 2 of `@variance`$/],
    // several indexes, or `*`, only right after an array's name
    ['probe begin { x = a[1, 2][3] + a[1][<|>*] }', /^expected literal string or number: only an array takes `\*` as an index$/],
    ['probe begin { x = $a[1<|>, 2] }', /^expected `\]`: only an array takes several indexes$/],
    ['probe begin { x = f()[1<|>, 2] }', /^expected `\]`: only an array takes several indexes$/],
    // signed 64-bit numbers
    ['global g = -9223372036854775808, h = -<|>9223372036854775809', /^number invalid or out of range: `-9223372036854775809` is below the smallest 64-bit number$/],
    ['probe begin(-<|>9223372036854775809) { }', /^number invalid or out of range/],
    ['function f():<|>9223372036854775808 { }', /^specified priority must be > 0$/],
    // `++`, `--` and `&` take a value or `&` and a value, no other prefix operator (`-++y`, `++&y`, `++(-y)` are fine)
    ['probe begin { x = -++y + ++&y + ++(-y); z = ++-<|>y }', /^expected literal string or number: `\+\+` cannot take `-` and its operand without parentheses$/],
    ['probe begin { x = &<|>++y }', /^expected literal string or number: `&` cannot take `\+\+`/],
    // an alias name: `if (…)` is taken (and ignored), `?`, `!` and `{…}` are not
    ['probe foo if (x) = begin { }\nprobe <|>bar ? = begin { }', /^probe point alias name cannot be optional nor sufficient/],
    ['probe a, b <|>+= c, d { }', /^expected probe point specifier: a probe alias defines one name$/],
    // also where the points after the `=` do not parse: stap stops at the `=`
    ['probe a.b, $c <|>= 1 }', /^expected probe point specifier: a probe alias defines one name$/],
    ['probe a = b { } , { }\nprobe c += d { } <|>, { }', /^an epilogue alias \(`\+=`\) cannot have a second/],
    ['global y, x[3] <|>= 1', /^only scalar globals can be initialized$/],
    // stap reads arguments in order: one it cannot take comes before a missing one; printd wants its values before `)`
    ['probe begin { x = @uderef(<|>p) }', /^expected literal number as argument 1 of `@uderef`$/],
    ['probe begin { printdln(",", x) <|>}', /needs at least two values after the delimiter$/],
    ['global s\nprobe begin { x = @hist_linear(s, 0, 10<|>) }', /^expected `,`: `@hist_linear` takes 4 arguments, not 3$/],
    // a format or delimiter literal that goes on: stap takes the literal, then wants `,` or `)`
    ['probe begin { printf("%d\\n" <|>. "x", 1) }', /^expected one of `,` `\)`: `printf` takes its format string literal alone, not `\.` after it$/],
    ['probe begin { x = sprintf("a" "b"<|>[1]) }', /^expected one of `,` `\)`: `sprintf` takes its format string literal alone, not `\[` after it$/],
    ['probe begin { printd("," <|>&& 1, 2, 3) }', /^expected one of `,` `\)`: `printd` takes its delimiter string literal alone/],
    ['probe begin { printf(<|>("a")) }', /^expected literal string: `printf` takes a format string literal first$/],
    // no argument at all: at the token after `(`
    ['probe begin { print(<|>) }', /^expected literal string or number: `print` needs an argument$/],
    ['probe begin { printf(<|>) }', /^expected literal string: `printf` takes a format string literal first$/],
    ['probe begin { printd(<|>) }', /^expected literal string: `printd` takes a delimiter string literal first$/],

    ['probe a.<|>{b, c} = begin { }', /^expected probe point specifier: a probe alias name has no `\{…\}` alternatives$/],
    // `$` is part of an @-word, as of any name
    ['probe begin { x = <|>@defined$x }', /^unknown operator `@defined\$x`: not a macro or a built-in @-operator$/],
    ['@define m %( 1 %)\nprobe begin { x = <|>@m$y }', /^unknown operator `@m\$y`/],
    // keywords name no macro and no parameter
    ['@define <|>if %( 1 %)\nprobe begin { }', /^expected an identifier: the name of the macro after `@define` \(`if` is a keyword\)$/],
    ['@define m(<|>next) %( 1 %)\nprobe begin { }', /^expected an identifier: a macro parameter name \(`next` is a keyword\)$/],
    // a string literal argument that goes on: stap takes the literal, then wants the `)`
    ['probe begin { q = &@cast(p, "char"<|>[1]) }', /^expected `\)`: `@cast` takes a string literal alone as argument 2, not `\[` after it$/],
    ['probe begin { q = @cast(p, "t", "m" <|>. "x") }', /^expected `\)`: `@cast` takes a string literal alone as argument 3/],
    ['probe begin { q = @var("a" <|>. "b") }', /^expected `\)`: `@var` takes a string literal alone as argument 1/],
    // also where error recovery left the literal alone, the operator after it out
    ['probe begin { q = @cast(f, "file"<|>-)->a }', /^expected `\)`: `@cast` takes a string literal alone as argument 2, not `-` after it$/],
];

describe('rules beyond the grammar, at stap\'s token', () => {
    test.each(AT_STAPS_TOKEN)('%s', async (marked, message) => {
        await expectErrors(marked, [message]);
    });

    // Where the parser stopped, the rule the part it left breaks is the same error: the parser's alone, there (and
    // the errors of its recovery after it).
    test.each<[string, RegExp]>([
        ['probe begin { printf(<|>,"a") }', /^expected `\)` to close the call to printf opened at 1:21, but found `,`$/],
        ['probe begin { x = @cast(<|>probe, "s") }', /^expected `\)` to close the call to @cast opened at 1:24, but found `probe`$/],
        ['probe begin { x = @defined(<|>-> x) }', /^expected `\)` to close the call to @defined opened at 1:27, but found `->`$/],
        // an @-operator without its `(`: the parser's error there, no rule about its arguments before it
        ['global s\nprobe begin { x = @count<|>, 1 }', /^expected `\(` but found `,`$/],
        ['probe begin { x = @cast <|>}', /^expected `\(` but found `\}`$/],
        ['global s\nprobe begin { x = @hist_log <|>+ 1 }', /^expected `\(` but found `\+`$/],
        // a target variable is not called: stap ends the expression after it and reads `(` as the next statement
        ['probe begin { println($x<|>(1)) }', /stap ends the expression after the target variable `\$x`, and reads `\(` as the start of the next statement$/],
        ['probe begin { x = $x(<|>) }', /^expected literal string or number: stap ends the expression after the target variable `\$x`/],
        ['probe begin { x = $x(1<|>, 2) }', /^expected `\)`: stap ends the expression after the target variable `\$x`/],
        // a `, { … }` block after a probe that is no alias: at its `,`, where stap wants the next declaration
        ['probe begin { } <|>, { }', /^a `, \{ … \}` epilogue block is only allowed on a probe alias$/],
        ['probe begin { }\n<|>, probe end { }', /^a `, \{ … \}` epilogue block is only allowed on a probe alias$/],
        // no expression in a statistics operator: stap stops there and skips nothing
        ['global p\nprobe begin { x = @variance(<|>}) }', /^expected/],
        // (error recovery left `"a"` alone as the argument: stap stops at what follows it)
        ['probe end { printf("a" <|>. ) }', /^expected one of `,` `\)`: `printf` takes its format string literal alone, not `\.` after it$/],
        ['probe end { if (x) printf("a"<|>&&\n else printf("b") }', /takes its format string literal alone, not `&&` after it$/],
        // A probe without a point reads its block as `{…}` alternatives: stap stops in them, before any `=` that would
        // make them an alias's name.
        ['probe {\n  sun <|>= 1\n}', /^expected `\}` to close the block opened at 1:7, but found `=`$/],
        ['probe {\n  <|>(x = 1) ? f() : g(1);\n}', /^expected a probe point component \(a name, `\*` or `\{`\) but found `\(`$/],
        // (error recovery left the operator out of the tree: stap ended the expression before it all the same)
        ['global u\nprobe begin { x = ([p] in u <|>-) }', /^expected literal string or number: stap ends the expression after the array name after `in`, and reads `-`/],
        // the file ends after `(`: stap meets its end there, no rule about the arguments
        ['probe begin {\n  printf(<|>', /^expected `\)` to close the call to printf opened at 2:9, but found the end of the file$/],
        // an alias name's `!` is wrong only at the `=`: stap stops before, at the next `probe` of a probe without a body
        ['probe a = b!, c!, d\n\n<|>probe e = f { }', /^expected one of `,` `\{` `\}` `=` `\+=`/],
    ])('%s: the parser\'s error alone where it stopped', expectFirstError);

    test('a script argument may name the function called (`$1()`), unlike a target variable', async () => {
        await expectErrors('global hits\nprobe begin { hits[$1()] <<< 1 }', []);
    });

    test('a part that error recovery left without text gets no second error (at 1:1, as it had)', async () => {
        await expectErrors('probe begin\n{\n  x = i <= <|>!~ 5\n}\n', [/^expected an expression but found `!~`$/]);
    });

    test('errors come in order of position, whatever found them', async () => {
        await expectErrors('probe a { x = <|>1x } probe b { x = <|>@nope } probe c { foreach ([a+, b<|>-] in c) ; } probe d { y = <|>}', [
            /number invalid/, /unknown operator `@nope`/, /multiple sort directives/, /expected an expression/,
        ]);
    });

    // stap reports a declaration's first error and goes on at the next word a declaration starts with: the parser's
    // errors after it in the declaration go (the lexer's and preprocessor's stay).
    test('one parser error per declaration, as stap reports', async () => {
        await expectErrors('probe begin { x = <|>) y = ( }\nprobe end { z = <|>] }', [/expected an expression but found `\)`/, /expected an expression but found `\]`/]);
        await expectErrors('probe begin { x = <|>1x + <|>@nope; foreach ([a+, b-] in c) ; y = }', [/number invalid/, /unknown operator `@nope`/]);
        // (stap skips to `global` even after `->`, and reads on from there)
        await expectErrors('probe begin { x = <|>) ; y = $p->global ; z = <|>)\n}', [/expected an expression but found `\)`/, /expected an expression but found `\)`/]);
    });
});

/**
 * Errors in macro expansions, where stap 4.8 -p1 reports them: at the token's own text when it
 * is in the file (an argument, the body of a macro the file defines), with the invocation it is in
 * ("in expansion of macro"); in a library macro's body, at the invocation.
 */
describe('errors in macro expansions', () => {
    test.each<[string, RegExp[]]>([
        ['@define add(a, b) %( (@a + @b) %)\nprobe begin {\n  x = @add(y * <|>/ 2, 1)\n}', [/^expected an expression but found `\/` \(in expansion of `@add` at 3:7\)$/]],
        ['@define bad %( (1 <|>] %)\nprobe begin { x = @bad }', [/^expected `\)` to close the `\(` opened at 1:16, but found `\]` \(in expansion of `@bad` at 2:19\)$/]],
        ['@define bad %( 1 + <|><|>) %)\nprobe begin { x = @bad }\nprobe end { y = @bad }', [/in expansion of `@bad` at 2:19\)$/, /in expansion of `@bad` at 3:17\)$/]],
        ['@define add(a, b) %( @a + @b + @a %)\nprobe begin { x = @add(<|>1x, 2) }', [/^number invalid or out of range: `1x` \(in expansion of `@add`\)$/]],
        // stap 4.8: "saw: operator ')' at 1:30 in expansion of macro: operator '@add' at 3:19"
        ['@define add(a, b) %( (@a + @b<|>) %)\n@define two %( 1 * %)\nprobe begin { x = @add(@two, ) }', [/^expected an expression but found `\)` \(in expansion of `@add` at 3:19\)$/]],
        // an invocation without its arguments is not expanded: the one error is stap's, not the body's
        ['@define m(v) %( if (x != @v) { } %)\nprobe begin {\n  @m <|>@count (1);\n}\n', [/^expected `\(` in invocation of macro `@m` taking 1 parameter$/]],
        // the error is at the file's own `}`, after the expansion
        ['@define half %( 1 + %)\nprobe begin { x = @half <|>}', [/^expected an expression but found `\}`$/]],
        // not as many arguments as the macro takes: stap stops there, the body is not expanded, and the parser's
        // complaints after it in the declaration are noise (the next one is checked)
        ['@define m(a,b) %( @a + @b %)\nprobe begin { x = @m(1<|>) }', [/^too few parameters for macro `@m` \(expected 2\)$/]],
        ['@define m(a,b) %( @a + @b %)\nprobe begin { x = @m(1,2<|>,3) }\nprobe end { x = <|>}', [/^too many parameters for macro `@m` \(expected 2\)$/, /^expected an expression/]],
    ])('%s', async (marked, messages) => {
        await expectErrors(marked, messages);
    });

    test('an error in a library macro\'s body: at the invocation, with where the macro is defined (stap points into that file)', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'probekit-macro-'));
        try {
            writeFileSync(join(dir, 'lib.stpm'), '# a macro whose body does not close its parenthesis\n@define half %( (1 ] %)\n');
            const withLibrary = await stapServices({ stapOptions: `-I ${dir}` });
            const { text, offsets } = markers('probe begin { x = <|>@half }');
            const { doc, errors } = await checkStap(withLibrary, text);
            expect(errors.map(e => e.message)).toEqual(['expected `)` to close the `(` opened at 1:19, but found `]` (in expansion of `@half` at 1:19)']);
            expect(doc.textDocument.offsetAt(errors[0].range.start)).toBe(offsets[0]);
            expect(errors[0].relatedInformation).toEqual([
                { location: { uri: doc.uri.toString(), range: { start: { line: 0, character: 18 }, end: { line: 0, character: 23 } } }, message: 'in expansion of `@half`' },
                { location: { uri: URI.file(join(dir, 'lib.stpm')).toString(), range: { start: { line: 1, character: 8 }, end: { line: 1, character: 12 } } },
                    message: '`@half` is defined here' },
            ]);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});