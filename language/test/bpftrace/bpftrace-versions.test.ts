import { describe, expect, test } from 'vitest';
import { BpftraceSettings } from '../../src/bpftrace/bpftrace-settings.js';
import { LATEST, parseBtVersion } from '../../src/bpftrace/bpftrace-versions.js';
import { EmptyFileSystem } from 'langium';
import { createProbekitServices } from '../../src/probekit-module.js';
import { applySettings } from '../../src/common/probekit-check.js';
import { btServices, checkBt } from './bpftrace-test-helpers.js';

describe('target version', () => {
    test.each([
        ['0.17', 17], ['0.17.0', 17], ['v0.26.1', 26], ['latest', LATEST], ['0.27', LATEST], ['bpftrace v0.21.2', 21],
        ['banana', undefined],
    ])('parse %s', (text, expected) => {
        expect(parseBtVersion(text)).toBe(expected);
    });

    test('option first, then the installed bpftrace, then latest', async () => {
        const s = new BpftraceSettings();
        await s.apply({ bpftraceVersion: '0.20' }, { bpftraceVersion: '0.17.0' });
        expect(s.target).toBe(20);
        await s.apply({}, { bpftraceVersion: '0.17.0' });
        expect(s.target).toBe(17);
        await s.apply({}, {});
        expect(s.target).toBe(LATEST);
    });

    test.each([
        ['nope', LATEST, "unknown bpftrace version 'nope' (use 0.17 … 0.26 or latest): checking for latest"],
        ['0.16', 17, 'bpftrace 0.16 is not supported (use 0.17 … 0.26 or latest): checking for 0.17'],
        ['v0.9.4', 17, 'bpftrace 0.9 is not supported (use 0.17 … 0.26 or latest): checking for 0.17'],
        ['0.17', 17, undefined],
    ])('--bpftrace-version %s: target %s, warning %s', async (requested, target, warning) => {
        const s = new BpftraceSettings();
        await s.apply({ bpftraceVersion: requested }, {});
        expect([s.target, s.versionWarning]).toEqual([target, warning]);
    });

    test('an installed bpftrace older than 0.17 is checked for 0.17, with the warning at the top of each file', async () => {
        const services = createProbekitServices({ ...EmptyFileSystem });
        await applySettings(services, { syntaxOnly: true }, { bpftraceVersion: '0.16.0' });
        const r = await checkBt(services, 'BEGIN { let $x = 1; }');
        expect(r.diagnostics.map(d => [d.severity, d.range.start.line, d.message])).toEqual([
            [2, 0, 'bpftrace 0.16 is not supported (use 0.17 … 0.26 or latest): checking for 0.17'],
            [1, 0, '`let` declarations need bpftrace ≥ 0.22 (target is 0.17)'],
        ]);
    });
});

/** Errors of a program for a target version. */
async function errorsFor(version: string, text: string): Promise<string[]> {
    const r = await checkBt(await btServices(version), text);
    return r.errors.map(e => `${e.range.start.line + 1}:${e.range.start.character + 1} ${e.message} [${e.code ?? (e.data as { code?: string })?.code}]`);
}

