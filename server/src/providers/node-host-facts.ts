import { existsSync, readFileSync, statSync } from 'node:fs';
import { arch as nodeArch, endianness, release } from 'node:os';
import { elfNotes } from '../catalogue/catalogue-elf.js';
import { lazyChildProcess, lazyZlib } from '../node-lazy.js';
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

/** Where the running kernel's configuration is read from: /proc/config.gz, else /boot/config-RELEASE. */
function kernelConfigFile(kernelRelease: string): string | undefined {
    if (existsSync('/proc/config.gz')) return '/proc/config.gz';
    const boot = `/boot/config-${kernelRelease}`;
    return existsSync(boot) ? boot : undefined;
}

/** The text of a kernel configuration file ('' when it cannot be read). */
function configText(path: string): string {
    try {
        return path.endsWith('.gz') ? lazyZlib().gunzipSync(readFileSync(path)).toString('utf8') : readFileSync(path, 'utf8');
    } catch {
        // unreadable: unknown, the preprocessor treats CONFIG_* as unset
        return '';
    }
}

/** The running kernel's config text, from /proc/config.gz or /boot/config-RELEASE ('' when neither is readable). */
export function readKernelConfigText(kernelRelease: string = release()): string {
    const path = kernelConfigFile(kernelRelease);
    return path ? configText(path) : '';
}

/**
 * Whether the running kernel offers the perf `kprobe` event source (world-readable in sysfs): it exists only in a
 * kernel with kprobes (CONFIG_KPROBE_EVENTS, which needs CONFIG_KPROBES), and bpftrace attaches its kprobes through
 * it. Its absence proves nothing (kprobes without kprobe events), so only a yes is taken from it.
 */
export function hasKprobeEventSource(sysfs = '/sys/bus/event_source/devices'): boolean {
    return existsSync(`${sysfs}/kprobe`);
}

/** The kernel configuration as CONFIG_X → value; undefined when it cannot be read. */
export function readKernelConfig(kernelRelease: string = release()): Map<string, string> | undefined {
    const text = readKernelConfigText(kernelRelease);
    return text ? parseKernelConfig(text) : undefined;
}

/**
 * The kernel configuration of a file, read (and inflated, for /proc/config.gz) when first looked into. Its
 * {@link identity} names the configuration without reading it, so a cache keyed by it is found without reading it
 * (4–5 ms of a warm `probekit index`, zlib's loading included). A file that turns out unreadable is an empty
 * configuration.
 */
export class KernelConfigFile implements ReadonlyMap<string, string> {
    private read?: Map<string, string>;

    constructor(readonly path: string, readonly identity: string) {}

    /** Whether the file has been read. */
    get loaded(): boolean {
        return this.read !== undefined;
    }

    private get map(): Map<string, string> {
        this.read ??= parseKernelConfig(configText(this.path));
        return this.read;
    }

    get size(): number { return this.map.size; }
    get(key: string): string | undefined { return this.map.get(key); }
    has(key: string): boolean { return this.map.has(key); }
    forEach(f: (value: string, key: string, map: ReadonlyMap<string, string>) => void, thisArg?: unknown): void {
        this.map.forEach((v, k) => f.call(thisArg, v, k, this));
    }
    entries(): MapIterator<[string, string]> { return this.map.entries(); }
    keys(): MapIterator<string> { return this.map.keys(); }
    values(): MapIterator<string> { return this.map.values(); }
    [Symbol.iterator](): MapIterator<[string, string]> { return this.map[Symbol.iterator](); }
}

/** `uname -v` of the running kernel (its build number and date), if readable. */
function runningKernelVersion(): string | undefined {
    try {
        return readFileSync('/proc/sys/kernel/version', 'latin1').trim();
    } catch {
        return undefined;
    }
}

/**
 * The running kernel's configuration, read when first used (see {@link KernelConfigFile}); undefined when there is
 * no file to read it from. /proc/config.gz is the running kernel's own, named by its build id (and the file's size);
 * a /boot file by its path, size and modification time.
 */
export function kernelConfigOf(kernelRelease: string = release()): KernelConfigFile | undefined {
    const path = kernelConfigFile(kernelRelease);
    if (!path) return undefined;
    try {
        const st = statSync(path);
        const identity = path === '/proc/config.gz'
            ? `${path}:${st.size}:${kernelBuildId() ?? runningKernelVersion() ?? kernelRelease}`
            : `${path}:${st.size}:${st.mtimeMs}`;
        return new KernelConfigFile(path, identity);
    } catch {
        return undefined;
    }
}

/** The kernel's GNU build id from /sys/kernel/notes, in the machine's byte order (identifies the running kernel for caches). */
export function kernelBuildId(notesPath = '/sys/kernel/notes'): string | undefined {
    try {
        for (const n of elfNotes(readFileSync(notesPath), endianness() === 'LE')) if (n.owner === 'GNU' && n.type === 3) return n.desc.toString('hex');
    } catch {
        // not readable: unknown
    }
    return undefined;
}

/** `TOOL --version`, asynchronously (never blocks the server's start), matched against `pattern`. */
function toolVersion(tool: string, pattern: RegExp, timeoutMs = 3000): Promise<string | undefined> {
    return new Promise(resolve => {
        lazyChildProcess().execFile(tool, ['--version'], { encoding: 'utf8', timeout: timeoutMs }, (_error, stdout, stderr) => {
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
        // Read when a condition first asks (`%( CONFIG_… %)`): most scripts have none, and inflating /proc/config.gz
        // loads zlib and the streams, ~15 ms of a `probekit check`.
        kernelConfig: kernelConfigOf(kernelRelease),
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
