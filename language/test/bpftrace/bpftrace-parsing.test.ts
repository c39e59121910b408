import { beforeAll, describe, expect, test } from 'vitest';
import type { ProbekitServices } from '../../src/probekit-module.js';
import * as ast from '../../src/bpftrace/generated/ast.js';
import { btServices, checkBt, printExpr } from './bpftrace-test-helpers.js';

let latest: ProbekitServices;
beforeAll(async () => {
    latest = await btServices('latest');
});

/** Parse `BEGIN { @x = EXPR; }` and print EXPR with its structure in parentheses. */
async function parseExpr(expr: string): Promise<string> {
    const r = await checkBt(latest, `BEGIN { @x = ${expr}; }`);
    expect(r.errors.map(e => e.message)).toEqual([]);
    const probe = r.program.items[0] as ast.BtProbe;
    const stmt = probe.body.statements[0] as ast.BtExprStatement;
    return printExpr(stmt.value);
}

describe('expression precedence and associativity (upstream C-like order)', () => {
    test.each([
        ['1 + 2 * 3', '(1 + (2 * 3))'],
        ['1 - 2 - 3', '((1 - 2) - 3)'],
        ['8 / 4 / 2', '((8 / 4) / 2)'],
        ['1 << 2 + 3', '(1 << (2 + 3))'],
        ['1 < 2 == 3 > 4', '((1 < 2) == (3 > 4))'],
        ['1 & 2 ^ 3 | 4', '(((1 & 2) ^ 3) | 4)'],
        ['1 | 2 && 3 || 4', '(((1 | 2) && 3) || 4)'],
        ['$a == 1 && $b != 2 || $c', '((($a == 1) && ($b != 2)) || $c)'],
        ['-$a + !$b * ~3', '((-$a) + ((!$b) * (~3)))'],
        ['$a ? $b : $c ? $d : $e', '($a ? $b : ($c ? $d : $e))'],
        ['$a || $b ? 1 : 2', '(($a || $b) ? 1 : 2)'],
        ['$a ?: 5', '($a ?  : 5)'],
        ['*$p + 1', '((*$p) + 1)'],
        ['&$v', '(&$v)'],
        ['$t.0 & 7', '(($t.0) & 7)'],
        ['args.filename', '(args.filename)'],
        ['args->ptr->field', '((args.ptr).field)'],
        ['@m[1, "a"] + @m[2, "b"]', '(@m[1, "a"] + @m[2, "b"])'],
        ['$a[1][2]', '$a[1][2]'],
        ['(int8)$a >= 3', '(((int8) $a) >= 3)'],
        ['(struct task_struct *)curtask', '((struct task_struct*) curtask)'],
        ['(uint8[8])$buf', '((uint8[8]) $buf)'],
        ['(mytype)*arg0', '((mytype) (*arg0))'],
        ['(pid) * 2', '(pid * 2)'],
        ['(arg1) & 3', '(arg1 & 3)'],
        ['(foo) - 1', '((foo) (-1))'],
        ['(foo) && $x', '(foo && $x)'],
        ['str(foo) * 2', '(str(foo) * 2)'],
        ['(typeof($y))2', '((typeof(…)) 2)'],
        ['(1, 2)', '(1, 2)'],
        ['(1,)', '(1)'],
        ['()', '()'],
        ['(a = 1, b = "x")', '(a=1, b="x")'],
        ['count()', 'count()'],
        ['hist(nsecs - @start[tid])', 'hist((nsecs - @start[tid]))'],
        ['sizeof(struct task_struct)', 'sizeof(struct task_struct)'],
        ['sizeof($x)', 'sizeof($x)'],
        ['offsetof(struct foo, a.b)', 'offsetof(struct foo, a.b)'],
        ['typeof($x)', 'typeof($x)'],
        ['comptime 1 + 2', '((comptime 1) + 2)'],
        ['$1 + $#', '($1 + $#)'],
        ['1_000_000 + 0x10 + 10ms', '((1_000_000 + 0x10) + 10ms)'],
        ['"a\\tb\\"c"', '"a\\tb\\"c"'],
        ['$x++ + ++$y', '(($x++) + (++$y))'],
        ['true && false', '(true && false)'],
    ])('%s', async (input, expected) => {
        expect(await parseExpr(input)).toBe(expected);
    });
});

/** The statement kinds of one probe body, in order. */
async function statementKinds(body: string, version = 'latest'): Promise<string[]> {
    const services = version === 'latest' ? latest : await btServices(version);
    const r = await checkBt(services, `BEGIN { ${body} }`);
    expect(r.errors.map(e => e.message)).toEqual([]);
    return (r.program.items[0] as ast.BtProbe).body.statements.map(s => {
        if (ast.isBtExprStatement(s)) return s.operator ? `assign${s.operator}` : `expr:${s.expr.$type}`;
        return s.$type;
    });
}

