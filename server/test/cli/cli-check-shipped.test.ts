import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, test } from 'vitest';
import { shippedCli } from '../catalogue/catalogue-test-kit.js';

/**
 * `probekit check` as users run it: the shipped dispatcher out/cli.cjs, which loads the command from its own
 * bundle (out/cli-check.cjs), in a fresh process.
 */
let cli: string;
beforeAll(() => {
    cli = shippedCli();
}, 300_000);

function check(argv: string[], cwd?: string): { code: number | null; out: string; err: string } {
    const r = spawnSync(process.execPath, [cli, 'check', ...argv], { encoding: 'utf8', cwd, timeout: 120_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('usage errors: one line on stderr, exit 2, nothing checked', () => {
    test.each([
        [['--format', 'xml', 'a.bt'], '--format must be text or json, not xml'],
        [['--bogus', 'a.bt'], 'unknown option --bogus'],
        [[], 'no FILE or DIR to check'],
        [['a.bt', '--bpftrace-version'], 'option --bpftrace-version needs a value'],
        [['--format=json', '--format=text', 'a.bt'], 'option --format given twice'],
        [['--syntax-only=yes', 'a.bt'], 'option --syntax-only takes no value'],
    ])('%j', (argv, message) => {
        const r = check(argv);
        expect(r.err).toBe(`probekit check: ${message} (see probekit check --help)\n`);
        expect([r.code, r.out]).toEqual([2, '']);
    });
});
