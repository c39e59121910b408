import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RunRegistry } from '../../src/run/run-registry.js';
import { leaked, live, record, removeDir, tempScripts } from './run-test-helpers.js';

// Real stap 4.8. This machine cannot load anything (no kernel modules; stapbpf cannot raise RLIMIT_MEMLOCK), so a
// run goes through passes 1–4 for real and must then explain the load failure in plain words.
describe('stap runs through the backend', () => {
    const registry = new RunRegistry();
    let dir: string;
    let cacheDir: string;
    const before = { stap: live('stap'), stapbpf: live('stapbpf'), staprun: live('staprun') };

    beforeAll(() => {
        dir = tempScripts({
            'hello.stp': 'global n\nprobe begin { n = 1; printf("hello\\n"); exit() }\nprobe end { printf("n=%d\\n", n) }\n',
            'semantic.stp': 'probe begin {\n  x = nosuchfn(1)\n}\n',
            'parse.stp': 'probe begin {\n  x = \n}\n',
            'quote.stp': 'probe begin {\n  printf("x\n}\n',
            'eof.stp': 'probe begin {\n  x = 1\n\n',
        });
        cacheDir = join(dir, 'cache');
    });

    afterAll(async () => {
        await registry.dispose();
        removeDir(dir);
    });

    it('compiles with -p4 -m NAME for the BPF runtime (passes 1–4), then reports the stapbpf load failure', async () => {
        const rec = record(registry, { tool: 'stap', file: join(dir, 'hello.stp'), stap: { runtime: 'bpf' } }, { cacheDir });
        const result = await rec.run.done;
        expect(rec.progress.map(p => p.pass)).toEqual([1, 2, 3, 4, 5]);
        expect(rec.progress.every(p => !p.failed)).toBe(true);
        expect(rec.progress[4].text).toMatch(/^Pass 5: loading with probekit_hello_\w+\.bo \(stapbpf\)$/);
        expect(rec.progress[0].name).toBe('parse');
        expect(rec.progress[3].text).toMatch(/^Pass 4: compiled BPF into "probekit_hello_\w+\.bo"/);
        expect(rec.system).toMatch(/\$ stap -v -r \S+ --runtime=bpf -p4 -m probekit_hello_\w+ -- \S+hello\.stp/);
        expect(rec.system).toMatch(/\$ stapbpf probekit_hello_\w+\.bo/);
        // the stub kernel tree was made in the cache and the run said so
        expect(rec.system).toContain('using a stub at');
        expect(existsSync(join(cacheDir, 'kernel-stub'))).toBe(true);
        expect(result.exitCode).toBe(1);
        expect(result.explanation).toMatch(/passes 1–4 succeeded.*could not load it.*RLIMIT_MEMLOCK/s);
        expect(rec.system).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
    });

    it('runs in one go with progress up to pass 5 and the same explanation', async () => {
        const rec = record(registry, { tool: 'stap', file: join(dir, 'hello.stp'), stap: { runtime: 'bpf', mode: 'oneGo' } }, { cacheDir });
        const result = await rec.run.done;
        expect(rec.progress.map(p => p.pass)).toEqual([1, 2, 3, 4, 5, 5, 5]);
        expect(rec.progress.at(-1)).toMatchObject({ pass: 5, failed: true });
        expect(result.explanation).toMatch(/RLIMIT_MEMLOCK/);
    });

    it('explains that the kernel runtime cannot build or load here', async () => {
        const rec = record(registry, { tool: 'stap', file: join(dir, 'hello.stp') }, { cacheDir });
        const result = await rec.run.done;
        expect(rec.progress.map(p => p.pass).slice(0, 3)).toEqual([1, 2, 3]);
        expect(rec.progress.at(-1)).toMatchObject({ pass: 4, failed: true });
        expect(result.explanation).toMatch(/pass 4 cannot build a kernel module.*--runtime=bpf/s);
    });

    it('turns a semantic error into a diagnostic on the identifier', async () => {
        const file = join(dir, 'semantic.stp');
        const rec = record(registry, { tool: 'stap', file, stap: { runtime: 'bpf' } }, { cacheDir });
        const result = await rec.run.done;
        expect(result.diagnostics).toHaveLength(1);
        expect(result.diagnostics[0]).toMatchObject({
            file, severity: 'error', source: 'stap',
            range: { start: { line: 1, character: 6 }, end: { line: 1, character: 14 } },
        });
        expect(result.diagnostics[0].message).toMatch(/^semantic error: unresolved function nosuchfn \(similar: .*\)$/);
        expect(rec.progress.at(-1)).toMatchObject({ pass: 2, failed: true });
    });

    it('turns a parse error into a diagnostic on the token stap saw', async () => {
        const file = join(dir, 'parse.stp');
        const rec = record(registry, { tool: 'stap', file }, { cacheDir });
        const result = await rec.run.done;
        expect(result.diagnostics).toEqual([{
            file, severity: 'error', source: 'stap', message: 'parse error: expected literal string or number',
            range: { start: { line: 2, character: 0 }, end: { line: 2, character: 1 } },
        }]);
    });

    // Both shapes stap prints without a `saw: … at F:L:C` line: `at: junk '' at F:L:C` (an unclosed string) and
    // `saw: FILE EOF` (the script ends too early; placed at the end of the last line that is not blank).
    it.each([
        ['quote.stp', 'parse error: Could not find matching closing quote', { start: { line: 1, character: 9 }, end: { line: 1, character: 10 } }],
        ['eof.stp', 'parse error: expected statement', { start: { line: 1, character: 6 }, end: { line: 1, character: 7 } }],
    ])('places a parse error stap reports on %s without a token it saw', async (name, message, range) => {
        const file = join(dir, name);
        const rec = record(registry, { tool: 'stap', file }, { cacheDir });
        const result = await rec.run.done;
        expect(result.diagnostics).toEqual([{ file, severity: 'error', source: 'stap', message, range }]);
        expect(rec.diagnostics).toEqual(result.diagnostics);
    });

    it('leaves no stap, staprun or stapbpf process behind', () => {
        for (const [comm, pids] of Object.entries(before)) expect(leaked(comm, pids), comm).toEqual([]);
    });
});
