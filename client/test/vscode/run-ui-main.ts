/**
 * The run UI in a real workbench (code-server + Chromium): the editor-title Run button, the status bar item, the
 * charts webview and the per-run output channel, with screenshots in .e2e/screenshots/run-*.png.
 * `bash client/test/vscode/run-smoke.sh ui`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startCodeServer } from '../../../test/e2e/e2e-code-server.js';
import { openFile, openWorkbench, runCommand } from '../../../test/e2e/e2e-workbench.js';

const ROOT = process.env.PROBEKIT_ROOT ?? process.cwd();
const E2E_DIR = process.env.E2E_DIR ?? path.join(ROOT, '.e2e');
const SHOTS = path.join(E2E_DIR, 'screenshots');

async function main(): Promise<number> {
    fs.mkdirSync(SHOTS, { recursive: true });
    const server = await startCodeServer({
        codeServer: process.env.CODE_SERVER ?? path.join(E2E_DIR, 'node_modules/.bin/code-server'),
        vsix: process.env.VSIX!,
        runDir: path.join(E2E_DIR, 'run-ui-smoke'),
        settings: { 'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false, 'probekit.run.gracePeriodMs': 3000 },
        workspaceSources: [path.join(ROOT, 'test-workspace')],
    });
    const checks: [string, boolean, string][] = [];
    const wb = await openWorkbench(process.env.CHROMIUM ?? '/usr/bin/chromium', server.url, 'run');
    const { page } = wb;
    try {
        await openFile(page, 'run/opens-by-comm.bt');
        const run = page.locator('.editor-actions [aria-label^="Run Script"]').first();
        await run.waitFor();
        checks.push(['the editor title has a Run Script button', true, await run.getAttribute('aria-label') ?? '']);
        await run.click();
        const item = page.locator('.statusbar-item', { hasText: 'opens-by-comm.bt' }).first();
        await item.waitFor();
        checks.push(['the status bar shows the run and its time', /opens-by-comm\.bt \d+:\d\d/.test(await item.innerText()), await item.innerText()]);
        const charts = page.locator('.tab', { hasText: 'Charts: opens-by-comm.bt' }).first();
        await charts.waitFor();
        // let a print or two arrive and render
        await page.waitForTimeout(5000);
        await page.screenshot({ path: path.join(SHOTS, 'run-charts.png') });
        checks.push(['the charts panel opens when a map is printed', true, 'run-charts.png']);
        const taskErrors = await page.locator('.notification-toast', { hasText: 'There are task errors' }).count();
        checks.push(['no task errors', taskErrors === 0, `${taskErrors} notifications`]);
        await item.click(); // stops the run
        // evaluated in the page (a string: this file is type-checked without the DOM library)
        const outputText = `Array.from(document.querySelectorAll('#workbench\\\\.panel\\\\.output .view-line')).map(l => (l.textContent || '').replace(/\\u00a0/g, ' ')).join('\\n')`;
        await page.waitForFunction(`/exit status 0 \\(stopped\\)/.test(${outputText})`);
        const text = await page.evaluate(outputText) as string;
        // the panel shows its end: the maps printed on the way out, then the exit line
        checks.push(['a click on the status item stops the run: maps and exit status in its channel', /@opens\[[\s\S]*exit status 0 \(stopped\)/.test(text), text.slice(-120)]);
        await page.screenshot({ path: path.join(SHOTS, 'run-output.png') });

        // A script with errors: the language server's errors make Run ask first; "Run Anyway" runs it, and the
        // tool's own error lands in Problems under its own source.
        await openFile(page, 'run/broken-syntax.bt');
        await page.locator('.squiggly-error').first().waitFor();
        await page.locator('.editor-actions [aria-label^="Run Script"]').first().click();
        const toast = page.locator('.notification-toast', { hasText: 'broken-syntax.bt has' }).first();
        await toast.waitFor();
        checks.push(['Run refuses while the language server reports errors', true, await toast.locator('.notification-list-item-message').first().innerText()]);
        await toast.locator('a.monaco-button', { hasText: 'Run Anyway' }).click();
        const ran = page.locator('.notification-toast', { hasText: 'broken-syntax.bt: 1 error (marked in the editor)' }).first();
        await ran.waitFor();
        // The run shows its output channel in the panel; once its exit line is there, nothing takes the panel back
        // from Problems (pressed earlier, the run's channel could still come up over it, and the filter below went
        // into the Output view's filter box).
        await page.waitForFunction(`/broken-syntax\\.bt: exit status/.test(${outputText})`);
        await page.keyboard.press('Control+Shift+M');
        await page.locator('.markers-panel').first().waitFor();
        await page.locator('.markers-panel-action-filter input:visible, .viewpane-filter input:visible').first().fill('unexpected ;');
        const problem = page.locator('.markers-panel .monaco-list-row', { hasText: 'bpftrace run' }).first();
        await problem.waitFor();
        checks.push(['"Run Anyway" runs it; the tool\'s error is in Problems under "bpftrace run"', /syntax error/.test(await problem.innerText()), (await problem.innerText()).replace(/\s+/g, ' ')]);
        await page.screenshot({ path: path.join(SHOTS, 'run-problems.png') });

        // --unsafe needs consent once per script: a modal asks; the answer is remembered for the next run.
        await openFile(page, 'run/unsafe.bt');
        await page.locator('.editor-actions [aria-label^="Run Script"]').first().click();
        const modal = page.locator('.monaco-dialog-box', { hasText: 'unsafe builtins' }).first();
        await modal.waitFor();
        await modal.locator('a.monaco-button', { hasText: 'Allow for This Script' }).click();
        await page.waitForFunction(`/unsafe ran/.test(${outputText}) && /unsafe\\.bt: exit status 0/.test(${outputText})`);
        checks.push(['--unsafe asks for consent, then runs with it', /\$ bpftrace --unsafe -- /.test(await page.evaluate(outputText) as string), 'Allow for This Script']);
        await page.locator('.editor-actions [aria-label^="Run Script"]').first().click();
        // the second run clears the channel and fills it again; give a dialog time to show if one were coming
        await page.waitForTimeout(3000);
        await page.waitForFunction(`/unsafe ran/.test(${outputText}) && /exit status 0/.test(${outputText})`);
        checks.push(['the consent is remembered for the script', await page.locator('.monaco-dialog-box').count() === 0, 'no dialog on the second run']);

        // "Run Script with Options…": JSON output, no target, two arguments.
        await openFile(page, 'run/hello.bt');
        await runCommand(page, 'Probekit: Run Script with Options…');
        const row = (text: string) => page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
        // In a multi-select pick a click on the row toggles it; wait until the count says so, then accept with OK
        // (Enter right after a click can land on the list instead of the input and accept nothing).
        await row('JSON output').click();
        await page.locator('.quick-input-widget', { hasText: '1 Selected' }).first().waitFor();
        await page.locator('.quick-input-widget .monaco-button', { hasText: 'OK' }).first().click();
        await row('No target').click();
        const input = page.locator('.quick-input-widget .quick-input-box input');
        await input.fill('"two words" x');
        await page.keyboard.press('Enter');
        await page.waitForFunction(`/"type": "printf"/.test(${outputText})`);
        checks.push(['Run Script with Options… runs with -f json', true, (await page.evaluate(outputText) as string).split('\n').find(l => l.includes('"printf"')) ?? '']);
    } catch (e) {
        await page.screenshot({ path: path.join(SHOTS, 'run-failure.png') }).catch(() => undefined);
        checks.push(['ui run', false, String((e as Error).stack ?? e)]);
    } finally {
        await wb.close();
        await server.stop();
    }
    for (const [name, ok, detail] of checks) console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}: ${detail}`);
    const failed = checks.filter(c => !c[1]).length;
    console.log(`${checks.length - failed} passed, ${failed} failed`);
    return failed ? 1 : 0;
}

main().then(code => { process.exitCode = code; }, e => { console.error(e); process.exitCode = 1; });
