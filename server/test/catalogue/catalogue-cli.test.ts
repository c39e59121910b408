/** `probekit index` and `probekit doctor` end to end: in-process, and bundled as a non-root user. */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { UsageError } from '../../src/cli/cli-args.js';
import { runDoctor } from '../../src/cli/cli-doctor.js';
import { runIndex } from '../../src/cli/cli-index.js';
import { hasTool, runTool, tempDir } from './catalogue-test-kit.js';

const root = process.getuid?.() === 0;

async function index(...argv: string[]): Promise<{ code: number; out: string }> {
    let out = '';
    const code = await runIndex(argv, s => { out += s; }, () => undefined);
    return { code, out };
}

describe('probekit index', () => {
    beforeAll(() => {
        process.env.PROBEKIT_CACHE_DIR = tempDir();
    });
    test('text: counts for every source, then a cache hit', async () => {
        const first = await index('--stats', '--alias', 'syscall.openat', '--function', 'vfs_read');
        expect(first.code).toBe(0);
        expect(first.out).toMatch(/^tapsets: \d+ files from .*\(cache: written\)$/m);
        expect(first.out).toMatch(/variables: .*\bfilename\b/);
        expect(first.out).toMatch(/ssize_t vfs_read\(struct file \* file, char \* buf, size_t count, loff_t \* pos\)/);
        expect(first.out).toMatch(/^btf: \d+ types, \d+ functions/m);
        expect(first.out).toMatch(/^kernel: \d+ kallsyms functions/m);
        expect(first.out).toMatch(/^stats: tapsets [\d.]+ ms/m);
        expect((await index('--only', 'tapsets')).out).toMatch(/\(cache: hit\)/);
    });
    test('json dump of the tapset index', async () => {
        const { code, out } = await index('--json', '--only', 'tapsets', '--no-cache');
        expect(code).toBe(0);
        const report = JSON.parse(out);
        expect(report.tapsets.fromCache).toBe(false);
        expect(report.tapsets.counts.files).toBeGreaterThan(400);
        expect(report.tapsets.files.length).toBe(report.tapsets.counts.files);
        expect(report.families).toEqual({ systemtap: expect.any(Number), bpftrace: expect.any(Number) });
    });
    test('a fixture BTF file and no installed tapsets', async () => {
        const { code, out } = await index('--no-installed', '--only', 'tapsets,btf', '--btf', '/nonexistent/vmlinux', '--json');
        expect(code).toBe(1);
        expect(JSON.parse(out).notices.map((n: { source: string }) => n.source)).toEqual(['tapsets', 'btf']);
    });
    test('--list: the probes bpftrace -l lists, with kernel functions and BTF functions by name', async () => {
        const { code, out } = await index('--only', 'kernel,btf', '--list', '--no-cache');
        expect(code).toBe(0);
        const listed = out.split('\n').filter(l => /^(tracepoint|kprobe|kfunc|iter):/.test(l));
        for (const probe of ['tracepoint:sched:sched_switch', 'kprobe:vfs_read', 'kfunc:vfs_read', 'iter:task']) expect(listed).toContain(probe);
        expect(listed.filter(l => l.startsWith('kprobe:__pfx_'))).toEqual([]);
        expect(new Set(listed).size).toBe(listed.length);
        if (root && hasTool('bpftrace')) {
            const theirs = runTool('bpftrace', ['-l']).split('\n').filter(l => /^(tracepoint|kprobe):/.test(l));
            // What bpftrace lists is listed; kprobe: adds the kallsyms names where available_filter_functions is refused.
            expect(theirs.filter(l => !listed.includes(l))).toEqual([]);
        }
    });
    test('--repeat: builds in this process, each from a fresh catalogue, and prints their times', async () => {
        const { code, out } = await index('--only', 'btf,tracefs', '--function', 'vfs_read', '--repeat', '3');
        expect(code).toBe(0);
        expect(out).toMatch(/^builds: 3 in-process \(btf,tracefs\), median [\d.]+ ms, fastest [\d.]+ ms$/m);
        expect((await index('--only', 'kernel,btf', '--list', '--repeat', '2')).out).toMatch(/^builds: 2 in-process \(kernel,btf\), median/m);
    });
    test.each([
        [['--only', 'bogus'], /unknown source 'bogus'/],
        [['extra'], /unexpected argument/],
        [['--btf'], /needs a value/],
        [['--repeat', 'many'], /--repeat: a whole number/],
    ])('usage error %j', async (argv, message) => {
        await expect(index(...argv)).rejects.toThrow(UsageError);
        await expect(index(...argv)).rejects.toThrow(message);
    });
});

