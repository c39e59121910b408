import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sudoersLine } from '../../src/run/run-privilege.js';
import { RunRegistry } from '../../src/run/run-registry.js';
import { processTree } from '../../src/run/run-process-tree.js';
import { ensureTracefs, leaked, live, record, removeDir, tempScripts, waitFor, waitGone, type Recorded } from './run-test-helpers.js';
import { startSshd, type SshdFixture } from './sshd-fixture.js';
import { shippedCli } from '../catalogue/catalogue-test-kit.js';
import type { RemoteHost } from '../../src/run/run-types.js';

// Two "hosts": two real sshd instances on 127.0.0.1, started by the test with their own keys and config.
describe('remote runs over ssh', () => {
    const registry = new RunRegistry();
    let sshd: SshdFixture;
    let dir: string;
    const beforeBpftrace = live('bpftrace');

    beforeAll(async () => {
        ensureTracefs();
        sshd = await startSshd(2);
        dir = tempScripts({
"hello.stp": 'probe begin { printf("hello\\n"); exit() }\n',
            'ticks.bt': 'interval:ms:100 { @n = count(); printf("tick %s\\n", str($1)); }\nEND { printf("END on the host\\n"); }\n',
            'quiet.bt': 'interval:s:1 { @n = count(); }\nEND { printf("END on the host\\n"); }\n',
        });
    });

    afterAll(async () => {
        await registry.dispose();
        await sshd?.stop();
        removeDir(dir);
    });

    it('runs bpftrace on both hosts with the script on stdin; Stop All stops both and END output arrives', async () => {
        const recs: Recorded[] = sshd.hosts.map(host =>
            record(registry, { tool: 'bpftrace', file: join(dir, 'ticks.bt'), args: [`$(id) 'x' ${host.name}`], host }, { graceMs: 5000 }));
        for (const rec of recs) await waitFor(rec, r => (r.stdout.match(/tick/g) ?? []).length >= 2);
        expect(recs[0].stdout).toContain(`tick $(id) 'x' host1`);
        expect(recs[1].stdout).toContain(`tick $(id) 'x' host2`);
        expect(recs.map(r => r.run.title)).toEqual(['ticks.bt @ host1', 'ticks.bt @ host2']);
        const sshPids = recs.map(r => r.run.pid!);

        const results = await registry.stopAll();
        for (const [i, rec] of recs.entries()) {
            expect(results[i].stopped).toBe(true);
            expect(rec.stdout).toContain('END on the host');
            expect(rec.stdout).toMatch(/@n: \d+/);
            // a remote SIGINT, not a kill: the tool exits cleanly on its own
            expect(results[i].exitCode).toBe(0);
        }
        for (const pid of sshPids) expect(processTree(pid)).toEqual([]);
        expect(leaked('bpftrace', beforeBpftrace)).toEqual([]);
    });

    // A remote bpftrace that prints nothing never notices a dead connection itself (ssh -T: no terminal, no SIGHUP, and
    // no write to fail): the supervisor on the host stops it when its input ends.
    it.each<[string, (rec: Recorded) => Promise<unknown>, number | null]>([
        ['stop (SIGINT, as a line on the supervisor\'s input)', rec => rec.run.stop(), 0],
        ['killNow (the local ssh is killed, the connection ends)', rec => { rec.run.killNow(); return rec.run.done; }, null],
    ])('a quiet remote bpftrace is gone after %s', async (_, end, exitCode) => {
        const rec = record(registry, { tool: 'bpftrace', file: join(dir, 'quiet.bt'), host: sshd.hosts[0] });
        await waitFor(rec, r => r.stdout.includes('Attaching'));
        const remote = leaked('bpftrace', beforeBpftrace);
        expect(remote).toHaveLength(1);
        await end(rec);
        expect(rec.result?.exitCode).toBe(exitCode);
        if (exitCode === 0) expect(rec.stdout).toContain('END on the host');
        expect(await waitGone(remote)).toEqual([]);
    });

    it('a remote error lands on the local file', async () => {
        const errDir = tempScripts({ 'bad.bt': 'BEGIN {\n  @a = nosuchfn(1);\n}\n' });
        const file = join(errDir, 'bad.bt');
        const rec = record(registry, { tool: 'bpftrace', file, host: sshd.hosts[0] });
        const result = await rec.run.done;
        removeDir(errDir);
        expect(result.exitCode).toBe(1);
        expect(result.diagnostics[0]).toMatchObject({ file, range: { start: { line: 1, character: 7 }, end: { line: 1, character: 15 } } });
    });

    it('stap --remote: compiled here (passes 1–4), then stap itself talks to the host; its failure is explained', async () => {
        // stap runs ssh and scp itself; the host's key and options reach them through wrappers first on PATH.
        const rec = record(registry, { tool: 'stap', file: join(dir, 'hello.stp'), stap: { runtime: 'bpf' }, host: sshd.hosts[1] }, { cacheDir: join(dir, 'cache') });
        const result = await rec.run.done;
        expect(rec.system).toMatch(/\$ stap -v -r \S+ --runtime=bpf --remote=ssh:\/\/root@127\.0\.0\.1:\d+ -- \S+hello\.stp/);
        expect(rec.progress.map(p => p.pass).slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
        expect(result.exitCode).toBe(1);
        // ssh reached the host with the wrapped key and options (else: "Permission denied" / host key errors) …
        expect(rec.stderr).not.toMatch(/Permission denied|Host key verification|Connection refused/);
        // … and stap 4.8 then copies a .ko that a BPF build does not make: reported as what it is
        expect(result.explanation).toMatch(/compiled here.*the host answered.*\.ko/s);
    });

    it('probekit run --host twice: both hosts print, prefixed; one Ctrl-C stops both', async () => {
        const { runCli } = await import('./cli-helpers.js');
        const bundle = shippedCli();
        const [h1, h2] = sshd.hosts;
        const r = await runCli(bundle, [
            '--host', `root@127.0.0.1:${h1.port}`, '--host', `root@127.0.0.1:${h2.port}`, '--identity', h1.identityFile!,
            ...h1.sshOptions!.flatMap(o => ['--ssh-option', o]), join(dir, 'ticks.bt'), '--', 'cli',
        ], new RegExp(`\\[root@127\\.0\\.0\\.1:${h1.port}\\] tick cli\\n[\\s\\S]*\\[root@127\\.0\\.0\\.1:${h2.port}\\] tick cli\\n|\\[root@127\\.0\\.0\\.1:${h2.port}\\] tick cli\\n[\\s\\S]*\\[root@127\\.0\\.0\\.1:${h1.port}\\] tick cli\\n`));
        // each line starts with the host's label, the same one panels use (user@host:port for a host without a name)
        expect(r.stdout).toContain(`[root@127.0.0.1:${h1.port}] END on the host`);
        expect(r.stdout).toContain(`[root@127.0.0.1:${h2.port}] END on the host`);
        expect(r.code).toBe(0);
        expect(leaked('bpftrace', beforeBpftrace)).toEqual([]);
    });

    // ssh exits 255 when it cannot connect or log in, the status bpftrace gives an attach failure: the explanation must
    // be ssh's, naming the host, never "could not attach a probe". Every case fails fast (BatchMode: no prompt).
    it.each<[string, (h: RemoteHost) => RemoteHost, RegExp, RegExp]>([
        ['a closed port', h => ({ ...h, port: 1, name: 'nowhere' }), /Connection refused/,
            /^ssh could not connect to nowhere \(root@127\.0\.0\.1:1\): the connection was refused, so nothing listens for ssh on port 1 there\. Check the host and port/],
        ['a name that does not resolve', h => ({ ...h, host: 'no-such-host.invalid', name: undefined }), /Could not resolve hostname/,
            /^ssh could not find root@no-such-host\.invalid:\d+: the name no-such-host\.invalid does not resolve/],
        ['an unknown host key', h => ({ ...h, sshOptions: ['-o', 'StrictHostKeyChecking=yes', '-o', 'UserKnownHostsFile=/dev/null'] }), /Host key verification failed/,
            /^ssh would not log in to host1 \(root@127\.0\.0\.1:\d+\): the host's key is not in known_hosts.*ssh -p \d+ root@127\.0\.0\.1\)/],
        ['no key it accepts', h => ({ ...h, identityFile: join(sshd.dir, 'no-such-key'), sshOptions: [...h.sshOptions!, '-o', 'IdentitiesOnly=yes'] }), /Permission denied/,
            /^ssh reached host1 \(root@127\.0\.0\.1:\d+\) but could not log in as root: .*BatchMode=yes.*identityFile/],
    ])('bpftrace on %s: ssh\'s failure, explained as one', async (_, change, said, explained) => {
        const rec = record(registry, { tool: 'bpftrace', file: join(dir, 'ticks.bt'), host: change(sshd.hosts[0]) });
        const result = await rec.run.done;
        expect(result.exitCode).toBe(255);
        expect(rec.stderr).toMatch(said);
        expect(result.explanation).toMatch(explained);
        expect(result.explanation).not.toMatch(/attach/);
        expect(rec.system).toContain(result.explanation);
    });

    it('stap --remote to a closed port: stap\'s ssh failure, explained with the host', async () => {
        const host = { ...sshd.hosts[0], port: 1, name: undefined };
        const rec = record(registry, { tool: 'stap', file: join(dir, 'hello.stp'), stap: { runtime: 'bpf' }, host }, { cacheDir: join(dir, 'cache') });
        const result = await rec.run.done;
        expect(result.exitCode).toBe(1);
        expect(result.explanation).toMatch(/^stap could not open an ssh connection to root@127\.0\.0\.1:1\. Check the host and port/);
    });
});

// A host where the login user is not root and runs bpftrace through `sudo -n`, allowed by exactly the sudoers line
// Probekit suggests (no `kill`): the supervisor's stop lines reach bpftrace through sudo's relay (sudo runs in a
// session of its own, so it takes the supervisor's signals), and the connection ending still stops it.
const REMOTE_USER = 'probekit-remote';
const REMOTE_SUDOERS = '/etc/sudoers.d/probekit-remote-test';
describe.skipIf(!existsSync('/usr/bin/sudo') || process.getuid?.() !== 0)('remote runs through sudo on the host', () => {
    const registry = new RunRegistry();
    let sshd: SshdFixture;
    let dir: string;
    let host: RemoteHost;
    const before = live('bpftrace');

    beforeAll(async () => {
        ensureTracefs();
        try { execFileSync('id', [REMOTE_USER], { stdio: 'ignore' }); } catch { execFileSync('useradd', ['-M', '-s', '/bin/sh', REMOTE_USER]); }
        execFileSync('usermod', ['-p', '*', REMOTE_USER]); // no password, but not locked: sshd (without PAM) refuses locked accounts
        writeFileSync(REMOTE_SUDOERS, `${sudoersLine('bpftrace', REMOTE_USER)}\n`, { mode: 0o440 });
        sshd = await startSshd(1);
        // sshd reads the authorized keys as the user logging in
        chmodSync(sshd.dir, 0o755);
        chmodSync(join(sshd.dir, 'authorized_keys'), 0o644);
        host = { ...sshd.hosts[0], user: REMOTE_USER, sudo: true, name: 'sudo-host' };
        dir = tempScripts({
            'ticks.bt': 'interval:ms:100 { @n = count(); printf("tick\\n"); }\nEND { printf("END on the host\\n"); }\n',
            'quiet.bt': 'interval:s:1 { @n = count(); }\n',
        });
    });

    afterAll(async () => {
        await registry.dispose();
        await sshd?.stop();
        rmSync(REMOTE_SUDOERS, { force: true });
        // a stopped supervisor's last `sleep 1` may still hold the user for a moment
        for (let i = 0; i < 10; i++) {
            try { execFileSync('userdel', [REMOTE_USER], { stdio: 'ignore' }); break; } catch { await new Promise(res => setTimeout(res, 300)); }
        }
        removeDir(dir);
    });

    it('stop: SIGINT reaches bpftrace through sudo; END and the maps arrive; nothing is left', async () => {
        const rec = record(registry, { tool: 'bpftrace', file: join(dir, 'ticks.bt'), host }, { graceMs: 5000 });
        await waitFor(rec, r => (r.stdout.match(/tick/g) ?? []).length >= 2);
        const remote = leaked('bpftrace', before);
        const result = await rec.run.stop();
        expect(rec.stdout).toContain('END on the host');
        expect(rec.stdout).toMatch(/@n: \d+/);
        expect(result).toMatchObject({ stopped: true, exitCode: 0 });
        expect(rec.system).not.toContain('SIGTERM');
        expect(await waitGone(remote)).toEqual([]);
    });

    it('killNow: the connection ends and the supervisor stops a quiet bpftrace through sudo', async () => {
        const rec = record(registry, { tool: 'bpftrace', file: join(dir, 'quiet.bt'), host });
        await waitFor(rec, r => r.stdout.includes('Attaching'));
        const remote = leaked('bpftrace', before);
        expect(remote).toHaveLength(1);
        rec.run.killNow();
        await rec.run.done;
        expect(await waitGone(remote)).toEqual([]);
    });
});
