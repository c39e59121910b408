import { spawnSync } from 'node:child_process';
import { chmodSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { launcherEnv } from '../../src/cli/cli-launch-env.js';
import { PARSE_JIT_FLAG } from '../../src/server-node-flags.js';
import { shippedCli, tempDir } from '../catalogue/catalogue-test-kit.js';

/**
 * The `probekit` command as the package installs it: out/probekit (server/src/cli/probekit.sh), a shell launcher for
 * out/cli.cjs. It passes the arguments and the exit status through, finds its bundle through npm's symlink, and
 * drops NODE_EXTRA_CA_CERTS (node would load those certificates, and all it bundles, at startup).
 */
let launcher: string;
beforeAll(() => {
    launcher = join(dirname(shippedCli()), 'probekit');
}, 300_000);

/** Runs `command` with this node (PROBEKIT_NODE) and `env` added. */
function run(command: string, argv: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; out: string; err: string } {
    const r = spawnSync(command, argv, { encoding: 'utf8', timeout: 120_000, env: { ...process.env, PROBEKIT_NODE: process.execPath, ...env } });
    return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('out/probekit runs the CLI', () => {
    test('directly, through a symlink (as npm links a bin), and by its bare name', () => {
        const link = join(tempDir('probekit-bin-'), 'probekit');
        symlinkSync(launcher, link);
        for (const command of [launcher, link]) {
            const r = run(command, ['--help']);
            expect([r.code, r.out.split('\n')[0]]).toEqual([0, 'usage: probekit <command> [options]']);
        }
        // By its bare name from its own folder: a path without a slash.
        const bare = spawnSync('sh', ['probekit', '--help'], { cwd: dirname(launcher), encoding: 'utf8', env: { ...process.env, PROBEKIT_NODE: process.execPath } });
        expect([bare.status, bare.stdout.split('\n')[0]]).toEqual([0, 'usage: probekit <command> [options]']);
    });

    test('arguments as they are (spaces, quotes, globs), and the exit status', () => {
        const r = run(launcher, ['check', '--syntax-only', "a b 'c' *.stp"]);
        expect(r.code).toBe(2);
        expect(r.err).toContain("a b 'c' *.stp");
        const usage = run(launcher, ['check', '--bogus', 'x.bt']);
        expect([usage.code, usage.err]).toEqual([2, 'probekit check: unknown option --bogus (see probekit check --help)\n']);
    });
});

describe('node\'s flags', () => {
    // A stand-in for node that prints the arguments it was given: what the launcher passes is the point here, not a run.
    test.each([
        [['check', 'a.stp'], [PARSE_JIT_FLAG]],
        [['index', '--only', 'btf'], []],
        [['--help'], []],
    ])('%j: %j before the bundle', (argv, flags) => {
        const echo = join(tempDir('probekit-node-'), 'node');
        writeFileSync(echo, '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n');
        chmodSync(echo, 0o755);
        const r = run(launcher, argv, { PROBEKIT_NODE: echo });
        expect(r.out.split('\n').filter(Boolean)).toEqual([...flags, join(dirname(launcher), 'cli.cjs'), ...argv]);
    });
});

describe('NODE_EXTRA_CA_CERTS is dropped', () => {
    // Node warns at startup when the file cannot be read: proof that it read the variable.
    const unreadable = { NODE_EXTRA_CA_CERTS: '/nonexistent/probekit-test-ca.pem' };

    test('node itself reads it at startup (the cost the launcher spares)', () => {
        expect(run(process.execPath, ['-e', '0'], unreadable).err).toContain('Ignoring extra certs from `/nonexistent/probekit-test-ca.pem`');
    });

    test('the launcher starts node without it', () => {
        const r = run(launcher, ['--help'], unreadable);
        expect([r.code, r.err]).toEqual([0, '']);
    });

    test('launcherEnv gives node the same environment, less that variable only', () => {
        expect(launcherEnv({ PATH: '/bin', NODE_EXTRA_CA_CERTS: '/x.pem', HOME: '/root' })).toEqual({ PATH: '/bin', HOME: '/root' });
    });
});
