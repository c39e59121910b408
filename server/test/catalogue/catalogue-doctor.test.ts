import { describe, expect, test } from 'vitest';
import { diagnose, gatherDoctorFacts, type DoctorFacts } from '../../src/catalogue/catalogue-doctor.js';

/** The finding for `what` in `area`. */
function find(findings: ReturnType<typeof diagnose>, area: string, what: string) {
    return findings.find(f => f.area === area && f.what === what);
}

describe('this machine', () => {
    test('no kernel modules or kprobes, no debuginfo; BTF and tracefs present', async () => {
        const facts = await gatherDoctorFacts();
        const findings = diagnose(facts);
        expect(find(findings, 'machine', 'loadable kernel modules')?.status).toBe('missing');
        expect(find(findings, 'machine', 'kprobes')?.status).toBe('missing');
        expect(find(findings, 'systemtap', 'kernel debuginfo')?.status).toBe('missing');
        expect(find(findings, 'systemtap', 'kernel debuginfo')?.fix).toMatch(/apt-get install linux-image-.*-dbg/);
        expect(find(findings, 'machine', 'BTF')?.status).toBe('ok');
        expect(find(findings, 'machine', 'tracefs')?.status).toBe('ok');
        expect(find(findings, 'systemtap', 'stap')?.detail).toMatch(/^version \d+\.\d+/);
        expect(find(findings, 'bpftrace', 'bpftrace')?.detail).toMatch(/^version \d+\.\d+/);
        expect(find(findings, 'bpftrace', 'kprobe/kretprobe')?.status).toBe('missing');
    });
});

const BASE: DoctorFacts = {
    kernelRelease: '6.1.0-13-amd64', arch: 'x86_64', uid: 1000, user: 'dev', groups: ['dev'],
    kernelConfig: new Map([['CONFIG_MODULES', 'y'], ['CONFIG_KPROBES', 'y'], ['CONFIG_UPROBES', 'y']]),
    stapVersion: '4.8', bpftraceVersion: '0.17.0', stapbpf: true, staprun: true,
    tapsetDir: '/usr/share/systemtap/tapset', tapsetFiles: 607, buildTree: true, buildHeaders: true,
    debuginfo: '/usr/lib/debug/boot/vmlinux-6.1.0-13-amd64',
    btf: { present: true, readable: true, size: 5 << 20, modules: 100 },
    tracefs: { mounted: true, path: '/sys/kernel/tracing', eventsReadable: false, filterFunctionsReadable: false, kprobeEvents: true },
    kallsymsAddresses: false, rootIndexCommand: 'sudo probekit index',
};

describe('other machines (facts given)', () => {
    test.each([
        ['a user in no stap group', {}, 'systemtap', 'staprun privileges', 'missing', /usermod -aG stapusr,stapdev dev/],
        ['a stapusr member', { groups: ['dev', 'stapusr'] }, 'systemtap', 'staprun privileges', 'ok', undefined],
        ['tracefs not mounted', { tracefs: { ...BASE.tracefs, mounted: false } }, 'machine', 'tracefs', 'missing', /mount -t tracefs nodev \/sys\/kernel\/tracing/],
        ['tracefs root-only', {}, 'machine', 'tracefs', 'ok', /sudo probekit index/],
        ['no stap', { stapVersion: undefined }, 'systemtap', 'stap', 'missing', /apt-get install systemtap/],
        ['no bpftrace', { bpftraceVersion: undefined }, 'bpftrace', 'bpftrace', 'missing', /apt-get install bpftrace/],
        ['not root for bpftrace', {}, 'bpftrace', 'root', 'missing', /sudo/],
        ['no build tree', { buildTree: false, buildHeaders: false }, 'systemtap', 'kernel build tree', 'missing', /linux-headers-6\.1\.0-13-amd64/],
        ['an empty build tree breaks bpftrace args', { buildHeaders: false }, 'bpftrace', 'tracepoint args', 'warn', /BPFTRACE_KERNEL_SOURCE/],
        ['no BTF', { btf: { present: false, readable: false, modules: 0 } }, 'bpftrace', 'fentry/fexit, rawtracepoint, iter argument types', 'missing', /CONFIG_DEBUG_INFO_BTF/],
        ['debuginfo present', {}, 'systemtap', 'kernel debuginfo', 'ok', undefined],
        ['no kernel config', { kernelConfig: undefined }, 'machine', 'kprobes', 'warn', undefined],
    ] as const)('%s', (_label, patch, area, what, status, fix) => {
        const f = find(diagnose({ ...BASE, ...patch } as DoctorFacts), area, what);
        expect(f?.status).toBe(status);
        if (fix) expect(f?.fix).toMatch(fix); else expect(f?.fix).toBeUndefined();
    });
});
