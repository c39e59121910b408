import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { describe, expect, test } from 'vitest';
import { CatalogueCache } from '../../src/catalogue/catalogue-cache.js';
import { parseBpftraceListing, parseStapListing, ToolQueries, type ToolQueryOptions } from '../../src/catalogue/catalogue-tool-sources.js';
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
    test('tracepoint arguments, cached on disk for the next process, per kernel', async () => {
        const cache = new CatalogueCache(tempDir());
        const q = new ToolQueries({ cache, kernelIdentity: 'test-kernel' });
        const listed = await q.bpftraceList('tracepoint:syscalls:sys_enter_openat');
        expect(listed?.[0].vars.map(v => `${v.type} ${v.name}`)).toEqual(['int __syscall_nr', 'int dfd', 'const char * filename', 'int flags', 'umode_t mode']);
        expect(queryFiles(cache)).toHaveLength(1);
        // A new instance (a new process) answers from the cache without running bpftrace.
        const again = new ToolQueries({ cache, kernelIdentity: 'test-kernel' });
        expect(await again.bpftraceList('tracepoint:syscalls:sys_enter_openat')).toEqual(listed);
        expect(again.runs).toBe(0);
        // A different kernel does not reuse it.
        const other = new ToolQueries({ cache, kernelIdentity: 'other-kernel' });
        expect(await other.bpftraceList('tracepoint:syscalls:sys_enter_openat')).toEqual(listed);
        expect(other.runs).toBe(1);
    });
    test('an empty listing is not cached', async () => {
        const cache = new CatalogueCache(tempDir());
        const q = new ToolQueries({ cache });
        expect(await q.bpftraceList('tracepoint:no_such_system:no_such_event')).toEqual([]);
        expect(queryFiles(cache)).toEqual([]);
    });
});

/**
 * A stand-in bpftrace whose answer the test sets: the real tools cannot be made to hang, fail, answer nothing
 * or change version on demand. It logs each listing run; `--version` prints the version written into it.
 */
function fakeTool(dir = tempDir(), version = '0.17.0'): { path: string; setMode: (m: 'ok' | 'fail' | 'empty' | 'hang') => void; runs: () => number; setVersion: (v: string) => void } {
    const path = join(dir, 'fake-bpftrace');
    const state = join(dir, 'mode');
    const log = join(dir, 'runs');
    const write = (v: string) => {
        writeFileSync(path, `#!/bin/sh
[ "$1" = --version ] && { echo "bpftrace v${v}"; exit 0; }
echo run >> '${log}'
case "$(cat '${state}')" in
ok) printf 'tracepoint:x:%s\n    int a\n' "$2" ;;
fail) echo 'ERROR: no' >&2; exit 1 ;;
empty) ;;
hang) printf 'tracepoint:x:%s\n' "$2"; sleep 30 ;;
esac
`);
        chmodSync(path, 0o755);
    };
    write(version);
    writeFileSync(state, 'ok');
    return {
        path,
        setMode: m => writeFileSync(state, m),
        runs: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0),
        setVersion: v => write(v),
    };
}

function queryFiles(cache: CatalogueCache): string[] {
    return existsSync(cache.dir) ? readdirSync(cache.dir).filter(n => n.startsWith('toolquery-')) : [];
}

