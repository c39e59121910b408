/**
 * What `probekit doctor` reads from the machine: files, kernel config and command line, tool versions, and
 * (only when something is missing that a package may bring) which packages apt offers for this kernel.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { arch as nodeArch, release, userInfo } from 'node:os';
import { lazyChildProcess } from '../node-lazy.js';
import { installedBpftraceVersion, installedStapVersion, readKernelConfig, stapArchOf } from '../providers/node-host-facts.js';
import { rootIndexCommand } from './catalogue-cache.js';
import { readElfSections } from './catalogue-elf.js';
import { kernelBuildId } from './catalogue-system.js';

export interface DoctorFacts {
    kernelRelease: string;
    /** The running kernel's GNU build id (/sys/kernel/notes). */
    kernelBuildId?: string;
    arch: string;
    uid: number;
    user: string;
    /** Group names the current process is in. */
    groups: string[];
    /** undefined: config not readable. */
    kernelConfig?: ReadonlyMap<string, string>;
    stapVersion?: string;
    bpftraceVersion?: string;
    /**
     * The probe types the installed bpftrace found it can load here (`bpftrace --info`, "Probe types": `kfunc`,
     * `iter:task`, …); asked only as root, where bpftrace runs.
     */
    bpftraceProbeTypes?: Record<string, boolean>;
    stapbpf: boolean;
    staprun: boolean;
    tapsetDir?: string;
    tapsetFiles: number;
    /** `/lib/modules/R/build` exists; `buildHeaders`: it holds kernel headers (include/linux/kconfig.h). */
    buildTree: boolean;
    buildHeaders: boolean;
    /** Path of a vmlinux with DWARF (`.debug_info`) for this kernel, if one was found. */
    debuginfo?: string;
    /** Files that were found but refused, each with why (`/boot/vmlinux-R: no .debug_info`). */
    debuginfoRefused?: string[];
    debuginfodUrls?: string;
    btf: { present: boolean; readable: boolean; size?: number; modules: number };
    tracefs: {
        mounted: boolean; path?: string; eventsReadable: boolean; filterFunctionsReadable: boolean; kprobeEvents: boolean;
        /** The error reading available_filter_functions gave (`EPERM`, `EACCES`, `ENODEV`). */
        filterFunctionsError?: string;
    };
    kallsymsAddresses: boolean;
    /** /proc/sys/kernel/kptr_restrict. */
    kptrRestrict?: number;
    /** /proc/sys/kernel/ftrace_enabled. */
    ftraceEnabled?: number;
    perfEventParanoid?: number;
    unprivilegedBpfDisabled?: number;
    /** Kernel lockdown mode (`none`, `integrity`, `confidentiality`) and where that comes from (`from securityfs`, `… in the kernel configuration`). */
    lockdown?: string;
    lockdownFrom?: string;
    /** Security modules: the active list (securityfs), else the kernel's built-in default (CONFIG_LSM) or `lsm=`. */
    securityModules?: string;
    /** The command that caches root-only facts where this user's processes read them. */
    rootIndexCommand: string;
    /** Packages asked of apt (name → has an install candidate); undefined when apt could not be asked in time. */
    packages?: Record<string, boolean>;
    /** apt has no package lists yet (`apt-get update` never ran): nothing can be looked up. */
    aptListsEmpty?: boolean;
}

function readError(path: string): string | undefined {
    // tracefs may allow open() by mode bits yet refuse reading (lockdown / EPERM): read a byte to be sure.
    let fd: number | undefined;
    try {
        fd = openSync(path, 'r');
        readSync(fd, Buffer.alloc(1), 0, 1, null);
        return undefined;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code ?? 'EIO';
    } finally {
        if (fd !== undefined) closeSync(fd);
    }
}

function readable(path: string): boolean {
    return readError(path) === undefined;
}

function groupsOf(user: string, gids: number[]): string[] {
    try {
        const out: string[] = [];
        for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
            const [name, , gid, members] = line.split(':');
            if (!name) continue;
            if (gids.includes(Number(gid)) || (members ?? '').split(',').includes(user)) out.push(name);
        }
        return out;
    } catch {
        return [];
    }
}

