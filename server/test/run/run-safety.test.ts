import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RunRegistry } from '../../src/run/run-registry.js';
import type { OutputBatch } from '../../src/run/run-output-buffer.js';
import { ensureTracefs, leaked, live, record, removeDir, tempScripts } from './run-test-helpers.js';

describe('a 100 MB flood stays bounded', () => {
    const registry = new RunRegistry();
    let dir: string;
    beforeAll(() => {
        ensureTracefs();
        dir = tempScripts({ 'flood.bt': 'BEGIN { printf("flood starts\\n"); }\n' });
    });
    afterAll(async () => {
        await registry.dispose();
        removeDir(dir);
    });

    it('keeps a bounded tail, hands the UI bounded batches and spools everything', async () => {
        // The -c target inherits bpftrace's stdout: about 109 MB of lines arrive through the run's pipe.
        const tailBytes = 1024 * 1024;
        const maxFlushBytes = 64 * 1024;
        let maxMemory = 0;
        let maxBatch = 0;
        let batches = 0;
        const run = registry.start(
            { tool: 'bpftrace', file: join(dir, 'flood.bt'), targetCommand: '/usr/bin/seq 1 15000000' },
            {
                output: { tailBytes, maxFlushBytes, spool: true },
                listener: {
                    onOutput: (list: OutputBatch[]) => {
                        batches++;
                        maxBatch = Math.max(maxBatch, list.reduce((n, b) => n + b.text.length, 0));
                        maxMemory = Math.max(maxMemory, run.output.memoryBytes());
                    },
                },
            },
        );
        const result = await run.done;
        expect(result.exitCode).toBe(0);
        expect(run.output.totalBytes).toBeGreaterThan(100_000_000);
        // memory: the tail (plus at most one chunk) and one pending batch, never the flood
        expect(maxMemory).toBeLessThanOrEqual(tailBytes + 2 * maxFlushBytes + 256 * 1024);
        expect(run.output.memoryBytes()).toBeLessThanOrEqual(tailBytes + 256 * 1024);
        // the UI never gets more than a batch's worth at once, plus the "skipped" marker line
        expect(maxBatch).toBeLessThanOrEqual(maxFlushBytes + 200);
        expect(batches).toBeLessThan(100_000_000 / maxFlushBytes);
        expect(run.output.tail()).toContain('14999999\n15000000\n');
        expect(statSync(run.output.spoolFile!).size).toBe(run.output.totalBytes);
        run.output.dispose();
        expect(existsSync(run.output.spoolFile!)).toBe(false);
    }, 120_000);
});

// Names and arguments full of shell syntax: they must reach the tool as plain words, and nothing may execute.
describe('argv injection', () => {
    const registry = new RunRegistry();
    const before = live('bpftrace');
    const nasty = `it's a "$(touch PWNED1)" \`touch PWNED2\` ; touch PWNED3 & $HOME`;
    let dir: string;
    beforeAll(() => {
        ensureTracefs();
        dir = tempScripts({
            [`${nasty}.bt`]: 'BEGIN { printf("the right file, arg=%s\\n", str($1)); exit(); }\n',
            [`${nasty}.stp`]: 'probe begin { printf("x\\n"); exit() }\n',
            '-dash.bt': 'BEGIN { printf("dash file ran\\n"); exit(); }\n',
        });
    });
    afterAll(async () => {
        await registry.dispose();
        removeDir(dir);
    });

    const pwned = (): string[] => ['PWNED1', 'PWNED2', 'PWNED3'].filter(f => existsSync(join(dir, f)) || existsSync(join(process.cwd(), f)));

    it('bpftrace runs the right file with the argument unchanged', async () => {
        const rec = record(registry, { tool: 'bpftrace', file: join(dir, `${nasty}.bt`), args: [nasty], cwd: dir });
        const result = await rec.run.done;
        expect(result.exitCode).toBe(0);
        expect(rec.stdout).toContain(`the right file, arg=${nasty}`);
        expect(pwned()).toEqual([]);
    });

    it('stap compiles the right file (its passes see the name as is)', async () => {
        const file = join(dir, `${nasty}.stp`);
        const rec = record(registry, { tool: 'stap', file, args: [nasty], stap: { runtime: 'bpf' } }, { cacheDir: join(dir, 'cache') });
        await rec.run.done;
        expect(rec.progress.map(p => p.pass)).toContain(4);
        expect(pwned()).toEqual([]);
    });

    it('a file name starting with a dash is not read as an option', async () => {
        const rec = record(registry, { tool: 'bpftrace', file: '-dash.bt', cwd: dir });
        await rec.run.done;
        expect(rec.stdout).toContain('dash file ran');
    });

    it('leaves no bpftrace process behind', () => {
        expect(leaked('bpftrace', before)).toEqual([]);
    });
});
