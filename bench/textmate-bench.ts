// Syntax highlighting cost: the TextMate grammars in the engine VS Code uses (vscode-textmate +
// vscode-oniguruma), against the real tools reading the same text. The tools do more than tokenize
// (stap -p1 parses, bpftrace -d also type-checks and generates code), so the ratio says how far
// below a real parse highlighting stays, not that the two do the same work.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { IGrammar, IRawGrammar } from 'vscode-textmate';
import vsctm from 'vscode-textmate';
import oniguruma from 'vscode-oniguruma';
import type { BenchRow } from './bench-row.js';
import { kernelStub, median, repoRoot } from './bench-util.js';

const ROUNDS = 5;

async function loadGrammars(root: string): Promise<{ stap: IGrammar; bt: IGrammar }> {
    const require = createRequire(import.meta.url);
    const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const files: Record<string, string> = {
        'source.systemtap': join(root, 'syntaxes', 'systemtap.tmLanguage.json'),
        'source.bpftrace': join(root, 'syntaxes', 'bpftrace.tmLanguage.json'),
        // VS Code's C grammar is not on npm; the tests' stand-in takes its place for embedded C.
        'source.c': join(root, 'test', 'textmate', 'fixtures', 'c-minimal.tmLanguage.json'),
    };
    const registry = new vsctm.Registry({
        onigLib: Promise.resolve({
            createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
            createOnigString: (text: string) => new oniguruma.OnigString(text),
        }),
        loadGrammar: async (scope: string): Promise<IRawGrammar | null> =>
            files[scope] ? vsctm.parseRawGrammar(readFileSync(files[scope], 'utf8'), files[scope]) : null,
    });
    const stap = await registry.loadGrammar('source.systemtap');
    const bt = await registry.loadGrammar('source.bpftrace');
    if (!stap || !bt) {
        throw new Error('grammars did not load');
    }
    return { stap, bt };
}

interface TokenizeStats {
    ms: number;
    lines: number;
    slowestLineMs: number;
}

function tokenizeAll(grammar: IGrammar, texts: string[]): TokenizeStats {
    let lines = 0;
    let slowest = 0;
    const t0 = performance.now();
    for (const text of texts) {
        let state = vsctm.INITIAL;
        for (const line of text.split('\n')) {
            const l0 = performance.now();
            state = grammar.tokenizeLine(line, state).ruleStack;
            slowest = Math.max(slowest, performance.now() - l0);
            lines++;
        }
    }
    return { ms: performance.now() - t0, lines, slowestLineMs: slowest };
}

function listFiles(dir: string, pattern: RegExp): string[] {
    const out: string[] = [];
    for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) {
            out.push(...listFiles(path, pattern));
        } else if (pattern.test(name)) {
            out.push(path);
        }
    }
    return out.sort();
}

function timeCommand(command: string, args: string[]): number {
    const t0 = performance.now();
    try {
        execFileSync(command, args, { stdio: 'ignore', timeout: 120_000 });
    } catch {
        // the time to the answer counts, whatever the answer
    }
    return performance.now() - t0;
}

export async function run(): Promise<BenchRow[]> {
    const root = repoRoot();
    const { stap, bt } = await loadGrammars(root);
    const rows: BenchRow[] = [];

    // The installed tapset library: what stap -p1 reads on every run.
    const tapsetFiles = listFiles('/usr/share/systemtap/tapset', /\.stpm?$/);
    const tapsetTexts = tapsetFiles.map(f => readFileSync(f, 'utf8'));
    tokenizeAll(stap, tapsetTexts); // warm the regex caches, as an open editor has
    const stapRuns = Array.from({ length: ROUNDS }, () => tokenizeAll(stap, tapsetTexts));
    const stub = kernelStub('probekit-bench-kstub-');
    try {
        const stapRef = Array.from({ length: ROUNDS }, () => timeCommand('stap', ['-r', stub, '-p1', '-e', 'probe never {}']));
        rows.push({
            name: `tokenize the tapset library (${tapsetFiles.length} files, ${stapRuns[0].lines} lines)`,
            probekit: median(stapRuns.map(r => r.ms)),
            reference: median(stapRef),
            unit: 'ms',
            note: 'reference: stap -p1 -e "probe never {}" (parses the same library)',
        });
    } finally {
        rmSync(stub, { recursive: true, force: true });
    }
    rows.push({
        name: 'slowest single SystemTap line (tapset library)',
        probekit: Math.max(...stapRuns.map(r => r.slowestLineMs)),
        unit: 'ms',
        note: 'catastrophic backtracking would show here',
    });

    // bpftrace: one real tool at a time, the workspace's 0.17-style samples.
    const btFiles = ['hello.bt', 'syscalls-per-second.bt', 'read-size-hist.bt', 'vfs-latency-0.17.bt']
        .map(f => join(root, 'test-workspace', 'bt', f));
    const btTexts = btFiles.map(f => readFileSync(f, 'utf8'));
    tokenizeAll(bt, btTexts);
    const btRuns = Array.from({ length: ROUNDS }, () => tokenizeAll(bt, btTexts));
    const btRef = Array.from({ length: ROUNDS }, () => btFiles.reduce((ms, f) => ms + timeCommand('bpftrace', ['-d', f]), 0));
    rows.push({
        name: `tokenize ${btFiles.length} bpftrace samples (${btRuns[0].lines} lines)`,
        probekit: median(btRuns.map(r => r.ms)),
        reference: median(btRef),
        unit: 'ms',
        note: 'reference: bpftrace -d on each (parse, semantic checks, codegen; no attach)',
    });

    // Throughput over the whole bpftrace corpus, when it sits beside the checkout.
    const corpus = join(root, '..', 'shared', 'corpus', 'bpftrace', 'files');
    if (existsSync(corpus)) {
        const texts = listFiles(corpus, /\.bt$/).map(f => readFileSync(f, 'utf8'));
        const r = tokenizeAll(bt, texts);
        rows.push({
            name: `bpftrace corpus throughput (${texts.length} files)`,
            probekit: r.lines / r.ms * 1000,
            unit: 'lines/s',
            note: `slowest line ${r.slowestLineMs.toFixed(2)} ms`,
        });
    }
    return rows;
}
