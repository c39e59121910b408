// Time from "run" to the first output line: through the run backend vs spawning the same bpftrace command directly,
// alternating in the same process so both see the same machine state. Also the stap passes 1–4 through the backend
// vs stap itself with the same options.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { RunRegistry } from '../server/src/run/run-registry.js';
import { chooseKernelTree } from '../server/src/run/stap-kernel-tree.js';
import type { BenchRow } from './bench-row.js';
import { median } from './bench-util.js';

const ROUNDS = 15;

/** ms until the first stdout line of a direct spawn; then waits for exit. */
function direct(command: string, args: string[], until: RegExp, cwd?: string): Promise<number> {
    return new Promise((resolve, reject) => {
        const t0 = performance.now();
        let first: number | undefined;
        let out = '';
        const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
        const onData = (d: Buffer): void => {
            out += d;
            if (first === undefined && until.test(out)) first = performance.now() - t0;
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.on('error', reject);
        child.on('close', () => (first === undefined ? reject(new Error(`no match for ${until}: ${out}`)) : resolve(first)));
    });
}

/** ms until a direct spawn ends, its output read and discarded. */
function whole(command: string, args: string[]): Promise<number> {
    return new Promise((resolve, reject) => {
        const t0 = performance.now();
        const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
        child.stdout.resume();
        child.on('error', reject);
        child.on('close', () => resolve(performance.now() - t0));
    });
}

/** ms until the first matching output through the backend (from the call that starts the run). */
async function backend(registry: RunRegistry, request: Parameters<RunRegistry['start']>[0], until: RegExp): Promise<number> {
    let first: number | undefined;
    let out = '';
    const t0 = performance.now();
    const run = registry.start(request, {
        listener: {
            onRaw: (stream, text) => {
                if (stream === 'system') return;
                out += text;
                if (first === undefined && until.test(out)) first = performance.now() - t0;
            },
        },
    });
    await run.done;
    if (first === undefined) throw new Error(`no match for ${until}: ${out}`);
    return first;
}

/** Measure both sides ROUNDS times in ABBA order: neither always runs second (warmer caches, a neighbour's spike). */
async function abba(a: () => Promise<number>, b: () => Promise<number>): Promise<[number, number]> {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
        if (i % 2 === 0) {
            xs.push(await a());
            ys.push(await b());
        } else {
            ys.push(await b());
            xs.push(await a());
        }
    }
    return [median(xs), median(ys)];
}

export async function run(): Promise<BenchRow[]> {
    if (!existsSync('/sys/kernel/tracing/events')) execFileSync('mount', ['-t', 'tracefs', 'nodev', '/sys/kernel/tracing']);
    const dir = mkdtempSync(join(tmpdir(), 'probekit-run-bench-'));
    const bt = join(dir, 'hello.bt');
    writeFileSync(bt, 'BEGIN { printf("first line\\n"); exit(); }\n');
    const stp = join(dir, 'hello.stp');
    writeFileSync(stp, 'probe begin { printf("first line\\n"); exit() }\n');
    const registry = new RunRegistry();
    const rows: BenchRow[] = [];
    try {
        const line = /^Attaching \d+ probes?\.\.\.\n/m;
        await direct('bpftrace', ['--', bt], line); // warm caches for both
        const [b1, d1] = await abba(() => backend(registry, { tool: 'bpftrace', file: bt }, line), () => direct('bpftrace', ['--', bt], line));
        rows.push({ name: 'bpftrace: run → first output line', probekit: b1, reference: d1, unit: 'ms', target: '≤ 1.1×', note: `median of ${ROUNDS}, ABBA order` });

        const printed = /first line/;
        const [b2, d2] = await abba(() => backend(registry, { tool: 'bpftrace', file: bt }, printed), () => direct('bpftrace', ['--', bt], printed));
        rows.push({ name: 'bpftrace: run → first printf line', probekit: b2, reference: d2, unit: 'ms', target: '≤ 1.1×', note: `median of ${ROUNDS}, ABBA order` });

        // stap through pass 4 (this machine cannot load): backend two-step vs stap -p4 with the same options.
        const tree = chooseKernelTree().dir;
        const pass4 = /^Pass 4: /m;
        let n = 0;
        const [b3, d3] = await abba(
            () => backend(registry, { tool: 'stap', file: stp, stap: { runtime: 'bpf' } }, pass4),
            () => direct('stap', ['-v', ...(tree ? ['-r', tree] : []), '--runtime=bpf', '-p4', '-m', `bench_${n++}`, '--', stp], pass4, dir),
        );
        rows.push({ name: 'stap --runtime=bpf: run → "Pass 4" line', probekit: b3, reference: d3, unit: 'ms', target: '≤ 1.1×', note: `median of ${ROUNDS}, ABBA order` });

        // A ~109 MB flood (the -c target writes to bpftrace's stdout): whole run through the backend (bounded tail,
        // throttled UI feed, spool file) vs the same command read and discarded.
        const floodBt = join(dir, 'flood.bt');
        writeFileSync(floodBt, 'BEGIN { printf("flood starts\\n"); }\n'); // bpftrace ends when its -c target does
        const flood = ['-c', '/usr/bin/seq 1 15000000', '--', floodBt];
        const f1: number[] = [];
        const f2: number[] = [];
        let peak = 0;
        for (let i = 0; i < 3; i++) {
            const t0 = performance.now();
            const r = registry.start({ tool: 'bpftrace', file: floodBt, targetCommand: '/usr/bin/seq 1 15000000' }, {
                output: { spool: true },
                listener: { onOutput: () => { peak = Math.max(peak, r.output.memoryBytes()); } },
            });
            await r.done;
            f1.push(performance.now() - t0);
            r.output.dispose();
            f2.push(await whole('bpftrace', flood));
        }
        rows.push({ name: 'bpftrace 109 MB flood: whole run', probekit: median(f1), reference: median(f2), unit: 'ms', note: 'median of 3; reference reads and discards' });
        rows.push({ name: 'bpftrace 109 MB flood: output held in memory (peak)', probekit: peak / 1024 / 1024, unit: 'MB', target: '≤ 4.5 MB', note: '4 MB tail + one UI batch' });
    } finally {
        await registry.dispose();
        rmSync(dir, { recursive: true, force: true });
    }
    return rows;
}
