import { describe, expect, test } from 'vitest';
import { canonicalProvider, checkAttachPoint, parseAttachPoint } from '../../src/bpftrace/bpftrace-attach-points.js';
import { LATEST } from '../../src/bpftrace/bpftrace-versions.js';

describe('attach points as structured values', () => {
    test.each([
        ['kprobe:vfs_read', 'kprobe', 'kprobe', ['vfs_read']],
        ['k:mod:fn+0x10', 'k', 'kprobe', ['mod', 'fn+0x10']],
        ['uprobe:/bin/bash:readline', 'uprobe', 'uprobe', ['/bin/bash', 'readline']],
        ['u:bin@src/file.c:42:7', 'u', 'uprobe', ['bin@src/file.c', '42', '7']],
        ['uprobe:lib:"ns::f(int)"', 'uprobe', 'uprobe', ['lib', '"ns::f(int)"']],
        ['t:syscalls:sys_enter_*', 't', 'tracepoint', ['syscalls', 'sys_enter_*']],
        ['rt:sched_switch', 'rt', 'rawtracepoint', ['sched_switch']],
        ['f:bpf:123:prog', 'f', 'fentry', ['bpf', '123', 'prog']],
        ['kfunc:vfs_read', 'kfunc', 'fentry', ['vfs_read']],
        ['fr:vfs_read', 'fr', 'fexit', ['vfs_read']],
        ['U:/bin/app:[ns]:probe', 'U', 'usdt', ['/bin/app', '[ns]', 'probe']],
        ['p:hz:99', 'p', 'profile', ['hz', '99']],
        ['i:1s', 'i', 'interval', ['1s']],
        ['s:cpu-clock:1000', 's', 'software', ['cpu-clock', '1000']],
        ['h:cache-misses', 'h', 'hardware', ['cache-misses']],
        ['w:0x10000:8:rw', 'w', 'watchpoint', ['0x10000', '8', 'rw']],
        ['it:task', 'it', 'iter', ['task']],
        ['BEGIN', 'BEGIN', 'begin', []],
        ['end', 'end', 'end', []],
        ['self:signal:SIGUSR1', 'self', 'self', ['signal', 'SIGUSR1']],
    ])('%s', (text, provider, canonical, parts) => {
        const ap = parseAttachPoint(text);
        expect(ap.provider).toBe(provider);
        expect(ap.canonical).toBe(canonical);
        expect(ap.parts.map(p => p.text)).toEqual(parts);
    });

    test('name= prefix', () => {
        const ap = parseAttachPoint('myname=kprobe:f');
        expect(ap.label).toBe('myname');
        expect(ap.provider).toBe('kprobe');
        expect(ap.providerOffset).toBe(7);
    });

    test('short aliases resolve case-sensitively where upstream does (U is usdt, u is uprobe)', () => {
        expect(canonicalProvider('U')).toBe('usdt');
        expect(canonicalProvider('u')).toBe('uprobe');
        expect(canonicalProvider('nonsense')).toBeUndefined();
    });
});

describe('per-provider checks (target latest)', () => {
    test.each([
        ['kprobe:f', []],
        ['k:f+16', []],
        ['kr:f+1', ['Offset not allowed']],
        ['ur:/bin/sh:f+0x10', ['Offset not allowed']],
        ['uprobe:f', ['uprobe probe type requires 2 or 3 arguments, found 1']],
        ['tracepoint:f', ['tracepoint probe type requires 2 arguments, found 1']],
        ['tracepoint:*', []],
        ['t*point:sched:*', []],
        ['k:vfs_open::', ['kprobe probe type requires 1 or 2 arguments, found 3']],
        ['begin:f', ['begin probe type requires 0 arguments, found 1']],
        ['bench', ['bench probe type requires 1 arguments, found 0']],
        ['profile:ms:nan', ['Invalid rate of profile probe: invalid integer: nan']],
        ['profile:10', ['Invalid rate of profile probe. Minimum is 1000 or 1us. Found: 10 nanoseconds']],
        ['profile:1us', []],
        ['interval:s', ["Invalid rate of interval probe: the rate after the unit 's' is missing, e.g. interval:s:1"]],
        ['p:hz', ["Invalid rate of profile probe: the rate after the unit 'hz' is missing, e.g. p:hz:99"]],
        ['profile:ms:', ["Invalid rate of profile probe: the rate after the unit 'ms' is missing, e.g. profile:ms:100"]],
        ['interval:s:1b', ['Invalid rate of interval probe: invalid trailing bytes: 1b']],
        ['interval:ms:1e3', []],
        ['software:faults:1b', ['Invalid count for software probe: invalid trailing bytes: 1b']],
        ['watchpoint:1b:8:w', ['Invalid function/address argument: invalid trailing bytes: 1b']],
        ['watchpoint:1:8a:w', ['Invalid length argument: invalid trailing bytes: 8a']],
        ['watchpoint:func+arg1:8:w', ['`watchpoint:func+argN` probes were removed in bpftrace 0.25 (target is latest)']],
        ['asdf:xyz', ['Invalid probe type: asdf']],
        ['::k::vfs_open::', ["No attach points for probe: the attach point has no provider before the first ':'"]],
        ['uprobe:/bin/bash:$0', ['invalid trailing character for positional param: 0. Try quoting this entire part if this is intentional e.g. "$0".']],
        ['uprobe:$1:$2func', []],
        ['$1', []],
        ['iter:task*', ['iter probe type does not support wildcards']],
    ])('%s', (text, messages) => {
        expect(checkAttachPoint(text, LATEST).map(p => p.message)).toEqual(messages);
    });
});

