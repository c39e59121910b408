/**
 * What a user waits for in the real editor: from opening a broken script in VS Code (code-server 4.100.3 with the
 * packaged extension, driven by Chromium) to the error squiggle from the language server, beside the real tool's
 * own check of the same file (`stap -p1` with a kernel-tree stub, `bpftrace -d`). Needs `npm run setup` and
 * `npm run build` (the .vsix is packaged here).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { startCodeServer, type CodeServer } from '../test/e2e/e2e-code-server.js';
import type { BenchRow } from './bench-row.js';
import { kernelStub, median } from './bench-util.js';

const ROOT = process.env.PROBEKIT_ROOT ?? process.cwd();
const E2E_DIR = process.env.E2E_DIR ?? path.join(ROOT, '.e2e');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const WARM_RUNS = 5;

/** The few playwright-core calls used here (it lives in .e2e/, outside the bundle and the root type-check). */
interface Page {
    goto(url: string): Promise<unknown>;
    setDefaultTimeout(ms: number): void;
    keyboard: { press(key: string): Promise<void> };
    locator(selector: string, options?: { hasText: string }): Locator;
}
interface Locator {
    first(): Locator;
    waitFor(options?: { state: 'attached' | 'visible' }): Promise<void>;
    fill(text: string): Promise<void>;
    click(): Promise<void>;
}
interface Browser {
    newPage(options: { viewport: { width: number; height: number } }): Promise<Page>;
    close(): Promise<void>;
}

/** Opens `name` through Quick Open and returns the ms until an error squiggle shows in its editor. */
async function openToSquiggle(page: Page, name: string): Promise<number> {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill(name);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first();
    await row.waitFor();
    const start = performance.now();
    await row.click();
    await page.locator(`.editor-group-container.active .monaco-editor .squiggly-error`).first().waitFor({ state: 'attached' });
    return performance.now() - start;
}

/** ms of the real tool's check of `file` (median of runs). */
function toolMs(command: string, args: string[], runs: number): number {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
        const start = performance.now();
        spawnSync(command, args, { stdio: 'ignore' });
        times.push(performance.now() - start);
    }
    return median(times);
}

export async function run(): Promise<BenchRow[]> {
    const codeServer = path.join(E2E_DIR, 'node_modules/.bin/code-server');
    if (!fs.existsSync(codeServer) || !fs.existsSync(path.join(ROOT, 'out/extension.cjs'))) {
        throw new Error('needs npm run setup and npm run build first');
    }
    const benchDir = path.join(E2E_DIR, 'bench');
    fs.mkdirSync(benchDir, { recursive: true });
    const vsix = path.join(benchDir, 'probekit-bench.vsix');
    execFileSync(path.join(ROOT, 'node_modules/.bin/vsce'),
        ['package', '--no-dependencies', '--no-rewrite-relative-links', '-o', vsix], { cwd: ROOT, stdio: 'ignore' });

    // One fresh copy per measurement, so that no run profits from an earlier one's document.
    const fixtures = path.join(benchDir, 'fixtures');
    fs.rmSync(fixtures, { recursive: true, force: true });
    fs.mkdirSync(fixtures, { recursive: true });
    const stpText = fs.readFileSync(path.join(ROOT, 'test/e2e/fixtures/e2e-broken.stp'), 'utf8');
    const btText = fs.readFileSync(path.join(ROOT, 'test/e2e/fixtures/e2e-broken.bt'), 'utf8');
    for (let i = 0; i <= WARM_RUNS; i++) {
        fs.writeFileSync(path.join(fixtures, `broken-${i}.stp`), stpText);
        fs.writeFileSync(path.join(fixtures, `broken-${i}.bt`), btText);
    }

    const { chromium } = createRequire(path.join(E2E_DIR, 'node_modules', 'index.js'))('playwright-core') as
        { chromium: { launch(options: object): Promise<Browser> } };
    let server: CodeServer | undefined;
    let browser: Browser | undefined;
    const stp: number[] = [];
    const bt: number[] = [];
    try {
        server = await startCodeServer({
            codeServer, vsix, runDir: path.join(benchDir, 'run'), workspaceSources: [fixtures],
            settings: { 'workbench.startupEditor': 'none', 'files.autoSave': 'off', 'security.workspace.trust.enabled': false },
        });
        browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
            args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-dev-shm-usage'] });
        const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
        page.setDefaultTimeout(60_000);
        await page.goto(server.url);
        await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'broken-0.stp' }).first().waitFor();
        // The first open activates the extension and starts the language server.
        for (let i = 0; i <= WARM_RUNS; i++) {
            stp.push(await openToSquiggle(page, `broken-${i}.stp`));
            bt.push(await openToSquiggle(page, `broken-${i}.bt`));
        }
    } finally {
        await browser?.close().catch(() => undefined);
        await server?.stop().catch(() => undefined);
    }

    const kernel = kernelStub('probekit-bench-kernel-');
    const stapMs = toolMs('stap', ['-r', kernel, '-p1', path.join(fixtures, 'broken-0.stp')], WARM_RUNS);
    fs.rmSync(kernel, { recursive: true, force: true });
    const btMs = toolMs('bpftrace', ['-d', path.join(fixtures, 'broken-0.bt')], WARM_RUNS);
    const note = 'click in Quick Open → squiggle painted; includes the workbench opening the editor';
    return [
        { name: 'broken .stp: open → error squiggle, first file (activation + server start)', probekit: stp[0],
            reference: stapMs, unit: 'ms', note: 'reference: stap -p1 on the file' },
        { name: `broken .stp: open → error squiggle, warm (median of ${WARM_RUNS})`, probekit: median(stp.slice(1)),
            reference: stapMs, unit: 'ms', note },
        { name: 'broken .bt: open → error squiggle, first .bt file', probekit: bt[0], reference: btMs, unit: 'ms',
            note: 'reference: bpftrace -d on the file' },
        { name: `broken .bt: open → error squiggle, warm (median of ${WARM_RUNS})`, probekit: median(bt.slice(1)),
            reference: btMs, unit: 'ms', note },
    ];
}
