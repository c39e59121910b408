import { beforeAll, describe, expect, test } from 'vitest';
import type { ProbekitServices } from '../../src/probekit-module.js';
import { btServices, checkBt, markers, offsetOf } from './bpftrace-test-helpers.js';

let latest: ProbekitServices;
beforeAll(async () => {
    latest = await btServices('latest');
});

/**
 * Each case marks where its error starts with `<|>`; the message must contain the given text.
 * Messages follow upstream's wording (the `upstream_detail` of the corpus labels) where it is clear.
 */
describe('syntax errors: message and position', () => {
    test.each([
        ['kprobe:f /pid == 1 <|>{ 0; }', "expected '/' to close the predicate, found '{'"],
        ['i:s:1\t\t\t<|>$a', "expected '{', found '$a'"],
        ['kprobe:f { <|>"asdf }', 'unterminated string'],
        ['kprobe:sys_open { "<|>\\777" }', "octal escape sequence out of range '\\777'"],
        ['BEGIN { printf("a<|>\\qb\\n"); }', "invalid escape character '\\q'"],
        ['BEGIN { printf("ok \\n\\t\\r\\"\\\\ \\101\\x41\\X41 <|>\\e"); }', "invalid escape character '\\e'"],
        ['i:s:1 { @=++<|>5}', 'increment/decrement requires a variable or map'],
        ['i:s:1 { @=5<|>--}', 'increment/decrement requires a variable or map'],
        ['k:f { print(<|>5e-9); }', 'invalid trailing bytes: 5e'],
        ['k:f { print(1_1<|>_); }', 'trailing underscore in integer literal'],
        ['k:f { print(1ull<|>l); }', "invalid integer suffix 'l'"],
        ['k:f { print(<|>10000000000m); }', 'overflow error, maximum value is 18446744073709551615: 10000000000m'],
        ['k:f { print(<|>1_1e100); }', 'coefficient part of scientific literal must be 1-9: 1_1e100'],
        ['k:f { print((hello=1, <|>5)); }', "expected an identifier, found '5'"],
        ['k:f { print((hello=1,<|>hello=2)); }', 'Named argument list already contains name: hello'],
        ['i:s:1 { $a = 1; <|>$a.2 = 3; }', 'Tuples and records are immutable once created.'],
        ['i:s:1 { (1, 0) <|>= 0 }', "expected ';': only a variable ($x), a map (@m, @m[k]) or _ can be assigned to"],
        ['begin { break <|>print(1); }', "expected ';' before this statement"],
        ['begin { $x = { $a = 1; $b = 2 } <|>exit(); }', "expected ';' before this statement"],
        ['begin { for (<|>@kv : @map) { } }', 'expected variable in for loop'],
        ['begin { for ($kv : @map) <|>print($kv); }', "expected '{', found 'print'"],
        ['begin { $x = 1; <|>&1;  }', 'address-of operator (&) can only be used on a map or variable'],
        ['begin { if<|>(x=1) {} }', "expected ')': a condition cannot contain '='"],
        ['import <|>foo; begin { }', "expected a string, found 'foo'"],
        ['<|>asdf:xyz { }', 'Invalid probe type: asdf'],
        ['fn g() <|>{ }', "expected ':' and a return type after the parameters, e.g. fn f(): void"],
        ['let @m = hash(<|>);', 'expected positive integer for map declaration max entries, e.g. hash(1024)'],
        ['let @m = lruhash(<|>)\nBEGIN { }', 'expected positive integer for map declaration max entries, e.g. lruhash(1024)'],
        ['<|>uprobe:f { 1 }', 'uprobe probe type requires 2 or 3 arguments, found 1'],
        ['config = { blah = 5 }\n<|>#include <stdio.h>\nbegin {}', 'C definitions must appear before probes and functions'],
        ['struct foo {} __attribute__ <|>begin {}', "__attribute__ syntax error, expected '(('"],
        ['#define M M+1\nbegin { <|>M; }', 'Macro recursion: M'],
        ['#define M "a" "b"\nbegin { <|>M; }', 'unable to expand macro as an expression: "a""b"'],
        ['BEGIN { @x = <|>` }', "invalid character '`'"],
        ['BEGIN { <|>/* never closed', 'unterminated comment'],
        // where no alternative takes a later token of the lookahead: at that token, as bpftrace reports it
        ['k:f { printf((<|>, 1234 }', "expected an expression, a type or ')', found ','"],
        ['BEGIN { if (<|>,("hello") == 0) { } }', "found ','"],
        // a statement without `;` before one that is broken further on: the `;` first, as bpftrace meets it
        ['k:f { @x[1] = 0 <|>@x[2[3]; }', "expected ';' before this statement"],
    ])('%s', async (source, message) => {
        const { text, offsets } = markers(source);
        const r = await checkBt(latest, text);
        const hit = r.errors.find(e => e.message.includes(message));
        expect(hit, r.errors.map(e => e.message).join(' | ')).toBeDefined();
        expect(offsetOf(text, hit!.range.start)).toBe(offsets[0]);
    });
});

describe('one mistake, one error (no cascade)', () => {
    test.each([
        ['k:f { print((hello=1, <|>5)); }', "expected an identifier, found '5': every field of a record is name = value"],
        ['k:f { $x = (hello=1, <|>5, x=3); @y = 2; }', "expected an identifier, found '5'"],
        ['k:f { @r = (a=1, <|>(1 + 2) * 3); }', "expected an identifier, found '('"],
        // (recovery meets the `(` it left again: nothing more to say there)
        ['BEGIN { if (<|>,("hello") == 0) { } }', "expected an expression, a type or ')', found ','"],
    ])('%s', async (source, message) => {
        const { text, offsets } = markers(source);
        const r = await checkBt(latest, text);
        expect(r.errors.map(e => e.message)).toEqual([expect.stringContaining(message)]);
        expect(offsetOf(text, r.errors[0].range.start)).toBe(offsets[0]);
    });
});

describe('error recovery: several precise errors per file', () => {
    test('one error per broken probe, the good probes stay clean', async () => {
        const source = [
            'kprobe:f { $x = 1 <|>$y = 2; }',
            '<|>uprobe:f { 1 }',
            'BEGIN { @a = count(); }',
            'BEGIN { print(1_1<|>_); }',
            'tracepoint:a:b { if ($x <|>{ } }',
            'END { clear(@a); }',
            'kprobe:g /pid <|>{ }',
        ].join('\n');
        const { text, offsets } = markers(source);
        const r = await checkBt(latest, text);
        const starts = r.errors.map(e => offsetOf(text, e.range.start));
        for (const o of offsets) expect(starts, r.errors.map(e => e.message).join(' | ')).toContain(o);
        expect(r.program.items.length).toBeGreaterThanOrEqual(6);
    });

    test('too-deep nesting is one clear warning (not checked, not wrong); its probe is left out, the next one is checked', async () => {
        const { text, offsets } = markers(`BEGIN { $x = ${'('.repeat(39)}<|>${'('.repeat(60)}1${')'.repeat(100)}; }\nEND { @x = 1 <|>@y = 2; }`);
        const r = await checkBt(latest, text);
        const shown = r.diagnostics.filter(d => d.severity === 1 || d.severity === 2);
        expect(shown.map(e => [e.severity, e.message])).toEqual([
            [2, 'too complex to check: brackets nested more than 40 deep; the probe or definition around it is not checked'],
            [1, "expected ';' before this statement"],
        ]);
        expect(shown.map(e => offsetOf(text, e.range.start))).toEqual(offsets);
    });
});
