// Full Langium parse of the installed tapset library in a cold process, beside
// `stap -p1 -e 'probe never {}'` on the same machine in the same run. stap reads the x86_64
// selection of the library (466 .stp files and 18 .stpm macro files: its "484 library scripts");
// we parse that selection (like for like) and all 586 .stp files. Each figure comes from its own
// child process (this bundle started with CHILD_FLAG and a mode), so that no pass pays for another. The children start
// as `probekit` starts (the environment its launcher gives node: server/src/cli/cli-launch-env.ts) and load this bundle
// as it loads its commands, with V8's code cache from an earlier run (server/src/code-cache.ts); one row shows a first
// run, without the code cache. Last, one script as a user checks it: the shipped `probekit check` beside `stap -p1` on it.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { URI } from 'langium';
import type { BenchRow } from './bench-row.js';
import { bundleEntry, kernelStub, median, repoRoot } from './bench-util.js';
import { createNodeProbekitServices } from '../server/src/server-services.js';
import { applySettings } from '../language/src/common/probekit-check.js';
import { listTapsetFiles } from '../server/src/catalogue/catalogue-tapset-reader.js';
import type { SystemtapParser } from '../language/src/systemtap/systemtap-parser.js';
import { preprocessStap } from '../language/src/systemtap/systemtap-preprocessor.js';
import { SERVER_NODE_FLAGS } from '../server/src/server-node-flags.js';
import { launcherEnv } from '../server/src/cli/cli-launch-env.js';
import { writeAll } from '../server/src/cli/cli-output.js';
// The parent's: a child, which parses, loads it not (as probekit does not).
import { lazyChildProcess } from '../server/src/node-lazy.js';

const TAPSET = '/usr/share/systemtap/tapset';
/** One script as a user checks it (test-workspace/): `probekit check` beside `stap -p1` on it. */
const ONE_SCRIPT = join(repoRoot(), 'test-workspace', 'stap', 'syscall-count.stp');
const CHILD_FLAG = '--stap-parse-bench-child';
/**
 * Interleaved rounds of every cold-process figure (medians). On this shared machine stap's own median of 9 rounds moved
 * between 402 and 525 ms from run to run, and the ratio of the medians between 2.23 and 3.03 at the same code: more
 * rounds narrow what one run says of the ratio.
 */
const ROUNDS = 15;

/** Which files: every .stp of the library, or the ones stap reads for x86_64 and this kernel. */
type FileSet = 'all' | 'x86';
/** keep: every document stays alive (a workspace); drop: file by file; preprocess: lex + preprocess only. */
type Work = 'keep' | 'drop' | 'preprocess';

interface ChildReport {
    files: number;
    lines: number;
    parseErrors: number;
    /** The timed work over every file (ms). */
    workMs: number;
    /** Garbage collection during it (ms). */
    gcMs: number;
    /** Service creation, settings (tapset macros), grammar load and parser construction (ms). */
    setupMs: number;
    /** CPU time of the whole child, all threads (ms): less sensitive than wall time to a busy machine. */
    cpuMs: number;
    maxRssKb: number;
}

function stpFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap(e =>
        e.isDirectory() ? stpFiles(join(dir, e.name)) : e.name.endsWith('.stp') ? [join(dir, e.name)] : []);
}

/** The .stp files stap 4.8 reads for x86_64 (its search directories, each listed in order). */
function stapSelection(): string[] {
    const target = { kernelRelease: release(), arch: 'x86_64', runtime: 'kernel', stapVersion: '' } as const;
    return listTapsetFiles([TAPSET], target, false).scripts.map(f => f.path);
}

