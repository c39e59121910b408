import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { URI } from 'langium';
import { preprocessStap, type StapMacro } from '../../src/systemtap/systemtap-preprocessor.js';
import { DEFAULT_STAP_TARGET, parseStapCommandLine, splitCommandLine, stapTargetOf, withShebang, type StapCommandLine, type StapTarget } from '../../src/systemtap/systemtap-target.js';
import { isStapNumber, lexStap, stapNumberValue } from '../../src/systemtap/systemtap-tokens.js';
import { loadStapMacroLibrary, findTapsetRoot } from '../../src/systemtap/systemtap-macro-library.js';
import { stapPreprocessResult } from '../../src/systemtap/systemtap-parser.js';
import { NodeFileSystemProvider } from 'langium/node';
import type { ProbekitServices } from '../../src/probekit-module.js';
import type { CheckOptions } from '../../src/common/check-options.js';
import { CORPUS, INSTALLED_TAPSET, TEST_HOST, checkStap, markers, stapServices } from './systemtap-test-helpers.js';

const TARGET: StapTarget = stapTargetOf({}, TEST_HOST);

/** Preprocess and return the active token images joined by spaces. */
function pp(text: string, target = TARGET, library: ReadonlyMap<string, StapMacro> = new Map()): string {
    return preprocessStap(text, target, library).tokens.map(t => t.image).join(' ');
}

function ppErrors(text: string, target = TARGET): string[] {
    return preprocessStap(text, target, new Map()).diagnostics.filter(d => d.severity === 'error').map(d => d.message);
}

describe('lexer', () => {
    test.each([
        ['a<<<b>>>c<<=d>>=e', ['a', '<<<', 'b', '>>>', 'c', '<<=', 'd', '>>=', 'e']],
        ['x=~"a"!~y.=z->f', ['x', '=~', '"a"', '!~', 'y', '.=', 'z', '->', 'f']],
        ['$var $$vars p$ $p$$ @cast @1 $# @#', ['$var', '$$vars', 'p$', '$p$$', '@cast', '@1', '$#', '@#']],
        ['%{ int x; %} %( %? %: %)', ['%{ int x; %}', '%(', '%?', '%:', '%)']],
        ['"a\\"b" 0x1f 077 12abc', ['"a\\"b"', '0x1f', '077', '12abc']],
        ['a # c\nb // c\nc /* c\n */ d', ['a', 'b', 'c', 'd']],
        // a backslash-newline goes on with the string on the next line, as in stap 4.8
        ['"ab\\\ncd" e', ['"ab\\\ncd"', 'e']],
    ])('%s', (text, images) => {
        expect(lexStap(text).tokens.map(t => t.image)).toEqual(images);
    });

    test.each([
        ['"ab\\\r\ncd"'], ['"ab\\'], ['"ab\\\n'], ['"ab\ncd"'],
    ])('an unclosed string: %j', text => {
        expect(lexStap(text).diagnostics.map(d => d.code)).toContain('stap-lex-unclosed-string');
    });

    test('comments and junk', () => {
        const r = lexStap('a /* x */ b \u0001 "open');
        expect(r.comments.map(c => c.image)).toEqual(['/* x */']);
        expect(r.diagnostics.map(d => d.code)).toEqual(['stap-lex-unexpected-char', 'stap-lex-unclosed-string']);
    });
});