describe('probekit doctor', () => {
    test('json findings', async () => {
        let out = '';
        expect(await runDoctor(['--json'], s => { out += s; }, () => undefined)).toBe(0);
        const { findings } = JSON.parse(out);
        expect(findings.find((f: { what: string }) => f.what === 'BTF').status).toBe('ok');
    });
});

/** The whole CLI bundled into one file that any user can run. */
async function bundleCli(): Promise<string> {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const cli = join(dir, 'cli.cjs');
    await esbuild.build({
        entryPoints: [resolve(__dirname, '../../src/cli/cli-main.ts')], outfile: cli, bundle: true, format: 'cjs', platform: 'node',
        target: 'node20', external: ['vscode'], logLevel: 'error',
        define: { 'import.meta.url': 'importMetaUrl' }, banner: { js: "const importMetaUrl = require('url').pathToFileURL(__filename).href;" },
    });
    chmodSync(cli, 0o755);
    return cli;
}

describe.runIf(root && hasTool('setpriv'))('as a non-root user', () => {
    let cli: string;
    let cacheDir: string;
    beforeAll(async () => {
        cli = await bundleCli();
        cacheDir = tempDir();
        chmodSync(cacheDir, 0o777);
    });
    const asNobody = (...argv: string[]) => spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, cli, ...argv],
        { encoding: 'utf8', env: { ...process.env, PROBEKIT_CACHE_DIR: cacheDir, HOME: '/nonexistent' }, timeout: 60_000 });

    test('BTF works without root; tracefs is refused and said once', () => {
        const r = asNobody('index', '--only', 'btf,kernel', '--function', 'vfs_read', '--no-cache');
        expect(r.stdout).toMatch(/ssize_t vfs_read\(struct file \* file, char \* buf, size_t count, loff_t \* pos\)/);
        expect(r.stdout).toMatch(/unreadable tracepoints/);
        expect(r.stdout.match(/available_events is not readable/g)).toHaveLength(1);
        // The cache folder is named: sudo would not pass PROBEKIT_CACHE_DIR on.
        expect(r.stdout).toContain(`fix: sudo env PROBEKIT_CACHE_DIR=${cacheDir} probekit index`);
    });
    test('without tracefs or a cache, tracepoint fields come from BTF', () => {
        const r = asNobody('index', '--only', 'kernel', '--no-cache', '--tracepoint', 'sched:sched_wakeup', '--tracepoint', 'syscalls:sys_exit_openat');
        expect(r.stdout).toContain('tracepoint:sched:sched_wakeup (from BTF)\n    char[16] comm\n    pid_t pid\n    int prio\n    int target_cpu\n');
        expect(r.stdout).toContain('tracepoint:syscalls:sys_exit_openat (from BTF)\n    int __syscall_nr\n    long ret\n');
    });
    test('after a root index, tracepoints and their fields come from the cache', async () => {
        const env = process.env.PROBEKIT_CACHE_DIR;
        process.env.PROBEKIT_CACHE_DIR = cacheDir;
        try {
            expect((await index('--only', 'kernel')).out).toMatch(/cached \d+ tracepoint formats/);
        } finally {
            process.env.PROBEKIT_CACHE_DIR = env;
        }
        spawnSync('chmod', ['-R', 'a+rX', cacheDir]);
        const r = asNobody('index', '--only', 'kernel', '--tracepoint', 'syscalls:sys_enter_openat');
        expect(r.stdout).toMatch(/^kernel: \d+ kallsyms functions, unreadable traceable functions, \d{4,} tracepoints$/m);
        expect(r.stdout).toMatch(/const char \* filename/);
        expect(r.stdout).toMatch(/using what root cached/);
    });
});

