// bpftrace front end: parse and syntax-check time over the labelled bpftrace corpus, the largest
// script, a 10 MB program, and the upstream v0.17.0 tools side by side with the installed bpftrace's
// own `-d` on the same files (root and tracefs needed; `-d` parses, type-checks and generates code
// but never attaches, so it does more than a syntax check: the ratio is an upper bound on our share).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EmptyFileSystem, URI } from 'langium';
import { createProbekitServices, type ProbekitServices } from '../language/src/probekit-module.js';
import { applySettings, checkTexts } from '../language/src/common/probekit-check.js';
import type { BenchRow } from './bench-row.js';
import { median, repoRoot } from './bench-util.js';

const ROUNDS = 3;

interface CorpusFile {
    path: string;
    set: string;
    version: string;
    text: string;
}

function corpus(root: string): CorpusFile[] {
    const base = join(root, '..', 'shared', 'corpus', 'bpftrace');
    const labels = readFileSync(join(base, 'labels.tsv'), 'utf8').split('\n').filter(Boolean);
    const cols = labels[0].split('\t');
    const at = (name: string): number => cols.indexOf(name);
    return labels.slice(1).map(l => l.split('\t'))
        .filter(c => c[at('expect_syntax')] === 'ok' || c[at('expect_syntax')] === 'error')
        .map(c => ({ path: join(base, 'files', c[at('path')]), set: c[at('set')], version: c[at('bpftrace_version')], text: '' }))
        .filter(f => existsSync(f.path))
        .map(f => ({ ...f, text: readFileSync(f.path, 'utf8') }));
}

async function services(version: string): Promise<ProbekitServices> {
    const s = createProbekitServices({ ...EmptyFileSystem });
    await applySettings(s, { syntaxOnly: true, bpftraceVersion: version }, {});
    return s;
}

/** ms to parse the texts (Langium parser with the bpftrace lexer; no validation). */
function parseAll(s: ProbekitServices, texts: string[]): number {
    const t0 = performance.now();
    for (const t of texts) s.bpftrace.parser.LangiumParser.parse(t);
    return performance.now() - t0;
}

let counter = 0;

/** ms to run the full `--syntax-only` check (parse + syntax validation) over the texts. */
async function checkAll(s: ProbekitServices, texts: string[]): Promise<number> {
    const files = texts.map(text => ({ uri: URI.file(`/bench/f${++counter}.bt`), text }));
    const t0 = performance.now();
    await checkTexts(s, files, { syntaxOnly: true });
    const ms = performance.now() - t0;
    for (const f of files) s.shared.workspace.LangiumDocuments.deleteDocument(f.uri);
    return ms;
}

function canRunBpftrace(): string | undefined {
    const v = spawnSync('bpftrace', ['--version'], { encoding: 'utf8' });
    if (v.status !== 0) return 'bpftrace not installed';
    if (process.getuid?.() !== 0) return 'bpftrace -d needs root';
    if (!existsSync('/sys/kernel/tracing/events')) return 'tracefs not mounted at /sys/kernel/tracing';
    return undefined;
}

/** ms for `bpftrace -d FILE` over each file, one process each (as a user would run it). */
function bpftraceDebug(paths: string[]): { ms: number; failed: number } {
    let failed = 0;
    const t0 = performance.now();
    for (const p of paths) {
        const r = spawnSync('bpftrace', ['-d', p], { stdio: 'ignore', timeout: 60_000, env: { ...process.env, BPFTRACE_COLOR: 'never' } });
        if (r.status !== 0) failed++;
    }
    return { ms: performance.now() - t0, failed };
}

