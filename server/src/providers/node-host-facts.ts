import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { arch as nodeArch, release } from 'node:os';
import { gunzipSync } from 'node:zlib';
import type { HostFacts } from '../../../language/src/common/host-facts.js';

/** stap's architecture names, from Node's. */
const STAP_ARCH: Record<string, string> = {
    x64: 'x86_64', ia32: 'i386', arm64: 'arm64', arm: 'arm', ppc64: 'powerpc', s390x: 's390',
    riscv64: 'riscv', mips: 'mips', loong64: 'loongarch64',
};

export function stapArchOf(nodeArchName: string): string {
    return STAP_ARCH[nodeArchName] ?? nodeArchName;
}

/**
 * Parse a kernel .config text into CONFIG_X → value, the text after `=` as it stands: a string
 * option keeps its quotes (`"(none)"`), as stap's `%( CONFIG_X == "…" %)` compares it.
 */
export function parseKernelConfig(text: string): Map<string, string> {
    const config = new Map<string, string>();
    for (const line of text.split('\n')) {
        const m = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/.exec(line);
        if (m) config.set(m[1], m[2]);
    }
    return config;
}

/** The running kernel's config text, from /proc/config.gz or /boot/config-RELEASE ('' when neither is readable). */
export function readKernelConfigText(kernelRelease: string = release()): string {
    try {
        if (existsSync('/proc/config.gz')) return gunzipSync(readFileSync('/proc/config.gz')).toString('utf8');
        const boot = `/boot/config-${kernelRelease}`;
        if (existsSync(boot)) return readFileSync(boot, 'utf8');
    } catch {
        // unreadable: unknown, the preprocessor treats CONFIG_* as unset
    }
    return '';
}

/** The kernel configuration as CONFIG_X → value; undefined when it cannot be read. */
export function readKernelConfig(kernelRelease: string = release()): Map<string, string> | undefined {
    const text = readKernelConfigText(kernelRelease);
    return text ? parseKernelConfig(text) : undefined;
}

/** `TOOL --version`, asynchronously (never blocks the server's start), matched against `pattern`. */
function toolVersion(tool: string, pattern: RegExp, timeoutMs = 3000): Promise<string | undefined> {
    return new Promise(resolve => {
        execFile(tool, ['--version'], { encoding: 'utf8', timeout: timeoutMs }, (_error, stdout, stderr) => {
            resolve(pattern.exec(`${stdout ?? ''}${stderr ?? ''}`)?.[1]);
        });
    });
}

/** The installed bpftrace's version (`0.17.0`), if there is one. */
export function installedBpftraceVersion(tool = 'bpftrace'): Promise<string | undefined> {
    return toolVersion(tool, /bpftrace v?(\d+\.\d+(?:\.\d+)?)/);
}

/** The installed stap's version (`4.8`), if there is one. */
export function installedStapVersion(tool = 'stap', timeoutMs?: number): Promise<string | undefined> {
    return toolVersion(tool, /version (\d+\.\d+)/, timeoutMs);
}

export const INSTALLED_TAPSET_DIR = '/usr/share/systemtap/tapset';

/** The stap and bpftrace executables to ask for their version (the `systemtap.path` / `bpftrace.path` settings). */
export interface ToolPaths {
    stap?: string;
    bpftrace?: string;
}

/**
 * What this machine is, read once. Tool versions are asked only when `tools` is set (both at once): spawning
 * `stap --version` costs ~50 ms, which a `check --bpftrace-version X` run does not need. `paths` names the
 * executables to ask (default: `stap` and `bpftrace` from PATH).
 */
export async function readHostFacts(tools: { stap?: boolean; bpftrace?: boolean } = {}, paths: ToolPaths = {}): Promise<HostFacts> {
    const kernelRelease = release();
    const [stapVersion, bpftraceVersion] = await Promise.all([
        tools.stap ? installedStapVersion(paths.stap) : undefined,
        tools.bpftrace ? installedBpftraceVersion(paths.bpftrace) : undefined,
    ]);
    return {
        kernelRelease,
        arch: stapArchOf(nodeArch()),
        kernelConfig: readKernelConfig(kernelRelease),
        stapVersion,
        bpftraceVersion,
        tapsetDirs: existsSync(INSTALLED_TAPSET_DIR) ? [INSTALLED_TAPSET_DIR] : [],
    };
}

/**
 * Host facts with both tool versions, read once per pair of executables (`stap` and `bpftrace` from PATH unless
 * `paths` names others): the language server asks again only when a path setting changes.
 */
export function hostFactsByToolPaths(read: typeof readHostFacts = readHostFacts): (paths: ToolPaths) => Promise<HostFacts> {
    const cache = new Map<string, Promise<HostFacts>>();
    return paths => {
        const key = JSON.stringify([paths.stap ?? 'stap', paths.bpftrace ?? 'bpftrace']);
        let facts = cache.get(key);
        if (!facts) {
            facts = read({ stap: true, bpftrace: true }, paths);
            cache.set(key, facts);
        }
        return facts;
    };
}
