import { spawn, spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, test } from 'vitest';
import { shippedCli, tempDir } from '../catalogue/catalogue-test-kit.js';

/**
 * The CLI writes its output to the descriptor at once (server/src/cli/cli-output.ts), not through a stream: all of
 * it arrives however slowly it is read, also through a pipe another process made non-blocking; and a reader that
 * goes away early ends nothing but the writing.
 */
let cli: string;
let cacheDir: string;
/** `probekit index --only tapsets --json`: every alias described, several megabytes. */
const ARGS = ['index', '--only', 'tapsets', '--json'];

beforeAll(() => {
    cli = shippedCli();
    cacheDir = tempDir('probekit-output-cache-');
}, 300_000);

/** The CLI in a child node whose stdout pipe node itself made non-blocking first (as `process.stdout` does). */
function nonBlockingChild(): ReturnType<typeof spawn> {
    const code = `process.stdout; process.argv = [process.argv[0], ${JSON.stringify(cli)}, ...${JSON.stringify(ARGS)}]; require(${JSON.stringify(cli)});`;
    return spawn(process.execPath, ['-e', code], { env: { ...process.env, PROBEKIT_CACHE_DIR: cacheDir }, stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('output to a pipe', () => {
    test('a slow reader of a non-blocking pipe gets all of it', async () => {
        // The second run's output (the first one writes the cache, and says so).
        const run = () => spawnSync(process.execPath, [cli, ...ARGS], { env: { ...process.env, PROBEKIT_CACHE_DIR: cacheDir }, maxBuffer: 256 << 20 }).stdout;
        run();
        const expected = run();
        expect(expected.length).toBeGreaterThan(1 << 20);
        const child = nonBlockingChild();
        const chunks: Buffer[] = [];
        let err = '';
        child.stderr!.on('data', d => { err += d; });
        // Read a chunk, then nothing for a while: the writer finds the pipe full (EAGAIN) again and again.
        child.stdout!.on('data', (d: Buffer) => {
            chunks.push(d);
            child.stdout!.pause();
            setTimeout(() => child.stdout!.resume(), 2);
        });
        const code = await new Promise<number | null>(resolve => child.on('close', resolve));
        expect([code, err]).toEqual([0, '']);
        const got = Buffer.concat(chunks);
        expect(got.length).toBe(expected.length);
        expect(got.equals(expected)).toBe(true);
    }, 120_000);

    test('a reader gone after the first bytes: the command still ends as it would, without an error', async () => {
        const child = nonBlockingChild();
        let err = '';
        child.stderr!.on('data', d => { err += d; });
        child.stdout!.once('data', () => child.stdout!.destroy());
        const code = await new Promise<number | null>(resolve => child.on('close', resolve));
        expect([code, err]).toEqual([0, '']);
    }, 120_000);
});