export async function run(): Promise<BenchRow[]> {
    const root = repoRoot();
    const files = corpus(root);
    const rows: BenchRow[] = [];
    const byVersion = new Map<string, CorpusFile[]>();
    for (const f of files) byVersion.set(f.version, [...(byVersion.get(f.version) ?? []), f]);
    const svc = new Map<string, ProbekitServices>();
    for (const v of byVersion.keys()) svc.set(v, await services(v));

    // Warm up the parser (Chevrotain's lookahead caches) before timing.
    for (const [v, fs] of byVersion) parseAll(svc.get(v)!, fs.map(f => f.text));

    const parseTimes: number[] = [];
    const checkTimes: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
        let p = 0;
        let c = 0;
        for (const [v, fs] of byVersion) {
            p += parseAll(svc.get(v)!, fs.map(f => f.text));
            c += await checkAll(svc.get(v)!, fs.map(f => f.text));
        }
        parseTimes.push(p);
        checkTimes.push(c);
    }
    const bytes = files.reduce((n, f) => n + f.text.length, 0);
    rows.push({ name: `corpus parse (${files.length} files, ${(bytes / 1024).toFixed(0)} KiB, warm)`, probekit: median(parseTimes), unit: 'ms' });
    rows.push({ name: `corpus --syntax-only check (${files.length} files, warm)`, probekit: median(checkTimes), unit: 'ms' });

    const largest = files.reduce((a, b) => (b.text.length > a.text.length ? b : a));
    const largestTimes: number[] = [];
    for (let r = 0; r < 5; r++) largestTimes.push(parseAll(svc.get(largest.version)!, [largest.text]));
    rows.push({
        name: `largest script parse (${largest.path.split('/files/')[1]}, ${(largest.text.length / 1024).toFixed(1)} KiB)`,
        probekit: median(largestTimes), unit: 'ms',
    });

    // The upstream v0.17.0 tools beside bpftrace 0.17's own `-d` on the same files.
    const tools = files.filter(f => f.set === 'tools_v0.17.0' || f.set === 'tools_old_v0.17.0');
    const v017 = svc.get('0.17') ?? await services('0.17');
    const ourTools: number[] = [];
    for (let r = 0; r < ROUNDS; r++) ourTools.push(await checkAll(v017, tools.map(f => f.text)));
    // `probekit` as users run it: the package's bin (out/probekit, a launcher for out/cli.cjs), with this node.
    const launcher = join(root, 'out', 'probekit');
    let cold: number | undefined;
    if (existsSync(launcher) && existsSync(join(root, 'out', 'cli.cjs'))) {
        const t0 = performance.now();
        spawnSync(launcher, ['check', '--syntax-only', '--bpftrace-version', '0.17', ...tools.map(f => f.path)],
            { stdio: 'ignore', env: { ...process.env, PROBEKIT_NODE: process.execPath } });
        cold = performance.now() - t0;
    }
    const why = canRunBpftrace();
    let reference: number | undefined;
    let note = why;
    if (!why) {
        const runs: number[] = [];
        let failed = 0;
        for (let r = 0; r < ROUNDS; r++) {
            const d = bpftraceDebug(tools.map(f => f.path));
            runs.push(d.ms);
            failed = d.failed;
        }
        reference = median(runs);
        note = `bpftrace -d per file (${failed} of ${tools.length} fail on this kernel after parsing)`;
    }
    rows.push({
        name: `v0.17.0 tools: --syntax-only check in-process, warm (${tools.length} files)`,
        probekit: median(ourTools), reference, unit: 'ms', note,
    });
    if (cold !== undefined) {
        rows.push({
            name: `v0.17.0 tools: probekit check CLI, fresh process (${tools.length} files)`,
            probekit: cold, reference, unit: 'ms', note: 'one node process for all files vs one bpftrace -d per file',
        });
    }

    // The largest program the front end checks (1 MB; larger files get a 'not checked' warning) and a 10 MB one.
    const body = tools.map(f => f.text.replace(/^#!.*\n/, '')).join('\n');
    let big = '';
    while (big.length + body.length + 1 < 1024 * 1024) big += body + '\n';
    const latest = svc.get('latest') ?? await services('latest');
    rows.push({ name: `1 MB program (${(big.length / 1e6).toFixed(2)} MB of tools) --syntax-only check`, probekit: await checkAll(latest, [big]), unit: 'ms' });
    const huge = big.repeat(10);
    rows.push({ name: `10 MB program: refused with a warning`, probekit: await checkAll(latest, [huge]), unit: 'ms' });
    return rows;
}
