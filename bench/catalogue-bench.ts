/**
 * Catalogue benchmarks, each beside the real tool in the same run:
 * - the tapset library ready (aliases with context variables, functions, globals, macros, docs) from a cold
 *   process and from the warm cache, against `stap -p1 -e 'probe never {}'` (with a kernel-tree stub);
 * - the bpftrace-relevant catalogue (providers, tracepoints, kernel functions, fentry argument types of one
 *   function) against `bpftrace -l` as root, and the BTF-only part as a non-root user.
 * Wall times are medians of interleaved runs (the machine is shared, so runs alternate tool and Probekit).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchRow } from './bench-row.js';
import { bundleEntry, kernelStub, median, repoRoot } from './bench-util.js';
import { CatalogueCache } from '../server/src/catalogue/catalogue-cache.js';
import { readKernelConfig, stapArchOf } from '../server/src/providers/node-host-facts.js';
import { INSTALLED_TAPSET_DIR, loadTapsetIndex } from '../server/src/catalogue/catalogue-tapset-reader.js';
import { arch as nodeArch } from 'node:os';
import { launcherEnv } from '../server/src/cli/cli-launch-env.js';

const REPS = 7;

/** Bundles `probekit index` alone: the catalogue's own start-up cost, without the rest of the CLI. */
async function bundleIndexCli(outDir: string): Promise<string> {
    const outfile = await bundleEntry(join(outDir, 'catalogue-index.cjs'), "import { runIndex } from './server/src/cli/cli-index.ts';\n" +
        "const argv = process.argv.slice(2); if (argv[0] === 'index') argv.shift();\n" +
        'runIndex(argv, s => process.stdout.write(s), s => process.stderr.write(s)).then(c => { process.exitCode = c; });\n');
    chmodSync(outDir, 0o755);
    chmodSync(outfile, 0o755);
    return outfile;
}

interface Run {
    seconds: number;
    maxRssMb: number;
    stdout: string;
    ok: boolean;
}

/** Runs a command under /usr/bin/time for wall time and peak RSS. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Run {
    const r = spawnSync('/usr/bin/time', ['-f', '@@time %e %M', cmd, ...args], { encoding: 'utf8', env, maxBuffer: 512 << 20, timeout: 120_000 });
    const m = /@@time ([\d.]+) (\d+)/.exec(r.stderr ?? '');
    return { seconds: m ? Number(m[1]) : NaN, maxRssMb: m ? Number(m[2]) / 1024 : NaN, stdout: r.stdout ?? '', ok: r.status === 0 };
}

interface Timing {
    /** Wall seconds (high resolution). */
    wall: number;
    /** User + system CPU seconds (10 ms resolution): steadier than wall time on a shared machine. */
    cpu: number;
}

/**
 * Wall and CPU time of a command, its output read through a pipe as a pipeline's next command would (and kept as bytes:
 * decoding it here would add this process's time to the command's, 1.6 MB for probekit's list).
 */
function wall(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Timing {
    const t = process.hrtime.bigint();
    const r = spawnSync('/usr/bin/time', ['-f', '@@cpu %U %S', cmd, ...args], { env, timeout: 120_000, maxBuffer: 512 << 20 });
    const elapsed = Number(process.hrtime.bigint() - t) / 1e9;
    const m = /@@cpu ([\d.]+) ([\d.]+)/.exec(r.stderr?.toString('latin1') ?? '');
    return { wall: elapsed, cpu: m ? Number(m[1]) + Number(m[2]) : NaN };
}

interface Pair {
    ours: number;
    theirs: number;
    oursCpu: number;
    theirsCpu: number;
}

/**
 * Side-by-side rounds of each comparison. stap's own median of 7 moved between 321 and 504 ms from one run of the bench
 * to the next here, the ratio with it: more rounds narrow what one run says of the ratio.
 */
const SIDE_BY_SIDE = 15;

/** Alternates the two commands SIDE_BY_SIDE times, each first in every other round (ABBA); medians of each. */
function sideBySide(ours: () => Timing, theirs: () => Timing): Pair {
    const a: Timing[] = [];
    const b: Timing[] = [];
    ours();
    theirs();
    for (let i = 0; i < SIDE_BY_SIDE; i++) {
        if (i % 2 === 0) {
            a.push(ours());
            b.push(theirs());
        } else {
            b.push(theirs());
            a.push(ours());
        }
    }
    return { ours: median(a.map(x => x.wall)), theirs: median(b.map(x => x.wall)), oursCpu: median(a.map(x => x.cpu)), theirsCpu: median(b.map(x => x.cpu)) };
}

function cpuNote(p: Pair): string {
    return `CPU ${p.oursCpu.toFixed(2)} s vs ${p.theirsCpu.toFixed(2)} s (${(p.oursCpu / p.theirsCpu).toFixed(2)}×); medians of ${SIDE_BY_SIDE} rounds, each side first in turn`;
}

/** Runs once and checks the output, so a broken command is reported instead of timed. */
function check(cmd: string, args: string[], env: NodeJS.ProcessEnv, expect: RegExp): void {
    const r = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 512 << 20, timeout: 120_000 });
    if (!expect.test(`${r.stdout}${r.stderr}`)) throw new Error(`${cmd} ${args.join(' ')}: output does not match ${expect}: ${(r.stdout + r.stderr).slice(0, 300)}`);
}

