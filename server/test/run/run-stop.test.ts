import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { processTree } from '../../src/run/run-process-tree.js';
import { RunRegistry } from '../../src/run/run-registry.js';
import { record, removeDir, tempScripts, waitFor, waitGone, type Recorded } from './run-test-helpers.js';

// The stop steps on a real process tree. bpftrace and stap always end on SIGINT, so a tool that does not is stood in
// for by sh running a script that ignores SIGINT (or SIGINT and SIGTERM) with two sleeping children: it is set as the
// tool's path, so the run goes through the same spawn and stop code as bpftrace (`sh -- FILE`).
describe('stopping a tool that ignores SIGINT', () => {
    const registry = new RunRegistry();
    let dir: string;

    beforeAll(() => {
        dir = tempScripts({
            'ignore-int.sh': "trap '' INT\necho ready\nsleep 300 &\nsleep 300\n",
            'ignore-all.sh': "trap '' INT TERM\necho ready\nsleep 300 &\nsleep 300\n",
        });
    });

    afterAll(async () => {
        await registry.dispose();
        removeDir(dir);
    });

    /** Start the stand-in, wait until it has set its traps and started its children; returns the run and its tree. */
    async function standIn(script: string, graceMs: number, onNotice?: (text: string) => void): Promise<{ rec: Recorded; tree: number[] }> {
        const rec = record(registry, { tool: 'bpftrace', file: join(dir, script), bpftrace: { bpftracePath: '/bin/sh' } }, { graceMs, listener: { onNotice } });
        await waitFor(rec, r => r.stdout.includes('ready'));
        let tree: number[] = [];
        await waitFor(rec, () => (tree = processTree(rec.run.pid!)).length >= 3); // sh and both sleeps
        return { rec, tree };
    }

    it.each([
        ['SIGINT only: SIGTERM ends the whole tree', 'ignore-int.sh', ['SIGINT', 'SIGTERM'], 'SIGTERM'],
        ['SIGINT and SIGTERM: SIGKILL ends the whole tree', 'ignore-all.sh', ['SIGINT', 'SIGTERM', 'SIGKILL'], 'SIGKILL'],
    ])('ignores %s', async (_, script, sent, endedBy) => {
        const { rec, tree } = await standIn(script, 500);
        const result = await rec.run.stop();
        expect([...rec.system.matchAll(/Sending (SIG\w+)/g)].map(m => m[1])).toEqual(sent);
        expect(result).toMatchObject({ stopped: true, signal: endedBy });
        expect(await waitGone(tree, 2000)).toEqual([]);
    });

    it('shutdown takes SIGINT, 2 s, SIGTERM, 1 s, SIGKILL, whatever the grace period, and leaves nothing', async () => {
        const sent: [string, number][] = [];
        // a long grace period, as a user may set: the shutdown schedule does not use it
        const { rec, tree } = await standIn('ignore-all.sh', 10_000, text => {
            const m = /^Sending (SIG\w+)/.exec(text);
            if (m) sent.push([m[1], Date.now()]);
        });
        const start = Date.now();
        const [result] = await registry.shutdown();
        const elapsed = Date.now() - start;
        expect(sent.map(s => s[0])).toEqual(['SIGINT', 'SIGTERM', 'SIGKILL']);
        expect(sent[1][1] - sent[0][1]).toBeGreaterThanOrEqual(1900);
        expect(sent[1][1] - sent[0][1]).toBeLessThan(2500);
        expect(sent[2][1] - sent[1][1]).toBeGreaterThanOrEqual(900);
        expect(sent[2][1] - sent[1][1]).toBeLessThan(1500);
        expect(elapsed).toBeLessThan(4500); // inside VS Code's deactivation budget
        expect(result.signal).toBe('SIGKILL');
        expect(rec.run.running).toBe(false);
        expect(await waitGone(tree, 1000)).toEqual([]);
    });
});