describe('constructs the target lacks name the release that introduced them', () => {
    test.each([
        ['0.21', 'BEGIN { let $x = 1; }', '1:9 `let` declarations need bpftrace ≥ 0.22 (target is 0.21) [bt-version-construct]'],
        ['0.19', 'config = { max_strlen = 5 }\nBEGIN { }', '1:1 `config` blocks need bpftrace ≥ 0.20 (target is 0.19) [bt-version-construct]'],
        ['0.20', 'fn f(): int64 { return 1; }', '1:1 `fn` subprograms need bpftrace ≥ 0.21 (target is 0.20) [bt-version-construct]'],
        ['0.20', 'BEGIN { for ($kv : @m) { } }', '1:9 `for` loops over maps need bpftrace ≥ 0.21 (target is 0.20) [bt-version-construct]'],
        ['0.23', 'BEGIN { for ($i : 0..5) { } }', '1:9 `for` loops over ranges (`a..b`) need bpftrace ≥ 0.24 (target is 0.23) [bt-version-construct]'],
        ['0.23', 'macro m() { 1 }', '1:1 `macro` definitions need bpftrace ≥ 0.24 (target is 0.23) [bt-version-construct]'],
        ['0.23', 'let @m = hash(10);', '1:1 map declarations (`let @m = hash(N)`) need bpftrace ≥ 0.24 (target is 0.23) [bt-version-construct]'],
        ['0.23', 'BEGIN { if $x { } }', '1:12 conditions without parentheses need bpftrace ≥ 0.24 (target is 0.23) [bt-version-construct]'],
        ['0.23', 'BEGIN { @x = 10ms; }', '1:14 duration literals (`10ms`) need bpftrace ≥ 0.24 (target is 0.23) [bt-version-construct]'],
        ['0.24', 'BEGIN { $r = (a = 1); }', '1:14 records (`(name = value, …)`) need bpftrace ≥ 0.25 (target is 0.24) [bt-version-construct]'],
        ['0.24', 'BEGIN { _ = 1; }', '1:9 the discard assignment `_ =` needs bpftrace ≥ 0.25 (target is 0.24) [bt-version-construct]'],
        ['0.25', 'BEGIN { $x = $a ?: 1; }', '1:17 the short conditional `?:` needs bpftrace ≥ 0.26 (target is 0.25) [bt-version-construct]'],
        ['0.17', 'k:f { nsecs(); }', "1:7 Unknown function: nsecs (before bpftrace 0.19 'nsecs' is a builtin, written without '()') [bt-builtin-call]"],
        ['0.17', 'BEGIN { @x = offsetof(struct a, b); }', '1:14 `offsetof` needs bpftrace ≥ 0.18 (target is 0.17) [bt-version-construct]'],
        ['0.24', 'BEGIN { $y = 1; $x = (typeof($y))2; }', '1:23 `typeof` needs bpftrace ≥ 0.25 (target is 0.24) [bt-version-construct]'],
        ['0.24', 'fn f($a: typeof($b)): int64 { return 1; }', '1:10 `typeof` needs bpftrace ≥ 0.25 (target is 0.24) [bt-version-construct]'],
        ['0.25', 'kprobe:f { @x = sarg0; }', '1:17 `sargN` builtins were removed in bpftrace 0.25 (target is 0.25) [bt-version-removed]'],
        ['0.23', 'BEGIN { $y = if ($x) { 1 } else { 2 }; }', '1:14 `if` used as an expression needs bpftrace ≥ 0.24 (target is 0.23) [bt-version-construct]'],
        ['0.17', 'BEGIN { (1, 0) = 0 }', "1:16 expected ';': only a variable ($x) or a map (@m, @m[k]) can be assigned to [bt-assign-target]"],
        ['0.25', 'BEGIN { (1, 0) = 0 }', "1:16 expected ';': only a variable ($x), a map (@m, @m[k]) or _ can be assigned to [bt-assign-target]"],
    ])('%s: %s', async (version, text, expected) => {
        expect(await errorsFor(version, text)).toEqual([expected]);
    });

    test.each([
        ['0.17', 'BEGIN { if ($x) { } while ($i < 3) { $i++ } unroll(2) { } }'],
        ['0.17', 'kfunc:vfs_read { @[comm] = count(); }'],
        ['0.24', 'kprobe:f { @x = sarg0; }'],
        ['0.17', 'BEGIN { delete(@m[1]); print(@m); }'],
        ['0.17', 'k:f { $x = foo; $x = (foo) 1; $x = (foo) -1; $x = (pid); $x = (arg0); $x = (kstack); }'],
        ['latest', 'BEGIN { delete(@m[1]); delete(@m, 1); }'],
        ['latest', 'BEGIN { if $x { } for $i : 0..3 { } }'],
    ])('old spellings the target still accepts: %s %s', async (version, text) => {
        expect(await errorsFor(version, text)).toEqual([]);
    });
});