/** The child: do one kind of work over one file set once, report figures on stdout. */
async function child(set: FileSet, work: Work): Promise<void> {
    const t0 = performance.now();
    const services = createNodeProbekitServices();
    await applySettings(services, { syntaxOnly: true, arch: 'x86_64' }, { arch: 'x86_64', tapsetDirs: [TAPSET] });
    const parser = services.systemtap.parser.LangiumParser as SystemtapParser;
    const settings = services.systemtap.settings.SystemtapSettings;
    const setupMs = performance.now() - t0;
    const files = (set === 'all' ? stpFiles(TAPSET) : stapSelection()).map(p => ({ uri: URI.file(p), text: readFileSync(p, 'utf8') }));
    let gcMs = 0;
    const observer = new PerformanceObserver(list => {
        for (const e of list.getEntries()) gcMs += e.duration;
    });
    observer.observe({ entryTypes: ['gc'] });
    let parseErrors = 0;
    const keep: unknown[] = [];
    const t1 = performance.now();
    if (work === 'preprocess') {
        for (const f of files) {
            const pp = preprocessStap(f.text, settings.target, settings.libraryFor(f.uri), f.uri.toString());
            parseErrors += pp.diagnostics.filter(d => d.severity === 'error').length;
        }
    } else {
        for (const f of files) {
            const r = parser.parseFor(f.uri, f.text);
            parseErrors += r.parserErrors.length + (r.lexerReport?.diagnostics.filter(d => d.severity === 'error').length ?? 0);
            if (work === 'keep') keep.push(r.value); // documents stay alive, as in a workspace
        }
    }
    const workMs = performance.now() - t1;
    // The collector's entries come from a callback the event loop runs next: one turn, then whatever is still queued.
    await new Promise(resolve => setImmediate(resolve));
    for (const e of observer.takeRecords()) gcMs += e.duration;
    observer.disconnect();
    let lines = 0;
    for (const f of files) for (let i = f.text.indexOf('\n'); i >= 0; i = f.text.indexOf('\n', i + 1)) lines++;
    const report: ChildReport = {
        files: files.length, lines: lines + files.length, parseErrors,
        workMs, gcMs, setupMs, cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
        maxRssKb: process.resourceUsage().maxRSS,
    };
    // Exit once the report is out, as `probekit` does (cli-main.ts): a natural exit would first run the collector's
    // pending tasks over the heap of every tree.
    writeAll(1, JSON.stringify(report) + '\n');
    process.exit(0);
}

