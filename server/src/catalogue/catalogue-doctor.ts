/**
 * `probekit doctor`: what this machine offers and lacks for SystemTap and bpftrace. `gatherDoctorFacts`
 * (catalogue-doctor-facts.ts) reads the machine; `diagnose` turns the facts into findings, every gap (missing
 * or warn) with the concrete command that fixes it, and is pure so tests can feed it any machine.
 */
import { debugPackages, type DoctorFacts } from './catalogue-doctor-facts.js';

export { gatherDoctorFacts, type DoctorFacts } from './catalogue-doctor-facts.js';

export type Status = 'ok' | 'missing' | 'warn' | 'info';

export interface Finding {
    area: 'machine' | 'systemtap' | 'bpftrace';
    status: Status;
    what: string;
    detail: string;
    fix?: string;
}

/** Why a kernel option may be unknown, and how to make it known. */
const configFix = (R: string): string => `modprobe configs (gives /proc/config.gz when the kernel has CONFIG_IKCONFIG=m), or copy the kernel's .config to /boot/config-${R}`;

/** What BPF tracing programs need of the kernel's configuration: fentry's trampolines (kfunc), BPF iterators (iter). */
const KFUNC_OPTIONS = ['CONFIG_DEBUG_INFO_BTF', 'CONFIG_BPF_JIT', 'CONFIG_FUNCTION_TRACER'];
const ITER_OPTIONS = ['CONFIG_DEBUG_INFO_BTF', 'CONFIG_BPF_SYSCALL'];

/**
 * How to get BPF tracing programs bpftrace could not load (`example`: a probe to try): the kernel options they need
 * (`options`), where the configuration lacks one; else the other causes, as the kernel has them.
 */
function tracingFix(f: DoctorFacts, options: readonly string[], example: string): string {
    const lacking = options.filter(k => !['y', 'm'].includes(f.kernelConfig?.get(k) ?? ''));
    if (f.kernelConfig && lacking.length) return `boot a kernel built with ${lacking.map(k => `${k}=y`).join(' and ')}`;
    return `${f.kernelConfig ? `the kernel has what they need (${options.join(', ')}); ` : ''}`
        + 'bpftrace\'s test load was refused: look for a security module\'s denial (dmesg | grep -i -e bpf -e denied), or try a newer '
        + `bpftrace, whose support may match this kernel (bpftrace -e '${example} { exit() }' tells); tracepoint: probes work without it`;
}

/** A finding for a kernel option: missing when it is off, a warning when the configuration cannot be read. */
function kernelOption(f: DoctorFacts, key: string, off: string, on: string, fix: string): { status: Status; detail: string; fix?: string } {
    const v = f.kernelConfig?.get(key);
    if (!f.kernelConfig) return { status: 'warn', detail: `unknown: the kernel configuration is not readable (${key})`, fix: configFix(f.kernelRelease) };
    if (v === 'y' || v === 'm') return { status: 'ok', detail: on };
    return { status: 'missing', detail: off, fix };
}

/**
 * The command that installs the first of `packages` apt offers; when apt was not asked (or had no lists), one
 * for a Debian kernel beside `custom`, the way for a kernel no package exists for.
 */
function packageFix(f: DoctorFacts, packages: readonly string[], custom: string): string {
    const offered = packages.find(p => f.packages?.[p]);
    if (offered) return `apt-get install ${offered}`;
    if (f.packages) return `no package for ${f.kernelRelease} in the apt sources (a custom kernel?): ${custom}`;
    const update = f.aptListsEmpty ? 'apt-get update, then ' : '';
    return `for a Debian kernel: ${update}apt-get install ${packages[0]}; for a custom kernel: ${custom}`;
}

/** Why root may not read available_filter_functions, and what to do about it. */
function traceableFunctions(f: DoctorFacts): { detail: string; fix: string } {
    const fallback = 'kernel function names come from /proc/kallsyms instead (it also lists functions ftrace cannot attach to)';
    const error = f.tracefs.filterFunctionsError ?? 'unreadable';
    if (error === 'ENODEV') {
        return { detail: `available_filter_functions: ftrace is disabled in this kernel (ENODEV: it shut itself off after an error, see dmesg); ${fallback}`,
            fix: 'dmesg | grep -i ftrace shows the failure; reboot to enable ftrace again' };
    }
    if (f.uid !== 0) {
        return { detail: `available_filter_functions is root-only (${error}); ${fallback}`,
            fix: `groupadd -f tracing && usermod -aG tracing ${f.user} && mount -o remount,gid=$(getent group tracing | cut -d: -f3) ${f.tracefs.path ?? '/sys/kernel/tracing'} (as root; log in again), or run bpftrace as root, which reads it itself` };
    }
    if (f.lockdown === 'confidentiality') {
        return { detail: `available_filter_functions refused to root (${error}): kernel lockdown is 'confidentiality' (${f.lockdownFrom}), which closes tracefs; ${fallback}`,
            fix: 'boot with lockdown=integrity (or none) instead: remove lockdown=confidentiality from the kernel command line, or boot a kernel built with CONFIG_LOCK_DOWN_KERNEL_FORCE_NONE=y' };
    }
    const lockdown = f.lockdown ? `kernel lockdown is '${f.lockdown}', which does not close tracefs, so ` : '';
    const modules = f.securityModules ? `; security modules: ${f.securityModules}` : '';
    return { detail: `available_filter_functions refused even to root (${error}): ${lockdown}a security module's policy refuses it${modules}; ${fallback}`,
        fix: 'find the rule that denies it: dmesg | grep -i -e denied -e lockdown; ausearch -m avc (SELinux); aa-status (AppArmor); bpftool prog list | grep -i lsm (a BPF LSM program, often set by the VM or container host); lift it, or keep using the kallsyms names' };
}