describe('conditionals for a target', () => {
    test.each([
        ['%( arch == "x86_64" %? a %: b %)', 'a'],
        ['%( arch == "i?86" %? a %: b %)', 'b'],
        ['%( kernel_v >= "2.6.30" && kernel_vr == "6.1.0-*" %? a %: b %)', 'a'],
        ['%( kernel_v < "6.1" || arch != "x86_64" %? a %: b %)', 'b'],
        ['%( 1 == 0 || 1 == 1 && 2 == 2 %? a %: b %)', 'a'],
        ['%( systemtap_v >= "4.0" %? a %)', 'a'],
        ['%( systemtap_privilege == "stapdev" %? a %: b %)', 'a'],
        ['%( guru_mode == 1 %? a %: b %)', 'b'],
        ['%( runtime == "kernel" %? a %: b %)', 'a'],
        ['%( CONFIG_HZ >= 100 && CONFIG_COMPAT == "y" && CONFIG_NOPE != "y" %? a %: b %)', 'a'],
        ['%( CONFIG_HZ == CONFIG_HZ %? a %: b %)', 'a'],
        // an option the configuration does not set is empty, or 0 as a number (as stap 4.8 takes it)
        ['%( CONFIG_NOPE == "" %? a %: b %)', 'a'],
        ['%( CONFIG_NOPE == "*" %? a %: b %)', 'a'],
        ['%( CONFIG_NOPE != "" %? a %: b %)', 'b'],
        ['%( CONFIG_NOPE < 1 %? a %: b %)', 'a'],
        ['%( CONFIG_NOPE == CONFIG_HZ %? a %: b %)', 'b'],
        // string options keep their quotes; numbers in values are C's, in conditions decimal
        ['%( CONFIG_DEFAULT_HOSTNAME == "(none)" %? a %: b %)', 'b'],
        ['%( CONFIG_DEFAULT_HOSTNAME == "\\"(none)\\"" %? a %: b %)', 'a'],
        ['%( CONFIG_PHYSICAL_START == 16777216 %? a %: b %)', 'a'],
        ['%( CONFIG_HZ == 0250 %? a %: b %)', 'a'],
        ['%( 010 == 10 %? a %: b %)', 'a'],
        ['%( "abc" < "abd" %? a %: b %)', 'a'],
        ['%( 1 == 1 %? %( 2 == 3 %? a %: b %) %: c %)', 'b'],
        ['x %( 0 == 1 %? %( 1 == 1 %? a %: b %) %) y', 'x y'],
        ['%( $# < 1 %? usage %: run %)', 'usage'],
        ['%( @# == "0" %? none %)', 'none'],
    ])('%s → %s', (text, active) => {
        expect(pp(text)).toBe(active);
    });

    test('the target follows options: -g, --unprivileged, --compatible, --runtime, --arch, --kernel-release', () => {
        const t = stapTargetOf({ stapOptions: '-g --unprivileged --compatible=3.0 --runtime=bpf', arch: 'arm64', kernelRelease: '5.10.0' }, TEST_HOST);
        expect(pp('%( guru_mode == 1 %? g %) %( systemtap_privilege == "stapusr" %? u %) %( systemtap_v < "3.1" %? c %)'
            + ' %( runtime == "bpf" %? r %) %( arch == "arm64" %? a %) %( kernel_v == "5.10.0" %? k %)', t)).toBe('g u c r a k');
    });

    test("probekit's own --arch and --kernel-release win over -a and -r in the stap options", () => {
        expect(stapTargetOf({ stapOptions: '-a arm64 -r 5.4.0', arch: 's390', kernelRelease: '6.0.0' }, TEST_HOST)).toMatchObject({ arch: 's390', kernelRelease: '6.0.0' });
    });

    test('a #! line adds its options', () => {
        expect(withShebang(TARGET, '#! stap -gp1\nprobe').guru).toBe(true);
        expect(withShebang(TARGET, '#!/usr/bin/env stap --unprivileged\n').privilege).toBe('stapusr');
        expect(withShebang(TARGET, '#!/usr/bin/env -S stap --privilege=stapsys -g\n')).toMatchObject({ privilege: 'stapsys', guru: true });
    });

    /**
     * Options read as stap 4.8's getopt_long reads them: every option that takes a value takes the
     * next word when not given with `=` (so no value becomes a script argument), a unique prefix
     * names a long option, options may follow script arguments; `-u` is "unoptimized", not
     * unprivileged. (Privileges and prefixes checked with stap -p1 and `%( systemtap_privilege … %)`.)
     */
    test.each<[string, Partial<StapCommandLine>]>([
        ['stap -g -I /x -D A=1 --compatible 2.9 a "b c"', { guru: true, includeDirs: ['/x'], compatible: '2.9', args: ['a', 'b c'] }],
        ['--privilege=stapsys', { privilege: 'stapsys', args: undefined }],
        ['--privilege stapsys', { privilege: 'stapsys', args: undefined }],
        ['--priv stapusr --compat=3.0', { privilege: 'stapusr', compatible: '3.0', args: undefined }],
        ['--unprivileged', { privilege: 'stapusr' }],
        ['-u', { privilege: undefined }],
        ['--privilege=root a', { privilege: undefined, args: ['a'] }],
        ['--vp 01 --tmpdir /t --remote h --sysroot / --sysenv A=B --modinfo a=b --rlimit-cpu 1 --target-namespaces 1 a', { args: ['a'] }],
        ['--runtime bpf --benchmark-sdt-loops 3 --use-http-server u a', { runtime: 'bpf', args: ['a'] }],
        ['-G x=1 -J 1 -T 5 -S 1,2 -B x=1 -a arm64 -s 4 a', { args: ['a'], arch: 'arm64' }],
        ['-r 5.4.0 -aarm', { kernelRelease: '5.4.0', arch: 'arm' }],
        ['-r /lib/modules/5.4.0/build', { kernelRelease: undefined }],
        ['--use-server --color a', { args: ['a'] }],
        ['a -g b', { guru: true, args: ['a', 'b'] }],
        ['-- -g', { guru: undefined, args: ['-g'] }],
    ])('%s', (line, expected) => {
        const read = parseStapCommandLine(splitCommandLine(line));
        expect(Object.fromEntries(Object.keys(expected).map(k => [k, read[k as keyof StapCommandLine]]))).toEqual(expected);
    });

    test.each([
        ['-a arm64 -r 5.4.0', '%( arch == "arm64" && kernel_v == "5.4.0" %? a %: o %)', 'a'],
        ['--privilege stapsys', '%( systemtap_privilege == "stapsys" %? s %: o %)', 's'],
        ['-u', '%( systemtap_privilege == "stapdev" %? d %: o %)', 'd'],
        ['--privilege stapsys x', '%( $# == 1 %? one %: other %)', 'one'],
    ])('with %s, %s takes %s', (stapOptions, text, active) => {
        expect(pp(text, stapTargetOf({ stapOptions }, TEST_HOST))).toBe(active);
    });

    test('unknown hosts get the documented defaults', () => {
        expect(stapTargetOf({}, {})).toMatchObject({ arch: 'x86_64', stapVersion: '4.8', privilege: 'stapdev', runtime: 'kernel' });
        expect(DEFAULT_STAP_TARGET.kernelRelease).toBe('6.1.0');
    });

    test.each([
        ['%( kernel_v <= 2.6 %? a %)', /expected string literal/],
        ['%( kernel_v * "2.6" %? a %)', /expected comparison operator/],
        ['%( foo == "2.6" %? a %)', /expected 'arch', 'kernel_v'/],
        ['%( arch == "x" %)', /`%\?` marker/],
        ['%( arch ==', /incomplete condition/],
        ['%( 0 == 0 %? a', /incomplete conditional at end of file/],
        ['%( $# != "2" %? a %)', /expected number literal as right value/],
        ['%( guru_mode == 2 %? a %)', /expected 0 or 1/],
        ['%( guru_mode >= 0 %? a %)', /expected `==` or `!=`/],
        // (then the conditional never opens: its markers are ones without a `%(`, as stap reports them)
        ['%( CONFIG_COMPAT < 1 %? a %)', /^Config option value not a number\n.*`%\?` without `%\(`\n.*`%\)` without `%\(`$/],
        ['%( CONFIG_NOPE > "a" %? a %)', /expected `==` or `!=`/],
        ['%( CONFIG_HZ == 0xfa %? a %)', /^bad lexical cast: stap reads numbers in conditions as decimal, and stops on `0xfa`\n/],
        ['%( 1 == 0 %? a %? b %)', /`%\?` without `%\(`/],
        ['%( 1 == 0 %? a %: b %: c %)', /duplicate `%:`/],
        ['a %)', /`%\)` without `%\(`/],
    ])('%s is an error', (text, message) => {
        expect(ppErrors(text).join('\n')).toMatch(message);
    });

    test('errors inside a branch not taken are not stap\'s concern', () => {
        expect(ppErrors('%( 1 == 0 %? "unclosed\n %: ok %)')).toEqual([]);
        expect(ppErrors('%( 1 == 0 %? @define %) x')).toEqual([]);
        expect(ppErrors('%( 1 == 0 %? @undefined 0x1000000000000000000 %)')).toEqual([]);
    });

    test('inactive ranges cover the branches not taken', () => {
        const { text, offsets } = markers('%( arch == "x86_64" %?<|> a <|>%:<|> b <|>%)');
        const r = preprocessStap(text, TARGET, new Map());
        expect(r.inactiveRanges).toEqual([{ offset: offsets[2], end: offsets[3] }]);
    });
});

