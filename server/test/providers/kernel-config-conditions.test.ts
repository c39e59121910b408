import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { arch, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { preprocessStap } from '../../../language/src/systemtap/systemtap-preprocessor.js';
import { stapTargetOf } from '../../../language/src/systemtap/systemtap-target.js';
import { kernelConfigOf, readKernelConfig, stapArchOf } from '../../src/providers/node-host-facts.js';
import { writeKernelStub } from '../../src/run/stap-kernel-tree.js';

/**
 * `%( CONFIG_… %)` conditions on this machine's kernel configuration, as the front end evaluates
 * them (the configuration read as the language server and the CLI read it) and as stap 4.8 -p1
 * does on a kernel tree stub with the same .config: unset options are empty (0 as numbers),
 * string options keep their quotes, values are numbers as strtoll reads them.
 */
const CONDITIONS = [
    'CONFIG_PROBEKIT_UNSET == ""', 'CONFIG_PROBEKIT_UNSET == "*"', 'CONFIG_PROBEKIT_UNSET != ""', 'CONFIG_PROBEKIT_UNSET != "y"',
    'CONFIG_PROBEKIT_UNSET < 1', 'CONFIG_PROBEKIT_UNSET == 0', 'CONFIG_PROBEKIT_UNSET >= 0',
    'CONFIG_DEFAULT_HOSTNAME == "(none)"', 'CONFIG_DEFAULT_HOSTNAME == "\\"(none)\\""', 'CONFIG_DEFAULT_HOSTNAME == "\\"*"',
    'CONFIG_HZ >= 100', 'CONFIG_HZ == "250"', 'CONFIG_HZ == 0250', 'CONFIG_SMP == "y"', 'CONFIG_SMP != "m"',
    'CONFIG_PHYSICAL_START > 4096', 'CONFIG_PHYSICAL_START == "0x*"',
    'CONFIG_PROBEKIT_UNSET == CONFIG_PROBEKIT_UNSET2', 'CONFIG_HZ > CONFIG_PROBEKIT_UNSET', 'CONFIG_SMP > CONFIG_HZ', 'CONFIG_SMP == CONFIG_SMP',
    '010 == 10', '"a" < "b"',
];

const dir = mkdtempSync(join(tmpdir(), 'probekit-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Which branch stap 4.8 -p1 takes for each condition (1: then, 2: else), in order. */
function stapBranches(script: string): string[] {
    const kernel = writeKernelStub(join(dir, 'kernel'));
    const file = join(dir, 'conditions.stp');
    writeFileSync(file, script);
    const r = spawnSync('stap', ['-r', kernel, '-p1', file], { encoding: 'utf8', timeout: 60_000 });
    return [...r.stdout.matchAll(/\(c\d+\) = \((\d)\);/g)].map(m => m[1]);
}

describe('kernel configuration conditions agree with stap', () => {
    test('each condition takes the branch stap takes', () => {
        const script = `probe begin {\n${CONDITIONS.map((c, k) => `  c${k} = %( ${c} %? 1 %: 2 %)\n`).join('')}}\n`;
        const target = stapTargetOf({}, { kernelRelease: release(), arch: stapArchOf(arch()), kernelConfig: readKernelConfig() });
        const ours = preprocessStap(script, target, new Map()).tokens.filter((_t, k, all) => all[k - 1]?.image === '=').map(t => t.image);
        const theirs = stapBranches(script);
        expect(theirs.length).toBe(CONDITIONS.length);
        expect(Object.fromEntries(CONDITIONS.map((c, k) => [c, ours[k]]))).toEqual(Object.fromEntries(CONDITIONS.map((c, k) => [c, theirs[k]])));
    });
});

describe('this machine\'s kernel configuration read when first used', () => {
    test('named by its file and the running kernel without reading it; then the same settings as read at once', () => {
        const config = kernelConfigOf();
        const now = readKernelConfig();
        // Every machine these tests run on has /proc/config.gz or /boot/config-RELEASE (CI's and the dev machines').
        expect(config && now).toBeTruthy();
        expect(config!.identity).toMatch(/^(\/proc\/config\.gz|\/boot\/config-.*):\d+:/);
        expect(config!.loaded).toBe(false);
        expect(kernelConfigOf()!.identity).toBe(config!.identity);
        expect(config!.get('CONFIG_HZ')).toBe(now!.get('CONFIG_HZ'));
        expect(config!.loaded).toBe(true);
        expect([...config!]).toEqual([...now!]);
        expect(config!.size).toBe(now!.size);
    });
});