// `sudo probekit index`, what doctor and the notices suggest, run for real by a user allowed to sudo node: the
// cache must land where that user's own processes read it, and belong to them. The test makes the user (with a
// home of its own) and a sudoers file, and removes them afterwards.
const SUDO_USER = 'probekit-cache-user';
const SUDOERS = '/etc/sudoers.d/probekit-cache-test';
describe.runIf(root && hasTool('sudo') && hasTool('runuser') && hasTool('useradd'))('sudo probekit index', () => {
    let cli: string;
    let home: string;
    const asUser = (argv: string[], viaSudo: boolean) => spawnSync('/usr/sbin/runuser',
        ['-u', SUDO_USER, '--', ...(viaSudo ? ['sudo', '-n'] : []), process.execPath, cli, ...argv],
        { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: home, USER: SUDO_USER }, timeout: 120_000 });
    beforeAll(async () => {
        cli = await bundleCli();
        const base = tempDir();
        chmodSync(base, 0o755);
        home = join(base, 'home');
        try { execFileSync('userdel', [SUDO_USER], { stdio: 'ignore' }); } catch { /* not there */ }
        execFileSync('useradd', ['-m', '-d', home, '-s', '/bin/sh', SUDO_USER]);
        writeFileSync(SUDOERS, `${SUDO_USER} ALL=(root) NOPASSWD: ${process.execPath}\n`, { mode: 0o440 });
    });
    afterAll(() => {
        rmSync(SUDOERS, { force: true });
        try { execFileSync('userdel', [SUDO_USER], { stdio: 'ignore' }); } catch { /* already gone */ }
        rmSync(home, { recursive: true, force: true });
    });

    test('caches in the invoking user\'s folder, owned by them; their own runs then read it', () => {
        const sudo = asUser(['index', '--only', 'kernel'], true);
        const cacheDir = join(home, '.cache', 'probekit');
        expect(sudo.stdout).toContain(`tracepoint formats for this kernel`);
        expect(sudo.stdout).toContain(`in ${cacheDir}`);
        const uid = Number(execFileSync('id', ['-u', SUDO_USER], { encoding: 'utf8' }));
        for (const path of [join(home, '.cache'), cacheDir, ...readdirSync(cacheDir).map(n => join(cacheDir, n))]) {
            expect(statSync(path).uid, path).toBe(uid);
        }
        const own = asUser(['index', '--only', 'kernel', '--tracepoint', 'syscalls:sys_enter_openat'], false);
        expect(own.stdout).toMatch(/^kernel: \d+ kallsyms functions, unreadable traceable functions, \d{4,} tracepoints$/m);
        expect(own.stdout).toMatch(/const char \* filename/);
        expect(own.stdout).toMatch(/using what root cached/);
    });
    test('a user with a cache folder of their own is told to name it to sudo', () => {
        const r = spawnSync('/usr/sbin/runuser', ['-u', SUDO_USER, '--', process.execPath, cli, 'doctor', '--json'],
            { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: home, USER: SUDO_USER, XDG_CACHE_HOME: join(home, 'xdg') }, timeout: 60_000 });
        const tracefs = JSON.parse(r.stdout).findings.find((f: { what: string }) => f.what === 'tracefs');
        expect(tracefs.fix).toContain(`sudo env PROBEKIT_CACHE_DIR=${join(home, 'xdg', 'probekit')} probekit index`);
    });
});