describe('macros', () => {
    test.each([
        ['@define x %( 1 + 2 %) a = @x', 'a = 1 + 2'],
        ['@define f(a, b) %( @a * @b %) y = @f((1, 2), [3])', 'y = ( 1 , 2 ) * [ 3 ]'],
        ['@define a %( 1 %) @define b(x) %( @x + @a %) z = @b(@a)', 'z = 1 + 1'],
        ['%( 1 == 0 %? @define x %( 1 %) %: @define x %( 2 %) %) q = @x', 'q = 2'],
        ['@define c %( arch == "x86_64" %) %( @c %? yes %: no %)', 'yes'],
        ['x = @cast(p, "t")', 'x = @cast ( p , "t" )'],
    ])('%s → %s', (text, active) => {
        expect(pp(text)).toBe(active);
    });

    test.each([
        ['@define', /identifier/],
        ['@define foo', /`%\(` or `\(`/],
        ['@define foo %( cheese', /no closing `%\)`/],
        ['@define foo(a) %( @a %) @foo(begin,end)', /too many parameters/],
        ['@define foo(a, b) %( @a %) @foo(1)', /too few parameters/],
        ['@define define %( x %)', /redefine `@define`/],
        ['@define a %( 1 %) @define a %( 2 %)', /redefine macro `@a`/],
        ['@define bar(b) %( @b %) @define foo(a) %( @bar(@a %) @foo(begin)', /end of macro invocation/],
        ['@define r %( @r %) @r', /too deep/],
        ['x = @nope', /unknown operator `@nope`/],
        ['%( 1 == 0 %? @define x %( 1 %) %) y = @x', /unknown operator `@x`/],
    ])('%s is an error', (text, message) => {
        expect(ppErrors(text).join('\n')).toMatch(message);
    });

    test('expanded tokens take the invocation\'s span; the map records it', () => {
        const { text, offsets } = markers('@define two %( 1 + 1 %) probe begin { x = <|>@two<|> }');
        const r = preprocessStap(text, TARGET, new Map());
        const expanded = r.tokens.filter(t => t.expansion !== undefined);
        expect(expanded.map(t => t.image)).toEqual(['1', '+', '1']);
        expect(expanded.every(t => t.offset === offsets[0] && t.end === offsets[1])).toBe(true);
        expect(r.expansions).toMatchObject([{ name: '@two', offset: offsets[0], end: offsets[1] }]);
        // offsets of the active stream never go backwards
        expect(r.tokens.every((t, k) => k === 0 || r.tokens[k - 1].offset <= t.offset)).toBe(true);
    });

    // A body's conditionals are decided once per target when the target alone decides them (systemtap-macro-settle.ts);
    // each case gives what stap gives deciding them in every expansion.
    test.each([
        ['@define m %( %( arch == "x86_64" %? a %: b %) %) x = @m + @m', 'x = a + a'],
        ['@define m %( %( arch == "x86_64" %? %( kernel_v < "2.6" %? old %: new %) %: b %) %) x = @m', 'x = new'],
        // a condition naming a parameter: decided in each expansion
        ['@define m(p) %( %( @p == 1 %? one %: other %) %) x = @m(1) + @m(2)', 'x = one + other'],
        // a body whose `%:` belongs to a conditional of the invoking text
        ['@define m %( a %: b %) %( arch == "x86_64" %? @m %) x', 'a x'],
        ['@define m %( a %: b %) %( arch == "i386" %? @m %) x', 'x'], // a branch not taken expands nothing
        // an @-word in a branch: kept for the expansion (`@p` is the parameter there)
        ['@define m(p) %( %( arch == "x86_64" %? @p %: 0 %) %) x = @m(7)', 'x = 7'],
    ])('a conditional in a macro body: %s → %s', (text, active) => {
        expect(pp(text)).toBe(active);
    });

    test('a malformed conditional in a library macro body is reported at each expansion', () => {
        const library = new Map(preprocessStap('@define m %( %( arch == %? a %) %)', TARGET, new Map()).macros);
        const r = preprocessStap('x = @m; y = @m', TARGET, library);
        expect(r.diagnostics.filter(d => d.code === 'stap-pp-condition').map(d => d.offset)).toEqual([4, 12]);
    });

    test('hidden tokens (comments, markers, branches not taken, invocations, junk) come in offset order', () => {
        const text = '# c\n@define m(a) %( @a %) %( 1 == 0 %? gone /* in */ %: x = @m(1) %) // d\n\u0001 y %( 1 == 1 %? z %)';
        const r = preprocessStap(text, TARGET, new Map());
        const offsets = r.hidden.map(t => t.offset);
        expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
        expect(r.hidden.map(t => t.image)).toEqual(['# c', '@define', 'm', '(', 'a', ')', '%(', '@a', '%)', '%(', '1', '==', '0', '%?', 'gone',
            '/* in */', '%:', '@m', '(', '1', ')', '%)', '// d', '\u0001', '%(', '1', '==', '1', '%?', '%)']);
    });

    test('script arguments: spliced when given, placeholders when not', () => {
        const given = { ...TARGET, args: ['kernel.function("f")', 'x y'] };
        expect(pp('probe $1 { s = @2; n = $# }', given)).toBe('probe kernel . function ( "f" ) { s = "x y" ; n = 2 }');
        expect(pp('probe $1 { s = @2 }')).toBe('probe $1 { s = @2 }');
        expect(ppErrors('x = $3', given).join()).toMatch(/out of range \[1-2\]/);
        expect(ppErrors('x = $3')).toEqual([]);
    });
});

