/**
 * Which tapset directories stap reads, in its order: for every root (`-I` dirs first, then the installed
 * library), a runtime prefix (`/linux`, `/dyninst`, `/bpf`, then none) times the kernel-version and
 * architecture suffixes (`/6.18.44-x/x86_64`, `/6.18.44-x`, `/6.18.44/x86_64`, …, `/x86_64`, none).
 * Pure: the server lists the files of each directory.
 */
import type { TapsetTarget } from './catalogue-tapset-types.js';

const RUNTIME_PREFIX: Record<string, string> = { kernel: '/linux', dyninst: '/dyninst', bpf: '/bpf' };

/** Directory suffixes for one root, most specific first (as stap's `passes_0_4` builds them). */
export function versionSuffixes(kernelRelease: string, arch: string): string[] {
    const out: string[] = [];
    let kvr = kernelRelease;
    if (kvr) {
        out.push(`/${kvr}/${arch}`, `/${kvr}`);
        const base = kvr.replace(/-.*$/, '');
        if (base !== kvr) {
            kvr = base;
            out.push(`/${kvr}/${arch}`, `/${kvr}`);
        }
        let dot1 = kvr.indexOf('.');
        let dot2 = kvr.lastIndexOf('.');
        while (dot2 > dot1 && dot1 >= 0) {
            kvr = kvr.slice(0, dot2);
            out.push(`/${kvr}/${arch}`, `/${kvr}`);
            dot1 = kvr.indexOf('.');
            dot2 = kvr.lastIndexOf('.');
        }
    }
    out.push(`/${arch}`, '');
    return out;
}

/** All candidate directories for `.stp` files, in stap's search order. */
export function tapsetSearchDirs(roots: readonly string[], target: TapsetTarget): string[] {
    const prefixes = [RUNTIME_PREFIX[target.runtime] ?? '/linux', ''];
    const suffixes = versionSuffixes(target.kernelRelease, target.arch);
    const dirs: string[] = [];
    for (const root of roots) {
        const r = root.replace(/\/+$/, '');
        for (const p of prefixes) for (const s of suffixes) dirs.push(r + p + s);
    }
    return [...new Set(dirs)];
}

/** Directories searched for `.stpm` library macro files (stap looks only at the runtime prefix and the root). */
export function macroSearchDirs(roots: readonly string[], target: TapsetTarget): string[] {
    const prefix = RUNTIME_PREFIX[target.runtime] ?? '/linux';
    return [...new Set(roots.flatMap(root => {
        const r = root.replace(/\/+$/, '');
        return [r + prefix, r];
    }))];
}
