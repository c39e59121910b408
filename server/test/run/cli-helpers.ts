import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';

let built: Promise<string> | undefined;

/** The CLI bundled from the sources the way esbuild.mjs bundles out/cli.cjs (once per test file). */
export function cliBundle(): Promise<string> {
    built ??= (async () => {
        const bundle = join(mkdtempSync(join(tmpdir(), 'probekit-cli-')), 'cli.cjs');
        await esbuild.build({
            entryPoints: ['server/src/cli/cli-main.ts'], bundle: true, platform: 'node', format: 'cjs', outfile: bundle,
            define: { 'import.meta.url': 'importMetaUrl' },
            banner: { js: "const importMetaUrl = require('url').pathToFileURL(__filename).href;" }, logLevel: 'error',
        });
        return bundle;
    })();
    return built;
}

/** Run `probekit run ARGS` as its own process; `interruptWhen` sends it SIGINT once stdout matches. */
export function runCli(bundle: string, args: string[], interruptWhen?: RegExp): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise(resolve => {
        const child = spawn(process.execPath, [bundle, 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        let sent = false;
        child.stdout.on('data', d => {
            stdout += d;
            if (interruptWhen && !sent && interruptWhen.test(stdout)) {
                sent = true;
                child.kill('SIGINT');
            }
        });
        child.stderr.on('data', d => { stderr += d; });
        child.on('close', code => resolve({ code, stdout, stderr }));
    });
}
