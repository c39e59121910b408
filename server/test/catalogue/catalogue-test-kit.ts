/** Shared helpers for the catalogue tests: a stap kernel stub (real-tools.md), temp dirs, real tool runs. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeKernelStub } from '../../src/run/stap-kernel-tree.js';

export function tempDir(prefix = 'probekit-catalogue-'): string {
    return mkdtempSync(join(tmpdir(), prefix));
}

/** A kernel "build tree" stub: what stap needs to run passes 1–2 on a machine without headers. */
export function kernelStub(): string {
    return writeKernelStub(tempDir('probekit-kstub-'));
}

/** Runs a real tool; stdout + stderr, never throws (exit status is not the point in these tests). */
export function runTool(tool: string, args: string[], timeout = 60_000): string {
    const r = spawnSync(tool, args, { encoding: 'utf8', timeout, maxBuffer: 256 << 20 });
    return `${r.stdout ?? ''}${r.stderr ?? ''}`;
}

export function hasTool(tool: string): boolean {
    try {
        execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
        return true;
    } catch {
        return false;
    }
}