function numberFile(path: string): number | undefined {
    try {
        return Number(readFileSync(path, 'utf8').trim());
    } catch {
        return undefined;
    }
}

function textFile(path: string): string | undefined {
    try {
        return readFileSync(path, 'utf8');
    } catch {
        return undefined;
    }
}

/** Where a vmlinux with DWARF for a kernel may be, in the order stap looks (the build-id path when the id is known). */
export function debuginfoCandidates(kernelRelease: string, buildId: string | undefined, root = ''): string[] {
    return [
        `${root}/usr/lib/debug/boot/vmlinux-${kernelRelease}`, `${root}/usr/lib/debug/lib/modules/${kernelRelease}/vmlinux`,
        ...(buildId ? [`${root}/usr/lib/debug/.build-id/${buildId.slice(0, 2)}/${buildId.slice(2)}.debug`] : []),
        `${root}/boot/vmlinux-${kernelRelease}`, `${root}/lib/modules/${kernelRelease}/build/vmlinux`,
    ];
}

/**
 * The first candidate that is an ELF file with `.debug_info` and, when both are known, the kernel's build id;
 * the others found are refused with the reason.
 */
export async function findDebuginfo(candidates: readonly string[], buildId: string | undefined): Promise<{ path?: string; refused: string[] }> {
    const refused: string[] = [];
    for (const path of candidates) {
        if (!existsSync(path)) continue;
        const elf = await readElfSections(path);
        if (!elf) refused.push(`${path}: not a readable ELF file`);
        else if (!elf.sections.includes('.debug_info')) refused.push(`${path}: no .debug_info (stripped)`);
        else if (buildId && elf.buildId && elf.buildId !== buildId) refused.push(`${path}: another build (build id ${elf.buildId.slice(0, 12)}…)`);
        else return { path, refused };
    }
    return { refused };
}

/** The lockdown mode: securityfs when mounted, else the stronger of the kernel's forced mode and `lockdown=`. */
export function lockdownOf(securityfsText: string | undefined, cmdline: string, config: ReadonlyMap<string, string> | undefined): { mode?: string; from?: string } {
    const active = securityfsText && /\[(\w+)\]/.exec(securityfsText)?.[1];
    if (active) return { mode: active, from: 'from /sys/kernel/security/lockdown' };
    const levels = ['none', 'integrity', 'confidentiality'];
    const forced = levels.slice(1).find(l => config?.get(`CONFIG_LOCK_DOWN_KERNEL_FORCE_${l.toUpperCase()}`) === 'y');
    const asked = /(?:^|\s)lockdown=(integrity|confidentiality)(?:\s|$)/.exec(cmdline)?.[1];
    if (!forced && !asked) return {};
    const mode = levels.indexOf(asked ?? 'none') > levels.indexOf(forced ?? 'none') ? asked! : forced!;
    return { mode, from: mode === asked ? `lockdown=${mode} on the kernel command line` : `CONFIG_LOCK_DOWN_KERNEL_FORCE_${mode.toUpperCase()}=y in the kernel configuration` };
}

/** Parses `apt-cache policy` output: package name → whether it has an install candidate. */
export function parseAptPolicy(text: string, asked: readonly string[]): Record<string, boolean> {
    const out: Record<string, boolean> = Object.fromEntries(asked.map(p => [p, false]));
    let current: string | undefined;
    for (const line of text.split('\n')) {
        const head = /^(\S+):$/.exec(line);
        if (head) current = head[1];
        const candidate = /^\s+Candidate:\s*(\S+)/.exec(line);
        if (candidate && current && current in out) out[current] = candidate[1] !== '(none)';
    }
    return out;
}

