import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { RunRegistry } from '../../src/run/run-registry.js';
import { processTree } from '../../src/run/run-process-tree.js';
import { ensureTracefs, leaked, live, record, removeDir, tempScripts, waitFor, type Recorded } from './run-test-helpers.js';
import { startSshd, type SshdFixture } from './sshd-fixture.js';

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
        const { cliBundle, runCli } = await import('./cli-helpers.js');
        const bundle = await cliBundle();
        const [h1, h2] = sshd.hosts;
        const r = await runCli(bundle, [
            '--host', `root@127.0.0.1:${h1.port}`, '--host', `root@127.0.0.1:${h2.port}`, '--identity', h1.identityFile!,
            ...h1.sshOptions!.flatMap(o => ['--ssh-option', o]), join(dir, 'ticks.bt'), '--', 'cli',
        ], new RegExp(`\\[127\\.0\\.0\\.1:${h1.port}\\] tick cli\\n[\\s\\S]*\\[127\\.0\\.0\\.1:${h2.port}\\] tick cli\\n|\\[127\\.0\\.0\\.1:${h2.port}\\] tick cli\\n[\\s\\S]*\\[127\\.0\\.0\\.1:${h1.port}\\] tick cli\\n`));
        expect(r.stdout).toContain(`[127.0.0.1:${h1.port}] END on the host`);
        expect(r.stdout).toContain(`[127.0.0.1:${h2.port}] END on the host`);
        expect(r.code).toBe(0);
        expect(leaked('bpftrace', beforeBpftrace)).toEqual([]);
    });

    it('an unreachable host fails fast with ssh\'s words, no prompt', async () => {
        const host = { ...sshd.hosts[0], port: 1, name: 'nowhere' };
        const rec = record(registry, { tool: 'bpftrace', file: join(dir, 'ticks.bt'), host });
        const result = await rec.run.done;
        expect(result.exitCode).toBe(255);
        expect(rec.stderr).toMatch(/Connection refused/);
    });
});
