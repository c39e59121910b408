import { mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { cacheKey, CatalogueCache } from '../../src/catalogue/catalogue-cache.js';
import { DEFAULT_KERNEL_PATHS, NodeKernelSymbols, parseFormatField } from '../../src/catalogue/catalogue-kernel-symbols.js';
import { hasTool, runTool, tempDir } from './catalogue-test-kit.js';

const root = process.getuid?.() === 0;

describe('tracepoint format files', () => {
    test.each([
        ['\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;', { name: 'filename', type: 'const char *', offset: 24, size: 8 }],
        ['\tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;', { name: 'prev_comm', type: 'char[16]', offset: 8, size: 16 }],
        ['\tfield:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:0;', { name: 'filename', type: '__data_loc char[]', offset: 8, size: 4 }],
        ['\tfield:unsigned long args[6];\toffset:16;\tsize:48;\tsigned:0;', { name: 'args', type: 'unsigned long[6]', offset: 16, size: 48 }],
        ['\tfield:int x [2][3];\toffset:0;\tsize:24;\tsigned:1;', { name: 'x', type: 'int[2][3]', offset: 0, size: 24 }],
        ['\tfield:  unsigned   int  count ;\toffset:4;', { name: 'count', type: 'unsigned   int', offset: 4 }],
        ['\tfield:struct foo *;\toffset:4;', undefined],
        ['\tfield:u8 data[a[2]];', undefined],
        ['print fmt: "x"', undefined],
        ['\tfield:;', undefined],
    ])('%s', (line, expected) => {
        expect(parseFormatField(line)).toEqual(expected);
    });
});

/** A tracefs-shaped directory with two events, for what the machine may not offer. */
function fakeTracefs(): string {
    const dir = tempDir();
    writeFileSync(join(dir, 'available_events'), 'sched:sched_switch\nsyscalls:sys_enter_openat\n');
    writeFileSync(join(dir, 'available_filter_functions'), 'vfs_read\nvfs_write [ext4]\n__x64_sys_openat\n');
    mkdirSync(join(dir, 'events', 'syscalls', 'sys_enter_openat'), { recursive: true });
    writeFileSync(join(dir, 'events', 'syscalls', 'sys_enter_openat', 'format'),
        'name: sys_enter_openat\nID: 1\nformat:\n\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\n\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;\n\nprint fmt: "x"\n');
    writeFileSync(join(dir, 'kallsyms'), 'ffffffff81000000 T _stext\nffffffff81000008 t __pfx_local_fn\nffffffff81000010 t local_fn\nffffffff81000020 D some_data\n'
        + 'ffffffff81000030 t local_fn\nffffffffc0000000 t mod_fn\t[mymod]\n');
    return dir;
}

describe('a tracefs-shaped directory', () => {
    const dir = fakeTracefs();
    const ks = new NodeKernelSymbols({ kallsyms: join(dir, 'kallsyms'), tracefs: ['/nonexistent/tracing', dir] });
    test('events, formats, traceable functions, kallsyms', async () => {
        expect(await ks.tracepoints()).toEqual([{ system: 'sched', event: 'sched_switch' }, { system: 'syscalls', event: 'sys_enter_openat' }]);
        expect(await ks.tracepointFormat('syscalls', 'sys_enter_openat')).toEqual([{ name: '__syscall_nr', type: 'int' }, { name: 'filename', type: 'const char *' }]);
        expect(await ks.traceableFunctions()).toEqual(['vfs_read', 'vfs_write', '__x64_sys_openat']);
        expect(await ks.kallsymsFunctions()).toEqual(['_stext', 'local_fn', 'mod_fn']);
        expect(ks.notices()).toEqual([]);
    });
    test('kernel functions: the traceable ones, else every function in kallsyms', async () => {
        expect(await ks.kernelFunctions()).toEqual({ names: ['vfs_read', 'vfs_write', '__x64_sys_openat'], from: 'available_filter_functions' });
        const noFilter = fakeTracefs();
        rmSync(join(noFilter, 'available_filter_functions'));
        const fallback = new NodeKernelSymbols({ kallsyms: join(noFilter, 'kallsyms'), tracefs: [noFilter] });
        expect(await fallback.kernelFunctions()).toEqual({ names: ['_stext', 'local_fn', 'mod_fn'], from: 'kallsyms' });
    });
    test.each([
        [true, { names: ['vfs_read', 'vfs_write', '__x64_sys_openat'], from: 'available_filter_functions' }, []],
        [undefined, { names: ['vfs_read', 'vfs_write', '__x64_sys_openat'], from: 'available_filter_functions' }, []],
        [false, undefined, ['kprobes']],
    ])('kernel built with kprobes: %s → kernel functions %j, notices %j', async (kprobes, functions, notices) => {
        let asked = 0;
        const kernel = new NodeKernelSymbols({ kallsyms: join(dir, 'kallsyms'), tracefs: [dir] }, undefined, () => (asked++, kprobes));
        expect(await kernel.kernelFunctions()).toEqual(functions);
        expect(await kernel.kernelFunctions()).toEqual(functions);
        expect(kernel.notices().map(n => n.source)).toEqual(notices);
        expect(asked).toBe(1);
    });
    test('names with path characters are refused, not read', async () => {
        expect(await ks.tracepointFormat('..', 'x')).toBeUndefined();
        expect(await ks.tracepointFormat('syscalls', '../../etc')).toBeUndefined();
    });
});

describe('the tracefs snapshot cached per kernel', () => {
    const unreadable = { kallsyms: '/nonexistent/kallsyms', tracefs: ['/nonexistent/tracing'] };
    test('a later process without tracefs uses it; a changed kernel does not', async () => {
        const cache = new CatalogueCache(tempDir());
        const dir = fakeTracefs();
        const reader = new NodeKernelSymbols({ kallsyms: join(dir, 'kallsyms'), tracefs: [dir] }, { cache, kernelIdentity: 'build-id-A' });
        expect(await reader.fillCache()).toBe(1);
        const sameKernel = new NodeKernelSymbols(unreadable, { cache, kernelIdentity: 'build-id-A' });
        expect((await sameKernel.tracepoints())?.map(t => t.event)).toEqual(['sched_switch', 'sys_enter_openat']);
        expect(await sameKernel.tracepointFormat('syscalls', 'sys_enter_openat')).toEqual([{ name: '__syscall_nr', type: 'int' }, { name: 'filename', type: 'const char *' }]);
        const newKernel = new NodeKernelSymbols(unreadable, { cache, kernelIdentity: 'build-id-B' });
        expect(await newKernel.tracepoints()).toBeUndefined();
        expect(await newKernel.tracepointFormat('syscalls', 'sys_enter_openat')).toBeUndefined();
    });
    test('a snapshot of the wrong shape is a miss', async () => {
        const cache = new CatalogueCache(tempDir());
        cache.write('tracefs', cacheKey('build-id-A'), { events: 'sched:sched_switch', formats: {} });
        expect(await new NodeKernelSymbols(unreadable, { cache, kernelIdentity: 'build-id-A' }).tracepoints()).toBeUndefined();
        cache.write('tracefs', cacheKey('build-id-A'), { events: ['sched:sched_switch'], formats: { 'sched:sched_switch': [{ name: 1 }] } });
        expect(await new NodeKernelSymbols(unreadable, { cache, kernelIdentity: 'build-id-A' }).tracepoints()).toBeUndefined();
    });
});

describe('the kallsyms names cached per kernel, boot and modules', () => {
    test('a file standing in for kallsyms: read again when its mtime or size changes, from the cache otherwise', async () => {
        const cache = new CatalogueCache(tempDir());
        const dir = fakeTracefs();
        const kallsyms = join(dir, 'kallsyms');
        const paths = { kallsyms, tracefs: [dir] };
        const when = new Date('2026-01-01T00:00:00Z'); // whole seconds: the same mtime can be set again
        utimesSync(kallsyms, when, when);
        const first = await new NodeKernelSymbols(paths, { cache, kernelIdentity: 'build-id-A' }).kallsymsFunctions();
        expect(first).toEqual(['_stext', 'local_fn', 'mod_fn']);
        // Same size and mtime, other names: what comes back is the cached list.
        writeFileSync(kallsyms, 'ffffffff81000000 T _stexx\nffffffff81000008 t __pfx_local_fn\nffffffff81000010 t local_fn\nffffffff81000020 D some_data\n'
            + 'ffffffff81000030 t local_fn\nffffffffc0000000 t mod_fn\t[mymod]\n');
        utimesSync(kallsyms, when, when);
        expect(await new NodeKernelSymbols(paths, { cache, kernelIdentity: 'build-id-A' }).kallsymsFunctions()).toEqual(first);
        // Another kernel, or a changed file: read from the file.
        expect((await new NodeKernelSymbols(paths, { cache, kernelIdentity: 'build-id-B' }).kallsymsFunctions())?.[0]).toBe('_stexx');
        writeFileSync(kallsyms, 'ffffffff81000000 T _stext\nffffffffc0000000 t new_fn\t[newmod]\n');
        expect(await new NodeKernelSymbols(paths, { cache, kernelIdentity: 'build-id-A' }).kallsymsFunctions()).toEqual(['_stext', 'new_fn']);
    });
    test('/proc/kallsyms: keyed by the boot id and the loaded modules', async () => {
        const cache = new CatalogueCache(tempDir());
        const dir = tempDir();
        const modules = join(dir, 'modules');
        const bootId = join(dir, 'boot_id');
        writeFileSync(modules, 'ext4 1003520 1 - Live 0xffffffffc0a00000\n');
        writeFileSync(bootId, 'e8920729-295a-4778-960a-809731e0d4e1\n');
        const paths = { ...DEFAULT_KERNEL_PATHS, modules, bootId };
        const entries = (): string[] => readdirSync(cache.dir).filter(f => f.startsWith('kallsyms-'));
        const names = await new NodeKernelSymbols(paths, { cache, kernelIdentity: 'K' }).kallsymsFunctions();
        if (!names) return; // /proc/kallsyms not readable here: nothing to cache
        expect(entries()).toHaveLength(1);
        expect(await new NodeKernelSymbols(paths, { cache, kernelIdentity: 'K' }).kallsymsFunctions()).toEqual(names);
        expect(entries()).toHaveLength(1);
        writeFileSync(modules, 'ext4 1003520 1 - Live 0xffffffffc0a00000\nxfs 2002944 0 - Live 0xffffffffc0c00000\n');
        await new NodeKernelSymbols(paths, { cache, kernelIdentity: 'K' }).kallsymsFunctions();
        writeFileSync(bootId, '0c6c5f5e-0000-4000-8000-000000000000\n');
        await new NodeKernelSymbols(paths, { cache, kernelIdentity: 'K' }).kallsymsFunctions();
        expect(entries()).toHaveLength(3);
    });
});

describe('sources that are not there degrade, and say so once', () => {
    test('no tracefs, no kallsyms', async () => {
        const ks = new NodeKernelSymbols({ kallsyms: '/nonexistent/kallsyms', tracefs: ['/nonexistent/tracing'] });
        for (let i = 0; i < 3; i++) {
            expect(await ks.tracepoints()).toBeUndefined();
            expect(await ks.traceableFunctions()).toBeUndefined();
            expect(await ks.tracepointFormat('sched', 'sched_switch')).toBeUndefined();
            expect(await ks.kallsymsFunctions()).toBeUndefined();
        }
        const notices = ks.notices();
        expect(notices.map(n => n.source)).toEqual(['tracefs', 'kallsyms']);
        expect(notices[0].fix).toBe('mount -t tracefs nodev /sys/kernel/tracing');
    });
});

describe.runIf(root && hasTool('bpftrace'))('this machine\'s tracefs, compared with bpftrace as root', () => {
    const ks = new NodeKernelSymbols(DEFAULT_KERNEL_PATHS);
    test('the same tracepoints as bpftrace -l', async () => {
        const listed = runTool('bpftrace', ['-l', 'tracepoint:*']).split('\n').filter(l => l.startsWith('tracepoint:')).map(l => l.slice(11)).sort();
        const ours = (await ks.tracepoints())!.map(t => `${t.system}:${t.event}`).sort();
        expect(ours).toEqual(listed);
    });
    test.each(['syscalls:sys_enter_openat', 'sched:sched_switch', 'sched:sched_process_exec'])('%s has the fields bpftrace -lv shows', async tp => {
        const lines = runTool('bpftrace', ['-lv', `tracepoint:${tp}`]).split('\n').filter(l => /^\s+\S/.test(l)).map(l => l.trim());
        const [system, event] = tp.split(':');
        const fields = (await ks.tracepointFormat(system, event))!;
        // bpftrace prints the declaration (`char prev_comm[16]`); we keep dimensions on the type (`char[16]`).
        const theirs = lines.map(l => {
            const m = /^(.*?)\s*(\w+)((?:\[\d*\])*)$/.exec(l)!;
            return `${m[1]}${m[3]} ${m[2]}`.replace(/\s+/g, ' ');
        });
        expect(fields.map(f => `${f.type} ${f.name}`.replace(/\s+/g, ' '))).toEqual(theirs);
    });
    test('kallsyms has the kernel\'s functions', async () => {
        const fns = (await ks.kallsymsFunctions())!;
        expect(fns.length).toBeGreaterThan(50_000);
        expect(fns).toContain('vfs_read');
    });
});
