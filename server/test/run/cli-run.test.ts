import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { ensureTracefs, leaked, live, removeDir, tempScripts } from './run-test-helpers.js';
import { shippedCli } from '../catalogue/catalogue-test-kit.js';
import { runCli } from './cli-helpers.js';

// `probekit run` on the same core, as a separate process built from the sources like the shipped bundle.
describe('probekit run', () => {
    let dir: string;
    let bundle: string;
    const before = live('bpftrace');

    beforeAll(async () => {
        ensureTracefs();
        dir = tempScripts({
            'ok.bt': 'BEGIN { printf("ok %s\\n", str($1)); exit(); }\n',
            'loop.bt': 'interval:ms:100 { @n = count(); printf("tick\\n"); }\nEND { printf("END ran\\n"); }\n',
            'bad.bt': 'BEGIN { @x = nope(); }\n',
        });
        bundle = shippedCli(); // out/cli.cjs, which loads `run` from its own bundle
    });

    afterAll(() => removeDir(dir));

    it('runs a script with arguments after -- and returns its exit status', async () => {
        const r = await runCli(bundle, [join(dir, 'ok.bt'), '--', '--not-an-option']);
        expect(r.stdout).toContain('ok --not-an-option');
        expect(r.code).toBe(0);
    });

    it('forwards SIGINT: END output and maps print, exit status 0', async () => {
        const r = await runCli(bundle, [join(dir, 'loop.bt')], /tick\n.*tick\n/s);
        expect(r.stdout).toContain('END ran');
        expect(r.stdout).toMatch(/@n: \d+/);
        expect(r.code).toBe(0);
        expect(leaked('bpftrace', before)).toEqual([]);
    });

    it('returns the tool\'s failure status and shows its error', async () => {
        const r = await runCli(bundle, [join(dir, 'bad.bt')]);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/bad\.bt:1:14-18: ERROR: Unknown function: nope/);
    });

    it('--help says where script arguments and tool options go', async () => {
        const r = await runCli(bundle, ['--help']);
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(/^usage: probekit run \[options\] FILE \[--\] \[SCRIPT ARGS…\]$/m);
        expect(r.stdout).toContain("SCRIPT ARGS are the script's own arguments ($1, $2 … in bpftrace, $1 or @1 … in stap), never tool options");
        expect(r.stdout).toContain('every word after `--` goes to the script, even one starting with - (probekit run x.bt -- --verbose 42)');
        expect(r.stdout).toContain('Options for stap or bpftrace themselves go one per --tool-arg');
    });

    it('a tool option goes through --tool-arg, script arguments after --', async () => {
        // bpftrace -k: warnings for helper errors; the script still sees only its own argument
        const r = await runCli(bundle, ['--tool-arg', '-k', join(dir, 'ok.bt'), '--', '-k']);
        expect(r.stderr).toMatch(/\$ bpftrace -k -- \S+ok\.bt -k/);
        expect(r.stdout).toContain('ok -k');
        expect(r.code).toBe(0);
    });

    it('rejects a file whose tool it cannot tell', async () => {
        const r = await runCli(bundle, [join(dir, 'x.txt')]);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain('--tool stap|bpftrace');
    });
});

// The owner process ending (window closed, extension host exiting) must take every run with it.
describe('nothing outlives the owner', () => {
    it('process exit kills the runs of a registry', async () => {
        ensureTracefs();
        const dir = tempScripts({ 'quiet.bt': 'interval:s:1 { @n = count(); }\n' });
        const entry = join(dir, 'owner.ts');
        const { writeFileSync } = await import('node:fs');
        writeFileSync(entry, `
import { RunRegistry } from ${JSON.stringify(join(process.cwd(), 'server/src/run/run-registry.ts'))};
const registry = new RunRegistry();
const run = registry.start({ tool: 'bpftrace', file: ${JSON.stringify(join(dir, 'quiet.bt'))} }, {
    listener: { onRaw: (s, t) => { if (/Attaching/.test(t)) { console.log('PID', run.pid); process.exit(0); } } },
});
`);
        const bundle = join(dir, 'owner.cjs');
        await esbuild.build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', outfile: bundle, logLevel: 'error' });
        const before = live('bpftrace');
        const out = await new Promise<string>(resolve => {
            const child = spawn(process.execPath, [bundle], { stdio: ['ignore', 'pipe', 'inherit'] });
            let text = '';
            child.stdout.on('data', d => { text += d; });
            child.on('close', () => resolve(text));
        });
        const pid = Number(/PID (\d+)/.exec(out)?.[1]);
        expect(pid).toBeGreaterThan(0);
        // the tool was started detached, in its own group: only the exit hook can have ended it
        const { isAlive } = await import('../../src/run/run-process-tree.js');
        for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise(res => setTimeout(res, 20));
        expect(isAlive(pid)).toBe(false);
        expect(leaked('bpftrace', before)).toEqual([]);
        removeDir(dir);
    });
});

describe('nothing outlives an owner killed outright', () => {
    it('SIGKILL of the owner still ends the tool (parent-death signal)', async () => {
        ensureTracefs();
        const dir = tempScripts({ 'quiet.bt': 'interval:s:1 { @n = count(); }\n' });
        const entry = join(dir, 'owner.ts');
        const { writeFileSync } = await import('node:fs');
        writeFileSync(entry, `
import { RunRegistry } from ${JSON.stringify(join(process.cwd(), 'server/src/run/run-registry.ts'))};
const run = new RunRegistry().start({ tool: 'bpftrace', file: ${JSON.stringify(join(dir, 'quiet.bt'))} }, {
    listener: { onRaw: (s, t) => { if (/Attaching/.test(t)) console.log('PID', run.pid); } },
});
`);
        const bundle = join(dir, 'owner.cjs');
        await esbuild.build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', outfile: bundle, logLevel: 'error' });
        const child = spawn(process.execPath, [bundle], { stdio: ['ignore', 'pipe', 'inherit'] });
        const pid = await new Promise<number>(resolve => {
            let text = '';
            child.stdout.on('data', d => {
                text += d;
                const m = /PID (\d+)/.exec(text);
                if (m) resolve(Number(m[1]));
            });
        });
        const { isAlive } = await import('../../src/run/run-process-tree.js');
        expect(isAlive(pid)).toBe(true);
        child.kill('SIGKILL'); // no exit handler can run
        await new Promise(res => child.on('close', res));
        for (let i = 0; i < 250 && isAlive(pid); i++) await new Promise(res => setTimeout(res, 20));
        const survived = isAlive(pid);
        if (survived) process.kill(pid, 'SIGKILL'); // the test cleans up what it started, even when it fails
        expect(survived).toBe(false);
        removeDir(dir);
    });
});