describe('statements', () => {
    test.each([
        ['$x = 1; @y += 2; @z[1] <<= 3', ['assign=', 'assign+=', 'assign<<=']],
        ['if ($x) { } else if $y { } else { }', ['expr:BtIfExpr']],
        ['if ($x) { print(1) } $y = 1', ['expr:BtIfExpr', 'assign=']],
        ['while ($i < 10) { $i++; } unroll(5) { }', ['BtWhileStatement', 'BtUnrollStatement']],
        ['for ($kv : @m) { } for $i : 0..10 { }', ['BtForStatement', 'BtForStatement']],
        ['let $a; let $b: int8 = 1; let $c = "x";', ['BtLetStatement', 'BtLetStatement', 'BtLetStatement']],
        ['_ = f(); break; continue; return', ['assign=', 'BtBreakStatement', 'BtContinueStatement', 'BtReturnStatement']],
        ['delete(@m[1]); delete(@m, 1); exit()', ['expr:BtCallExpr', 'expr:BtCallExpr', 'expr:BtCallExpr']],
        ['$x = { let $y = 1; $y + 1 }; { $z = 2 }', ['assign=', 'expr:BtBlockExpr']],
        ['import "foo.bt"; $a--', ['BtImportStatement', 'expr:BtPostfixExpr']],
    ])('%s', async (body, expected) => {
        expect(await statementKinds(body)).toEqual(expected);
    });
});

describe('program structure', () => {
    test('shebang, C definitions, config, import, macro, fn, map declaration, probes', async () => {
        const text = [
            '#!/usr/bin/env bpftrace',
            '#include <linux/sched.h>',
            '#define MAX 10',
            'struct foo { int a; struct { char b; } c; } __attribute__((packed));',
            'enum color { RED, GREEN };',
            'config = { max_strlen = 100; stack_mode = perf; missing_probes = "warn" }',
            'import "lib.bt";',
            'macro add($a, b) { $a + b }',
            'fn twice($x: int64, $p: struct foo *): int64 { return $x * 2; }',
            'let @h = lruhash(100);',
            'kprobe:vfs_read, kretprobe:vfs_read, k:mod:fn+0x10, BEGIN',
            '/pid == 1 && comm == "bash"/',
            '{ @[probe] = count(); }',
            'uprobe:/bin/bash:readline { printf("%s\\n", str(retval)); }',
            'interval:s:1 { print(@h); clear(@h); }',
        ].join('\n');
        const r = await checkBt(latest, text);
        expect(r.errors.map(e => e.message)).toEqual([]);
        expect(r.program.items.map(i => i.$type)).toEqual([
            'BtCDefinition', 'BtCDefinition', 'BtCDefinition', 'BtCDefinition', 'BtConfig', 'BtImport', 'BtMacro',
            'BtSubprog', 'BtMapDecl', 'BtProbe', 'BtProbe', 'BtProbe',
        ]);
        const probe = r.program.items[9] as ast.BtProbe;
        expect(probe.attachPoints.map(a => a.text)).toEqual(['kprobe:vfs_read', 'kretprobe:vfs_read', 'k:mod:fn+0x10', 'BEGIN']);
        expect(printExpr(probe.predicate)).toBe('((pid == 1) && (comm == "bash"))');
        const config = r.program.items[4] as ast.BtConfig;
        expect(config.entries.map(e => e.key)).toEqual(['max_strlen', 'stack_mode', 'missing_probes']);
    });

    test('a predicate that divides', async () => {
        const r = await checkBt(latest, 'kprobe:f /$1 / 2 > 3 && arg0 / 4/ { }');
        expect(r.errors).toEqual([]);
        expect(printExpr((r.program.items[0] as ast.BtProbe).predicate)).toBe('((($1 / 2) > 3) && (arg0 / 4))');
    });

    test('attach points are raw text up to whitespace, comma or brace', async () => {
        const r = await checkBt(latest, [
            'uprobe:/usr/lib/libc.so.6:malloc,tracepoint:syscalls:sys_enter_*,hardware:cache-misses:1000000{ }',
            'usdt:"/opt/my app/bin":ns:probe, uprobe:lib:"ns::f(int)" { }',
            'f:bpf:123:prog, it:task_file:/sys/fs/bpf/pin { }',
        ].join('\n'));
        expect(r.errors.map(e => e.message)).toEqual([]);
        expect(r.program.items.flatMap(i => (i as ast.BtProbe).attachPoints.map(a => a.text))).toEqual([
            'uprobe:/usr/lib/libc.so.6:malloc', 'tracepoint:syscalls:sys_enter_*', 'hardware:cache-misses:1000000',
            'usdt:"/opt/my app/bin":ns:probe', 'uprobe:lib:"ns::f(int)"', 'f:bpf:123:prog', 'it:task_file:/sys/fs/bpf/pin',
        ]);
    });

    test('comments are hidden, also between attach points and block', async () => {
        const r = await checkBt(latest, '// head\nBEGIN /* c */ { /* x */ @a = 1; // y\n}\n/* tail */');
        expect(r.errors).toEqual([]);
        expect(r.program.items).toHaveLength(1);
    });
});
