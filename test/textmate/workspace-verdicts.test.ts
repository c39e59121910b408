/**
 * The sample workspace is what it says it is: the real stap (pass 1) and the real bpftrace (`-d`,
 * which parses and checks without attaching) accept the good samples and reject the broken ones at
 * the expected place. Later features test against these files, so their verdicts must hold.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { workspaceRoot } from './textmate-helpers.js';
import { writeKernelStub } from '../../server/src/run/stap-kernel-tree.js';
import { ensureTracefs } from '../../server/test/run/run-test-helpers.js';

interface ToolResult {
    readonly code: number;
    readonly stderr: string;
}

function runTool(command: string, args: string[]): Promise<ToolResult> {
    return new Promise(resolve => {
        execFile(command, args, { cwd: workspaceRoot, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (error, _stdout, stderr) => {
            const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
            resolve({ code, stderr });
        });
    });
}

/** Line:column of stap's first parse error ("saw: … at FILE:LINE:COL"). */
function firstStapError(stderr: string): string | undefined {
    return /saw: .* at [^:\s]+:(\d+):(\d+)/.exec(stderr)?.slice(1, 3).join(':');
}

/** Line:column of bpftrace's first error ("FILE:LINE:COL-COL: ERROR: …"). */
function firstBpftraceError(stderr: string): string | undefined {
    return /^[^:\s]+\.bt:(\d+):(\d+)(?:-\d+)?: ERROR/m.exec(stderr)?.slice(1, 3).join(':');
}

interface StapCase {
    readonly file: string;
    readonly options?: string[];
    /** `LINE:COL` of the first parse error, or undefined for a script stap accepts. */
    readonly errorAt?: string;
}

const stapCases: StapCase[] = [
    { file: 'stap/syscall-count.stp' },
    { file: 'stap/top-files.stp' },
    { file: 'stap/read-latency-hist.stp' },
    { file: 'stap/kernel-version.stp' },
    { file: 'stap/macros.stp' },
    { file: 'stap/guru-task-info.stp', options: ['-g'] },
    // uses the library macros in stap/lib/units.stpm, which stap finds through -I
    { file: 'stap/library-macros.stp', options: ['-I', 'stap/lib'] },
    { file: 'stap/broken-syntax.stp', errorAt: '9:30' },
    { file: 'stap/half-typed.stp', errorAt: '11:1' },
];

describe('stap pass 1 on the SystemTap samples', () => {
    let kernelStub: string;

    beforeAll(() => {
        // stap wants a kernel build tree even to parse; the machine has none, so a stub with the
        // running kernel's config and release stands in (nothing under /lib/modules is touched).
        kernelStub = writeKernelStub(mkdtempSync(join(tmpdir(), 'probekit-kstub-')));
    });

    afterAll(() => rmSync(kernelStub, { recursive: true, force: true }));

    test.each(stapCases)('$file', async ({ file, options = [], errorAt }) => {
        const result = await runTool('stap', ['-r', kernelStub, ...options, '-p1', file]);
        if (errorAt) {
            expect(result.code, result.stderr).toBe(1);
            expect(firstStapError(result.stderr), result.stderr).toBe(errorAt);
        } else {
            expect(result.code, result.stderr).toBe(0);
        }
    });
});

interface BpftraceCase {
    readonly file: string;
    /** The oldest bpftrace whose syntax the file uses. */
    readonly since: string;
    /** `LINE:COL` of the first error, or undefined for a script bpftrace accepts. */
    readonly errorAt?: string;
}

const bpftraceCases: BpftraceCase[] = [
    { file: 'bt/hello.bt', since: '0.17' },
    { file: 'bt/syscalls-per-second.bt', since: '0.17' },
    { file: 'bt/read-size-hist.bt', since: '0.17' },
    { file: 'bt/vfs-latency-0.17.bt', since: '0.17' },
    { file: 'bt/uprobe-bash-readline.bt', since: '0.17' },
    { file: 'bt/opensnoop.bt', since: '0.19' },
    { file: 'bt/modern.bt', since: '0.24' },
    { file: 'bt/broken-syntax.bt', since: '0.17', errorAt: '6:1' },
    { file: 'bt/broken-semantic.bt', since: '0.17', errorAt: '7:20' },
    { file: 'bt/half-typed.bt', since: '0.17', errorAt: '17:1' },
];

function versionNumber(version: string): number {
    const [major, minor] = version.split('.').map(Number);
    return major * 1000 + minor;
}

describe('bpftrace -d on the bpftrace samples', () => {
    const installed = /v?(\d+\.\d+)/.exec(execFileSync('bpftrace', ['--version'], { encoding: 'utf8' }))?.[1] ?? '0.0';

    // bpftrace reads tracepoint formats from tracefs; mount it like a fresh machine needs.
    beforeAll(ensureTracefs);

    test.each(bpftraceCases)('$file', async ({ file, since, errorAt }) => {
        const result = await runTool('bpftrace', ['-d', file]);
        if (errorAt) {
            expect(result.code, result.stderr).toBe(1);
            expect(firstBpftraceError(result.stderr), result.stderr).toBe(errorAt);
        } else if (versionNumber(installed) >= versionNumber(since)) {
            expect(result.code, result.stderr).toBe(0);
        } else {
            // Written for a newer bpftrace than the installed one: it must be the syntax that fails.
            expect(result.code, result.stderr).toBe(1);
            expect(firstBpftraceError(result.stderr), result.stderr).toBeDefined();
        }
    });
});

test('every sample script has a verdict here', () => {
    const listed = [...stapCases, ...bpftraceCases].map(c => c.file).sort();
    // Scripts only: stap/lib/ holds a .stpm macro library, checked through the script that uses it.
    const present = [
        ...readdirSync(join(workspaceRoot, 'stap')).filter(f => f.endsWith('.stp')).map(f => `stap/${f}`),
        ...readdirSync(join(workspaceRoot, 'bt')).filter(f => f.endsWith('.bt')).map(f => `bt/${f}`),
    ].sort();
    expect(listed).toEqual(present);
});
