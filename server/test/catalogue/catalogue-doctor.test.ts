import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { diagnose, gatherDoctorFacts, type DoctorFacts } from '../../src/catalogue/catalogue-doctor.js';
import { debuginfoCandidates, findDebuginfo, lockdownOf, parseAptPolicy, parseBpftraceProbeTypes } from '../../src/catalogue/catalogue-doctor-facts.js';
import { hasTool, tempDir } from './catalogue-test-kit.js';

/** The finding for `what` in `area`. */
function find(findings: ReturnType<typeof diagnose>, area: string, what: string) {
    return findings.find(f => f.area === area && f.what === what);
}

/** Every gap (missing or warn) comes with a command that fixes it. */
function expectFixForEveryGap(findings: ReturnType<typeof diagnose>): void {
    for (const f of findings) if (f.status === 'missing' || f.status === 'warn') expect(f.fix, `${f.area}: ${f.what}`).toMatch(/\S/);
}

describe('this machine', () => {
    test('no kernel modules or kprobes, no debuginfo; BTF and tracefs present; every gap has a fix', async () => {
        const facts = await gatherDoctorFacts();
        const findings = diagnose(facts);
        const R = facts.kernelRelease;
        expect(find(findings, 'machine', 'loadable kernel modules')?.status).toBe('missing');
        expect(find(findings, 'machine', 'kprobes')?.status).toBe('missing');
        expect(find(findings, 'systemtap', 'kernel debuginfo')?.status).toBe('missing');
        // apt has no debug package for this custom kernel: the fix says how to provide one instead.
        expect(facts.packages?.[`linux-image-${R}-dbg`]).not.toBe(true);
        expect(find(findings, 'systemtap', 'kernel debuginfo')?.fix).toContain(`CONFIG_DEBUG_INFO=y and install its vmlinux as /usr/lib/debug/boot/vmlinux-${R}`);
        expect(find(findings, 'machine', 'BTF')?.status).toBe('ok');
        expect(find(findings, 'machine', 'tracefs')?.status).toBe('ok');
        expect(find(findings, 'systemtap', 'stap')?.detail).toMatch(/^version \d+\.\d+/);
        expect(find(findings, 'bpftrace', 'bpftrace')?.detail).toMatch(/^version \d+\.\d+/);
        expect(find(findings, 'bpftrace', 'kprobe/kretprobe')?.status).toBe('missing');
        if (facts.kernelBuildId) expect(debuginfoCandidates(R, facts.kernelBuildId)).toContain(`/usr/lib/debug/.build-id/${facts.kernelBuildId.slice(0, 2)}/${facts.kernelBuildId.slice(2)}.debug`);
        // Root is refused available_filter_functions here (a policy of the machine's host): the finding says why.
        if (facts.uid === 0 && facts.tracefs.filterFunctionsError === 'EPERM') {
            expect(find(findings, 'machine', 'traceable functions')?.detail).toMatch(/refused even to root \(EPERM\): .*policy.*kallsyms instead/);
        }
        // As root the doctor says which probe types bpftrace itself finds it can load: what its own --info says.
        if (facts.uid === 0 && facts.bpftraceVersion) {
            const info = spawnSync('bpftrace', ['--info'], { encoding: 'utf8' });
            const said = /^\s+kfunc: (yes|no)$/m.exec(`${info.stdout}${info.stderr}`)?.[1];
            expect(find(findings, 'bpftrace', 'kfunc/kretfunc (fentry/fexit) probes')?.status).toBe(said === 'yes' ? 'ok' : 'missing');
        }
        expectFixForEveryGap(findings);
    }, 60_000);
});

