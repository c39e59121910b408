/** `probekit index` and `probekit doctor` end to end: in-process, and bundled as a non-root user. */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { UsageError } from '../../src/cli/cli-args.js';
import { runDoctor } from '../../src/cli/cli-doctor.js';
import { runIndex } from '../../src/cli/cli-index.js';
import { Btf } from '../../src/catalogue/catalogue-btf.js';
import { readKernelConfig } from '../../src/providers/node-host-facts.js';
import { BtfBuilder, K } from './catalogue-btf-builder.js';
import { hasTool, runTool, shippedCli, tempDir, tree } from './catalogue-test-kit.js';

const root = process.getuid?.() === 0;
/** Whether this machine's kernel has kprobes (kprobe: names are listed only then). */
const kprobes = readKernelConfig()?.get('CONFIG_KPROBES') === 'y';

async function index(...argv: string[]): Promise<{ code: number; out: string }> {
    let out = '';
    const code = await runIndex(argv, s => { out += typeof s === 'string' ? s : Buffer.from(s).toString('latin1'); }, () => undefined);
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
    test('a missing BTF file and no installed tapsets: a notice for each, exit 1', async () => {
        const { code, out } = await index('--no-installed', '--only', 'tapsets,btf', '--btf', '/nonexistent/vmlinux', '--json');
        expect(code).toBe(1);
        expect(JSON.parse(out).notices.map((n: { source: string }) => n.source)).toEqual(['tapsets', 'btf']);
    });
    test('--list: the probes bpftrace -l lists, with kernel functions (where the kernel has kprobes) and BTF functions by name', async () => {
        const { code, out } = await index('--only', 'kernel,btf', '--list', '--no-cache');
        expect(code).toBe(0);
        const listed = out.split('\n').filter(l => /^(tracepoint|kprobe|kfunc|iter):/.test(l));
        for (const probe of ['tracepoint:sched:sched_switch', 'kfunc:vfs_read', 'iter:task']) expect(listed).toContain(probe);
        if (kprobes) expect(listed).toContain('kprobe:vfs_read');
        else {
            expect(listed.filter(l => l.startsWith('kprobe:'))).toEqual([]);
            expect(out).toMatch(/^note: this kernel is built without kprobes \(CONFIG_KPROBES is not set\)/m);
        }
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

/** The shipped CLI (out/cli.cjs and the command bundles it loads) copied where any user can run it. */
async function bundleCli(): Promise<string> {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const out = dirname(shippedCli());
    for (const name of readdirSync(out).filter(n => /^cli(-\w+)?\.cjs$/.test(n))) {
        copyFileSync(join(out, name), join(dir, name));
        chmodSync(join(dir, name), 0o755);
    }
    return join(dir, 'cli.cjs');
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


/** A vmlinux BTF blob and a module's split BTF beside it, in the kernel's format. */
function btfFixture(): string {
    const dir = tempDir();
    const b = new BtfBuilder();
    const int = b.int('int', 4);
    const char = b.int('char', 1);
    const file = b.ptr(b.add(K.FWD, 'file', 0, 0));
    const task = b.ptr(b.add(K.FWD, 'task_struct', 0, 0));
    b.func('vfs_read', b.proto(int, [['file', file], ['buf', b.ptr(char)]]));
    b.struct('bpf_iter__task', 16, [['meta', b.ptr(char), 0], ['task', task, 64]]);
    b.struct('trace_entry', 8, [['type', int, 0]]);
    const vmlinux = b.build();
    writeFileSync(join(dir, 'vmlinux'), vmlinux);
    const m = new BtfBuilder({ types: new Btf(vmlinux).count, strLen: vmlinux.readUInt32LE(20) });
    m.func('mod_open', m.proto(int, [['f', file], ['flags', int]]));
    writeFileSync(join(dir, 'mymod'), m.build());
    return dir;
}

describe('the shipped CLI: node out/cli.cjs index', () => {
    let cli: string;
    beforeAll(() => {
        cli = shippedCli();
    }, 300_000);
    const run = (...argv: string[]) => {
        const r = spawnSync(process.execPath, [cli, 'index', ...argv], { encoding: 'utf8', env: { ...process.env, PROBEKIT_CACHE_DIR: tempDir() }, timeout: 120_000 });
        return { code: r.status, out: r.stdout, err: r.stderr };
    };
    const TAPSETS = {
        'base.stp': 'probe base.point = begin { pid_v = 1; name = "base" }\nprobe base.point += begin { after = 2 }\n',
        'mid.stp': 'probe mid.one = base.point { one = 1 }\nprobe mid.two = base.point { two = 2 }\n',
        'top.stp': 'probe top.all = mid.* { top = 3 }\n',
        'lib.stp': 'global counter\nfunction twice:long (x:long) { return 2 * x }\n',
        'linux/lib.stpm': '@define LIB_CONST %( 7 %)\n',
    };

    test('a tapset tree (--tapset-dir, --no-installed): --json has every alias with its context variables resolved through the chain', () => {
        const dir = tree(TAPSETS);
        const { code, out } = run('--no-installed', '--tapset-dir', dir, '--only', 'tapsets', '--json');
        expect(code).toBe(0);
        const { tapsets } = JSON.parse(out);
        expect(tapsets.roots).toEqual([dir]);
        expect(tapsets.counts).toMatchObject({ files: 5, aliasNames: 4, aliases: 5, functionNames: 1, globals: 1, macros: 1 });
        expect(Object.keys(tapsets.aliases)).toEqual(['base.point', 'mid.one', 'mid.two', 'top.all']);
        expect(tapsets.aliases['top.all']).toEqual({
            definitions: [{ op: '=', targets: ['mid.*'], file: join(dir, 'top.stp'), line: 1 }],
            variables: [
                { name: 'top', from: 'top.all' }, { name: 'one', from: 'mid.one' }, { name: 'pid_v', from: 'base.point' },
                { name: 'name', from: 'base.point' }, { name: 'after', from: 'base.point', epilogue: true }, { name: 'two', from: 'mid.two' },
            ],
        });
        expect(tapsets.aliases['base.point'].definitions.map((d: { op: string; line: number }) => `${d.op}${d.line}`)).toEqual(['=1', '+=2']);
        expect(tapsets.files.map((f: { file: string }) => f.file.slice(dir.length + 1))).toEqual(['linux/lib.stpm', 'base.stp', 'lib.stp', 'mid.stp', 'top.stp']);
    });
    test('--alias: only the aliases asked for, in text and in --json', () => {
        const dir = tree(TAPSETS);
        const text = run('--no-installed', '--tapset-dir', dir, '--only', 'tapsets', '--alias', 'mid.two', '--alias', 'no.such');
        expect(text.out).toContain(`  probe mid.two = base.point  [${join(dir, 'mid.stp')}:2]\n    variables: two pid_v name after\n  probe no.such: no such alias\n`);
        const { tapsets } = JSON.parse(run('--no-installed', '--tapset-dir', dir, '--only', 'tapsets', '--alias', 'mid.two', '--alias', 'no.such', '--json').out);
        expect(Object.keys(tapsets.aliases)).toEqual(['mid.two', 'no.such']);
        expect(tapsets.aliases['no.such']).toBeNull();
        expect(tapsets.aliases['mid.two'].variables.map((v: { name: string }) => v.name)).toEqual(['two', 'pid_v', 'name', 'after']);
    });
    test('a BTF blob (--btf) with a module beside it (--btf-modules)', () => {
        const dir = btfFixture();
        const json = run('--only', 'btf', '--btf', join(dir, 'vmlinux'), '--btf-modules', '--function', 'vfs_read', '--function', 'mod_open', '--json');
        expect(json.code).toBe(0);
        const report = JSON.parse(json.out);
        expect(report.notices).toEqual([]);
        expect(report.btf).toEqual({
            types: 12, functions: 2, iterators: ['task'],
            'fentry:vfs_read': { name: 'vfs_read', module: 'vmlinux', returnType: 'int', params: [{ name: 'file', type: 'struct file *' }, { name: 'buf', type: 'char *' }] },
            'fentry:mod_open': { name: 'mod_open', module: 'mymod', returnType: 'int', params: [{ name: 'f', type: 'struct file *' }, { name: 'flags', type: 'int' }] },
        });
        const text = run('--only', 'btf', '--btf', join(dir, 'vmlinux'), '--function', 'vfs_read', '--function', 'mod_open', '--list');
        expect(text.out).toBe('kfunc:vfs_read\niter:task\nbtf: 12 types, 1 functions, 1 iterators\n  int vfs_read(struct file * file, char * buf)  [vmlinux]\n  mod_open: no BTF prototype\n');
    });
    test('a file that is not BTF: a notice with the reason, exit 1', () => {
        const bad = join(tempDir(), 'vmlinux');
        writeFileSync(bad, 'not BTF, but long enough for a header');
        const { code, out } = run('--only', 'btf', '--btf', bad);
        expect(code).toBe(1);
        expect(out).toContain(`note: ${bad}: bad BTF magic`);
    });
});