const IN_PROCESS_BUILDS = 9;

/**
 * Where a cold `probekit index --only tapsets` spends its time: a bare node start, the index bundle loaded
 * (`--help`), and the build itself as the process measures it (`--stats`); medians of REPS runs.
 */
function coldParts(probekit: Command, env: NodeJS.ProcessEnv, start: number): string {
    const loaded = median(Array.from({ length: REPS }, () => wall(probekit.cmd, [...probekit.pre, 'index', '--help'], env).wall));
    const builds = Array.from({ length: REPS }, () => {
        const r = spawnSync(probekit.cmd, [...probekit.pre, 'index', '--only', 'tapsets', '--no-cache', '--stats'], { encoding: 'utf8', env, timeout: 120_000 });
        return Number(/stats: tapsets ([\d.]+) ms/.exec(r.stdout ?? '')?.[1] ?? NaN) / 1000;
    });
    return `node start ${start.toFixed(3)} s, index bundle loaded ${loaded.toFixed(3)} s, the build itself ${median(builds).toFixed(3)} s`;
}

/** How `probekit` is run: a command and the arguments before the command's own. */
interface Command {
    cmd: string;
    pre: string[];
}

/** Seconds: the median of `probekit index --repeat` builds (the command given without `--repeat`). */
function inProcessBuild(cmd: string, args: string[], env: NodeJS.ProcessEnv): number {
    const r = spawnSync(cmd, [...args, '--repeat', String(IN_PROCESS_BUILDS)], { encoding: 'utf8', env, timeout: 120_000 });
    const m = /median ([\d.]+) ms/.exec(r.stdout ?? '');
    if (!m) throw new Error(`${cmd} ${args.join(' ')} --repeat: ${(r.stdout + r.stderr).slice(0, 300)}`);
    return Number(m[1]) / 1000;
}