const BASE: DoctorFacts = {
    kernelRelease: '6.1.0-13-amd64', arch: 'x86_64', uid: 1000, user: 'dev', groups: ['dev'],
    kernelConfig: new Map([['CONFIG_MODULES', 'y'], ['CONFIG_KPROBES', 'y'], ['CONFIG_UPROBES', 'y']]),
    stapVersion: '4.8', bpftraceVersion: '0.17.0', stapbpf: true, staprun: true,
    tapsetDir: '/usr/share/systemtap/tapset', tapsetFiles: 607, buildTree: true, buildHeaders: true,
    debuginfo: '/usr/lib/debug/boot/vmlinux-6.1.0-13-amd64',
    btf: { present: true, readable: true, size: 5 << 20, modules: 100 },
    tracefs: { mounted: true, path: '/sys/kernel/tracing', eventsReadable: false, filterFunctionsReadable: false, kprobeEvents: true, filterFunctionsError: 'EACCES' },
    kallsymsAddresses: false, kptrRestrict: 1, rootIndexCommand: 'sudo probekit index',
};
const ROOT = { uid: 0, user: 'root', tracefs: { ...BASE.tracefs, eventsReadable: true, filterFunctionsError: 'EPERM' } };
const NO_DEBUGINFO = { debuginfo: undefined, kernelBuildId: 'abcdef0123' };