const LOCKDOWN_REFUSES: Record<string, string> = {
    integrity: 'unsigned kernel modules (stap\'s kernel runtime), bpf_probe_write_user, /dev/mem and kexec are refused',
    confidentiality: 'kprobes, BPF reading kernel memory, perf, tracefs and /proc/kcore are refused too, beside everything integrity mode refuses',
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
    const modules = kernelOption(f, 'CONFIG_MODULES', 'this kernel is built without module support (CONFIG_MODULES is not set)', 'supported',
        'boot a kernel built with CONFIG_MODULES=y');
    const kprobes = kernelOption(f, 'CONFIG_KPROBES', 'this kernel is built without kprobes (CONFIG_KPROBES is not set)', 'supported',
        'boot a kernel built with CONFIG_KPROBES=y');
    const uprobes = kernelOption(f, 'CONFIG_UPROBES', 'this kernel is built without uprobes (CONFIG_UPROBES is not set): no process.function / uprobe: probes', 'supported',
        'boot a kernel built with CONFIG_UPROBES=y (and CONFIG_UPROBE_EVENTS=y for bpftrace\'s uprobe:)');
    add('machine', modules.status, 'loadable kernel modules', modules.detail, modules.fix);
    add('machine', kprobes.status, 'kprobes', kprobes.detail, kprobes.fix);
    add('machine', uprobes.status, 'uprobes', uprobes.detail, uprobes.fix);
    add('machine', f.btf.readable ? 'ok' : 'missing', 'BTF',
        f.btf.readable ? `/sys/kernel/btf/vmlinux (${((f.btf.size ?? 0) / 1048576).toFixed(1)} MB, world-readable), ${f.btf.modules} module BTF files`
            : f.btf.present ? '/sys/kernel/btf/vmlinux is not readable' : 'no /sys/kernel/btf/vmlinux',
        f.btf.readable ? undefined : f.btf.present ? 'chmod a+r /sys/kernel/btf/vmlinux (as root), or run as root' : 'boot a kernel built with CONFIG_DEBUG_INFO_BTF=y');
    add('machine', f.tracefs.mounted ? 'ok' : 'missing', 'tracefs',
        f.tracefs.mounted ? `mounted at ${f.tracefs.path}; available_events ${f.tracefs.eventsReadable ? 'readable' : 'not readable'}` : 'not mounted',
        f.tracefs.mounted ? (f.tracefs.eventsReadable ? undefined : `${f.rootIndexCommand} (reads tracepoints as root and caches them where your editor reads)`) : 'mount -t tracefs nodev /sys/kernel/tracing');
    if (f.tracefs.mounted) {
        const tf = f.tracefs.filterFunctionsReadable ? undefined : traceableFunctions(f);
        add('machine', tf ? 'warn' : 'ok', 'traceable functions', tf?.detail ?? 'available_filter_functions readable', tf?.fix);
    }
    if (f.ftraceEnabled === 0) {
        add('machine', 'warn', 'function tracing', 'kernel.ftrace_enabled is 0: function tracing (kprobes on ftrace, fentry) is off', 'sysctl kernel.ftrace_enabled=1');
    }
    const kptr = f.kptrRestrict;
    add('machine', f.kallsymsAddresses ? 'ok' : 'info', 'kallsyms',
        f.kallsymsAddresses ? 'addresses visible' : `names only (addresses hidden${kptr !== undefined ? ` by kernel.kptr_restrict=${kptr}` : ''})`,
        f.kallsymsAddresses ? undefined : kptr === 2 || root ? 'sysctl kernel.kptr_restrict=1 (root sees addresses) or 0 (everyone does)' : 'run as root, or sysctl kernel.kptr_restrict=0 (everyone sees addresses)');
    if (f.lockdown && f.lockdown !== 'none') {
        add('machine', 'warn', 'lockdown', `kernel lockdown is '${f.lockdown}' (${f.lockdownFrom ?? 'from securityfs'}): ${LOCKDOWN_REFUSES[f.lockdown] ?? 'some tracing is refused'}`,
            'lockdown can only be raised while running: boot without lockdown= on the kernel command line, a kernel not built with CONFIG_LOCK_DOWN_KERNEL_FORCE_*, and with Secure Boot off (mokutil --disable-validation)');
    }

    // SystemTap
    add('systemtap', f.stapVersion ? 'ok' : 'missing', 'stap', f.stapVersion ? `version ${f.stapVersion}` : 'not installed', f.stapVersion ? undefined : 'apt-get install systemtap');
    add('systemtap', f.tapsetDir ? 'ok' : 'missing', 'tapsets', f.tapsetDir ? `${f.tapsetDir} (${f.tapsetFiles} files)` : 'no tapset library', f.tapsetDir ? undefined : 'apt-get install systemtap-common');
    add('systemtap', f.buildTree && f.buildHeaders ? 'ok' : 'missing', 'kernel build tree',
        f.buildTree ? (f.buildHeaders ? `/lib/modules/${R}/build` : `/lib/modules/${R}/build has no headers`) : `no /lib/modules/${R}/build: every stap pass wants one`,
        f.buildTree && f.buildHeaders ? undefined
            : packageFix(f, [`linux-headers-${R}`], 'install the kernel\'s build tree as /lib/modules/$(uname -r)/build (make modules_prepare in its source); check-only passes work with a stub: K=$(mktemp -d); zcat /proc/config.gz > $K/.config; touch $K/Module.symvers; mkdir -p $K/include/config; uname -r > $K/include/config/kernel.release; stap -r $K …'));
    const looked = f.debuginfoRefused?.length ? ` (${f.debuginfoRefused.join('; ')})` : '';
    add('systemtap', f.debuginfo ? 'ok' : 'missing', 'kernel debuginfo',
        f.debuginfo ? f.debuginfo : `no vmlinux with DWARF for ${R}${looked}: kernel.function/statement probes and $context variables will not resolve${f.debuginfodUrls ? ` (DEBUGINFOD_URLS=${f.debuginfodUrls})` : ''}`,
        f.debuginfo ? undefined : packageFix(f, debugPackages(R),
            `build it with CONFIG_DEBUG_INFO=y and install its vmlinux as /usr/lib/debug/boot/vmlinux-${R}${f.kernelBuildId ? ` (or point DEBUGINFOD_URLS at a debuginfod server that has build id ${f.kernelBuildId})` : ''}`));
    add('systemtap', modules.status === 'missing' ? 'missing' : modules.status === 'warn' ? 'warn' : 'ok', 'kernel runtime (module loading)',
        modules.status === 'missing' ? 'stap cannot load its kernel module here; use --runtime=bpf for what BPF can do' : modules.status === 'warn' ? 'unknown: the kernel configuration is not readable' : 'stap can load modules',
        modules.fix);
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
    const kfunc = f.bpftraceProbeTypes?.kfunc;
    if (kfunc !== undefined) {
        add('bpftrace', kfunc ? 'ok' : 'missing', 'kfunc/kretfunc (fentry/fexit) probes', kfunc
            ? `bpftrace ${f.bpftraceVersion} loads them here (bpftrace --info)`
            : `bpftrace ${f.bpftraceVersion} cannot load a kfunc program on this kernel (bpftrace --info: "kfunc: no"): it refuses kfunc:/kretfunc: probes ("not available for your kernel version"); their argument types still come from BTF`,
        kfunc ? undefined : tracingFix(f, KFUNC_OPTIONS, 'kfunc:vfs_read'));
    }
    const iters = Object.entries(f.bpftraceProbeTypes ?? {}).filter(([k]) => k.startsWith('iter:'));
    if (iters.length) {
        const refused = iters.filter(([, ok]) => !ok).map(([k]) => k);
        add('bpftrace', refused.length ? 'missing' : 'ok', 'iter probes', refused.length
            ? `bpftrace ${f.bpftraceVersion} cannot load ${refused.join(', ')} programs on this kernel (bpftrace --info)`
            : `bpftrace ${f.bpftraceVersion} loads ${iters.map(([k]) => k).join(', ')} here (bpftrace --info)`,
        refused.length ? tracingFix(f, ITER_OPTIONS, refused[0]) : undefined);
    }
    add('bpftrace', kprobes.status, 'kprobe/kretprobe', kprobes.status === 'missing' ? 'not in this kernel' : kprobes.status === 'warn' ? kprobes.detail : 'available', kprobes.fix);
    if (f.buildTree && !f.buildHeaders) {
        add('bpftrace', 'warn', 'tracepoint args', `/lib/modules/${R}/build exists without headers: bpftrace 0.17 fails on args-> ("kconfig.h file not found")`,
            `remove the empty build tree, or export BPFTRACE_KERNEL_SOURCE=DIR with an empty include/linux/kconfig.h`);
    }
    return out;
}
