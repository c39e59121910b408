// Full Langium parse of the installed tapset library (every .stp of /usr/share/systemtap/tapset,
// with its .stpm macros) in a cold process, beside `stap -p1 -e 'probe never {}'` (which parses
// the library's x86_64 selection, 484 files in 4.8) on the same machine in the same run. The child
// process is this same bundle started with CHILD_FLAG; it also reports where its time went.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { URI } from 'langium';
import { NodeFileSystem } from 'langium/node';
import type { BenchRow } from './bench-row.js';
import { createProbekitServices } from '../language/src/probekit-module.js';
import { applySettings } from '../language/src/common/probekit-check.js';
import type { SystemtapParser } from '../language/src/systemtap/systemtap-parser.js';
import { preprocessStap } from '../language/src/systemtap/systemtap-preprocessor.js';
import { writeKernelStub } from '../server/src/run/stap-kernel-tree.js';

const TAPSET = '/usr/share/systemtap/tapset';
const CHILD_FLAG = '--stap-parse-bench-child';
const ROUNDS = 3;

interface ChildReport {
    files: number;
    lines: number;
    parseErrors: number;
    /** Lexing + preprocessing alone, one pass over every file (ms). */
    preprocessMs: number;
    /** Full parse of every file (ms), including the preprocessing again. */
    parseMs: number;
    /** Garbage collection during the full parse (ms). */
    gcMs: number;
    /** Service creation, grammar load and parser construction (ms). */
    setupMs: number;
    maxRssKb: number;
}

function stpFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap(e =>
        e.isDirectory() ? stpFiles(join(dir, e.name)) : e.name.endsWith('.stp') ? [join(dir, e.name)] : []);
}

/** The child: parse the whole library once, report figures on stdout. */
async function child(): Promise<void> {
    const t0 = performance.now();
    const services = createProbekitServices({ ...NodeFileSystem });
    await applySettings(services, { syntaxOnly: true, arch: 'x86_64' }, { arch: 'x86_64', tapsetDirs: [TAPSET] });
    const parser = services.systemtap.parser.LangiumParser as SystemtapParser;
    const settings = services.systemtap.settings.SystemtapSettings;
    const setupMs = performance.now() - t0;
    const files = stpFiles(TAPSET).map(p => ({ uri: URI.file(p), text: readFileSync(p, 'utf8') }));
    const p0 = performance.now();
    for (const f of files) preprocessStap(f.text, settings.target, settings.libraryFor(f.uri), f.uri.toString());
    const preprocessMs = performance.now() - p0;
    let gcMs = 0;
    const observer = new PerformanceObserver(list => {
        for (const e of list.getEntries()) gcMs += e.duration;
    });
    observer.observe({ entryTypes: ['gc'] });
    let parseErrors = 0;
    const keep: unknown[] = [];
    const t1 = performance.now();
    for (const f of files) {
        const r = parser.parseFor(f.uri, f.text);
        parseErrors += r.parserErrors.length + (r.lexerReport?.diagnostics.filter(d => d.severity === 'error').length ?? 0);
        keep.push(r.value); // documents stay alive, as in a workspace
    }
    const parseMs = performance.now() - t1;
    await new Promise(resolve => setTimeout(resolve, 10));
    observer.disconnect();
    const report: ChildReport = {
        files: files.length, lines: files.reduce((n, f) => n + f.text.split('\n').length, 0), parseErrors,
        preprocessMs, parseMs, gcMs, setupMs, maxRssKb: process.resourceUsage().maxRSS,
    };
    process.stdout.write(JSON.stringify(report) + '\n');
}

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
}

