import { existsSync, writeFileSync, renameSync } from 'node:fs';
import { homedir, release } from 'node:os';
import { join } from 'node:path';
import { makeDir } from '../catalogue/catalogue-cache.js';
import { readKernelConfigText } from '../providers/node-host-facts.js';

/** Where stap should find a kernel build tree, and what Probekit did to get one. */
export interface KernelTreeChoice {
    /** The directory for `-r`, or undefined to let stap use its default. */
    dir?: string;
    /** Set when a stub is used: a sentence for the run's output. */
    notice?: string;
    /** True when the directory is a stub (no headers, no Makefile): the kernel runtime cannot compile with it. */
    stub: boolean;
}

/** Probekit's cache folder (`$XDG_CACHE_HOME/probekit`, else `~/.cache/probekit`). */
export function probekitCacheDir(env: NodeJS.ProcessEnv = process.env): string {
    return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'probekit');
}

/**
 * Every stap pass wants a kernel build tree, even `-p1`. When `/lib/modules/RELEASE/build` is missing, make a stub
 * (the kernel's .config, an empty Module.symvers, include/config/kernel.release) in the cache and use it: enough for
 * passes 1–4 with `--runtime=bpf`. The stub never goes under /lib/modules (bpftrace would then look there for headers).
 */
export function chooseKernelTree(opts: { explicit?: string; kernelRelease?: string; cacheDir?: string } = {}): KernelTreeChoice {
    if (opts.explicit) return { dir: opts.explicit, stub: false };
    const rel = opts.kernelRelease ?? release();
    if (existsSync(`/lib/modules/${rel}/build/Makefile`)) return { stub: false };
    const dir = join(opts.cacheDir ?? probekitCacheDir(), 'kernel-stub', rel);
    if (!existsSync(join(dir, 'include', 'config', 'kernel.release'))) {
        makeStub(dir, rel);
    }
    return {
        dir,
        stub: true,
        notice: `No kernel build tree at /lib/modules/${rel}/build: using a stub at ${dir} (kernel config only). `
            + 'That is enough to parse, elaborate and compile for --runtime=bpf; the kernel-module runtime needs '
            + `the kernel headers (e.g. apt install linux-headers-${rel}).`,
    };
}

function makeStub(dir: string, rel: string): void {
    const tmp = `${dir}.tmp-${process.pid}`;
    writeKernelStub(tmp, rel);
    makeDir(join(dir, '..'));
    try {
        renameSync(tmp, dir);
    } catch {
        // another run made it at the same moment: use theirs
    }
}

/**
 * Write a kernel build-tree stub into `dir` (made if missing): the kernel's .config, an empty Module.symvers and
 * include/config/kernel.release. Returns `dir`.
 */
export function writeKernelStub(dir: string, rel: string = release()): string {
    makeDir(join(dir, 'include', 'config'));
    writeFileSync(join(dir, '.config'), readKernelConfigText(rel));
    writeFileSync(join(dir, 'Module.symvers'), '');
    writeFileSync(join(dir, 'include', 'config', 'kernel.release'), `${rel}\n`);
    return dir;
}

/** Does the running kernel load modules at all? undefined when unknown. */
export function kernelHasModules(configText: string = readKernelConfigText()): boolean | undefined {
    if (!configText) return undefined;
    return /^CONFIG_MODULES=y$/m.test(configText);
}
