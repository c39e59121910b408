/** UI-level checks: what a user sees in the workbench with the packaged extension installed. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import type { CodeServer } from './e2e-code-server.js';
import type { Results } from './e2e-results.js';
import {
    errorSquiggleCount, openFile, openWorkbench, runCommand, tokenColours, waitForErrorSquiggle,
    waitForLanguageMode, waitForOutput, type TokenColours,
} from './e2e-workbench.js';

/** The scripts the checks open, relative to the workspace root. */
export interface E2eFiles {
    stp?: string;
    /** A bpftrace script that prints `runExpect` and exits: run from the editor through Probekit. */
    run?: { file: string; expect: RegExp };
    /** Broken samples from test-workspace/, shown side by side in the README screenshot. */
    brokenSample?: string;
    brokenBtSample?: string;
    /** A script clean only with the macro library that the workspace's tapset settings point at. */
    macros?: string;
    bt?: string;
    brokenStp: string;
    brokenBt: string;
}

/** The CLI commands, each shipped as its own bundle (out/cli-<command>.cjs) that out/cli.cjs loads. */
const CLI_COMMANDS = ['check', 'run', 'index', 'doctor'];

/**
 * What the installed extension may contain: the bundles, the chart webview's media, grammars, manifest and docs.
 * vsce adds .vsixmanifest and renames LICENSE to LICENSE.txt; the README's screenshot ships so that its relative
 * link works on the extension's page.
 */
const SHIPPED = new RegExp(String.raw`^(package\.json|README\.md|LICENSE(\.txt)?|CHANGELOG\.md|\.vsixmanifest|out\/(extension|server(-boot)?|cli(-(${CLI_COMMANDS.join('|')}))?)\.cjs|out\/probekit|client\/media\/[\w.-]+\.(js|css)|syntaxes\/[^/]+\.json|(docs\/)?images\/.+\.(png|svg))$`, 'i');
const VSIX_LIMIT = 3 * 1024 * 1024;

function listFiles(dir: string, prefix = ''): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => entry.isDirectory()
        ? listFiles(path.join(dir, entry.name), `${prefix}${entry.name}/`)
        : [`${prefix}${entry.name}`]);
}

/** The .vsix stays small and installs only the bundles, grammars, manifest and docs. */
export async function vsixChecks(results: Results, vsix: string, server: CodeServer): Promise<void> {
    await results.check(undefined, 'the .vsix is under 3 MB and installs only the bundles, grammars and docs', async () => {
        const size = fs.statSync(vsix).size;
        const files = listFiles(server.extensionDir);
        const unexpected = files.filter(f => !SHIPPED.test(f));
        const missing = ['package.json', 'out/extension.cjs', 'out/server.cjs', 'out/server-boot.cjs', 'out/cli.cjs', 'out/probekit', ...CLI_COMMANDS.map(c => `out/cli-${c}.cjs`)].filter(f => !files.includes(f));
        const ok = size < VSIX_LIMIT && unexpected.length === 0 && missing.length === 0;
        return [ok, `${(size / 1024).toFixed(0)} KB, ${files.length} files` +
            (unexpected.length ? `; unexpected: ${unexpected.join(', ')}` : '') +
            (missing.length ? `; missing: ${missing.join(', ')}` : '')];
    });
    // The CLI as it ships: its launcher (out/probekit, run by sh: a .vsix keeps no file modes), then a dispatcher that
    // loads each command's own bundle from the installed extension.
    await results.check(undefined, 'the shipped probekit CLI runs check and index from the installed extension', async () => {
        const launcher = path.join(server.extensionDir, 'out', 'probekit');
        const sample = path.join(server.workspace, 'stap', 'syscall-count.stp');
        const run = (...args: string[]) => spawnSync('sh', [launcher, ...args],
            { encoding: 'utf8', timeout: 60_000, env: { ...process.env, PROBEKIT_NODE: process.execPath } });
        const check = run('check', '--syntax-only', sample);
        const index = run('index', '--only', 'tapsets', '--no-cache');
        const tapsets = /tapsets: (\d+) files/.exec(index.stdout)?.[1];
        return [check.status === 0 && index.status === 0 && tapsets !== undefined,
            `check exit ${check.status}; index exit ${index.status}: ${tapsets ?? '?'} tapset files${index.stderr ? `; ${index.stderr.slice(0, 200)}` : ''}`];
    });
}

