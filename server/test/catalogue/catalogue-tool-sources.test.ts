import { readdirSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CatalogueCache } from '../../src/catalogue/catalogue-cache.js';
import { parseBpftraceListing, parseStapListing, ToolQueries } from '../../src/catalogue/catalogue-tool-sources.js';
import { hasTool, kernelStub, tempDir } from './catalogue-test-kit.js';

describe('listing parsers', () => {
    test('stap -L lines', () => {
        expect(parseStapListing('kernel.function("vfs_read@fs/read_write.c:450") $file:struct file* $buf:char* $count:size_t $pos:loff_t*\n' +
            'syscall.openat name:string filename:string flags:long $dfd:long int\n')).toEqual([
            { probe: 'kernel.function("vfs_read@fs/read_write.c:450")', vars: [{ name: '$file', type: 'struct file*' }, { name: '$buf', type: 'char*' }, { name: '$count', type: 'size_t' }, { name: '$pos', type: 'loff_t*' }] },
            { probe: 'syscall.openat', vars: [{ name: 'name', type: 'string' }, { name: 'filename', type: 'string' }, { name: 'flags', type: 'long' }, { name: '$dfd', type: 'long int' }] },
        ]);
    });
    test('bpftrace -lv blocks', () => {
        expect(parseBpftraceListing('tracepoint:sched:sched_switch\n    char prev_comm[16]\n    pid_t prev_pid\niter:task\n    struct task_struct * task\n')).toEqual([
            { probe: 'tracepoint:sched:sched_switch', vars: [{ name: 'prev_comm', type: 'char[16]' }, { name: 'prev_pid', type: 'pid_t' }] },
            { probe: 'iter:task', vars: [{ name: 'task', type: 'struct task_struct *' }] },
        ]);
    });
});

describe.runIf(process.getuid?.() === 0 && hasTool('bpftrace'))('bpftrace -lv on this machine', () => {
    test('tracepoint arguments, cached on disk for the next process', async () => {
        const cache = new CatalogueCache(tempDir());
        const q = new ToolQueries({ cache, kernelIdentity: 'test-kernel' });
        const listed = await q.bpftraceList('tracepoint:syscalls:sys_enter_openat');
        expect(listed?.[0].vars.map(v => `${v.type} ${v.name}`)).toEqual(['int __syscall_nr', 'int dfd', 'const char * filename', 'int flags', 'umode_t mode']);
        expect(readdirSync(cache.dir)).toHaveLength(1);
        // A new instance (a new process) answers from the cache, even with a tool that no longer exists.
        const again = new ToolQueries({ cache, kernelIdentity: 'test-kernel', bpftracePath: '/nonexistent/bpftrace' });
        expect(await again.bpftraceList('tracepoint:syscalls:sys_enter_openat')).toEqual(listed);
        // A different kernel does not reuse it.
        const other = new ToolQueries({ cache, kernelIdentity: 'other-kernel', bpftracePath: '/nonexistent/bpftrace' });
        expect(await other.bpftraceList('tracepoint:syscalls:sys_enter_openat')).toBeUndefined();
    });
});

describe.runIf(hasTool('stap'))('stap -L without debuginfo', () => {
    test('fails cleanly: undefined, not an exception', async () => {
        const q = new ToolQueries({ stapArgs: ['-r', kernelStub()], timeoutMs: 60_000 });
        const listed = await q.stapList('kernel.function("vfs_read")');
        expect(listed === undefined || listed.length === 0).toBe(true);
    });
});

describe('a tool that hangs is killed at the timeout', () => {
    test('undefined after the timeout', async () => {
        // A stand-in for a stap that never answers (e.g. waiting on debuginfod): the real tools do not hang on demand.
        const dir = tempDir();
        const slow = join(dir, 'slow-tool');
        writeFileSync(slow, '#!/bin/sh\nsleep 30\n');
        chmodSync(slow, 0o755);
        const q = new ToolQueries({ stapPath: slow, timeoutMs: 300 });
        expect(await q.stapList('anything')).toBeUndefined();
    });
    test('a missing tool is undefined too', async () => {
        expect(await new ToolQueries({ bpftracePath: '/nonexistent/bpftrace' }).bpftraceList('x')).toBeUndefined();
    });
});
