import { describe, expect, test } from 'vitest';
import { compareVersions, evalCondition, evalConditionals, expandMacros, extractMacros, settleMacroBody } from '../../src/catalogue/catalogue-tapset-preprocess.js';
import { scanSystemTap } from '../../src/catalogue/catalogue-tapset-scanner.js';
import { indexTapsetFile } from '../../src/catalogue/catalogue-tapset-indexer.js';
import type { TapsetTarget } from '../../src/catalogue/catalogue-tapset-types.js';

const TARGET: TapsetTarget = {
    kernelRelease: '6.18.44-fc-v769', arch: 'x86_64', runtime: 'kernel', stapVersion: '4.8',
    kernelConfig: new Map([['CONFIG_COMPAT', 'y'], ['CONFIG_HZ', '250'], ['CONFIG_NR_CPUS', '64']]), privilege: 'stapdev',
};

/** Evaluates the condition text (what sits between `%(` and `%?`). */
function cond(text: string, target = TARGET): boolean {
    return evalCondition(scanSystemTap(text).tokens, target);
}

/** Preprocesses `text` and returns the surviving token texts joined by spaces. */
function pp(text: string, target = TARGET): string {
    const { defs, rest } = extractMacros(scanSystemTap(text).tokens);
    const table = new Map(defs.map(d => [`@${d.name}`, d]));
    return evalConditionals(expandMacros(rest, n => table.get(n)), target).map(t => t.text).join(' ');
}

/** {@link pp} with every macro body's conditionals decided once first, where they can be ({@link settleMacroBody}). */
function ppSettled(text: string, target = TARGET): { out: string; bodies: string[] } {
    const { defs, rest } = extractMacros(scanSystemTap(text).tokens);
    for (const d of defs) settleMacroBody(d, target);
    const table = new Map(defs.map(d => [`@${d.name}`, d]));
    return {
        out: evalConditionals(expandMacros(rest, n => table.get(n)), target).map(t => t.text).join(' '),
        bodies: defs.map(d => d.body.map(t => t.text).join(' ')),
    };
}

describe('conditions', () => {
    test.each([
        ['kernel_v >= "6.0"', true],
        ['kernel_v >= "6.18.44"', true],
        ['kernel_v > "6.18.44"', false],
        ['kernel_v < "2.6.39"', false],
        ['kernel_vr == "6.18.44-fc-*"', true],
        ['kernel_vr != "6.18.44-fc-*"', false],
        ['kernel_v == "6.18*"', true],
        ['systemtap_v >= "3.0"', true],
        ['systemtap_v <= "2.9"', false],
        ['arch == "x86_64"', true],
        ['arch == "i?86"', false],
        ['arch != "s390"', true],
        ['runtime == "kernel"', true],
        ['runtime == "bpf"', false],
        ['systemtap_privilege == "stapdev"', true],
        ['guru_mode == 0', true],
        ['CONFIG_COMPAT == "y"', true],
        ['CONFIG_MISSING == "y"', false],
        ['CONFIG_HZ >= 100', true],
        ['CONFIG_NR_CPUS > CONFIG_HZ', false],
        ['1 == 1', true],
        ['"a" == "b"', false],
        ['arch == "x86_64" && kernel_v < "3.0"', false],
        ['arch == "s390" || kernel_v >= "3.0"', true],
        ['arch == "s390" && runtime == "kernel" || arch == "x86_64" && runtime == "kernel"', true],
        ['@unknown_macro', true],
    ])('%s → %s', (text, expected) => {
        expect(cond(text)).toBe(expected);
    });
    test('CONFIG_ tests are unknown (first branch) without a kernel configuration', () => {
        expect(cond('CONFIG_COMPAT == "y"', { ...TARGET, kernelConfig: undefined })).toBe(true);
    });
});

describe('versions compare like strverscmp', () => {
    test.each([
        ['4.8', '4.10', -1], ['6.18.44', '6.18.44', 0], ['3.0', '2.9', 1], ['5.10-rc1', '5.10', 1], ['4', '4.0', -1],
    ])('%s vs %s', (a, b, sign) => {
        expect(Math.sign(compareVersions(a, b))).toBe(sign);
    });
});