describe('what is cached, and what is asked again', () => {
    /** A clock the test moves. */
    const clock = () => {
        let t = 1_000_000;
        return { now: () => t, advance: (ms: number) => { t += ms; } };
    };

    test('a run killed at the timeout is not cached, even with output; the next ask after the back-off gets the whole answer', async () => {
        const tool = fakeTool();
        const cache = new CatalogueCache(tempDir());
        const c = clock();
        const q = new ToolQueries({ bpftracePath: tool.path, cache, timeoutMs: 300, retryMs: 1000, clock: c.now });
        tool.setMode('hang');
        expect(await q.bpftraceList('p')).toBeUndefined();
        expect(queryFiles(cache)).toEqual([]);
        tool.setMode('ok');
        expect(await q.bpftraceList('p')).toBeUndefined();
        c.advance(1000);
        expect(await q.bpftraceList('p')).toEqual([{ probe: 'tracepoint:x:p', vars: [{ name: 'a', type: 'int' }] }]);
        expect(queryFiles(cache)).toHaveLength(1);
    });
    test('an empty answer is kept in memory until its back-off ends, never on disk', async () => {
        const tool = fakeTool();
        const cache = new CatalogueCache(tempDir());
        const c = clock();
        const q = new ToolQueries({ bpftracePath: tool.path, cache, retryMs: 1000, clock: c.now });
        tool.setMode('empty');
        expect(await q.bpftraceList('p')).toEqual([]);
        expect(await q.bpftraceList('p')).toEqual([]);
        expect(tool.runs()).toBe(1);
        expect(queryFiles(cache)).toEqual([]);
        tool.setMode('ok');
        c.advance(1000);
        expect(await q.bpftraceList('p')).toHaveLength(1);
        expect(tool.runs()).toBe(2);
    });
    test('failures are asked again after a back-off that doubles, up to its maximum; a success is kept', async () => {
        const tool = fakeTool();
        const c = clock();
        const q = new ToolQueries({ bpftracePath: tool.path, retryMs: 1000, maxRetryMs: 3000, clock: c.now });
        tool.setMode('fail');
        const ask = async (advance: number) => {
            c.advance(advance);
            await q.bpftraceList('p');
            return tool.runs();
        };
        expect(await ask(0)).toBe(1);
        expect(await ask(999)).toBe(1);
        expect(await ask(1)).toBe(2);
        expect(await ask(1999)).toBe(2);
        expect(await ask(1)).toBe(3);
        // 4 s would be next; the maximum is 3 s.
        expect(await ask(2999)).toBe(3);
        expect(await ask(1)).toBe(4);
        tool.setMode('ok');
        expect(await ask(3000)).toBe(5);
        expect(await ask(1_000_000)).toBe(5);
    });
    test('concurrent asks of one query share one run', async () => {
        const tool = fakeTool();
        const q = new ToolQueries({ bpftracePath: tool.path });
        const all = await Promise.all([q.bpftraceList('p'), q.bpftraceList('p'), q.bpftraceList('p')]);
        expect(all[0]).toHaveLength(1);
        expect(all[1]).toBe(all[0]);
        expect(tool.runs()).toBe(1);
    });
    test('the key holds the tool\'s path and version and the kernel', async () => {
        const dir = tempDir();
        const tool = fakeTool(dir);
        const cache = new CatalogueCache(tempDir());
        const ask = async (options: ToolQueryOptions) => {
            const before = tool.runs();
            await new ToolQueries({ bpftracePath: tool.path, cache, kernelIdentity: 'k1', ...options }).bpftraceList('p');
            return tool.runs() - before;
        };
        expect(await ask({})).toBe(1);
        expect(await ask({})).toBe(0);
        expect(await ask({ kernelIdentity: 'k2' })).toBe(1);
        tool.setVersion('0.18.10');
        expect(await ask({})).toBe(1);
        expect(await ask({})).toBe(0);
        // The same tool at another path is another tool (another installation).
        const copy = join(tempDir(), 'bpftrace');
        copyFileSync(tool.path, copy);
        chmodSync(copy, 0o755);
        expect(await ask({ bpftracePath: copy })).toBe(1);
        expect(queryFiles(cache)).toHaveLength(4);
    });
    test('a tool that does not say its version is asked every time (no key would follow an upgrade)', async () => {
        const dir = tempDir();
        const path = join(dir, 'no-version');
        writeFileSync(path, `#!/bin/sh\n[ "$1" = --version ] && exit 0\necho run >> '${join(dir, 'runs')}'\nprintf 'tracepoint:x:y\\n'\n`);
        chmodSync(path, 0o755);
        const cache = new CatalogueCache(tempDir());
        expect(await new ToolQueries({ bpftracePath: path, cache }).bpftraceList('p')).toHaveLength(1);
        expect(await new ToolQueries({ bpftracePath: path, cache }).bpftraceList('p')).toHaveLength(1);
        expect(readFileSync(join(dir, 'runs'), 'utf8').split('\n').filter(Boolean)).toHaveLength(2);
        expect(queryFiles(cache)).toEqual([]);
    });
});

describe('processes asking at the same time', () => {
    test('each keeps its answer in the shared cache', async () => {
        const dir = tempDir();
        const entry = join(dir, 'ask.ts');
        writeFileSync(entry, `import { CatalogueCache } from ${JSON.stringify(resolve(__dirname, '../../src/catalogue/catalogue-cache.ts'))};
import { ToolQueries } from ${JSON.stringify(resolve(__dirname, '../../src/catalogue/catalogue-tool-sources.ts'))};
const [cacheDir, tool, pattern] = process.argv.slice(2);
new ToolQueries({ cache: new CatalogueCache(cacheDir), bpftracePath: tool }).bpftraceList(pattern).then(l => console.log(l?.length ?? 0));
`);
        const bundle = join(dir, 'ask.cjs');
        await esbuild.build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', outfile: bundle, logLevel: 'error' });
        // The real bpftrace as root; the stand-in otherwise.
        const tool = process.getuid?.() === 0 && hasTool('bpftrace') ? 'bpftrace' : fakeTool().path;
        const patterns = ['openat', 'read', 'write', 'close', 'mmap', 'execve'].map(s => `tracepoint:syscalls:sys_enter_${s}`);
        const cacheDir = tempDir();
        const outs = await Promise.all(patterns.map(p => new Promise<string>(done => {
            execFile(process.execPath, [bundle, cacheDir, tool, p], (_e, stdout) => done(stdout.trim()));
        })));
        expect(outs).toEqual(patterns.map(() => '1'));
        const cache = new CatalogueCache(cacheDir);
        expect(queryFiles(cache)).toHaveLength(patterns.length);
        const q = new ToolQueries({ cache, bpftracePath: tool });
        for (const p of patterns) expect(await q.bpftraceList(p)).toHaveLength(1);
        expect(q.runs).toBe(0);
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
