/** Shared helpers for the catalogue tests: a stap kernel stub (real-tools.md), temp dirs, real tool runs. */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { writeKernelStub } from '../../src/run/stap-kernel-tree.js';

export function tempDir(prefix = 'probekit-catalogue-'): string {
    return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes `files` (relative path → text) under a new temp dir. */
export function tree(files: Record<string, string>): string {
    const dir = tempDir();
    for (const [rel, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, rel)), { recursive: true });
        writeFileSync(join(dir, rel), text);
    }
    return dir;
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

/**
 * {@link runTool} off the test worker's thread, for a tool that may run minutes: a worker blocked that long misses the
 * test runner's calls (vitest reports "Timeout calling onTaskUpdate" and fails the run).
 */
export function runToolAsync(tool: string, args: string[], timeout: number): Promise<string> {
    return new Promise(resolve => {
        execFile(tool, args, { encoding: 'utf8', timeout, maxBuffer: 256 << 20 }, (_error, stdout, stderr) => resolve(`${stdout ?? ''}${stderr ?? ''}`));
    });
}

export function hasTool(tool: string): boolean {
    try {
        execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
        return true;
    } catch {
        return false;
    }
}

/** The newest modification time of the TypeScript sources under `dir`. */
function newestSource(dir: string): number {
    let newest = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, e.name);
        if (e.isDirectory()) newest = Math.max(newest, newestSource(path));
        else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
    return newest;
}

/**
 * The shipped CLI, out/cli.cjs (with the command bundles it loads, and out/probekit, its launcher), rebuilt by esbuild.mjs first when a bundle is
 * missing or older than the sources (the test suite bundles before it runs, so this is for a run of one file).
 */
export function shippedCli(): string {
    const root = resolve(__dirname, '../../..');
    const bundles = ['cli.cjs', 'cli-check.cjs', 'cli-index.cjs', 'cli-doctor.cjs', 'cli-run.cjs', 'server.cjs', 'server-boot.cjs', 'probekit'].map(b => join(root, 'out', b));
    const sources = Math.max(newestSource(join(root, 'server', 'src')), newestSource(join(root, 'language', 'src')));
    if (bundles.some(b => !existsSync(b) || statSync(b).mtimeMs < sources)) {
        execFileSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'ignore', timeout: 300_000 });
    }
    return bundles[0];
}
