/**
 * End-to-end check of the packaged extension in a real VS Code (code-server 4.100.3 = VS Code 1.100) driven
 * through Debian's Chromium. Run by scripts/e2e.sh (which sets the paths below); prints `N passed, N failed`
 * last and exits 1 on any failure. Screenshots go to $E2E_DIR/screenshots/ (git-ignored).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { startCodeServer, type CodeServer } from './e2e-code-server.js';
import {
    errorSquiggleCount, openFile, openWorkbench, runCommand, tokenColours, waitForErrorSquiggle,
    waitForLanguageMode, waitForOutput, type TokenColours, type Workbench,
} from './e2e-workbench.js';

const ROOT = process.env.PROBEKIT_ROOT ?? process.cwd();
const E2E_DIR = process.env.E2E_DIR ?? path.join(ROOT, '.e2e');
const CODE_SERVER = process.env.CODE_SERVER ?? path.join(E2E_DIR, 'node_modules/.bin/code-server');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const VSIX = process.env.VSIX ?? path.join(ROOT, 'probekit.vsix');
const SAMPLES = path.join(ROOT, 'test-workspace');
const FIXTURES = path.join(ROOT, 'test/e2e/fixtures');
const SHOTS = path.join(E2E_DIR, 'screenshots');

const BROKEN_STP = 'e2e-broken.stp';
const BROKEN_BT = 'e2e-broken.bt';

/** User settings for the test profile: no welcome page, no auto-save into the workspace copy, quick hovers. */
const SETTINGS = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'files.autoSave': 'off',
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'update.mode': 'none',
    'telemetry.telemetryLevel': 'off',
    'security.workspace.trust.enabled': false,
    'editor.hover.delay': 200,
    'workbench.colorTheme': 'Default Dark Modern',
};

/**
 * What the installed extension may contain: vsce adds .vsixmanifest and renames LICENSE to LICENSE.txt; the README's
 * screenshot ships so that its relative link works on the extension's page.
 */
const SHIPPED = /^(package\.json|README\.md|LICENSE(\.txt)?|CHANGELOG\.md|\.vsixmanifest|out\/(extension|server|cli)\.cjs|syntaxes\/[^/]+\.json|(docs\/)?images\/.+\.(png|svg))$/;

function listFiles(dir: string, prefix = ''): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => entry.isDirectory()
        ? listFiles(path.join(dir, entry.name), `${prefix}${entry.name}/`)
        : [`${prefix}${entry.name}`]);
}

interface Result { name: string; ok: boolean; detail: string }
const results: Result[] = [];
const started = Date.now();

function log(message: string): void {
    console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
}

/** Runs one check; an exception is a failure with its first line as the detail, plus a screenshot. */
async function check(page: Page | undefined, name: string, body: () => Promise<[boolean, string]>): Promise<boolean> {
    let ok = false;
    let detail = '';
    try {
        [ok, detail] = await body();
    } catch (error) {
        detail = String(error instanceof Error ? error.message : error).split('\n')[0];
    }
    results.push({ name, ok, detail });
    console.log(`${ok ? 'PASS' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
    if (!ok && page) {
        await shot(page, `fail-${results.length}`);
    }
    return ok;
}

async function shot(page: Page, name: string): Promise<void> {
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`) }).catch(() => undefined);
}

/** A sample script from test-workspace/ (E2E_STP / E2E_BT override): the first one not meant to be broken. */
function pickSample(extension: string, override: string | undefined): string | undefined {
    if (override) {
        return override;
    }
    const found: string[] = [];
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) {
                walk(full);
            } else if (entry.name.endsWith(extension) && !/broken|error|bad|invalid|wrong/i.test(entry.name)) {
                found.push(entry.name);
            }
        }
    };
    if (fs.existsSync(SAMPLES)) {
        walk(SAMPLES);
    }
    return found.sort()[0];
}

function describeColours(colours: TokenColours, word: string): string {
    return `${colours.classes.length} colour classes; '${word}' is ${colours.wordClass[word] ?? 'not visible'}`;
}

/** Highlighting works when the grammar yields several colours and `keyword` differs from the default colour. */
function highlighted(colours: TokenColours, keyword: string): boolean {
    const keywordClass = colours.wordClass[keyword];
    return colours.classes.length >= 3 && keywordClass !== undefined && keywordClass !== 'mtk1';
}