describe('other machines (facts given)', () => {
    test.each([
        ['a user in no stap group', {}, 'systemtap', 'staprun privileges', 'missing', /usermod -aG stapusr,stapdev dev/],
        ['a stapusr member', { groups: ['dev', 'stapusr'] }, 'systemtap', 'staprun privileges', 'ok', undefined],
        ['tracefs not mounted', { tracefs: { ...BASE.tracefs, mounted: false } }, 'machine', 'tracefs', 'missing', /mount -t tracefs nodev \/sys\/kernel\/tracing/],
        ['tracefs root-only', {}, 'machine', 'tracefs', 'ok', /sudo probekit index/],
        ['tracefs root-only, own cache folder', { rootIndexCommand: 'sudo env PROBEKIT_CACHE_DIR=/c probekit index' }, 'machine', 'tracefs', 'ok', /^sudo env PROBEKIT_CACHE_DIR=\/c probekit index/],
        ['no stap', { stapVersion: undefined }, 'systemtap', 'stap', 'missing', /apt-get install systemtap/],
        ['no bpftrace', { bpftraceVersion: undefined }, 'bpftrace', 'bpftrace', 'missing', /apt-get install bpftrace/],
        ['not root for bpftrace', {}, 'bpftrace', 'root', 'missing', /sudo/],
        ['no build tree, apt has headers', { buildTree: false, buildHeaders: false, packages: { 'linux-headers-6.1.0-13-amd64': true } }, 'systemtap', 'kernel build tree', 'missing', /^apt-get install linux-headers-6\.1\.0-13-amd64$/],
        ['no build tree, apt has none', { buildTree: false, buildHeaders: false, packages: { 'linux-headers-6.1.0-13-amd64': false } }, 'systemtap', 'kernel build tree', 'missing', /^no package for 6\.1\.0-13-amd64 .*modules_prepare.*stap -r \$K/],
        ['no build tree, apt not asked', { buildTree: false, buildHeaders: false }, 'systemtap', 'kernel build tree', 'missing', /^for a Debian kernel: apt-get install linux-headers-6\.1\.0-13-amd64; for a custom kernel: /],
        ['an empty build tree breaks bpftrace args', { buildHeaders: false }, 'bpftrace', 'tracepoint args', 'warn', /BPFTRACE_KERNEL_SOURCE/],
        ['no BTF', { btf: { present: false, readable: false, modules: 0 } }, 'bpftrace', 'fentry/fexit, rawtracepoint, iter argument types', 'missing', /CONFIG_DEBUG_INFO_BTF/],
        ['BTF not readable', { btf: { present: true, readable: false, modules: 0 } }, 'machine', 'BTF', 'missing', /chmod a\+r \/sys\/kernel\/btf\/vmlinux/],
        ['debuginfo present', {}, 'systemtap', 'kernel debuginfo', 'ok', undefined],
        ['no debuginfo, a Debian kernel', { ...NO_DEBUGINFO, packages: { 'linux-image-6.1.0-13-amd64-dbg': true } }, 'systemtap', 'kernel debuginfo', 'missing', /^apt-get install linux-image-6\.1\.0-13-amd64-dbg$/],
        ['no debuginfo, an Ubuntu kernel', { ...NO_DEBUGINFO, packages: { 'linux-image-6.1.0-13-amd64-dbg': false, 'linux-image-6.1.0-13-amd64-dbgsym': true } }, 'systemtap', 'kernel debuginfo', 'missing', /^apt-get install linux-image-6\.1\.0-13-amd64-dbgsym$/],
        ['no debuginfo, a custom kernel', { ...NO_DEBUGINFO, packages: { 'linux-image-6.1.0-13-amd64-dbg': false } }, 'systemtap', 'kernel debuginfo', 'missing', /^no package .*CONFIG_DEBUG_INFO=y and install its vmlinux as \/usr\/lib\/debug\/boot\/vmlinux-6\.1\.0-13-amd64 \(or point DEBUGINFOD_URLS at a debuginfod server that has build id abcdef0123\)$/],
        ['no debuginfo, apt not asked', NO_DEBUGINFO, 'systemtap', 'kernel debuginfo', 'missing', /^for a Debian kernel: apt-get install linux-image-6\.1\.0-13-amd64-dbg; for a custom kernel: build it with CONFIG_DEBUG_INFO=y/],
        ['no debuginfo, apt never updated', { ...NO_DEBUGINFO, aptListsEmpty: true }, 'systemtap', 'kernel debuginfo', 'missing', /^for a Debian kernel: apt-get update, then apt-get install linux-image-6\.1\.0-13-amd64-dbg/],
        ['no kernel config: kprobes', { kernelConfig: undefined }, 'machine', 'kprobes', 'warn', /modprobe configs .*\/boot\/config-6\.1\.0-13-amd64/],
        ['no kernel config: uprobes', { kernelConfig: undefined }, 'machine', 'uprobes', 'warn', /modprobe configs/],
        ['no kernel config: stap runtime', { kernelConfig: undefined }, 'systemtap', 'kernel runtime (module loading)', 'warn', /modprobe configs/],
        ['no uprobes', { kernelConfig: new Map([['CONFIG_MODULES', 'y']]) }, 'machine', 'uprobes', 'missing', /CONFIG_UPROBES=y/],
        ['traceable functions, not root', {}, 'machine', 'traceable functions', 'warn', /mount -o remount,gid=.* \/sys\/kernel\/tracing/],
        ['traceable functions, root, a policy refuses', ROOT, 'machine', 'traceable functions', 'warn', /dmesg \| grep -i -e denied -e lockdown/],
        ['traceable functions, root, confidentiality lockdown', { ...ROOT, lockdown: 'confidentiality', lockdownFrom: 'from /sys/kernel/security/lockdown' }, 'machine', 'traceable functions', 'warn', /lockdown=integrity/],
        ['traceable functions, ftrace off', { ...ROOT, tracefs: { ...ROOT.tracefs, filterFunctionsError: 'ENODEV' } }, 'machine', 'traceable functions', 'warn', /dmesg \| grep -i ftrace/],
        ['ftrace_enabled 0', { ftraceEnabled: 0 }, 'machine', 'function tracing', 'warn', /sysctl kernel\.ftrace_enabled=1/],
        ['kallsyms addresses hidden from a user', {}, 'machine', 'kallsyms', 'info', /run as root, or sysctl kernel\.kptr_restrict=0/],
        ['kallsyms addresses hidden from root', { ...ROOT, kptrRestrict: 2 }, 'machine', 'kallsyms', 'info', /sysctl kernel\.kptr_restrict=1/],
        ['bpftrace loads kfunc programs', { ...ROOT, bpftraceProbeTypes: { kprobe: true, kfunc: true } }, 'bpftrace', 'kfunc/kretfunc (fentry/fexit) probes', 'ok', undefined],
        ['bpftrace cannot load kfunc programs, no BPF JIT', { ...ROOT, bpftraceProbeTypes: { kfunc: false } }, 'bpftrace', 'kfunc/kretfunc (fentry/fexit) probes', 'missing', /^boot a kernel built with CONFIG_DEBUG_INFO_BTF=y and CONFIG_BPF_JIT=y and CONFIG_FUNCTION_TRACER=y$/],
        ['bpftrace cannot load kfunc programs, the kernel has what they need', { ...ROOT, bpftraceProbeTypes: { kfunc: false }, kernelConfig: new Map([['CONFIG_DEBUG_INFO_BTF', 'y'], ['CONFIG_BPF_JIT', 'y'], ['CONFIG_FUNCTION_TRACER', 'y']]) }, 'bpftrace', 'kfunc/kretfunc (fentry/fexit) probes', 'missing', /dmesg \| grep -i -e bpf -e denied.*bpftrace -e 'kfunc:vfs_read \{ exit\(\) \}'/],
        ['bpftrace cannot load iter programs', { ...ROOT, bpftraceProbeTypes: { 'iter:task': false, 'iter:task_file': true }, kernelConfig: new Map([['CONFIG_BPF_SYSCALL', 'y']]) }, 'bpftrace', 'iter probes', 'missing', /^boot a kernel built with CONFIG_DEBUG_INFO_BTF=y$/],
        ['bpftrace loads iter programs', { ...ROOT, bpftraceProbeTypes: { 'iter:task': true } }, 'bpftrace', 'iter probes', 'ok', undefined],
        ['lockdown', { lockdown: 'integrity', lockdownFrom: 'CONFIG_LOCK_DOWN_KERNEL_FORCE_INTEGRITY=y in the kernel configuration' }, 'machine', 'lockdown', 'warn', /CONFIG_LOCK_DOWN_KERNEL_FORCE_\*.*Secure Boot/],
    ] as const)('%s', (_label, patch, area, what, status, fix) => {
        const findings = diagnose({ ...BASE, ...patch } as DoctorFacts);
        const f = find(findings, area, what);
        expect(f?.status).toBe(status);
        if (fix) expect(f?.fix).toMatch(fix); else expect(f?.fix).toBeUndefined();
        expectFixForEveryGap(findings);
    });
    test('the reason root is refused names the lockdown mode and the security modules', () => {
        const f = find(diagnose({ ...BASE, ...ROOT, lockdown: 'integrity', securityModules: 'lockdown,capability,bpf' } as DoctorFacts), 'machine', 'traceable functions');
        expect(f?.detail).toBe("available_filter_functions refused even to root (EPERM): kernel lockdown is 'integrity', which does not close tracefs, so a security module's policy refuses it; security modules: lockdown,capability,bpf; kernel function names come from /proc/kallsyms instead (it also lists functions ftrace cannot attach to)");
    });
});