/** Wall time of a whole process, its stdout, and its peak RSS (KB) when GNU time is there. */
function timed(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ ms: number; out: string; rssKb?: number }> {
    const gnuTime = existsSync('/usr/bin/time');
    return new Promise((resolve, reject) => {
        const t0 = performance.now();
        const p = gnuTime
            ? lazyChildProcess().spawn('/usr/bin/time', ['-f', '%M', command, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env })
            : lazyChildProcess().spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
        let out = '';
        let err = '';
        p.stdout.on('data', d => (out += d));
        p.stderr.on('data', d => (err += d));
        p.on('error', reject);
        p.on('close', code => {
            const ms = performance.now() - t0;
            if (code !== 0) reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${err.trim().split('\n').slice(-3).join(' ')}`));
            const m = /(\d+)\s*$/.exec(err);
            resolve({ ms, out, rssKb: gnuTime && m ? Number(m[1]) : undefined });
        });
    });
}

interface ChildRun {
    ms: number;
    rssMb: number;
    report: ChildReport;
}

/**
 * The product's bundle loader (server/src/code-cache.ts) as a boot script, bundled here: `node BOOT BUNDLE ARGS…`
 * loads BUNDLE with V8's code cache, as `probekit` loads its commands (out/cli-check.cjs among them).
 */
function bundleBoot(): Promise<string> {
    return bundleEntry(join(repoRoot(), 'out', 'bench', 'code-cache-boot.cjs'),
        "import { loadBundle } from './server/src/code-cache.ts';\nloadBundle(process.argv.splice(2, 1)[0]);\n");
}

/** How a child loads this bundle: as `node BUNDLE` does, or through the code-cache boot with its cache folder. */
type Load = { boot: string; cacheDir: string } | undefined;

async function runChild(set: FileSet, work: Work, nodeFlags: string[] = [], load?: Load): Promise<ChildRun> {
    const o = load
        ? await timed(process.execPath, [...nodeFlags, load.boot, __filename, CHILD_FLAG, set, work], { ...launcherEnv(), PROBEKIT_CACHE_DIR: load.cacheDir })
        : await timed(process.execPath, [...nodeFlags, __filename, CHILD_FLAG, set, work], launcherEnv());
    const report = JSON.parse(o.out.trim().split('\n').pop()!) as ChildReport;
    return { ms: o.ms, rssMb: (o.rssKb ?? report.maxRssKb) / 1024, report };
}

/** The run of median wall time. */
function medianRun(runs: ChildRun[]): ChildRun {
    const wall = median(runs.map(r => r.ms));
    return runs.find(r => r.ms === wall)!;
}

function split(run: ChildRun, preprocessMs: number): string {
    const r = run.report;
    return `${r.parseErrors} syntax errors; child CPU ${r.cpuMs.toFixed(0)} ms; setup ${r.setupMs.toFixed(0)} ms; parse ${r.workMs.toFixed(0)} ms = `
        + `GC ${(100 * r.gcMs / r.workMs).toFixed(0)}%, lex+preprocess ≈${(100 * preprocessMs / r.workMs).toFixed(0)}% `
        + `(own child), the parser's tree building and syntax checks the rest; node ${SERVER_NODE_FLAGS.join(' ')} (the language server's)`;
}

export async function run(): Promise<BenchRow[]> {
    if (!existsSync(TAPSET)) throw new Error(`no tapset library at ${TAPSET} (apt-get install systemtap)`);
    const stub = kernelStub('probekit-kstub-');
    const stapArgs = ['-r', stub, '-p1', '-e', 'probe never {}'];
    const cacheDir = mkdtempSync(join(tmpdir(), 'probekit-bench-v8-'));
    try {
        const load: Load = { boot: await bundleBoot(), cacheDir };
        // The code cache as an earlier run leaves it (the first run of a bundle writes it when it exits).
        await runChild('x86', 'keep', [...SERVER_NODE_FLAGS], load);
        const all: ChildRun[] = [];
        const x86: ChildRun[] = [];
        const x86Uncached: ChildRun[] = [];
        const stap: Array<{ ms: number; rssKb?: number }> = [];
        const stapOk = lazyChildProcess().spawnSync('stap', stapArgs, { stdio: 'ignore' }).status === 0;
        // `probekit check` of one script, as shipped (out/probekit), with the code cache its first run leaves.
        const launcher = join(repoRoot(), 'out', 'probekit');
        const checkEnv = { ...launcherEnv(), PROBEKIT_CACHE_DIR: cacheDir };
        const checkOne = () => timed(launcher, ['check', ONE_SCRIPT], checkEnv);
        const stapOne = ['-r', stub, '-p1', ONE_SCRIPT];
        const oneOk = existsSync(launcher) && stapOk && lazyChildProcess().spawnSync('stap', stapOne, { stdio: 'ignore' }).status === 0;
        if (oneOk) await checkOne();
        const one: number[] = [];
        const stapOneMs: number[] = [];
        for (let r = 0; r < ROUNDS; r++) {
            // Interleaved, so all see the same machine state, and in turn first and last in a round (stap after our
            // children in one round, before them in the next), so that neither side always runs while the kernel still
            // frees the other's memory; our children with the node flags the language server runs with.
            const ourFirst = r % 2 === 0;
            if (stapOk && !ourFirst) stap.push(await timed('stap', stapArgs));
            all.push(await runChild('all', 'keep', [...SERVER_NODE_FLAGS], load));
            x86.push(await runChild('x86', 'keep', [...SERVER_NODE_FLAGS], load));
            x86Uncached.push(await runChild('x86', 'keep', [...SERVER_NODE_FLAGS]));
            if (stapOk && ourFirst) stap.push(await timed('stap', stapArgs));
            if (oneOk) {
                if (!ourFirst) stapOneMs.push((await timed('stap', stapOne)).ms);
                one.push((await checkOne()).ms);
                if (ourFirst) stapOneMs.push((await timed('stap', stapOne)).ms);
            }
        }
        const drop = await runChild('all', 'drop');
        const pre = await runChild('all', 'preprocess');
        const preX86 = await runChild('x86', 'preprocess');
        // The same parse with node's default heap settings.
        const plain = await runChild('all', 'keep');
        const a = medianRun(all);
        const x = medianRun(x86);
        const xu = medianRun(x86Uncached);
        const stapWall = stap.length ? median(stap.map(s => s.ms)) : undefined;
        const stapRss = stap.length && stap[0].rssKb ? median(stap.map(s => s.rssKb!)) / 1024 : undefined;
        const rssOf = (runs: ChildRun[]) => median(runs.map(r => r.rssMb));
        // Each round's own ratio (its run beside stap's run of the same round): how far one round can be from another
        // on this machine, where stap alone varies by a third from run to run.
        const spread = (runs: ChildRun[]): string => {
            if (stap.length !== runs.length) return '';
            const ratios = runs.map((r, k) => r.ms / stap[k].ms).sort((a, b) => a - b);
            return `; medians of ${ROUNDS} rounds, stap first in every other; ratio by round ${ratios[0].toFixed(2)}–${ratios[ratios.length - 1].toFixed(2)}× (median ${median(ratios).toFixed(2)}×), `
                + `stap ${Math.min(...stap.map(t => t.ms)).toFixed(0)}–${Math.max(...stap.map(t => t.ms)).toFixed(0)} ms`;
        };
        return [
            {
                name: `tapset x86_64 selection (stap's), full parse, cold process (${x.report.files} .stp, ${x.report.lines} lines)`,
                probekit: x.ms, reference: stapWall, unit: 'ms wall', target: '≤ 3×',
                note: `bundle loaded with the code cache an earlier run left (as probekit loads its commands)${spread(x86)}; ${split(x, preX86.report.workMs)}`,
            },
            {
                name: 'the same, cold process without a code cache (a first run)', probekit: xu.ms, reference: stapWall, unit: 'ms wall',
                note: `parse ${xu.report.workMs.toFixed(0)} ms, setup ${xu.report.setupMs.toFixed(0)} ms`,
            },
            {
                name: `tapset library full parse, cold process (all ${a.report.files} .stp, ${a.report.lines} lines)`,
                probekit: a.ms, reference: stapWall, unit: 'ms wall', target: '≤ 3×', note: `with the code cache${spread(all)}; ${split(a, pre.report.workMs)}`,
            },
            { name: 'x86_64 selection, peak RSS, every document kept', probekit: Math.max(rssOf(x86), rssOf(x86Uncached)), reference: stapRss, unit: 'MB', target: '≤ 250 MB' },
            { name: 'all files, peak RSS, every document kept', probekit: rssOf(all), reference: stapRss, unit: 'MB', target: '≤ 250 MB' },
            {
                name: 'all files, peak RSS, parsed file by file', probekit: drop.rssMb, reference: stapRss, unit: 'MB',
                note: `parse ${drop.report.workMs.toFixed(0)} ms in the child, wall ${drop.ms.toFixed(0)} ms`,
            },
            {
                name: 'all files kept, node\'s default heap settings', probekit: plain.ms, reference: stapWall, unit: 'ms wall',
                note: `GC ${(100 * plain.report.gcMs / plain.report.workMs).toFixed(0)}% of parse ${plain.report.workMs.toFixed(0)} ms; peak RSS ${plain.rssMb.toFixed(0)} MB`,
            },
            { name: 'x86_64 selection parse only (in the warm child)', probekit: x.report.workMs, reference: stapWall, unit: 'ms', note: 'stap figure is its whole cold run' },
            { name: 'all files parse only (in the warm child)', probekit: a.report.workMs, reference: stapWall, unit: 'ms', note: 'stap figure is its whole cold run' },
            { name: 'all files lex + preprocess only (own child)', probekit: pre.report.workMs, reference: stapWall, unit: 'ms' },
            ...(oneOk ? [{
                name: 'one script checked, cold process: probekit check (as shipped) vs stap -p1 on it', probekit: median(one), reference: median(stapOneMs), unit: 'ms wall',
                note: `test-workspace/stap/syscall-count.stp, the check's full diagnostics (stap -p1 parses only); median of ${ROUNDS} interleaved rounds`,
            }] : []),
        ];
    } finally {
        rmSync(stub, { recursive: true, force: true });
        rmSync(cacheDir, { recursive: true, force: true });
    }
}

const flag = process.argv.indexOf(CHILD_FLAG);
if (flag >= 0) {
    const set = process.argv[flag + 1] as FileSet;
    const work = process.argv[flag + 2] as Work;
    child(set, work).catch(e => {
        process.stderr.write(String(e?.stack ?? e) + '\n');
        process.exit(1);
    });
}