function has(tool: string): boolean {
    return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

export async function run(): Promise<BenchRow[]> {
    const rows: BenchRow[] = [];
    const root = repoRoot();
    const outDir = join(root, 'out', 'bench');
    mkdirSync(outDir, { recursive: true });
    // The shipped CLI as users run it (out/probekit, the package's bin: a shell launcher for out/cli.cjs, which
    // dispatches `index` to out/cli-index.cjs) when it has been built; else the same command bundled here, run by
    // node with the launcher's environment.
    const launcher = join(root, 'out', 'probekit');
    const shipped = existsSync(launcher) && existsSync(join(root, 'out', 'cli.cjs')) && existsSync(join(root, 'out', 'cli-index.cjs'));
    const node = process.execPath;
    const probekit: Command = shipped ? { cmd: launcher, pre: [] } : { cmd: node, pre: [await bundleIndexCli(outDir)] };
    const pk = (...args: string[]): [string, string[]] => [probekit.cmd, [...probekit.pre, ...args]];
    // A bare node start as the launcher starts node, the floor under every fresh-process figure: measured once,
    // quoted in several notes.
    const nodeStart = median(Array.from({ length: REPS }, () => wall(node, ['-e', '0'], launcherEnv()).wall));
    const temps: string[] = [];
    const tempDir = (dir: string): string => {
        temps.push(dir);
        return dir;
    };
    try {
        const cacheDir = tempDir(mkdtempSync(join(tmpdir(), 'probekit-bench-cache-')));
        chmodSync(cacheDir, 0o777);
        // This node for the launcher too; and its environment when the command runs without it.
        const env = { ...launcherEnv(), PROBEKIT_CACHE_DIR: cacheDir, PROBEKIT_NODE: node };

        if (has('stap')) {
            const stub = tempDir(kernelStub('probekit-bench-kstub-'));
            const stapArgs = ['-r', stub, '-p1', '-e', 'probe never {}'];
            const stap = (): Timing => wall('stap', stapArgs);
            check(...pk('index', '--only', 'tapsets', '--no-cache', '--alias', 'syscall.openat'), env, /tapsets: 484 files[\s\S]*variables: .*filename/);
            check('stap', ['-v', ...stapArgs], env, /Pass 1: parsed user script and \d+ library scripts/);
            const cold = sideBySide(() => wall(...pk('index', '--only', 'tapsets', '--no-cache'), env), stap);
            rows.push({ name: `tapset library ready, cold process (${shipped ? 'probekit index, as shipped' : 'probekit index bundled alone'})`, probekit: cold.ours, reference: cold.theirs, unit: 's', target: '≤ 1.0×',
                note: `484 files: aliases + context vars, functions, globals, macros, kerneldoc; vs stap -p1 -e "probe never {}"; ${cpuNote(cold)}; ${coldParts(probekit, env, nodeStart)}` });
            // Prime the cache, then time fresh processes that read it.
            spawnSync(...pk('index', '--only', 'tapsets'), { env, stdio: 'ignore' });
            const warm = sideBySide(() => wall(...pk('index', '--only', 'tapsets'), env), stap);
            rows.push({ name: 'tapset library ready, warm cache, fresh process', probekit: warm.ours, reference: warm.theirs, unit: 's', target: '≤ 0.2×',
                note: `484 files stat'ed, the name table read and parsed (names, counts, where each declaration and doc is); a file's declarations are read when a query first needs them (the in-process row times one); a bare node start alone takes ${nodeStart.toFixed(3)} s here (${(nodeStart / warm.theirs).toFixed(2)}× stap); ${cpuNote(warm)}` });
            // In-process: what the language server pays at start-up when the cache is warm.
            const target = { kernelRelease: release(), arch: stapArchOf(nodeArch()), runtime: 'kernel', stapVersion: '4.8', kernelConfig: readKernelConfig(release()) };
            const cache = new CatalogueCache(tempDir(mkdtempSync(join(tmpdir(), 'probekit-bench-cache-'))));
            loadTapsetIndex({ roots: [INSTALLED_TAPSET_DIR], target, cache });
            const inProc: number[] = [];
            for (let i = 0; i < REPS; i++) {
                const t = process.hrtime.bigint();
                const r = loadTapsetIndex({ roots: [INSTALLED_TAPSET_DIR], target, cache });
                r.index.contextVariables('syscall.openat');
                inProc.push(Number(process.hrtime.bigint() - t) / 1e9);
            }
            rows.push({ name: 'tapset library ready, warm cache, in-process', probekit: median(inProc), reference: warm.theirs, unit: 's', target: '≤ 0.2×',
                note: 'stat 484 files + read and parse the cached name table + first context-variable query (the records it needs read and decoded)' });
            // A rebuild in the running server (tapsets changed): warm JIT, no cache.
            const rebuild = inProcessBuild(...pk('index', '--only', 'tapsets', '--no-cache'), env);
            rows.push({ name: 'tapset library, in-process rebuild without cache', probekit: rebuild, reference: cold.theirs, unit: 's',
                note: `median of ${IN_PROCESS_BUILDS} builds in one process, fresh catalogue each (stap --version included), no disk cache` });
            const rss = timed(...pk('index', '--only', 'tapsets', '--no-cache'), env);
            const stapRss = timed('stap', stapArgs);
            rows.push({ name: 'tapset index peak RSS, cold', probekit: rss.maxRssMb, reference: stapRss.maxRssMb, unit: 'MB', target: '≤ 150 MB' });
        } else {
            rows.push({ name: 'tapset library ready', probekit: NaN, unit: 's', note: 'stap not installed: no reference' });
        }

        if (has('bpftrace') && process.getuid?.() === 0) {
            // What bpftrace -l lists, from the same sources: probe providers (a static table), tracepoints from tracefs,
            // kprobe: functions (traceable functions, else kallsyms's names, as root is refused available_filter_functions on
            // some machines; none where the kernel has no kprobes), kfunc: functions and iterators from BTF, plus one
            // prototype. --list prints every name, as bpftrace -l prints its list.
            const ours = ['index', '--only', 'tracefs,btf', '--list', '--function', 'vfs_read', '--no-cache'];
            const kprobes = readKernelConfig(release())?.get('CONFIG_KPROBES') === 'y';
            check(...pk(...ours), env, new RegExp(`^(?=[\\s\\S]*^tracepoint:sched:sched_switch$)${kprobes ? '(?=[\\s\\S]*^kprobe:vfs_read$)' : ''}(?=[\\s\\S]*^kfunc:vfs_read$)`
                + '[\\s\\S]*vfs_read\\(struct file \\* file[\\s\\S]*kernel: \\S+ traceable functions, \\d+ tracepoints', 'm'));
            const listed = spawnSync(...pk(...ours), { encoding: 'utf8', env, maxBuffer: 512 << 20 }).stdout.split('\n');
            const count = (kind: string): number => listed.filter(l => l.startsWith(`${kind}:`)).length;
            const theirs = spawnSync('bpftrace', ['-l'], { encoding: 'utf8', maxBuffer: 512 << 20 }).stdout.split('\n').filter(Boolean).length;
            const bt = sideBySide(() => wall(...pk(...ours), env), () => wall('bpftrace', ['-l']));
            rows.push({ name: 'bpftrace catalogue (root), fresh process: tracepoints, kernel functions, BTF functions (all listed by name), fentry args of vfs_read', probekit: bt.ours, reference: bt.theirs, unit: 's', target: '≤ 1.0×',
                note: `lists ${count('tracepoint')} tracepoints, ${count('kprobe')} kprobe${kprobes ? '' : ' (the kernel has no kprobes)'} and ${count('kfunc')} kfunc functions, ${count('iter')} iterators; bpftrace -l lists ${theirs} probes here; a bare node start alone takes ${nodeStart.toFixed(3)} s; ${cpuNote(bt)}` });
            // The same in a fresh process after the first on this kernel: vmlinux BTF opened through the type table the
            // first run kept (catalogue-btf-table.ts), reading only the pages the prototype needs, and the kernel's kprobes
            // answer kept under its build id; tracefs read as always. --no-tracefs-cache: as root, probekit index also
            // copies every tracepoint's format into the cache for non-root sessions, a job of its own that the cold row
            // above skips too (--no-cache).
            const warmArgs = [...ours.filter(a => a !== '--no-cache'), '--no-tracefs-cache'];
            const warmList = spawnSync(...pk(...warmArgs), { encoding: 'utf8', env, maxBuffer: 512 << 20 }).stdout.split('\n');
            const sameList = spawnSync(...pk(...warmArgs), { encoding: 'utf8', env, maxBuffer: 512 << 20 }).stdout.split('\n').join('\n') === warmList.join('\n')
                && warmList.filter(l => /^\w+:/.test(l)).join('\n') === listed.filter(l => /^\w+:/.test(l)).join('\n');
            const btWarm = sideBySide(() => wall(...pk(...warmArgs), env), () => wall('bpftrace', ['-l']));
            rows.push({ name: 'bpftrace catalogue (root), fresh process, warm cache: the same list and prototype, BTF through its kept type table', probekit: btWarm.ours, reference: btWarm.theirs, unit: 's', target: '≤ 1.0×',
                note: `${sameList ? 'the same lines as the cold row prints' : 'NOT the same lines as the cold row prints'}; the cache written by the first run: BTF's type table and function lines (keyed by the file and the kernel's build id), the kprobes answer; BTF pages read for the prototype only; a bare node start alone takes ${nodeStart.toFixed(3)} s; ${cpuNote(btWarm)}` });
            // The least any node program pays for the same names here: node alone reading BTF and available_events and
            // printing the function and tracepoint names (bench/btf-listing-floor.cjs, no product code), beside bpftrace.
            const floorScript = join(root, 'bench', 'btf-listing-floor.cjs');
            const floorArgs = [floorScript];
            const floorLines = spawnSync(node, floorArgs, { encoding: 'utf8', env: launcherEnv(), maxBuffer: 512 << 20 }).stdout.split('\n').filter(Boolean).length;
            const floor = sideBySide(() => wall(node, floorArgs, launcherEnv()), () => wall('bpftrace', ['-l']));
            rows.push({ name: 'bpftrace catalogue floor: node alone reading BTF and available_events and printing the names (no product code)', probekit: floor.ours, reference: floor.theirs, unit: 's',
                note: `bench/btf-listing-floor.cjs: ${floorLines} lines, no kprobe names, no prototype, no checks: what any node program pays here before the rest; the fresh-process row above is ${(bt.ours / floor.ours).toFixed(2)}× it; ${cpuNote(floor)}` });
            // The catalogue lives in the running language server: the build itself, in a process that is already up.
            const inProc = inProcessBuild(...pk(...ours), env);
            rows.push({ name: 'bpftrace catalogue (root), in-process build', probekit: inProc, reference: bt.theirs, unit: 's', target: '≤ 1.0×',
                note: `median of ${IN_PROCESS_BUILDS} builds in one process, each from a fresh catalogue without the disk cache (probekit index --repeat): the same names decoded, not printed` });
            // The language server's case after its first start on this boot: what the disk cache holds (kallsyms names where
            // kprobe names come from them), BTF and tracefs read as always.
            const warm = inProcessBuild(...pk(...ours.filter(a => a !== '--no-cache')), env);
            rows.push({ name: 'bpftrace catalogue (root), in-process build, warm cache', probekit: warm, reference: bt.theirs, unit: 's', target: '≤ 1.0×',
                note: `median of ${IN_PROCESS_BUILDS} builds in one process, each from a fresh catalogue through the disk cache (kallsyms names, when kprobe names come from them, keyed by kernel, boot id and loaded modules); BTF and tracefs read each time` });
            if (has('setpriv')) {
                const nobody = ['--reuid=65534', '--regid=65534', '--clear-groups', probekit.cmd, ...probekit.pre, 'index', '--only', 'btf', '--function', 'vfs_read', '--no-cache'];
                // A cache folder of the user's own, as a user's home has: there probekit keeps V8's code cache of its
                // bundles (code-cache.ts), which it reads only from a folder and files its user owns. (--no-cache: no
                // catalogue cache.) Root's folder above is not one.
                const ownCache = tempDir(mkdtempSync(join(tmpdir(), 'probekit-bench-cache-')));
                chownSync(ownCache, 65534, 65534);
                const nobodyEnv = { ...env, PROBEKIT_CACHE_DIR: ownCache };
                check('setpriv', nobody, nobodyEnv, /vfs_read\(struct file \* file/);
                const np = sideBySide(() => wall('setpriv', nobody, nobodyEnv), () => wall('bpftrace', ['-l']));
                rows.push({ name: 'BTF catalogue as non-root, fresh process: functions, iterators, fentry args of vfs_read', probekit: np.ours, reference: np.theirs, unit: 's', target: '≤ 1.0×',
                    note: `bpftrace refuses to run as non-root; reference is bpftrace -l as root; ${cpuNote(np)}` });
                // The same user's next fresh process: BTF through the type table the run above kept in its own cache.
                const nobodyWarm = nobody.filter(a => a !== '--no-cache');
                spawnSync('setpriv', nobodyWarm, { env: nobodyEnv, stdio: 'ignore' });
                check('setpriv', nobodyWarm, nobodyEnv, /vfs_read\(struct file \* file/);
                const npWarm = sideBySide(() => wall('setpriv', nobodyWarm, nobodyEnv), () => wall('bpftrace', ['-l']));
                rows.push({ name: 'BTF catalogue as non-root, fresh process, warm cache: BTF through its kept type table', probekit: npWarm.ours, reference: npWarm.theirs, unit: 's', target: '≤ 1.0×',
                    note: `the user's own cache, written by the first run (BTF's type table, keyed by the file and the kernel's build id); BTF pages read for the prototype only; reference is bpftrace -l as root; ${cpuNote(npWarm)}` });
                const npIn = inProcessBuild('setpriv', nobody, nobodyEnv);
                rows.push({ name: 'BTF catalogue as non-root, in-process build', probekit: npIn, reference: np.theirs, unit: 's', target: '≤ 1.0×',
                    note: `median of ${IN_PROCESS_BUILDS} builds in one non-root process, fresh catalogue each, no disk cache` });
            }
        } else {
            rows.push({ name: 'bpftrace catalogue', probekit: NaN, unit: 's', note: 'needs bpftrace and root for the reference' });
        }
        return rows;
    } finally {
        for (const dir of temps) rmSync(dir, { recursive: true, force: true });
    }
}
