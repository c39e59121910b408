/**
 * Runs run-api-suite.ts in a real code-server extension host with the packaged extension (the same harness as
 * test/e2e): `bash client/test/vscode/run-smoke.sh`. Prints each check and `N passed, N failed`. Two sshd instances on
 * 127.0.0.1 (keys made here) are the hosts of "Run on Hosts…", given to the extension through the workspace settings.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startCodeServer } from '../../../test/e2e/e2e-code-server.js';
import { runExtensionTests } from '../../../test/e2e/e2e-workbench.js';
import { startSshd } from '../../../server/test/run/sshd-fixture.js';
import type { RemoteHost } from '../../../server/src/run/run-types.js';

const ROOT = process.env.PROBEKIT_ROOT ?? process.cwd();
const E2E_DIR = process.env.E2E_DIR ?? path.join(ROOT, '.e2e');

async function main(): Promise<number> {
    const resultFile = path.join(E2E_DIR, 'run-smoke-result.json');
    fs.rmSync(resultFile, { force: true });
    const sshd = await startSshd(2);
    try {
        return await runChecks(resultFile, sshd.hosts);
    } finally {
        await sshd.stop();
    }
}

async function runChecks(resultFile: string, hosts: RemoteHost[]): Promise<number> {
    const server = await startCodeServer({
        codeServer: process.env.CODE_SERVER ?? path.join(E2E_DIR, 'node_modules/.bin/code-server'),
        vsix: process.env.VSIX!,
        runDir: path.join(E2E_DIR, 'run-smoke'),
        settings: { 'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false, 'files.autoSave': 'off', 'probekit.run.gracePeriodMs': 3000 },
        workspaceSources: [path.join(ROOT, 'test-workspace')],
        workspaceSettings: { 'probekit.run.hosts': hosts },
        env: { PROBEKIT_API_RESULT: resultFile },
    });
    try {
        const code = await runExtensionTests(process.env.CHROMIUM ?? '/usr/bin/chromium', server.url, server.extensionDir,
            path.join(E2E_DIR, 'out', 'run-api-suite.cjs'), 300_000);
        const results = fs.existsSync(resultFile) ? JSON.parse(fs.readFileSync(resultFile, 'utf8')) as { name: string; ok: boolean; detail: string }[] : [];
        for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}: ${r.detail}`);
        const failed = results.filter(r => !r.ok).length + (results.length === 0 ? 1 : 0);
        console.log(`${results.length - results.filter(r => !r.ok).length} passed, ${failed} failed (exit code ${code})`);
        if (results.length === 0) console.log(server.log().slice(-3000));
        return failed > 0 ? 1 : 0;
    } finally {
        await server.stop();
    }
}

main().then(code => { process.exitCode = code; }, e => { console.error(e); process.exitCode = 1; });