describe("what bpftrace 0.17's grammar refuses is an error for 0.17 only, where it refuses it", () => {
    test.each([
        ['BEGIN { @x = 1;; }', "1:16 unexpected ';': bpftrace 0.17 does not take an empty statement (remove the ';') [bt-version-construct]"],
        ['BEGIN { if (1) { }; @x = 1; }', "1:19 unexpected ';': bpftrace 0.17 does not take ';' after a statement that ends with a block (remove the ';') [bt-version-construct]"],
        ['BEGIN { }\n;', "2:1 unexpected ';': bpftrace 0.17 does not take ';' before or after a probe or a C definition (remove it) [bt-version-construct]"],
        ['struct a { int x; } ;\nBEGIN { }', "1:21 unexpected ';': bpftrace 0.17 takes a ';' after a C definition only right after its '}' (`};`), once [bt-version-construct]"],
        ['BEGIN { { @x = 1; } }', "1:9 unexpected '{': bpftrace 0.17 has no block inside a block without `if`, `while` or `unroll` [bt-version-construct]"],
        ['BEGIN { print(1, 2,); }', "1:20 unexpected ')': bpftrace 0.17 takes no comma after the last argument or element [bt-version-construct]"],
        ['BEGIN { $t = (); }', "1:15 unexpected ')': bpftrace 0.17 has no empty tuple [bt-version-construct]"],
        ['BEGIN { @x = strlen("a"); }', '1:14 Unknown function: strlen (bpftrace 0.17 has no function of that name) [bt-version-construct]'],
        ['BEGIN { return 1; }', '1:16 bpftrace 0.17 takes `return` without a value [bt-version-construct]'],
        ['BEGIN { unroll(1 + 1) { } }', '1:15 bpftrace 0.17 takes an integer or a positional parameter as the `unroll` count, nothing else [bt-version-construct]'],
        ['BEGIN { @x = &$y; }', "1:14 unexpected '&': bpftrace 0.17 has no address-of operator [bt-version-construct]"],
        ['BEGIN { @x = $0; }', '1:14 param $0 is out of integer range [1, 9223372036854775807] [bt-positional]'],
        ['BEGIN { @x = ++pid; }', '1:14 The ++ operator must be applied to a map or variable (bpftrace 0.17) [bt-increment-target]'],
        ['/* no probe */\n', '2:1 unexpected end of file, expected a probe: bpftrace 0.17 needs at least one probe in a program [bt-version-construct]'],
        ['BEGIN { } // c', '1:11 a // comment at the end of the file needs a newline after it in bpftrace 0.17 [bt-version-construct]'],
        // (at the token after the name, where 0.17 wants the `(`: "1:14-20: unexpected ;")
        ['BEGIN { @x = count; }', '1:19 `count` is a function in bpftrace 0.17: call it with () [bt-version-construct]'],
        ['BEGIN { $t = time + 1; }', '1:19 `time` is a function in bpftrace 0.17: call it with () [bt-version-construct]'],
        // (a name in parentheses is a cast there, and wants a value after it)
        ['k:f { $x = (foo); }', "1:17 unexpected ';': bpftrace 0.17 reads `(foo)` as a cast to a type `foo`, which wants a value after it [bt-version-construct]"],
        ['k:f { $x = (foo) + 1; }', "1:18 unexpected '+': bpftrace 0.17 reads `(foo)` as a cast to a type `foo`, which wants a value after it [bt-version-construct]"],
        ['k:f { @x[(uint8)] = 1; }', "1:17 unexpected ']': bpftrace 0.17 reads `(uint8)` as a cast to a type `uint8`, which wants a value after it [bt-version-construct]"],
        ['k:f { $x = (foo * *2); }', "1:20 unexpected '2': bpftrace 0.17 reads `(foo *` as the start of a cast to a pointer type [bt-version-construct]"],
        ['BEGIN { @x = 0x1_0; }', '1:17 unexpected identifier after 0x1: bpftrace 0.17 has no _ in hex literals [bt-int-literal]'],
        ['BEGIN { @x = 09; }', '1:14 Found trailing non-numeric characters: a literal starting with 0 is octal [bt-int-literal]'],
    ])('%s', async (text, expected) => {
        expect(await errorsFor('0.17', text)).toEqual([expected]);
        expect(await errorsFor('latest', text)).toEqual([]);
    });

    // At the token 0.17 stops at (measured with bpftrace 0.17 -d), not the whole attach point or condition.
    test.each([
        ['i:s:1 { $a = 1; if $a > 50 { exit() } }', '1:20-22 conditions without parentheses need bpftrace ≥ 0.24 (target is 0.17) [bt-version-construct]'],
    ])('%s', async (text, expected) => {
        const [e] = (await checkBt(await btServices('0.17'), text)).errors;
        expect(`${e.range.start.line + 1}:${e.range.start.character + 1}-${e.range.end.character + 1} ${e.message} [${e.code}]`).toEqual(expected);
    });
    test.each([
        ['kprobe:^f { }', "1:8 unexpected '^' in an attach point: bpftrace 0.17 takes it only inside quotes [bt-version-construct]"],
        ['kprobe:@f { }', "1:8 unexpected '@' in an attach point: bpftrace 0.17 takes it only inside quotes [bt-version-construct]"],
        ['BEGIN { }~\n\ninterval:s:1 { }', "1:10 unexpected '~' in an attach point: bpftrace 0.17 takes it only inside quotes [bt-version-construct]"],
    ])('%s', async (text, expected) => {
        expect((await errorsFor('0.17', text))[0]).toEqual(expected);
    });

    // The order bpftrace meets them in (bpftrace 0.17 -d reports the first): what its grammar refuses by position,
    // then what it finds in attach points once the program is parsed.
    test.each([
        ['BEGIN { ; = 1; }', ["1:9 unexpected ';'", "1:11 expected ';' or '}', found '='"]],
        ['asdf:xyz { }\nBEGIN { @x = ; }', ["2:14 expected an expression, found ';'", '1:1 Invalid probe type: asdf']],
    ])('%s: in reading order', async (text, expected) => {
        const errors = await errorsFor('0.17', text);
        expect(errors.map((e, k) => e.slice(0, expected[k]?.length))).toEqual(expected);
    });

    test('a program whose only probe is too deep to check is not a program without a probe', async () => {
        expect(await errorsFor('0.17', `BEGIN { $x = ${'('.repeat(45)}1${')'.repeat(45)}; }\n`)).toEqual([]);
    });

    test('comments around the last argument are no trailing comma', async () => {
        expect(await errorsFor('0.17', 'BEGIN { printf("%d", /**/1234/* multi\n line */); @x = (1, /* a */ 2 /* b */); }\n')).toEqual([]);
        expect(await errorsFor('0.17', 'BEGIN { printf("%d", 1, /* a */ ); }\n')).toHaveLength(1);
    });

    test('the nested parentheses of a tuple are not its trailing comma', async () => {
        expect(await errorsFor('0.17', 'BEGIN { @x = (1, (2, 3)); @y = ((1, 2), 3); printf("%d", (1)); }')).toEqual([]);
    });
});
