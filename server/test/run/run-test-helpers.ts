import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunRegistry } from '../../src/run/run-registry.js';
import type { RunSessionOptions } from '../../src/run/run-session.js';
import type { RunSession } from '../../src/run/run-session.js';
import type { RunDiagnostic, RunRequest, RunResult, StapPassEvent } from '../../src/run/run-types.js';
import { isAlive, processTree, processesNamed, readProcTable } from '../../src/run/run-process-tree.js';

/** Everything a run reported, collected for assertions. */
export interface Recorded {
    run: RunSession;
    stdout: string;
    stderr: string;
    system: string;
    progress: StapPassEvent[];
    diagnostics: RunDiagnostic[];
    result?: RunResult;
}

/** bpftrace needs tracefs; mount it when this machine has not yet. */
export function ensureTracefs(): void {
    if (!existsSync('/sys/kernel/tracing/events')) {
        execFileSync('mount', ['-t', 'tracefs', 'nodev', '/sys/kernel/tracing']);
    }
}

/** A temp folder with the given files; returns its path. */
export function tempScripts(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'probekit-run-test-'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
}

export function removeDir(dir: string): void {
    rmSync(dir, { recursive: true, force: true });
}

/** Start a run on the given registry and record what it reports (raw stream, so nothing is throttled away). */
export function record(registry: RunRegistry, request: RunRequest, options: RunSessionOptions = {}): Recorded {
    const rec = { stdout: '', stderr: '', system: '', progress: [], diagnostics: [] } as unknown as Recorded;
    rec.run = registry.start(request, {
        ...options,
        listener: {
            onRaw: (stream, text) => { rec[stream] += text; },
            onProgress: e => rec.progress.push(e),
            onDiagnostic: d => rec.diagnostics.push(d),
            onExit: r => { rec.result = r; },
            ...options.listener,
        },
    });
    return rec;
}

/** Resolve once `pred` holds for the recording (checked on each output event); rejects when the run ends first. */
export async function waitFor(rec: Recorded, pred: (r: Recorded) => boolean): Promise<void> {
    for (;;) {
        if (pred(rec)) return;
        if (rec.result) throw new Error(`run ended before the condition held:\n${rec.stdout}\n${rec.stderr}\n${rec.system}`);
        await new Promise(res => setTimeout(res, 20));
    }
}

/**
 * New live `comm` processes (not in `before`) that this test could have leaked: its own descendants, or orphans
 * (re-parented to init). Another test file's runs, children of their own worker, are not counted.
 */
export function leaked(comm: string, before: number[]): number[] {
    const table = readProcTable();
    const ours = new Set(processTree(process.pid, table, []));
    const byPid = new Map(table.map(e => [e.pid, e]));
    return live(comm).filter(pid => !before.includes(pid) && (ours.has(pid) || byPid.get(pid)?.ppid === 1));
}

/** The names of live processes whose command is `comm` (zombies excluded). */
export function live(comm: string): number[] {
    return processesNamed(comm).map(p => p.pid).filter(pid => {
        try {
            return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
        } catch {
            return false;
        }
    });
}

/** Wait until none of the PIDs is alive (up to `ms`); returns the ones still alive. */
export async function waitGone(pids: number[], ms = 5000): Promise<number[]> {
    for (let t = 0; t < ms && pids.some(isAlive); t += 50) await new Promise(res => setTimeout(res, 50));
    return pids.filter(isAlive);
}
