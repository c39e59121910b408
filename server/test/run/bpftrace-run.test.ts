import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { RunRegistry } from '../../src/run/run-registry.js';
import { ensureTracefs, leaked, live, record, removeDir, tempScripts, waitFor } from './run-test-helpers.js';

// Real bpftrace, as root, through the run core.
describe('bpftrace runs through the backend', () => {
    const registry = new RunRegistry();
    let dir: string;
    const before = live('bpftrace');

    beforeAll(() => {
        ensureTracefs();
        dir = tempScripts({
            'begin.bt': 'BEGIN { printf("hello from BEGIN\\n"); exit(); }\n',
            'interval.bt': 'interval:ms:100 { @ticks = count(); @by["k"] = count(); printf("tick\\n"); }\nEND { printf("END ran\\n"); }\n',
            'open.bt': 'tracepoint:syscalls:sys_enter_openat /comm == "cat"/ { printf("opened %s\\n", str(args->filename)); }\n',
            'marker.txt': 'the test opens this file\n',
            'error.bt': 'BEGIN {\n  printf("x\\n");\n  @a = nosuchfn(1);\n}\n',
            'args.bt': 'BEGIN { printf("arg1=%s arg2=%d\\n", str($1), $2); exit(); }\n',
        });
    });

    afterAll(async () => {
        await registry.dispose();
        removeDir(dir);
    });

    it('runs a BEGIN script and reports exit status 0', async () => {
        const rec = record(registry, { tool: 'bpftrace', file: join(dir, 'begin.bt') });
        const result = await rec.run.done;
        expect(rec.stdout).toContain('hello from BEGIN');
        expect(result.exitCode).toBe(0);
        // the memlock line of this kernel is noise, not output and not a diagnostic
        expect(rec.stderr).not.toContain('RLIMIT_MEMLOCK');
        expect(result.diagnostics).toEqual([]);
        expect(rec.system).toMatch(/exit status 0, \d+\.\d s/);
    });

    it('stops an interval script with SIGINT: END output and the maps arrive', async () => {
        const rec = record(registry, { tool: 'bpftrace', file: join(dir, 'interval.bt') });
        await waitFor(rec, r => (r.stdout.match(/tick/g) ?? []).length >= 2);
        const result = await rec.run.stop();
        expect(result.stopped).toBe(true);
        expect(result.exitCode).toBe(0);
        expect(rec.stdout).toContain('END ran');
        expect(rec.stdout).toMatch(/@ticks: \d+/);
        expect(rec.stdout).toMatch(/@by\[k\]: \d+/);
        expect(rec.system).toContain('SIGINT');
        expect(rec.system).not.toContain('SIGTERM');
        const model = rec.run.charts.snapshot();
        expect(model.maps.map(m => m.name)).toEqual(['@by', '@ticks']);
    });

    it('sees an event the test causes (tracepoint with a predicate on comm)', async () => {
        const rec = record(registry, { tool: 'bpftrace', file: join(dir, 'open.bt') });
        await waitFor(rec, r => r.stdout.includes('Attaching'));
        const marker = join(dir, 'marker.txt');
        // "Attaching" is printed just before the probe attaches: cause the event until it is seen.
        await waitFor(rec, r => {
            execFileSync('cat', [marker]);
            return r.stdout.includes(`opened ${marker}`);
        });
        const result = await rec.run.stop();
        expect(result.exitCode).toBe(0);
    });

    it('turns an error into a diagnostic on the right line and columns', async () => {
        const file = join(dir, 'error.bt');
        const rec = record(registry, { tool: 'bpftrace', file });
        const result = await rec.run.done;
        expect(result.exitCode).toBe(1);
        // error.bt:3:8-16: ERROR: Unknown function: nosuchfn  →  line 2 (0-based), columns 7..15
        expect(result.diagnostics).toEqual([{
            file, severity: 'error', message: 'Unknown function: nosuchfn', source: 'bpftrace',
            range: { start: { line: 2, character: 7 }, end: { line: 2, character: 15 } },
        }]);
    });

    it('runs unsaved text with -e and maps stdin errors to the script', async () => {
        const rec = record(registry, { tool: 'bpftrace', text: 'BEGIN {\n  x\n}\n', scriptName: 'Untitled-1' });
        const result = await rec.run.done;
        expect(result.exitCode).toBe(1);
        expect(result.diagnostics[0]).toMatchObject({ file: undefined, range: { start: { line: 1, character: 2 }, end: { line: 1, character: 3 } } });
    });

    it('passes positional arguments', async () => {
        const rec = record(registry, { tool: 'bpftrace', file: join(dir, 'args.bt'), args: ['two words', '42'] });
        await rec.run.done;
        expect(rec.stdout).toContain('arg1=two words arg2=42');
    });

    it('collects -f json output into the chart model', async () => {
        const rec = record(registry, {
            tool: 'bpftrace', text: 'BEGIN { @h = hist(5); @h = hist(100); @c["a"] = count(); exit(); }', bpftrace: { json: true },
        });
        await rec.run.done;
        const maps = rec.run.charts.snapshot().maps;
        expect(maps.find(m => m.name === '@h')?.series[0].buckets.map(b => b.count)).toEqual([1, 0, 0, 0, 1]);
        expect(maps.find(m => m.name === '@c')?.values).toEqual([{ key: 'a', value: 1 }]);
    });

    it('leaves no bpftrace process behind', () => {
        expect(leaked('bpftrace', before)).toEqual([]);
    });
});
