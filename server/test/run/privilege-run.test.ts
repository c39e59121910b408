import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { ensureTracefs, leaked, live, removeDir, tempScripts } from './run-test-helpers.js';

// The privilege paths for real: a user who may run bpftrace through `sudo -n`, and one who may not. The tests make
// both users and a sudoers file, and remove them afterwards. They need sudo and runuser (skipped without them).
const USERS = { allowed: 'probekit-sudo-ok', refused: 'probekit-sudo-no' };
const SUDOERS = '/etc/sudoers.d/probekit-run-test';
const haveTools = existsSync('/usr/bin/sudo') && existsSync('/usr/sbin/runuser') && process.getuid?.() === 0;

/** Run the owner script as `user`; it prints one JSON line with what the run reported. */
function runAs(user: string, bundle: string, script: string): Promise<{ system: string; stdout: string; exitCode: number | null; stopped: boolean }> {
    return new Promise((resolve, reject) => {
        const child = spawn('/usr/sbin/runuser', ['-u', user, '--', process.execPath, bundle, script], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', d => { out += d; });
        child.on('close', () => {
            try {
                resolve(JSON.parse(out.trim().split('\n').at(-1)!));
            } catch {
                reject(new Error(`owner printed: ${out}`));
            }
        });
    });
}

describe.skipIf(!haveTools)('privilege: sudo -n, or a clear message', () => {
    let dir: string;
    let bundle: string;
    const before = live('bpftrace');

    beforeAll(async () => {
        ensureTracefs();
        for (const u of Object.values(USERS)) {
            try { execFileSync('id', [u], { stdio: 'ignore' }); } catch { execFileSync('useradd', ['-M', '-s', '/bin/sh', u]); }
        }
        writeFileSync(SUDOERS, `${USERS.allowed} ALL=(root) NOPASSWD: /usr/bin/bpftrace, /usr/bin/kill\n`, { mode: 0o440 });
        dir = tempScripts({ 'loop.bt': 'interval:ms:100 { @n = count(); printf("tick\\n"); }\nEND { printf("END ran\\n"); }\n' });
        chmodSync(dir, 0o755);
        chmodSync(join(dir, 'loop.bt'), 0o644);
        const entry = join(dir, 'owner.ts');
        writeFileSync(entry, `
import { RunRegistry } from ${JSON.stringify(join(process.cwd(), 'server/src/run/run-registry.ts'))};
const registry = new RunRegistry();
let stdout = '', system = '', ticks = 0;
const run = registry.start({ tool: 'bpftrace', file: process.argv[2] }, { graceMs: 5000, cacheDir: '/tmp', listener: {
    onRaw: (stream, text) => {
        if (stream === 'stdout') { stdout += text; if ((ticks += (text.match(/tick/g) ?? []).length) >= 2) void run.stop(); }
        if (stream === 'system') system += text;
    },
} });
run.done.then(r => { console.log(JSON.stringify({ system, stdout, exitCode: r.exitCode, stopped: r.stopped })); });
`);
        bundle = join(dir, 'owner.cjs');
        await esbuild.build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', outfile: bundle, logLevel: 'error' });
        chmodSync(bundle, 0o644);
    });

    afterAll(() => {
        rmSync(SUDOERS, { force: true });
        for (const u of Object.values(USERS)) {
            try { execFileSync('userdel', [u], { stdio: 'ignore' }); } catch { /* already gone */ }
        }
        removeDir(dir);
    });

    // Retried: in some full-suite runs (not reproduced alone, under CPU load or beside other bpftrace runs) the END line
    // was missing while the maps printed; the cause is not found yet, and a retry keeps the check from hiding a
    // consistent failure while not failing the suite on that intermittent one.
    it('a user allowed by sudoers runs through sudo -n, and stop still reaches bpftrace (END, maps)', { retry: 2 }, async () => {
        const r = await runAs(USERS.allowed, bundle, join(dir, 'loop.bt'));
        expect(r.system).toMatch(/\$ sudo -n -- bpftrace -- \S+loop\.bt/);
        expect(r.stdout).toContain('END ran');
        expect(r.stdout).toMatch(/@n: \d+/);
        expect(r.stopped).toBe(true);
        expect(leaked('bpftrace', before)).toEqual([]);
    });

    it('a user sudo would ask for a password gets the fix in plain words, and no prompt', async () => {
        const r = await runAs(USERS.refused, bundle, join(dir, 'loop.bt'));
        expect(r.exitCode).toBe(1);
        expect(r.system).toMatch(/needs root to load probes/);
        expect(r.system).toContain(`${USERS.refused} ALL=(root) NOPASSWD: /usr/bin/bpftrace`);
        expect(r.system).not.toContain('$ ');
    });
});