async function fileChecks(page: Page, file: string, mode: RegExp, keyword: string, shotName: string): Promise<void> {
    await check(page, `${file} opens in language mode ${mode.source}`, async () => {
        await openFile(page, file);
        const text = await waitForLanguageMode(page, mode);
        return [mode.test(text), `status bar: ${text}`];
    });
    await check(page, `${file} is highlighted by the TextMate grammar`, async () => {
        const colours = await tokenColours(page, [keyword], 3);
        return [highlighted(colours, keyword), describeColours(colours, keyword)];
    });
    await shot(page, shotName);
}

async function brokenFileChecks(page: Page, file: string): Promise<void> {
    await check(page, `${file} shows an error squiggle from the language server`, async () => {
        await openFile(page, file);
        const count = await waitForErrorSquiggle(page);
        return [count > 0, `${count} error squiggle(s)`];
    });
}

async function main(): Promise<void> {
    const stp = pickSample('.stp', process.env.E2E_STP);
    const bt = pickSample('.bt', process.env.E2E_BT);
    log(`samples: ${stp ?? '(no .stp in test-workspace)'}, ${bt ?? '(no .bt in test-workspace)'}`);
    fs.rmSync(SHOTS, { recursive: true, force: true });

    let server: CodeServer | undefined;
    let workbench: Workbench | undefined;
    try {
        await check(undefined, 'the .vsix installs into code-server and code-server starts', async () => {
            server = await startCodeServer({
                codeServer: CODE_SERVER, vsix: VSIX, runDir: path.join(E2E_DIR, 'run'),
                workspaceSources: [SAMPLES, FIXTURES].filter(dir => fs.existsSync(dir)), settings: SETTINGS,
            });
            return [true, server.url];
        });
        if (!server) {
            return;
        }
        const extensionDir = server.extensionDir;
        await check(undefined, 'the .vsix is under 3 MB and installs only the bundles, grammars and docs', async () => {
            const size = fs.statSync(VSIX).size;
            const files = listFiles(extensionDir);
            const unexpected = files.filter(f => !SHIPPED.test(f));
            const missing = ['package.json', 'out/extension.cjs', 'out/server.cjs'].filter(f => !files.includes(f));
            const ok = size < 3 * 1024 * 1024 && unexpected.length === 0 && missing.length === 0;
            return [ok, `${(size / 1024).toFixed(0)} KB, ${files.length} files` +
                (unexpected.length ? `; unexpected: ${unexpected.join(', ')}` : '') +
                (missing.length ? `; missing: ${missing.join(', ')}` : '')];
        });
        const opened = await check(undefined, 'the workbench loads the workspace', async () => {
            workbench = await openWorkbench(CHROMIUM, server!.url, BROKEN_STP);
            return [true, ''];
        });
        if (!opened || !workbench) {
            return;
        }
        const page = workbench.page;

        if (stp) {
            await fileChecks(page, stp, /SystemTap/, 'probe', 'systemtap');
        } else {
            await check(page, 'a .stp sample exists in test-workspace/', async () => [false, 'none found']);
        }
        if (bt) {
            await fileChecks(page, bt, /bpftrace/, 'BEGIN', 'bpftrace');
        } else {
            await check(page, 'a .bt sample exists in test-workspace/', async () => [false, 'none found']);
        }

        await brokenFileChecks(page, BROKEN_STP);
        await brokenFileChecks(page, BROKEN_BT);
        await shot(page, 'broken');

        // The broken files' diagnostics are in, so the server has validated the samples opened before them too.
        for (const file of [stp, bt].filter((f): f is string => f !== undefined)) {
            await check(page, `${file} has no error squiggle`, async () => {
                await openFile(page, file);
                const count = await errorSquiggleCount(page);
                return [count === 0, `${count} error squiggle(s)`];
            });
        }

        await check(page, 'the "Probekit" output channel shows the language server log', async () => {
            await runCommand(page, 'Probekit: Show Language Server Log');
            const text = await waitForOutput(page, /Probekit language server/);
            const line = text.match(/Probekit language server: [^,]*, stap [^,]*, bpftrace [\w.]+( installed)?/)?.[0];
            return [line !== undefined, line ?? text.slice(0, 200)];
        });
        await shot(page, 'output');
    } finally {
        await workbench?.close().catch(() => undefined);
        await server?.stop().catch(() => undefined);
    }
}

main().catch(error => {
    results.push({ name: 'e2e run', ok: false, detail: String(error) });
    console.error(error);
}).finally(() => {
    const failed = results.filter(r => !r.ok).length;
    log(`screenshots in ${SHOTS}`);
    console.log(`${results.length - failed} passed, ${failed} failed`);
    process.exitCode = failed > 0 ? 1 : 0;
});