function describeColours(colours: TokenColours): string {
    const words = Object.entries(colours.wordClass).filter(([, c]) => c !== undefined).map(([w, c]) => `${w}: ${c}`);
    return `${colours.classes.length} colour classes; ${words.join(', ') || 'no keyword visible'}`;
}

/**
 * Highlighting works when the grammar yields several colours and the visible keywords are not in the default
 * foreground (`mtk1`).
 */
function highlighted(colours: TokenColours): boolean {
    const visible = Object.values(colours.wordClass).filter(c => c !== undefined);
    return colours.classes.length >= 3 && visible.length > 0 && visible.every(c => c !== 'mtk1');
}

async function sampleChecks(results: Results, page: Page, file: string, mode: RegExp, keywords: string[]): Promise<void> {
    await results.check(page, `${file} opens in language mode ${mode.source}`, async () => {
        await openFile(page, file);
        const text = await waitForLanguageMode(page, mode);
        return [mode.test(text), `status bar: ${text}`];
    });
    await results.check(page, `${file} is highlighted by the TextMate grammar`, async () => {
        const colours = await tokenColours(page, keywords, 3);
        return [highlighted(colours), describeColours(colours)];
    });
    await results.shot(page, path.basename(file).replace(/\W+/g, '-'));
}

/** Opens the workbench and runs the UI checks; the browser is closed at the end. */
export async function uiChecks(results: Results, server: CodeServer, chromium: string, files: E2eFiles): Promise<void> {
    let page: Page | undefined;
    let close: (() => Promise<void>) | undefined;
    const opened = await results.check(undefined, 'the workbench loads the workspace', async () => {
        const workbench = await openWorkbench(chromium, server.url, path.basename(files.brokenStp));
        page = workbench.page;
        close = workbench.close;
        return [true, ''];
    });
    if (!opened || !page) {
        return;
    }
    try {
        const samples = [files.stp, files.bt];
        if (files.stp) {
            await sampleChecks(results, page, files.stp, /SystemTap/, ['probe', 'global', 'function']);
        }
        if (files.bt) {
            await sampleChecks(results, page, files.bt, /bpftrace/, ['BEGIN', 'END', 'tracepoint', 'interval', 'kprobe']);
        }
        for (const broken of [files.brokenStp, files.brokenBt]) {
            await results.check(page, `${broken} shows an error squiggle from the language server`, async () => {
                await openFile(page!, broken);
                const count = await waitForErrorSquiggle(page!);
                return [count > 0, `${count} error squiggle(s)`];
            });
        }
        await results.shot(page, 'broken');
        // The broken files' diagnostics are in, so the server has validated the samples opened before them too.
        for (const file of samples.filter((f): f is string => f !== undefined)) {
            await results.check(page, `${file} has no error squiggle`, async () => {
                await openFile(page!, file);
                const count = await errorSquiggleCount(page!);
                return [count === 0, `${count} error squiggle(s)`];
            });
        }
        await results.check(page, 'the "Probekit" output channel shows the language server log', async () => {
            await runCommand(page!, 'Probekit: Show Language Server Log');
            const text = await waitForOutput(page!, /Probekit language server/);
            const line = text.split('\n').find(l => /Probekit language server/.test(l));
            return [line !== undefined, line?.replace(/^.*?(?=Probekit language server)/, '') ?? text.slice(0, 200)];
        });
        await results.shot(page, 'output');
        if (files.run) {
            await runCheck(results, page, files.run.file, files.run.expect);
        }
        await readmeShot(results, page, files);
    } finally {
        await close?.().catch(() => undefined);
    }
}

/**
 * The README's picture: a broken SystemTap script and a broken bpftrace script side by side, both highlighted,
 * their problems from the language server in the Problems panel below.
 */
async function readmeShot(results: Results, page: Page, files: E2eFiles): Promise<void> {
    const shown = [files.brokenSample ?? files.brokenStp, files.brokenBtSample ?? files.brokenBt];
    const ok = await results.check(page, `README picture: ${shown.join(' and ')} side by side, highlighted, with their problems`, async () => {
        await runCommand(page, 'View: Close All Editors');
        await runCommand(page, 'View: Toggle Primary Side Bar Visibility');
        await openFile(page, shown[0]);
        await waitForErrorSquiggle(page);
        await runCommand(page, 'View: Split Editor Right');
        await openFile(page, shown[1]);
        await waitForErrorSquiggle(page);
        await runCommand(page, 'View: Close Other Editors in Group');   // the split's copy of the first script
        // Off the editor title bar that Quick Open's rows cover: an empty spot of the activity bar, so that no
        // hover or tooltip is in the picture.
        await page.mouse.move(5, 450);
        await runCommand(page, 'Problems: Focus on Problems View');
        // Only the two scripts' problems: the picture is about the scripts shown.
        const filter = page.locator('.markers-panel-action-filter input:visible, .viewpane-filter input:visible').first();
        await filter.fill(shown.join(', '));
        for (const file of shown) {
            await page.locator('.markers-panel .monaco-list-row', { hasText: path.basename(file) }).first().waitFor();
        }
        const colours = await groupColourClasses(page);
        return [colours.length === 2 && colours.every(n => n >= 3), `colour classes per editor group: ${colours.join(', ')}`];
    });
    await page.locator('.workbench-hover-container').first().waitFor({ state: 'detached', timeout: 5_000 }).catch(() => undefined);
    await results.shot(page, ok ? 'readme' : 'readme-failed');
}