describe('macros then conditionals', () => {
    test.each([
        ['@define A %( 1 %) x = @A', 'x = 1'],
        ['@define P(a, b) %( @b + @a %) y = @P(f(1, 2), [3])', 'y = [ 3 ] + f ( 1 , 2 )'],
        ['@define C %( %( arch == "x86_64" %? yes %: no %) %) @C', 'yes'],
        ['%( arch == "s390" %? a %: %( kernel_v >= "6" %? b %: c %) %) d', 'b d'],
        ['@define D %( %) %( arch == "x86_64" %? @define E %( e %) %) @E', 'e'],
        ['@cast(p, "task_struct")->pid', '@cast ( p , "task_struct" ) -> pid'],
    ])('%s → %s', (text, expected) => {
        expect(pp(text)).toBe(expected);
    });
    test('expanded tokens: the first at the invocation, the rest the macro body\'s own', () => {
        const text = '@define A %( a b %)\n@A';
        const { defs, rest } = extractMacros(scanSystemTap(text).tokens);
        const out = expandMacros(rest, n => defs.find(d => `@${d.name}` === n));
        expect(out.map(t => [t.text, t.macro, t.offset])).toEqual([['a', false, text.indexOf('@A')], ['b', true, text.indexOf('b')]]);
    });
});

describe('macro bodies decided once for the target expand as bodies decided at each expansion', () => {
    test.each([
        ['@define C %( %( arch == "x86_64" %? yes %: no %) %) @C @C', ['yes']],
        ['@define P(a) %( %( CONFIG_COMPAT == "y" %? @a %: no %) %) @P(1) @P(2)', ['@a']],
        ['@define N %( a %( arch == "s390" %? b %: %( kernel_v >= "6" %? c %) %) d %) @N', ['a c d']],
        // A condition that names a parameter or invokes a macro is left to each expansion.
        ['@define Q(a) %( %( @a == 1 %? one %: other %) %) @Q(1) @Q(2)', ['%( @a == 1 %? one %: other %)']],
        ['@define S %( 0 %) @define R %( %( @S == 1 %? s %: t %) %) @R', ['0', '%( @S == 1 %? s %: t %)']],
        ['@define M %( x %) @M', ['x']],
    ])('%s', (text, bodies) => {
        const settled = ppSettled(text);
        expect(settled.out).toBe(pp(text));
        expect(settled.bodies).toEqual(bodies);
    });
});

describe('declarations made by a macro sit at the invocation', () => {
    test('function and global names', () => {
        const text = '@define DECL(n) %( function @n () {} %)\n@define G %( global from_macro_g %)\n\n@DECL(from_macro)\n@G\n';
        const decls = indexTapsetFile('/t/m.stp', text, TARGET, new Map());
        expect(decls.functions.map(f => [f.name, f.line])).toEqual([['from_macro', 3]]);
        expect(decls.globals.map(g => [g.name, g.line])).toEqual([['from_macro_g', 4]]);
    });
});

describe('scanner', () => {
    test.each([
        ['a<<<b', ['a', '<<<', 'b']],
        ['x>>=1', ['x', '>>=', '1']],
        ['$var->f', ['$var', '->', 'f']],
        ['s .= "a\\"b"', ['s', '.=', '"a\\"b"']],
        ['# comment\nx // c\n/* c */ y', ['x', 'y']],
        ['%{ int x; %} z', ['%{ int x; %}', 'z']],
        ['%( %? %: %)', ['%(', '%?', '%:', '%)']],
        ['@1 $1 0x1f', ['@1', '$1', '0x1f']],
    ])('%s', (text, expected) => {
        expect(scanSystemTap(text).tokens.map(t => t.text)).toEqual(expected);
    });
    test('doc comments are collected', () => {
        expect(scanSystemTap('/** a */ /* b */ /**/ x').docs.map(d => d.text)).toEqual(['/** a */']);
    });
    test.each([
        ['probe a {}', 'none'],
        ['@define A %( 1 %) @define B(x) %( @x %) @A', 'top-level'],
        ['@define A %( 1 %) %( arch == "x86_64" %? @define B %( 2 %) %)', 'nested'],
        ['%( arch == "x86_64" %? @define B %( 2 %) %) @define A %( 1 %)', 'nested'],
        ['@define A %( @define B %( 2 %) %)', 'nested'],
        ['%) @define A %( 1 %)', 'nested'],
    ])('where the @defines of %j sit: %s', (text, placement) => {
        expect(scanSystemTap(text).defines).toBe(placement);
    });
});
