/**
 * `probekit doctor`: what this machine offers and lacks for SystemTap and bpftrace. `gatherDoctorFacts` reads
 * the machine (files, kernel config, tool versions); `diagnose` turns the facts into findings with the
 * concrete command that fixes each gap, and is pure so tests can feed it any machine.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { arch as nodeArch, release, userInfo } from 'node:os';
import { rootIndexCommand } from './catalogue-cache.js';
import { installedBpftraceVersion, installedStapVersion, readKernelConfig, stapArchOf } from '../providers/node-host-facts.js';

export interface DoctorFacts {
    kernelRelease: string;
    arch: string;
    uid: number;
    user: string;
    /** Group names the current process is in. */
    groups: string[];
    /** undefined: config not readable. */
    kernelConfig?: ReadonlyMap<string, string>;
    stapVersion?: string;
    bpftraceVersion?: string;
    stapbpf: boolean;
    staprun: boolean;
    tapsetDir?: string;
    tapsetFiles: number;
    /** `/lib/modules/R/build` exists; `buildHeaders`: it holds kernel headers (include/linux/kconfig.h). */
    buildTree: boolean;
    buildHeaders: boolean;
    /** Path of a vmlinux with DWARF, if one was found. */
    debuginfo?: string;
    debuginfodUrls?: string;
    btf: { present: boolean; readable: boolean; size?: number; modules: number };
    tracefs: { mounted: boolean; path?: string; eventsReadable: boolean; filterFunctionsReadable: boolean; kprobeEvents: boolean };
    kallsymsAddresses: boolean;
    perfEventParanoid?: number;
    unprivilegedBpfDisabled?: number;
    lockdown?: string;
    /** The command that caches root-only facts where this user's processes read them. */
    rootIndexCommand: string;
}

export type Status = 'ok' | 'missing' | 'warn' | 'info';

export interface Finding {
    area: 'machine' | 'systemtap' | 'bpftrace';
    status: Status;
    what: string;
    detail: string;
    fix?: string;
}

