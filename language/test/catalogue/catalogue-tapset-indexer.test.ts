import { describe, expect, test } from 'vitest';
import { indexTapsetFileStap, stapTargetOf } from '../../src/catalogue/catalogue-tapset-frontend.js';
import { TapsetIndex } from '../../src/catalogue/catalogue-tapset-index.js';
import { declsOf } from './catalogue-test-decls.js';
import type { TapsetFileDecls, TapsetTarget } from '../../src/catalogue/catalogue-tapset-types.js';

const TARGET: TapsetTarget = {
    kernelRelease: '6.18.44-fc-v769', arch: 'x86_64', runtime: 'kernel', stapVersion: '4.8',
    kernelConfig: new Map([['CONFIG_COMPAT', 'y'], ['CONFIG_HZ', '250']]),
};

/** Indexes `files` (name → text; `.stpm` first as library macros) and returns the merged index. */
function indexOf(files: Record<string, string>, target = TARGET): { index: TapsetIndex; decls: TapsetFileDecls[] } {
    const decls = declsOf(files, target);
    return { index: new TapsetIndex({ files: decls }), decls };
}

describe('probe aliases and their context variables', () => {
    const files = {
        'lib.stpm': '@define _RET(v) %( retval = @v  retstr = sprint(@v) %)\n',
        'sysc.stp': `
@define _SYSCALL_X_NAME %( name = "x" %)
@define _SYSCALL_X_ARGS
%(
    fd = int_arg(1)
    %( arch == "x86_64" %? buf_uaddr = pointer_arg(2) %: buf_other = 0 %)
%)
global counter
probe syscall.x = dw_syscall.x !, nd_syscall.x ? {}
probe dw_syscall.x = kernel.function("sys_x").call ? { @_SYSCALL_X_NAME; count = $count; counter++ ; $ctx = 1 }
probe nd_syscall.x = kprobe.function(@_PFX "sys_x") ?
{
    @_SYSCALL_X_NAME
    @_SYSCALL_X_ARGS
    argstr = sprintf("%d", fd)
    counter = 1
    s->member = 2
},
{
    epi = 1
}
probe syscall.x.return = kernel.function("sys_x").return { @_RET($return) }
probe all.x = syscall.* { everything = 1 }
probe later += syscall.x { after = 1 }
`,
    };
    const { index } = indexOf(files);
    test.each([
        ['syscall.x', ['name', 'count', 'fd', 'buf_uaddr', 'argstr', 'epi']],
        ['dw_syscall.x', ['name', 'count']],
        ['syscall.x.return', ['retval', 'retstr']],
        ['all.x', ['everything', 'name', 'count', 'fd', 'buf_uaddr', 'argstr', 'epi']],
        ['later', ['after', 'name', 'count', 'fd', 'buf_uaddr', 'argstr', 'epi']],
    ])('%s offers %j', (alias, vars) => {
        expect(index.contextVariables(alias).map(v => v.name)).toEqual(vars);
    });
    test('globals, context writes and member assignments are not alias variables', () => {
        const names = index.contextVariables('nd_syscall.x').map(v => v.name);
        expect(names).not.toContain('counter');
        expect(names).not.toContain('member');
        expect(names).not.toContain('buf_other');
    });
    test('targets are recorded without ?/! and with macros expanded', () => {
        expect(index.aliases.get('syscall.x')![0].targets).toEqual(['dw_syscall.x', 'nd_syscall.x']);
        expect(index.aliases.get('nd_syscall.x')![0].targets).toEqual(['kprobe.function(@_PFX"sys_x")']);
        expect(index.aliases.get('later')![0].op).toBe('+=');
        expect(index.contextVariables('later')[0]).toMatchObject({ name: 'after', epilogue: true });
    });
    test('positions point at the alias name', () => {
        const a = index.aliases.get('dw_syscall.x')![0];
        expect(files['sysc.stp'].split('\n')[a.line].slice(a.character)).toMatch(/^dw_syscall\.x = /);
    });
    test('wildcard matching of alias names', () => {
        expect(index.matchAliases('syscall.*').sort()).toEqual(['syscall.x']);
        expect(index.matchAliases('*.x').sort()).toEqual(['all.x', 'dw_syscall.x', 'nd_syscall.x', 'syscall.x']);
    });
});

