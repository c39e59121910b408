/**
 * Workspace trust and the settings: in an untrusted workspace VS Code leaves out the workspace's values of the
 * settings package.json lists under `restrictedConfigurations`, and the language server takes its check options
 * only from the configuration the client sends, so a restricted setting never reaches it from the workspace.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigurationProvider } from 'langium';
import { describe, expect, test } from 'vitest';
import { readCheckOptions, readToolPaths } from '../../src/server-settings.js';

const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
    capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } };
    contributes: { configuration: Array<{ properties: Record<string, unknown> }> };
};
const restricted = manifest.capabilities.untrustedWorkspaces.restrictedConfigurations;
const contributed = manifest.contributes.configuration.flatMap(c => Object.keys(c.properties));

/**
 * Every contributed setting and whether a workspace may set it while untrusted. A setting is restricted when its
 * value makes Probekit read or run something the workspace chooses (a file, a directory, a program, tool options).
 */
const TRUST: Record<string, 'restricted' | 'allowed'> = {
    'systemtap.tapsetDirs': 'restricted',             // the language server reads every .stp/.stpm in them
    'systemtap.stapOptions': 'restricted',            // -I DIR: more tapset directories the server reads
    'systemtap.path': 'restricted',                   // the program a run starts
    'systemtap.run.kernelBuildDir': 'restricted',     // stap -r DIR builds a module with that tree's makefiles
    'systemtap.run.extraArgs': 'restricted',          // any stap option
    'systemtap.run.defines': 'restricted',            // -D NAME=VALUE reaches the module's compiler command line
    'bpftrace.path': 'restricted',
    'bpftrace.run.extraArgs': 'restricted',
    'probekit.run.hosts': 'restricted',               // ssh options and identity files
    'systemtap.target.kernelRelease': 'allowed',      // names a kernel for %( kernel_v %) only; no file is read by it
    'systemtap.target.arch': 'allowed',
    'systemtap.run.runtime': 'allowed',
    'systemtap.run.mode': 'allowed',
    'systemtap.run.guru': 'allowed',                  // asks for consent once per script
    'systemtap.run.suppressTimeLimits': 'allowed',
    'systemtap.run.arguments': 'allowed',             // the script's own $1, @1
    'bpftrace.version': 'allowed',
    'bpftrace.run.json': 'allowed',
    'bpftrace.run.unsafe': 'allowed',                 // asks for consent once per script
    'bpftrace.run.arguments': 'allowed',
    'probekit.run.gracePeriodMs': 'allowed',
    'probekit.run.outputTailMB': 'allowed',
    'probekit.run.keepFullOutput': 'allowed',
    'probekit.run.charts': 'allowed',
    'probekit.run.allowPkexec': 'allowed',            // machine scope: never read from a workspace
};

/** A nested settings object from dotted names, as the client sends a section (`systemtap` → `{ target: {…} }`). */
function nested(settings: Record<string, unknown>): Record<string, Record<string, unknown>> {
    const root: Record<string, Record<string, unknown>> = {};
    for (const [name, value] of Object.entries(settings)) {
        const [section, ...path] = name.split('.');
        let node: Record<string, unknown> = root[section] ??= {};
        for (const key of path.slice(0, -1)) {
            node = (node[key] ??= {}) as Record<string, unknown>;
        }
        node[path[path.length - 1]] = value;
    }
    return root;
}

/**
 * The configuration the client sends for workspace settings `settings`. A stand-in for VS Code's configuration
 * service, which cannot run under vitest; untrusted, it leaves out the restricted settings as VS Code does (the
 * end-to-end suite checks the real one). Records the settings read.
 */
function clientConfiguration(settings: Record<string, unknown>, trusted: boolean) {
    const sent = nested(Object.fromEntries(Object.entries(settings).filter(([name]) => trusted || !restricted.includes(name))));
    const read: string[] = [];
    const provider = {
        getConfiguration: async (section: string, key: string) => {
            read.push(`${section}.${key}`);
            return sent[section]?.[key];
        },
    } as unknown as ConfigurationProvider;
    return { provider, read };
}

const WORKSPACE = {
    'systemtap.tapsetDirs': ['stap/lib'],
    'systemtap.stapOptions': '-I stap/lib -g',
    'systemtap.target.arch': 'arm64',
    'systemtap.target.kernelRelease': '5.10.0',
    'bpftrace.version': '0.20',
    'systemtap.path': '/ws/bin/stap',
    'bpftrace.path': '/ws/bin/bpftrace',
};

describe('settings in an untrusted workspace', () => {
    test('every contributed setting has a trust decision, and the restricted ones are in restrictedConfigurations', () => {
        expect(Object.keys(TRUST).sort()).toEqual([...contributed].sort());
        expect([...restricted].sort()).toEqual(Object.keys(TRUST).filter(name => TRUST[name] === 'restricted').sort());
    });

    test('the language server reads only settings with a trust decision', async () => {
        const { provider, read } = clientConfiguration(WORKSPACE, true);
        await readCheckOptions(provider, '/ws');
        await readToolPaths(provider);
        const unknown = read.filter(name => !Object.keys(TRUST).some(setting => setting === name || setting.startsWith(`${name}.`)));
        expect(unknown).toEqual([]);
    });

    test.each([
        { trusted: true, tapsetDirs: ['stap/lib'], stapOptions: '-I stap/lib -g' },
        { trusted: false, tapsetDirs: undefined, stapOptions: undefined },
    ])('trusted $trusted: tapset directories $tapsetDirs, stap options $stapOptions', async ({ trusted, tapsetDirs, stapOptions }) => {
        const { provider } = clientConfiguration(WORKSPACE, trusted);
        const options = await readCheckOptions(provider, '/ws');
        expect(options).toMatchObject({ tapsetDirs, stapOptions, arch: 'arm64', kernelRelease: '5.10.0', bpftraceVersion: '0.20' });
    });

    test.each([
        { trusted: true, paths: { stap: '/ws/bin/stap', bpftrace: '/ws/bin/bpftrace' } },
        { trusted: false, paths: { stap: undefined, bpftrace: undefined } },
    ])('trusted $trusted: the tools asked for their version are $paths (undefined: the ones on PATH)', async ({ trusted, paths }) => {
        const { provider } = clientConfiguration(WORKSPACE, trusted);
        expect(await readToolPaths(provider)).toEqual(paths);
    });
});