describe('library macros from tapset directories', () => {
    test('the installed library: stap 4.8 ships 109 macros', () => {
        const { library, problems } = loadStapMacroLibrary(new NodeFileSystemProvider(), [URI.file(INSTALLED_TAPSET)], TARGET);
        expect(library.size).toBeGreaterThanOrEqual(100);
        expect(library.has('__syscall_gate')).toBe(true);
        expect([...problems.keys()]).toEqual([]);
    });

    test('a file in a tapset tree of its own uses that tree', () => {
        const fs = new NodeFileSystemProvider();
        const root = findTapsetRoot(fs, URI.file(`${CORPUS}files/tapset/linux/syscalls.stp`));
        expect(root?.path).toBe(URI.file(`${CORPUS}files/tapset`).path);
        expect(findTapsetRoot(fs, URI.file(`${CORPUS}files/parseok/one.stp`))).toBeUndefined();
    });

    let services: ProbekitServices;
    beforeAll(async () => {
        services = await stapServices({}, { ...TEST_HOST, tapsetDirs: [INSTALLED_TAPSET] });
    });

    test('a script sees the library macros; the document keeps the preprocessing record', async () => {
        const { doc, errors } = await checkStap(services, 'probe begin { @__syscall_gate(1) x = 1 %( arch == "s390" %? y = 2 %) }');
        expect(errors).toEqual([]);
        const record = stapPreprocessResult(doc.parseResult.value);
        expect(record?.expansions.map(e => e.name)).toEqual(['@__syscall_gate']);
        expect(record?.inactiveRanges.length).toBe(1);
    });
});

