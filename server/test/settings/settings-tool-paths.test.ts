import { execFileSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigurationProvider } from 'langium';
import { describe, expect, test } from 'vitest';
import { hostFactsByToolPaths, readHostFacts, type ToolPaths } from '../../src/providers/node-host-facts.js';
import { readToolPaths } from '../../src/server-settings.js';
import { tempDir } from '../catalogue/catalogue-test-kit.js';

/** The installed tool's path, or undefined (those tests are skipped and say so). */
function installed(tool: string): string | undefined {
    try {
        return execFileSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { encoding: 'utf8' }).trim() || undefined;
    } catch {
        return undefined;
    }
}
const bpftrace = installed('bpftrace');
const stap = installed('stap');

/** The configuration a client sends for `settings` (`section.key` → value). */
function configuration(settings: Record<string, unknown>): ConfigurationProvider {
    return { getConfiguration: async (section: string, key: string) => settings[`${section}.${key}`] } as unknown as ConfigurationProvider;
}

describe('the tools whose versions pick the check targets follow systemtap.path and bpftrace.path', () => {
    test.each([
        [{}, {}],
        [{ 'bpftrace.path': 'bpftrace', 'systemtap.path': 'stap' }, { bpftrace: 'bpftrace', stap: 'stap' }],
        [{ 'bpftrace.path': '/opt/bpftrace/bin/bpftrace' }, { bpftrace: '/opt/bpftrace/bin/bpftrace' }],
        [{ 'bpftrace.path': '  ', 'systemtap.path': '' }, {}],
    ])('settings %j → %j', async (settings, paths) => {
        expect(await readToolPaths(configuration(settings))).toEqual({ stap: undefined, bpftrace: undefined, ...paths });
    });

    test.skipIf(!bpftrace || !stap)('the executables at the configured paths are asked (each linked under another name)', async () => {
        const dir = tempDir('probekit-tools-');
        symlinkSync(bpftrace!, join(dir, 'my-bpftrace'));
        symlinkSync(stap!, join(dir, 'my-stap'));
        const onPath = await readHostFacts({ stap: true, bpftrace: true });
        const configured = await readHostFacts({ stap: true, bpftrace: true }, { stap: join(dir, 'my-stap'), bpftrace: join(dir, 'my-bpftrace') });
        expect([configured.stapVersion, configured.bpftraceVersion]).toEqual([onPath.stapVersion, onPath.bpftraceVersion]);
        expect(configured.bpftraceVersion).toMatch(/^0\.\d+/);
        const missing = await readHostFacts({ stap: true, bpftrace: true }, { stap: join(dir, 'none'), bpftrace: join(dir, 'none') });
        expect([missing.stapVersion, missing.bpftraceVersion]).toEqual([undefined, undefined]);
    });

    test('the facts are read once per pair of paths; the default names are the same pair as no setting', async () => {
        const asked: ToolPaths[] = [];
        const factsFor = hostFactsByToolPaths(async (_tools, paths = {}) => {
            asked.push(paths);
            return { bpftraceVersion: paths.bpftrace ?? 'from PATH' };
        });
        expect((await factsFor({})).bpftraceVersion).toBe('from PATH');
        expect((await factsFor({ stap: 'stap', bpftrace: 'bpftrace' })).bpftraceVersion).toBe('from PATH');
        expect((await factsFor({ bpftrace: '/opt/bt' })).bpftraceVersion).toBe('/opt/bt');
        expect((await factsFor({ bpftrace: '/opt/bt' })).bpftraceVersion).toBe('/opt/bt');
        expect(asked).toEqual([{}, { bpftrace: '/opt/bt' }]);
    });
});
