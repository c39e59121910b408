/** API-level checks: api/api-suite.ts run inside the extension host of a code-server with the .vsix installed. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CodeServer } from './e2e-code-server.js';
import type { Result, Results } from './e2e-results.js';
import { runExtensionTests } from './e2e-workbench.js';

/** Runs the suite module `testsModule` and adds its results (plus its exit code when nothing else failed). */
export async function apiChecks(results: Results, server: CodeServer, chromium: string, testsModule: string,
    resultFile: string): Promise<void> {
    let code = -1;
    const ran = await results.check(undefined, 'the API suite runs in the extension host', async () => {
        code = await runExtensionTests(chromium, server.url, server.extensionDir, testsModule, 180_000);
        return [fs.existsSync(resultFile), `exit code ${code}`];
    });
    if (!ran) {
        return;
    }
    const apiResults = JSON.parse(fs.readFileSync(resultFile, 'utf8')) as Result[];
    for (const result of apiResults) {
        results.add({ ...result, name: `api: ${result.name}` });
    }
    if (code !== 0 && apiResults.every(r => r.ok)) {
        results.add({ name: 'api: suite exit code', ok: false, detail: `${code} (see ${path.dirname(resultFile)})` });
    }
}