/** The "Probe types" section of `bpftrace --info` (`  kfunc: no`), by name. */
export function parseBpftraceProbeTypes(text: string): Record<string, boolean> {
    const out: Record<string, boolean> = {};
    const section = /^Probe types\n((?:[ \t]+.*\n?)*)/m.exec(text)?.[1] ?? '';
    for (const m of section.matchAll(/^\s+([\w:]+): (yes|no)\s*$/gm)) out[m[1]] = m[2] === 'yes';
    return out;
}

/** `bpftrace --info`'s probe types; undefined when bpftrace cannot say (not installed, not root, too slow). */
function bpftraceProbeTypes(timeoutMs: number): Promise<Record<string, boolean> | undefined> {
    return new Promise(resolve => {
        lazyChildProcess().execFile('bpftrace', ['--info'], { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
            // bpftrace 0.17 writes the report to stderr.
            const types = error ? {} : parseBpftraceProbeTypes(`${stdout ?? ''}${stderr ?? ''}`);
            resolve(Object.keys(types).length ? types : undefined);
        });
    });
}

/** Asks apt which of the packages it could install; undefined when apt-cache is missing or slower than the limit. */
function aptCandidates(packages: readonly string[], timeoutMs: number): Promise<Record<string, boolean> | undefined> {
    return new Promise(resolve => {
        lazyChildProcess().execFile('apt-cache', ['policy', ...packages], { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout) => {
            resolve(error && (error.killed || (error as NodeJS.ErrnoException).code === 'ENOENT') ? undefined : parseAptPolicy(stdout ?? '', packages));
        });
    });
}

function aptListsEmpty(): boolean | undefined {
    try {
        return !readdirSync('/var/lib/apt/lists').some(n => /_Packages(\.\w+)?$/.test(n));
    } catch {
        return undefined;
    }
}

/** The debug-symbol packages a distribution may have for a kernel release (Debian's first). */
export function debugPackages(kernelRelease: string): string[] {
    return [`linux-image-${kernelRelease}-dbg`, `linux-image-${kernelRelease}-dbgsym`, `linux-image-unsigned-${kernelRelease}-dbgsym`];
}

/** How long `bpftrace --info` may take (70 ms here; it loads a test program per feature). */
const BPFTRACE_INFO_TIMEOUT_MS = 5000;

/** How long apt-cache may take (it parses every package list when its cache file is off). */
const APT_TIMEOUT_MS = 8000;

/**
 * Reads the machine. Spawns `stap --version`, `bpftrace --version` (and `bpftrace --info` as root), and apt-cache when a
 * package may help (in parallel).
 */
