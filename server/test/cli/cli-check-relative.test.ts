import { afterEach, describe, expect, test } from 'vitest';
import { resolve } from 'node:path';
import { runCheck } from '../../src/cli/cli-check.js';

const WORKSPACE = resolve(import.meta.dirname, '../../../test-workspace');
const home = process.cwd();
afterEach(() => process.chdir(home));

/** `probekit check` run from the sample workspace; returns the exit code and what it printed. */
async function checkIn(dir: string, argv: string[]): Promise<{ code: number; out: string }> {
    process.chdir(dir);
    let out = '';
    const code = await runCheck(argv, s => { out += s; }, s => { out += s; });
    return { code, out };
}

describe('relative tapset directories are taken from the working directory', () => {
    test.each([
        ['no library', ['stap/library-macros.stp'], 1],
        ['--tapset-dir stap/lib', ['--tapset-dir', 'stap/lib', 'stap/library-macros.stp'], 0],
        ['--stap-options "-I stap/lib"', ['--stap-options', '-I stap/lib', 'stap/library-macros.stp'], 0],
        ['--stap-options "-I ./stap/lib"', ['--stap-options', '-I ./stap/lib', 'stap/library-macros.stp'], 0],
    ])('%s', async (_name, argv, expected) => {
        const { code, out } = await checkIn(WORKSPACE, argv);
        expect(code, out).toBe(expected);
        if (expected === 1) expect(out).toMatch(/unknown operator `@KB`/);
    });
});