/** Wall time of a whole process, its stdout, and its peak RSS (KB) when GNU time is there. */
function timed(command: string, args: string[]): Promise<{ ms: number; out: string; rssKb?: number }> {
    const gnuTime = existsSync('/usr/bin/time');
    return new Promise((resolve, reject) => {
        const t0 = performance.now();
        const p = gnuTime
            ? spawn('/usr/bin/time', ['-f', '%M', command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
            : spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        p.stdout.on('data', d => (out += d));
        p.stderr.on('data', d => (err += d));
        p.on('error', reject);
        p.on('close', () => {
            const ms = performance.now() - t0;
            const m = /(\d+)\s*$/.exec(err);
            resolve({ ms, out, rssKb: gnuTime && m ? Number(m[1]) : undefined });
        });
    });
}

/** A kernel "build tree" stub so stap runs pass 1 without headers (see real-tools.md). */
function kernelStub(): string {
    return writeKernelStub(mkdtempSync(join(tmpdir(), 'probekit-kstub-')));
}

export async function run(): Promise<BenchRow[]> {
    if (!existsSync(TAPSET)) throw new Error(`no tapset library at ${TAPSET} (apt-get install systemtap)`);
    const self = __filename;
    const stub = kernelStub();
    try {
        const ours: Array<{ ms: number; report: ChildReport; rssKb?: number }> = [];
        const stap: Array<{ ms: number; rssKb?: number }> = [];
        const stapOk = spawnSync('stap', ['-r', stub, '-p1', '-e', 'probe never {}'], { stdio: 'ignore' }).status === 0;
        for (let r = 0; r < ROUNDS; r++) {
            // alternate, so both see the same machine state
            const o = await timed(process.execPath, [self, CHILD_FLAG]);
            ours.push({ ms: o.ms, rssKb: o.rssKb, report: JSON.parse(o.out.trim().split('\n').pop()!) as ChildReport });
            if (stapOk) stap.push(await timed('stap', ['-r', stub, '-p1', '-e', 'probe never {}']));
        }
        // A larger young generation cuts the collector's share (a node flag the host may choose).
        const semi = await timed(process.execPath, ['--max-semi-space-size=64', self, CHILD_FLAG]);
        const semiReport = JSON.parse(semi.out.trim().split('\n').pop()!) as ChildReport;
        const wall = median(ours.map(o => o.ms));
        const rep = ours[ours.findIndex(o => o.ms === wall)].report;
        const rss = median(ours.map(o => o.rssKb ?? o.report.maxRssKb)) / 1024;
        const stapWall = stap.length ? median(stap.map(s => s.ms)) : undefined;
        const stapRss = stap.length && stap[0].rssKb ? median(stap.map(s => s.rssKb!)) / 1024 : undefined;
        const parse = rep.parseMs;
        const split = `setup ${rep.setupMs.toFixed(0)} ms; parse ${parse.toFixed(0)} ms = lex+preprocess `
            + `${(100 * rep.preprocessMs / parse).toFixed(0)}%, GC ${(100 * rep.gcMs / parse).toFixed(0)}%, `
            + `Chevrotain+AST/CST+checks ${(100 * (parse - rep.preprocessMs - rep.gcMs) / parse).toFixed(0)}%`;
        return [
            {
                name: `tapset library full parse, cold process (${rep.files} files, ${rep.lines} lines; stap reads 484)`,
                probekit: wall, reference: stapWall, unit: 'ms wall', target: '≤ 3×',
                note: `${rep.parseErrors} syntax errors; ${split}`,
            },
            { name: 'tapset library full parse, peak RSS', probekit: rss, reference: stapRss, unit: 'MB', target: '≤ 250 MB' },
            {
                name: 'same, node --max-semi-space-size=64', probekit: semi.ms, reference: stapWall, unit: 'ms wall',
                note: `GC ${(100 * semiReport.gcMs / semiReport.parseMs).toFixed(0)}% of parse; peak RSS ${((semi.rssKb ?? semiReport.maxRssKb) / 1024).toFixed(0)} MB`,
            },
            { name: 'tapset library parse only (in the warm child)', probekit: parse, reference: stapWall, unit: 'ms', note: 'stap figure is its whole cold run' },
            { name: 'tapset library lex + preprocess only', probekit: rep.preprocessMs, reference: stapWall, unit: 'ms' },
        ];
    } finally {
        rmSync(stub, { recursive: true, force: true });
    }
}

if (process.argv.includes(CHILD_FLAG)) {
    child().catch(e => {
        process.stderr.write(String(e?.stack ?? e) + '\n');
        process.exit(1);
    });
}
