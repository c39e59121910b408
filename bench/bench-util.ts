/** Small helpers every bench shares: the median of runs, the repository root, a throw-away kernel tree. */
import { existsSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeKernelStub } from '../server/src/run/stap-kernel-tree.js';

/** The middle value of `xs` (the upper one of the two middles for an even count). */
export function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
}

/** The repository root: the nearest folder above this module (or its bundle in out/bench/) with both grammars' configs. */
export function repoRoot(): string {
    let dir = dirname(fileURLToPath(import.meta.url));
    while (!(existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'language', 'langium-bpftrace.json')))) {
        const up = dirname(dir);
        if (up === dir) throw new Error('repository root not found');
        dir = up;
    }
    return dir;
}

/**
 * A kernel build tree stap accepts (config, release, empty Module.symvers) in a new temp folder named `prefix…`;
 * the caller removes it.
 */
export function kernelStub(prefix: string): string {
    return writeKernelStub(mkdtempSync(join(tmpdir(), prefix)));
}

/**
 * Bundles the TypeScript `contents` (imports resolved from the repository root) into the CommonJS file `outfile`:
 * an entry made for one bench, beside the shipped bundles.
 */
export async function bundleEntry(outfile: string, contents: string): Promise<string> {
    const root = repoRoot();
    // Loaded at run time from the project: esbuild's API cannot itself be bundled.
    const esbuild = createRequire(join(root, 'package.json'))('esbuild') as typeof import('esbuild');
    await esbuild.build({
        stdin: { contents, resolveDir: root, loader: 'ts', sourcefile: outfile.replace(/^.*\//, '').replace(/\.cjs$/, '.ts') },
        outfile, bundle: true, format: 'cjs', platform: 'node', target: 'node20', logLevel: 'error',
    });
    return outfile;
}