/**
 * Library macro files (`.stpm`), with the rules of stap 4.8's `parse_library_macros` (each case
 * checked with `stap -p1 -I DIR`): nothing but `@define`s, inside `%( %)` conditionals too; no
 * macro an earlier library file defines; a broken file fails every script and defines nothing.
 */
describe('library macro files', () => {
    let dir: string;
    beforeAll(() => {
        dir = mkdtempSync(join(tmpdir(), 'probekit-stpm-'));
        mkdirSync(join(dir, 'broken'));
        writeFileSync(join(dir, 'broken', 'a.stpm'), '@define foo %( 1 %)\nprobe begin {}\n');
        mkdirSync(join(dir, 'twice'));
        writeFileSync(join(dir, 'twice', 'a.stpm'), '@define mine %( 5 %)\n');
        writeFileSync(join(dir, 'twice', 'b.stpm'), '# the second\n@define mine %( 6 %)\n');
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    /** Check `text` (with `<|>` where each error starts) as file `name` in `dir`, with `options`. */
    async function expectLibraryErrors(name: string, marked: string, messages: RegExp[], options: CheckOptions = {}): Promise<void> {
        const services = await stapServices(options, { ...TEST_HOST, tapsetDirs: [INSTALLED_TAPSET] });
        const { text, offsets } = markers(marked);
        const { doc, errors } = await checkStap(services, text, URI.file(join(dir, name)));
        expect(errors.map(e => doc.textDocument.offsetAt(e.range.start))).toEqual(offsets);
        expect(errors.map(e => e.message)).toEqual(messages.map(m => expect.stringMatching(m)));
        for (const e of errors) expect(e.code).toBe('stap-pp-library-file');
    }

    test.each<[string, string, string, RegExp[]]>([
        ['only definitions, conditionals and comments', 'ok.stpm', '# c\n%( arch == "x86_64" %? @define a %( 1 %) %: @define a %( 2 %) %)\n/* c */ @define b(x) %( @x %)\n', []],
        ['a probe after a definition', 'a.stpm', '@define foo %( 1 %)\n<|>probe begin {}\n', [/^unexpected token in library macro file: it may hold only `@define`s/]],
        ['stray words: the first is reported, as stap does', 'a.stpm', '@define foo %( 1 %)\n<|>x y\n', [/^unexpected token in library macro file/]],
        ['a macro invocation', 'a.stpm', '@define foo %( 1 %)\n<|>@foo\n', [/^unexpected token in library macro file/]],
        ['a macro of the installed library', 'a.stpm', '@define <|>__syscall_gate(x) %( 1 %)\n',
            [/^duplicate definition of library macro `@__syscall_gate`: first defined in \/usr\/share\/systemtap\/tapset\/linux\/syscalls\.stpm$/]],
    ])('%s', async (_name, file, text, messages) => {
        await expectLibraryErrors(file, text, messages);
    });

    test('a library file defining a macro an earlier one defines (read in name order)', async () => {
        await expectLibraryErrors('twice/b.stpm', '# the second\n@define <|>mine %( 6 %)\n', [/^duplicate definition of library macro `@mine`: first defined in .*twice\/a\.stpm$/],
            { stapOptions: `-I ${join(dir, 'twice')}` });
        await expectLibraryErrors('twice/a.stpm', '@define mine %( 5 %)\n', [], { stapOptions: `-I ${join(dir, 'twice')}` });
    });

    test('the installed library files check clean, those stap reads for other runtimes too', async () => {
        const services = await stapServices({}, { ...TEST_HOST, tapsetDirs: [INSTALLED_TAPSET] });
        const files = readdirSync(INSTALLED_TAPSET, { recursive: true, encoding: 'utf8' }).filter(f => f.endsWith('.stpm'));
        expect(files).toEqual(expect.arrayContaining(['dyninst/errno.stpm', 'linux/errno.stpm']));
        for (const f of files) {
            const path = join(INSTALLED_TAPSET, f);
            expect((await checkStap(services, readFileSync(path, 'utf8'), URI.file(path))).errors).toEqual([]);
        }
    });

    test('a #! stap -I DIR line adds the macros of DIR (relative to the script\'s folder)', async () => {
        mkdirSync(join(dir, 'own', 'lib'), { recursive: true });
        writeFileSync(join(dir, 'own', 'lib', 'm.stpm'), '@define mine %( 7 %)\n');
        const services = await stapServices({}, { ...TEST_HOST, tapsetDirs: [INSTALLED_TAPSET] });
        const script = 'probe begin { x = @mine + @__pointer(1) }';
        const withLine = await checkStap(services, `#! stap -I lib\n${script}`, URI.file(join(dir, 'own', 'a.stp')));
        expect(withLine.errors).toEqual([]);
        const without = await checkStap(services, script, URI.file(join(dir, 'own', 'b.stp')));
        expect(without.errors.map(e => e.message)).toEqual(['unknown operator `@mine`: not a macro or a built-in @-operator']);
    });

    test('a broken library file fails every script and defines nothing', async () => {
        const services = await stapServices({ stapOptions: `-I ${join(dir, 'broken')}` }, { ...TEST_HOST, tapsetDirs: [INSTALLED_TAPSET] });
        const { errors } = await checkStap(services, 'probe begin { x = @foo }');
        expect(errors.map(e => [e.range.start, e.message])).toEqual([
            [{ line: 0, character: 0 }, expect.stringMatching(/^stap fails on library macro file .*broken\/a\.stpm, which it reads for every script: 2:1: unexpected token in library macro file/)],
            [{ line: 0, character: 18 }, 'unknown operator `@foo`: not a macro or a built-in @-operator'],
        ]);
    });
});

describe('number tokens', () => {
    // isStapNumber skips the BigInt for numbers that cannot reach 2^64; it must agree with stapNumberValue everywhere.
    test.each(['0', '1', '9', '1234567890123456789', '9999999999999999999', '18446744073709551615', '18446744073709551616',
        '99999999999999999999', '0x0', '0xffffffffffffffff', '0x10000000000000000', '0777', '08', '1a', '12abc', '0x', '01777777777777777777777',
        '02000000000000000000000'])('%s', image => {
        expect(isStapNumber(image)).toBe(stapNumberValue(image) !== undefined);
    });
});