describe('functions, globals, macros and kerneldoc', () => {
    const { index, decls } = indexOf({
        'p.stpm': '@define __private30 %( %( systemtap_v >= "3.0" %? private %) %)\n' +
            '/**\n * smacro json_add - Add a field\n * @name: the field\n */\n@define json_add(name) %( 1 %)\n',
        'f.stp': `
/**
 * sfunction execname - Returns the execname of a target process
 *
 * Description: Returns the execname of a target process (or group
 * of processes).
 *
 * Context: any.
 */
function execname:string ()
%{ /* pure */ /* unprivileged */ /* stable */
    strlcpy (STAP_RETVALUE, current->comm, MAXSTRINGLEN);
%}
/**
 * sfunction kernel_string - Retrieves string from kernel memory
 * @addr: The kernel address to retrieve the string from
 * @err_msg: The error message to return when data isn't available
 */
function kernel_string:string (addr:long) { return kernel_string2(addr, "") }
function kernel_string:string (addr:long, err_msg:string) { return "x" }
function untyped(a, b) { return a + b }
function with_prio:long () :10 { return 1 }
@__private30 function _hidden:long () %{ /* guru */ %}
@__private30 global _secret
global plain, arr[100], init = -1, wrapped%
%( kernel_v >= "99.0" %? function future() {} %: function present() {} %)
%( CONFIG_COMPAT == "y" && arch == "x86_64" %? function compat_ok() {} %)
%( runtime == "bpf" %? function bpf_only() {} %)
`,
    });
    test.each([
        ['execname', 'string', [], ['pure', 'unprivileged', 'stable']],
        ['untyped', undefined, [{ name: 'a' }, { name: 'b' }], []],
        ['with_prio', 'long', [], []],
        ['_hidden', 'long', [], ['guru']],
    ])('function %s: returns %s, params %j, markers %j', (name, ret, params, markers) => {
        const [f] = index.functions.get(name as string)!;
        expect(f.returnType).toBe(ret);
        expect(f.params).toEqual(params);
        expect(f.markers).toEqual(markers);
    });
    test('overloads are kept apart', () => {
        expect(index.functions.get('kernel_string')!.map(f => f.params.map(p => `${p.name}:${p.type}`))).toEqual([['addr:long'], ['addr:long', 'err_msg:string']]);
    });
    test('private through a library macro', () => {
        expect(index.functions.get('_hidden')![0].private).toBe(true);
        expect(index.globals.get('_secret')![0].private).toBe(true);
        expect(index.functions.get('execname')![0].private).toBe(false);
    });
    test('globals', () => {
        expect(['plain', 'arr', 'init', 'wrapped'].map(g => index.globals.get(g)?.[0].array)).toEqual([false, true, false, false]);
    });
    test('conditionals choose the declarations for the target', () => {
        expect(index.functions.has('present')).toBe(true);
        expect(index.functions.has('future')).toBe(false);
        expect(index.functions.has('compat_ok')).toBe(true);
        expect(index.functions.has('bpf_only')).toBe(false);
    });
    test('kerneldoc: summary, sections, args', () => {
        const doc = index.functions.get('execname')![0].doc!;
        expect(doc.summary).toBe('Returns the execname of a target process');
        expect(doc.sections).toEqual([
            { heading: 'Description', text: 'Returns the execname of a target process (or group\nof processes).' },
            { heading: 'Context', text: 'any.' },
        ]);
        expect(index.doc('sfunction', 'kernel_string')!.args.map(a => a.name)).toEqual(['addr', 'err_msg']);
    });
    test('library macros with their docs', () => {
        const m = index.macros.get('json_add')![0];
        expect(m).toMatchObject({ library: true, params: ['name'] });
        expect(m.doc?.args).toEqual([{ name: 'name', text: 'the field' }]);
        expect(decls[0].macros.map(x => x.name)).toEqual(['__private30', 'json_add']);
    });
});

describe('which of a file\'s own @defines are active', () => {
    test.each([
        ['all outside conditionals', '@define A %( global a_g %)\n@define B(x) %( global @x %)\n@A @B(b_g)', ['A', 'B'], ['a_g', 'b_g']],
        ['in a branch taken', '%( arch == "x86_64" %? @define C %( global c_g %) %)\n@C', ['C'], ['c_g']],
        ['in a branch not taken', '%( arch == "s390" %? @define D %( global d_g %) %: global other_g %)\n@D', [], ['other_g']],
        ['beside one in a branch not taken', '@define E %( global e_g %)\n%( arch == "s390" %? @define F %( global f_g %) %)\n@E @F', ['E'], ['e_g']],
        ['inside another macro\'s body', '@define G %( @define H %( 1 %) %)\nglobal g_g', ['G'], ['g_g']],
        ['after a stray %)', '%)\n@define I %( global i_g %)\n@I', ['I'], ['i_g']],
    ])('%s', (_label, text, macros, globals) => {
        const { decls } = indexOf({ 'defs.stp': text });
        expect(decls[0].macros.map(m => m.name)).toEqual(macros);
        expect(decls[0].globals.map(g => g.name)).toEqual(globals);
        // As the SystemTap front end's preprocessor sees it.
        const fe = indexTapsetFileStap('/t/defs.stp', text, stapTargetOf(TARGET), new Map());
        expect([fe.macros.map(m => m.name), fe.globals.map(g => g.name)]).toEqual([macros, globals]);
    });
});

describe('bad input never throws', () => {
    test.each([
        ['unclosed string', 'probe a = b { x = "abc\n y = 2 }'],
        ['unclosed comment', 'function f() { } /* never closed'],
        ['unclosed conditional', '%( arch == "x86_64" %? function f() {}'],
        ['unclosed embedded C', 'function f() %{ int x;'],
        ['dangling define', '@define\n@define X'],
        ['recursive macro', '@define A %( @A %)\nprobe p = q { @A }'],
        ['stray tokens', ') } ] , = += probe = { } function ( global ,'],
        ['empty', ''],
    ])('%s', (_label, text) => {
        expect(() => indexOf({ 'bad.stp': text })).not.toThrow();
    });
});