/** Distinct token colour classes (`mtkN`) in the visible lines of each editor group, left to right. */
function groupColourClasses(page: Page): Promise<number[]> {
    return page.evaluate(() => Array.from(document.querySelectorAll('.editor-group-container'))
        .map(group => new Set(Array.from(group.querySelectorAll('.view-lines span[class^="mtk"]')).map(s => s.className)).size));
}

/** "Probekit: Run Script" on a script that prints and exits: its output reaches the script's output channel. */
async function runCheck(results: Results, page: Page, file: string, expect: RegExp): Promise<void> {
    await results.check(page, `Probekit: Run Script runs ${file} (real bpftrace) and shows its output`, async () => {
        await openFile(page, file);
        await runCommand(page, 'Probekit: Run Script');
        const text = await waitForOutput(page, expect);
        return [expect.test(text), text.match(new RegExp(`.{0,20}${expect.source}.{0,40}`))?.[0] ?? text.slice(0, 200)];
    });
    await results.shot(page, 'run');
}

/**
 * Restricted mode (workspace trust on, folder not trusted): the editing features work, and Run Script says why it
 * does not run instead of starting a tool.
 */
export async function untrustedChecks(results: Results, server: CodeServer, chromium: string, files: E2eFiles): Promise<void> {
    let page: Page | undefined;
    let close: (() => Promise<void>) | undefined;
    const opened = await results.check(undefined, 'untrusted: the workbench opens the workspace in restricted mode', async () => {
        const workbench = await openWorkbench(chromium, server.url, path.basename(files.brokenStp));
        page = workbench.page;
        close = workbench.close;
        await page.locator('#status\\.workspaceTrust, .statusbar-item[id*="workspaceTrust"], .monaco-workbench .banner',
            { hasText: /Restricted/ }).first().waitFor();
        return [true, 'Restricted Mode shown'];
    });
    if (!opened || !page) {
        await close?.().catch(() => undefined);
        return;
    }
    try {
        await results.check(page, `untrusted: ${files.brokenBt} still gets its error squiggle (limited support)`, async () => {
            await openFile(page!, files.brokenBt);
            const count = await waitForErrorSquiggle(page!);
            return [count > 0, `${count} error squiggle(s)`];
        });
        if (files.macros) {
            const macros = files.macros;
            await results.check(page, `untrusted: workspace tapset directories and stap -I are ignored, so ${macros} has unknown macros`, async () => {
                await openFile(page!, macros);
                await waitForErrorSquiggle(page!);
                await runCommand(page!, 'Problems: Focus on Problems View');
                await page!.locator('.markers-panel-action-filter input:visible, .viewpane-filter input:visible').first().fill(macros);
                const row = page!.locator('.markers-panel .monaco-list-row', { hasText: /unknown operator `@KB`/ }).first();
                await row.waitFor();
                return [true, (await row.innerText()).replace(/\s+/g, ' ').trim().slice(0, 120)];
            });
        }
        if (files.run) {
            const run = files.run;
            await results.check(page, `untrusted: Probekit: Run Script refuses to run ${run.file} and says why`, async () => {
                await openFile(page!, run.file);
                await runCommand(page!, 'Probekit: Run Script');
                const toast = page!.locator('.notifications-toasts .notification-toast', { hasText: /untrusted workspace/ }).first();
                await toast.waitFor();
                const channels = await page!.locator('.monaco-workbench').evaluate(() => document.body.innerText);
                const ran = run.expect.test(channels);
                return [!ran, (await toast.innerText()).replace(/\s+/g, ' ').trim().slice(0, 120)];
            });
            await results.shot(page, 'untrusted');
        }
    } finally {
        await close?.().catch(() => undefined);
    }
}