describe('per-provider checks follow the target version', () => {
    test.each([
        ['begin', 17, ['lowercase `begin`/`end` probes need bpftrace ≥ 0.24 (target is 0.17)']],
        ['BEGIN:f', 17, ['BEGIN probe type requires 0 arguments, found 1']],
        ['rawtracepoint:x', 17, ['`rawtracepoint` probes need bpftrace ≥ 0.18 (target is 0.17)']],
        ['fentry:vfs_read', 17, ['`fentry`/`fexit` probe names need bpftrace ≥ 0.20 (target is 0.17)']],
        ['kfunc:vfs_read', 17, []],
        ['interval:1s', 17, ['`interval`/`profile` rates without a unit part (`interval:1s`) need bpftrace ≥ 0.24 (target is 0.17)']],
        ['profile:99', 23, ['`interval`/`profile` rates without a unit part (`interval:1s`) need bpftrace ≥ 0.24 (target is 0.23)']],
        ['interval:1s', 24, []],
        ['interval', 17, ['interval probe type requires 2 arguments, found 0']],
        ['interval:s', 17, ["Invalid rate of interval probe: the rate after the unit 's' is missing, e.g. interval:s:1"]],
        ['uprobe:/bin/bash:cpp:readline', 18, ['uprobe language qualifiers (`uprobe:binary:cpp:function`) need bpftrace ≥ 0.19 (target is 0.18)']],
        ['ur:/bin/bash:cpp:readline', 17, ['uprobe language qualifiers (`uprobe:binary:cpp:function`) need bpftrace ≥ 0.19 (target is 0.17)']],
        ['uprobe:/bin/bash:cpp:readline', 19, []],
        ['uprobe:/bin/bash', 17, ['uprobe probe type requires 2 arguments, found 1']],
        ['asyncwatchpoint:1:8:w', 17, []],
        ['asyncwatchpoint:1:8:w', 25, ['`asyncwatchpoint` probes were removed in bpftrace 0.25 (target is 0.25)']],
        ['self:signal:SIGUSR1', 21, ['`self` probes need bpftrace ≥ 0.22 (target is 0.21)']],
        ['u:bin@file.c:10', 25, ['uprobe source lines (`bin@file:line`) need bpftrace ≥ 0.26 (target is 0.25)']],
        ['kprobe:mymod:vfs_read', 17, ['kernel module attach points (`kprobe:module:function`) need bpftrace ≥ 0.20 (target is 0.17)']],
        ['kr:mymod:vfs_read', 19, ['kernel module attach points (`kprobe:module:function`) need bpftrace ≥ 0.20 (target is 0.19)']],
        ['kprobe:mymod:vfs_read', 20, []],
        ['myname=kprobe:vfs_read', 24, ['probe names (`name=provider:…`) need bpftrace ≥ 0.25 (target is 0.24)']],
        ['myname=kprobe:vfs_read', 25, []],
    ])('%s @ 0.%s', (text, version, messages) => {
        expect(checkAttachPoint(text, version).map(p => p.message)).toEqual(messages);
    });

    test('a probe name too new for the target is reported on the name alone', () => {
        expect(checkAttachPoint('myname=kprobe:vfs_read', 17).map(p => [p.offset, p.length])).toEqual([[0, 6]]);
    });
});
