import { spawn } from 'node:child_process';

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