describe('reading the machine', () => {
    test.each([
        ['securityfs', 'none [integrity] confidentiality\n', '', undefined, { mode: 'integrity', from: 'from /sys/kernel/security/lockdown' }],
        ['forced by the configuration', undefined, 'quiet', new Map([['CONFIG_LOCK_DOWN_KERNEL_FORCE_INTEGRITY', 'y']]), { mode: 'integrity', from: 'CONFIG_LOCK_DOWN_KERNEL_FORCE_INTEGRITY=y in the kernel configuration' }],
        ['raised on the command line', undefined, 'quiet lockdown=confidentiality', new Map([['CONFIG_LOCK_DOWN_KERNEL_FORCE_INTEGRITY', 'y']]), { mode: 'confidentiality', from: 'lockdown=confidentiality on the kernel command line' }],
        ['not lowered by the command line', undefined, 'lockdown=integrity', new Map([['CONFIG_LOCK_DOWN_KERNEL_FORCE_CONFIDENTIALITY', 'y']]), { mode: 'confidentiality', from: 'CONFIG_LOCK_DOWN_KERNEL_FORCE_CONFIDENTIALITY=y in the kernel configuration' }],
        ['nothing known', undefined, 'quiet', undefined, {}],
    ] as const)('lockdown: %s', (_label, securityfs, cmdline, config, expected) => {
        expect(lockdownOf(securityfs, cmdline, config)).toEqual(expected);
    });
    test('bpftrace --info: its probe types', () => {
        // bpftrace 0.17's report (on stderr), cut short
        const text = 'Map types\n  hash: yes\n\nProbe types\n  kprobe: yes\n  tracepoint: yes\n  kfunc: no\n  iter:task: no\n  kprobe_multi: no\n  raw_tp_special: yes\n\n';
        expect(parseBpftraceProbeTypes(text)).toEqual({ kprobe: true, tracepoint: true, kfunc: false, 'iter:task': false, kprobe_multi: false, raw_tp_special: true });
        expect(parseBpftraceProbeTypes('ERROR: bpftrace currently only supports running as the root user.\n')).toEqual({});
    });
    test('apt-cache policy output', () => {
        const text = 'systemtap:\n  Installed: 4.8-2\n  Candidate: 4.8-2\n  Version table:\n *** 4.8-2 500\nlinux-image-x-dbg:\n  Installed: (none)\n  Candidate: (none)\n  Version table:\n';
        expect(parseAptPolicy(text, ['systemtap', 'linux-image-x-dbg', 'not-known'])).toEqual({ systemtap: true, 'linux-image-x-dbg': false, 'not-known': false });
    });
    test.runIf(hasTool('gcc') && hasTool('strip') && hasTool('readelf'))('debuginfo: by build id, with .debug_info, of this build', async () => {
        // A small program compiled here stands in for vmlinux: the machine has no kernel debuginfo.
        const dir = tempDir();
        writeFileSync(join(dir, 'k.c'), 'int main(void) { return 0; }\n');
        const elf = join(dir, 'vmlinux');
        execFileSync('gcc', ['-g', '-Wl,--build-id', '-o', elf, join(dir, 'k.c')]);
        const buildId = /Build ID: ([0-9a-f]+)/.exec(execFileSync('readelf', ['-n', elf], { encoding: 'utf8' }))![1];
        const root = join(dir, 'root');
        const place = (path: string, from: string) => {
            mkdirSync(dirname(path), { recursive: true });
            copyFileSync(from, path);
        };
        const [debugBoot, , byId, boot] = debuginfoCandidates('6.1.0-x', buildId, root);
        expect(byId).toBe(`${root}/usr/lib/debug/.build-id/${buildId.slice(0, 2)}/${buildId.slice(2)}.debug`);
        expect(await findDebuginfo(debuginfoCandidates('6.1.0-x', buildId, root), buildId)).toEqual({ refused: [] });
        const stripped = join(dir, 'stripped');
        execFileSync('strip', ['--strip-debug', '-o', stripped, elf]);
        place(boot, stripped);
        place(byId, elf);
        expect(await findDebuginfo(debuginfoCandidates('6.1.0-x', buildId, root), buildId)).toEqual({ path: byId, refused: [] });
        // Another build's vmlinux where stap looks first is passed over; a stripped one is refused.
        writeFileSync(join(dir, 'k.c'), 'int main(void) { return 1; }\n');
        const other = join(dir, 'other');
        execFileSync('gcc', ['-g', '-Wl,--build-id', '-o', other, join(dir, 'k.c')]);
        place(debugBoot, other);
        const found = await findDebuginfo(debuginfoCandidates('6.1.0-x', buildId, root), buildId);
        expect(found.path).toBe(byId);
        expect(found.refused).toEqual([expect.stringMatching(/vmlinux-6\.1\.0-x: another build \(build id [0-9a-f]{12}…\)$/)]);
        expect(await findDebuginfo([boot], buildId)).toEqual({ refused: [`${boot}: no .debug_info (stripped)`] });
    });
});
