import { describe, expect, test } from 'vitest';
import { familyOf, probeFamilies } from '../../src/catalogue/catalogue-probe-families.js';
import { macroSearchDirs, tapsetSearchDirs, versionSuffixes } from '../../src/catalogue/catalogue-tapset-paths.js';
import { parseKernelDoc } from '../../src/catalogue/catalogue-kerneldoc.js';

describe('tapset search order (as stap builds it)', () => {
    test('version and arch suffixes, most specific first', () => {
        expect(versionSuffixes('6.18.44-fc-v769', 'x86_64')).toEqual([
            '/6.18.44-fc-v769/x86_64', '/6.18.44-fc-v769', '/6.18.44/x86_64', '/6.18.44', '/6.18/x86_64', '/6.18',
            '/x86_64', '',
        ]);
    });
    test('-I dirs before the installed library; runtime prefix before the root', () => {
        const dirs = tapsetSearchDirs(['/mine', '/usr/share/systemtap/tapset/'], { kernelRelease: '', arch: 'arm64', runtime: 'kernel', stapVersion: '4.8' });
        expect(dirs).toEqual(['/mine/linux/arm64', '/mine/linux', '/mine/arm64', '/mine',
            '/usr/share/systemtap/tapset/linux/arm64', '/usr/share/systemtap/tapset/linux', '/usr/share/systemtap/tapset/arm64', '/usr/share/systemtap/tapset']);
        expect(macroSearchDirs(['/a'], { kernelRelease: '', arch: 'x86_64', runtime: 'bpf', stapVersion: '4.8' })).toEqual(['/a/bpf', '/a']);
    });
});

describe('probe families', () => {
    test.each([
        ['begin', 'systemtap', 'begin'],
        ['timer.ms(100)', 'systemtap', 'timer'],
        ['kernel.function("vfs_read").return', 'systemtap', 'kernel.function'],
        ['kernel.trace("sched_switch")', 'systemtap', 'kernel.trace'],
        ['process("/bin/bash").function("readline")', 'systemtap', 'process'],
        ['procfs("x").write', 'systemtap', 'procfs'],
        ['netfilter.hook("NF_INET_PRE_ROUTING").pf("NFPROTO_IPV4")', 'systemtap', 'netfilter'],
        ['syscall.openat', 'systemtap', undefined],
        ['tracepoint:syscalls:sys_enter_openat', 'bpftrace', 'tracepoint'],
        ['t:sched:sched_switch', 'bpftrace', 'tracepoint'],
        ['kfunc:vfs_read', 'bpftrace', 'fentry'],
        ['uprobe:/bin/bash:readline', 'bpftrace', 'uprobe'],
        ['BEGIN', 'bpftrace', 'BEGIN'],
    ] as const)('%s (%s) → %s', (point, language, family) => {
        expect(familyOf(point, language)?.name).toBe(family);
    });
    test('every family documents its forms and context', () => {
        for (const f of probeFamilies()) {
            expect(f.forms.length).toBeGreaterThan(0);
            expect(f.summary).not.toBe('');
        }
        expect(familyOf('procfs("x").read', 'systemtap')?.context.map(c => c.name)).toEqual(['$value']);
    });
});

describe('kerneldoc blocks', () => {
    test.each([
        ['/**\n * probe syscall.open - Open a file\n * @filename: the file\n * @mode: the mode\n */', { kind: 'probe', name: 'syscall.open', summary: 'Open a file', args: 2 }],
        ['/**\n * smacro json_output_data_start - Start the json output.\n *\n * Description: The json_output_data_start macro…\n */', { kind: 'smacro', name: 'json_output_data_start', summary: 'Start the json output.', args: 0 }],
        ['/**\n * sfunction long_summary - A summary that\n * wraps onto the next line\n */', { kind: 'sfunction', name: 'long_summary', summary: 'A summary that wraps onto the next line', args: 0 }],
    ])('%#', (text, expected) => {
        const doc = parseKernelDoc(text)!;
        expect({ kind: doc.kind, name: doc.name, summary: doc.summary, args: doc.args.length }).toEqual(expected);
    });
    test.each(['/** just a comment */', '/**\n * Copyright (C) 2005 Red Hat\n */', '/***/'])('not kerneldoc: %s', text => {
        expect(parseKernelDoc(text)).toBeUndefined();
    });
});