export async function gatherDoctorFacts(): Promise<DoctorFacts> {
    const kernelRelease = release();
    const buildId = kernelBuildId();
    const build = `/lib/modules/${kernelRelease}/build`;
    const buildHeaders = existsSync(`${build}/include/linux/kconfig.h`);
    const debug = await findDebuginfo(debuginfoCandidates(kernelRelease, buildId), buildId);
    const wanted = [...(debug.path ? [] : debugPackages(kernelRelease)), ...(buildHeaders ? [] : [`linux-headers-${kernelRelease}`])];
    const listsEmpty = wanted.length ? aptListsEmpty() : undefined;
    const uid = process.getuid?.() ?? -1;
    const [stapVersion, bpftraceVersion, packages, probeTypes] = await Promise.all([
        installedStapVersion(), installedBpftraceVersion(),
        wanted.length && listsEmpty === false ? aptCandidates(wanted, APT_TIMEOUT_MS) : Promise.resolve(undefined),
        // bpftrace tries a small program of each probe type: what it can load here, which the kernel's files do not say.
        uid === 0 ? bpftraceProbeTypes(BPFTRACE_INFO_TIMEOUT_MS) : Promise.resolve(undefined),
    ]);
    const user = userInfo();
    const tapsetDir = existsSync('/usr/share/systemtap/tapset') ? '/usr/share/systemtap/tapset' : undefined;
    let tapsetFiles = 0;
    const count = (dir: string): void => {
        for (const e of readdirSync(dir, { withFileTypes: true })) {
            if (e.isDirectory()) count(`${dir}/${e.name}`);
            else if (e.name.endsWith('.stp') || e.name.endsWith('.stpm')) tapsetFiles++;
        }
    };
    if (tapsetDir) count(tapsetDir);
    const mounts = textFile('/proc/mounts') ?? '';
    const tracefsPath = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'].find(p => mounts.split('\n').some(l => l.split(' ')[1] === p && l.split(' ')[2] === 'tracefs'));
    let btfSize: number | undefined;
    try { btfSize = statSync('/sys/kernel/btf/vmlinux').size; } catch { /* none */ }
    let btfModules = 0;
    try { btfModules = readdirSync('/sys/kernel/btf').filter(n => n !== 'vmlinux').length; } catch { /* none */ }
    let kallsymsAddresses = false;
    try {
        const head = readFileSync('/proc/kallsyms', 'utf8').slice(0, 4096);
        kallsymsAddresses = /^[0-9a-f]*[1-9a-f][0-9a-f]* /m.test(head);
    } catch { /* unreadable */ }
    const kernelConfig = readKernelConfig(kernelRelease);
    const cmdline = textFile('/proc/cmdline') ?? '';
    const lockdown = lockdownOf(textFile('/sys/kernel/security/lockdown'), cmdline, kernelConfig);
    const lsmList = textFile('/sys/kernel/security/lsm')?.trim();
    const lsmAsked = /(?:^|\s)lsm=(\S+)/.exec(cmdline)?.[1];
    const filterError = tracefsPath ? readError(`${tracefsPath}/available_filter_functions`) : undefined;
    return {
        kernelRelease,
        ...(buildId ? { kernelBuildId: buildId } : {}),
        arch: stapArchOf(nodeArch()),
        uid,
        user: user.username,
        groups: groupsOf(user.username, process.getgroups?.() ?? []),
        kernelConfig,
        stapVersion,
        bpftraceVersion,
        ...(bpftraceVersion && probeTypes ? { bpftraceProbeTypes: probeTypes } : {}),
        stapbpf: existsSync('/usr/bin/stapbpf') || existsSync('/usr/local/bin/stapbpf'),
        staprun: existsSync('/usr/bin/staprun') || existsSync('/usr/local/bin/staprun'),
        tapsetDir,
        tapsetFiles,
        buildTree: existsSync(build),
        buildHeaders,
        debuginfo: debug.path,
        ...(debug.refused.length ? { debuginfoRefused: debug.refused } : {}),
        debuginfodUrls: process.env.DEBUGINFOD_URLS || undefined,
        btf: { present: btfSize !== undefined, readable: readable('/sys/kernel/btf/vmlinux'), size: btfSize, modules: btfModules },
        tracefs: {
            mounted: !!tracefsPath,
            path: tracefsPath,
            eventsReadable: !!tracefsPath && readable(`${tracefsPath}/available_events`),
            filterFunctionsReadable: !!tracefsPath && !filterError,
            kprobeEvents: !!tracefsPath && existsSync(`${tracefsPath}/kprobe_events`),
            ...(filterError ? { filterFunctionsError: filterError } : {}),
        },
        kallsymsAddresses,
        kptrRestrict: numberFile('/proc/sys/kernel/kptr_restrict'),
        ftraceEnabled: numberFile('/proc/sys/kernel/ftrace_enabled'),
        perfEventParanoid: numberFile('/proc/sys/kernel/perf_event_paranoid'),
        unprivilegedBpfDisabled: numberFile('/proc/sys/kernel/unprivileged_bpf_disabled'),
        ...(lockdown.mode ? { lockdown: lockdown.mode, lockdownFrom: lockdown.from } : {}),
        securityModules: lsmList ?? (lsmAsked ? `${lsmAsked} (lsm= on the command line)` : kernelConfig?.get('CONFIG_LSM') && `${kernelConfig.get('CONFIG_LSM')} (CONFIG_LSM, the kernel's default)`),
        rootIndexCommand: rootIndexCommand(),
        ...(packages ? { packages } : {}),
        ...(listsEmpty ? { aptListsEmpty: true } : {}),
    };
}