function readable(path: string): boolean {
    // tracefs may allow open() by mode bits yet refuse reading (lockdown / EPERM): read a byte to be sure.
    let fd: number | undefined;
    try {
        fd = openSync(path, 'r');
        readSync(fd, Buffer.alloc(1), 0, 1, null);
        return true;
    } catch {
        return false;
    } finally {
        if (fd !== undefined) closeSync(fd);
    }
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

function firstExisting(paths: string[]): string | undefined {
    return paths.find(p => existsSync(p));
}

function numberFile(path: string): number | undefined {
    try {
        return Number(readFileSync(path, 'utf8').trim());
    } catch {
        return undefined;
    }
}

/** Reads the machine. Spawns `stap --version` and `bpftrace --version` (in parallel). */
export async function gatherDoctorFacts(): Promise<DoctorFacts> {
    const kernelRelease = release();
    const [stapVersion, bpftraceVersion] = await Promise.all([installedStapVersion(), installedBpftraceVersion()]);
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
    const build = `/lib/modules/${kernelRelease}/build`;
    const mounts = readable('/proc/mounts') ? readFileSync('/proc/mounts', 'utf8') : '';
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
    let lockdown: string | undefined;
    try { lockdown = /\[(\w+)\]/.exec(readFileSync('/sys/kernel/security/lockdown', 'utf8'))?.[1]; } catch { /* no LSM file */ }
    return {
        kernelRelease,
        arch: stapArchOf(nodeArch()),
        uid: process.getuid?.() ?? -1,
        user: user.username,
        groups: groupsOf(user.username, process.getgroups?.() ?? []),
        kernelConfig: readKernelConfig(kernelRelease),
        stapVersion,
        bpftraceVersion,
        stapbpf: existsSync('/usr/bin/stapbpf') || existsSync('/usr/local/bin/stapbpf'),
        staprun: existsSync('/usr/bin/staprun') || existsSync('/usr/local/bin/staprun'),
        tapsetDir,
        tapsetFiles,
        buildTree: existsSync(build),
        buildHeaders: existsSync(`${build}/include/linux/kconfig.h`),
        debuginfo: firstExisting([
            `/usr/lib/debug/boot/vmlinux-${kernelRelease}`, `/usr/lib/debug/lib/modules/${kernelRelease}/vmlinux`,
            `/boot/vmlinux-${kernelRelease}`, `/lib/modules/${kernelRelease}/build/vmlinux`,
        ]),
        debuginfodUrls: process.env.DEBUGINFOD_URLS || undefined,
        btf: { present: btfSize !== undefined, readable: readable('/sys/kernel/btf/vmlinux'), size: btfSize, modules: btfModules },
        tracefs: {
            mounted: !!tracefsPath,
            path: tracefsPath,
            eventsReadable: !!tracefsPath && readable(`${tracefsPath}/available_events`),
            filterFunctionsReadable: !!tracefsPath && readable(`${tracefsPath}/available_filter_functions`),
            kprobeEvents: !!tracefsPath && existsSync(`${tracefsPath}/kprobe_events`),
        },
        kallsymsAddresses,
        perfEventParanoid: numberFile('/proc/sys/kernel/perf_event_paranoid'),
        unprivilegedBpfDisabled: numberFile('/proc/sys/kernel/unprivileged_bpf_disabled'),
        lockdown,
        rootIndexCommand: rootIndexCommand(),
    };
}

const on = (f: DoctorFacts, key: string): boolean | undefined => {
    if (!f.kernelConfig) return undefined;
    const v = f.kernelConfig.get(key);
    return v === 'y' || v === 'm';
};

/** Turns facts into findings, each gap with the command that fixes it. */
export function diagnose(f: DoctorFacts): Finding[] {
    const out: Finding[] = [];
    const add = (area: Finding['area'], status: Status, what: string, detail: string, fix?: string): void => {
        out.push({ area, status, what, detail, ...(fix ? { fix } : {}) });
    };
    const root = f.uid === 0;
    const R = f.kernelRelease;
    add('machine', 'info', 'kernel', `${R} (${f.arch})${f.kernelConfig ? '' : ', configuration not readable'}`);
    add('machine', root ? 'ok' : 'info', 'privileges', root ? 'running as root' : `running as ${f.user} (uid ${f.uid}); groups: ${f.groups.join(', ') || 'none'}`);
    const modules = on(f, 'CONFIG_MODULES');
    const kprobes = on(f, 'CONFIG_KPROBES');
    add('machine', modules === false ? 'missing' : modules ? 'ok' : 'warn', 'loadable kernel modules',
        modules === false ? 'this kernel is built without module support (CONFIG_MODULES is not set)' : modules ? 'supported' : 'unknown (no kernel config)',
        modules === false ? 'boot a kernel built with CONFIG_MODULES=y' : undefined);
    add('machine', kprobes === false ? 'missing' : kprobes ? 'ok' : 'warn', 'kprobes',
        kprobes === false ? 'this kernel is built without kprobes (CONFIG_KPROBES is not set)' : kprobes ? 'supported' : 'unknown (no kernel config)',
        kprobes === false ? 'boot a kernel built with CONFIG_KPROBES=y' : undefined);
    add('machine', on(f, 'CONFIG_UPROBES') === false ? 'missing' : 'ok', 'uprobes', on(f, 'CONFIG_UPROBES') === false ? 'not in this kernel' : 'supported');
    add('machine', f.btf.readable ? 'ok' : 'missing', 'BTF',
        f.btf.readable ? `/sys/kernel/btf/vmlinux (${((f.btf.size ?? 0) / 1048576).toFixed(1)} MB, world-readable), ${f.btf.modules} module BTF files`
            : f.btf.present ? '/sys/kernel/btf/vmlinux is not readable' : 'no /sys/kernel/btf/vmlinux',
        f.btf.readable ? undefined : 'boot a kernel built with CONFIG_DEBUG_INFO_BTF=y');
    add('machine', f.tracefs.mounted ? 'ok' : 'missing', 'tracefs',
        f.tracefs.mounted ? `mounted at ${f.tracefs.path}; available_events ${f.tracefs.eventsReadable ? 'readable' : 'not readable'}` : 'not mounted',
        f.tracefs.mounted ? (f.tracefs.eventsReadable ? undefined : `${f.rootIndexCommand} (reads tracepoints as root and caches them where your editor reads)`) : 'mount -t tracefs nodev /sys/kernel/tracing');
    if (f.tracefs.mounted) {
        add('machine', f.tracefs.filterFunctionsReadable ? 'ok' : 'warn', 'traceable functions',
            f.tracefs.filterFunctionsReadable ? 'available_filter_functions readable' : 'available_filter_functions not readable (kallsyms is used instead)',
            f.tracefs.filterFunctionsReadable ? undefined : root ? undefined : 'run as root');
    }
    add('machine', f.kallsymsAddresses ? 'ok' : 'info', 'kallsyms', f.kallsymsAddresses ? 'addresses visible' : 'names only (addresses hidden for this user)');
    if (f.lockdown && f.lockdown !== 'none') add('machine', 'warn', 'lockdown', `kernel lockdown is '${f.lockdown}': some tracing is refused`);

    // SystemTap
    add('systemtap', f.stapVersion ? 'ok' : 'missing', 'stap', f.stapVersion ? `version ${f.stapVersion}` : 'not installed', f.stapVersion ? undefined : 'apt-get install systemtap');
    add('systemtap', f.tapsetDir ? 'ok' : 'missing', 'tapsets', f.tapsetDir ? `${f.tapsetDir} (${f.tapsetFiles} files)` : 'no tapset library', f.tapsetDir ? undefined : 'apt-get install systemtap-common');
    add('systemtap', f.buildTree && f.buildHeaders ? 'ok' : 'missing', 'kernel build tree',
        f.buildTree ? (f.buildHeaders ? `/lib/modules/${R}/build` : `/lib/modules/${R}/build has no headers`) : `no /lib/modules/${R}/build: every stap pass wants one`,
        f.buildTree && f.buildHeaders ? undefined
            : `apt-get install linux-headers-${R} (for a custom kernel, check-only passes work with a stub: K=$(mktemp -d); zcat /proc/config.gz > $K/.config; touch $K/Module.symvers; mkdir -p $K/include/config; uname -r > $K/include/config/kernel.release; stap -r $K …)`);
    add('systemtap', f.debuginfo ? 'ok' : 'missing', 'kernel debuginfo',
        f.debuginfo ? f.debuginfo : `no vmlinux with DWARF for ${R}: kernel.function/statement probes and $context variables will not resolve${f.debuginfodUrls ? ` (DEBUGINFOD_URLS=${f.debuginfodUrls})` : ''}`,
        f.debuginfo ? undefined : `apt-get install linux-image-${R}-dbg (or set DEBUGINFOD_URLS)`);
    add('systemtap', modules === false ? 'missing' : 'ok', 'kernel runtime (module loading)',
        modules === false ? 'stap cannot load its kernel module here; use --runtime=bpf for what BPF can do' : 'stap can load modules',
        modules === false ? 'boot a kernel built with CONFIG_MODULES=y' : undefined);
    add('systemtap', f.stapbpf ? 'ok' : 'missing', 'bpf runtime', f.stapbpf ? 'stapbpf installed (--runtime=bpf)' : 'stapbpf not installed', f.stapbpf ? undefined : 'apt-get install systemtap-runtime');
    const stapGroups = ['stapusr', 'stapsys', 'stapdev'].filter(g => f.groups.includes(g));
    add('systemtap', root || stapGroups.length ? 'ok' : 'missing', 'staprun privileges',
        root ? 'root' : stapGroups.length ? `member of ${stapGroups.join(', ')}` : `${f.user} is in none of stapusr, stapsys, stapdev`,
        root || stapGroups.length ? undefined : `usermod -aG stapusr,stapdev ${f.user} (then log in again)`);

    // bpftrace
    add('bpftrace', f.bpftraceVersion ? 'ok' : 'missing', 'bpftrace', f.bpftraceVersion ? `version ${f.bpftraceVersion}` : 'not installed', f.bpftraceVersion ? undefined : 'apt-get install bpftrace');
    add('bpftrace', root ? 'ok' : 'missing', 'root', root ? 'running as root' : 'bpftrace only runs as root', root ? undefined : 'sudo bpftrace …');
    add('bpftrace', f.btf.readable ? 'ok' : 'missing', 'fentry/fexit, rawtracepoint, iter argument types', f.btf.readable ? 'from BTF' : 'no BTF',
        f.btf.readable ? undefined : 'boot a kernel built with CONFIG_DEBUG_INFO_BTF=y');
    add('bpftrace', kprobes === false ? 'missing' : 'ok', 'kprobe/kretprobe', kprobes === false ? 'not in this kernel' : 'available',
        kprobes === false ? 'boot a kernel built with CONFIG_KPROBES=y' : undefined);
    if (f.buildTree && !f.buildHeaders) {
        add('bpftrace', 'warn', 'tracepoint args', `/lib/modules/${R}/build exists without headers: bpftrace 0.17 fails on args-> ("kconfig.h file not found")`,
            `remove the empty build tree, or export BPFTRACE_KERNEL_SOURCE=DIR with an empty include/linux/kconfig.h`);
    }
    return out;
}
