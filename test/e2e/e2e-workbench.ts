/**
 * Drives the VS Code workbench in Debian's Chromium through playwright-core. Selectors are those of VS Code 1.100.
 */
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

/** The opened workbench page and the browser behind it. */
export interface Workbench {
    page: Page;
    close(): Promise<void>;
}

const STATUS_MODE = '#status\\.editor\\.mode';
const QUICK_INPUT = '.quick-input-widget .quick-input-box input';
const QUICK_ROW = '.quick-input-list .monaco-list-row';
const EDITOR = '.editor-group-container.active .editor-instance .monaco-editor';

/** Launches headless Chromium and loads the workbench until the explorer lists `expectFile`. */
export async function openWorkbench(chromiumPath: string, url: string, expectFile: string): Promise<Workbench> {
    const browser: Browser = await chromium.launch({
        executablePath: chromiumPath,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
            '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
    try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
        // Waits are for events, each with a generous ceiling so that a broken run ends instead of hanging.
        page.setDefaultTimeout(60_000);
        await page.goto(url);
        await page.locator('.explorer-folders-view .monaco-list-row', { hasText: expectFile }).first().waitFor();
        return { page, close: () => browser.close() };
    } catch (error) {
        await browser.close();   // a browser left open would keep the run alive
        throw error;
    }
}

/** Opens a workspace file (path relative to the workspace) through Quick Open (Ctrl+P). */
export async function openFile(page: Page, file: string): Promise<void> {
    const name = file.split('/').pop() ?? file;
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+P');
    const input = page.locator(QUICK_INPUT);
    await input.waitFor({ state: 'visible' });
    await input.fill(file);
    // Click the matching row: Enter could pick whichever row is focused while the list is still filtering.
    await page.locator(QUICK_ROW, { hasText: name }).first().click();
    await page.locator(`.tab.active[aria-label^="${name}"]`).waitFor();
    await activeEditor(page).locator('.view-lines').waitFor();
}

/** The editor of the active group. */
export function activeEditor(page: Page): Locator {
    return page.locator(EDITOR).first();
}

/** Waits until the status bar's language mode matches `pattern`; returns its text. */
export async function waitForLanguageMode(page: Page, pattern: RegExp): Promise<string> {
    await page.waitForFunction(
        ({ selector, source }) => new RegExp(source).test(document.querySelector(selector)?.textContent ?? ''),
        { selector: STATUS_MODE, source: pattern.source });
    return (await page.locator(STATUS_MODE).innerText()).trim();
}

/** Token colouring of the visible lines: Monaco renders each token as a span with a `mtkN` colour class. */
export interface TokenColours {
    /** Distinct colour classes in the visible lines. */
    classes: string[];
    /** Colour class of the first span whose text is exactly `word`, per word. */
    wordClass: Record<string, string | undefined>;
}

/**
 * Waits until the visible lines use at least `minClasses` colour classes and every visible one of `words` has
 * a colour other than the default foreground (`mtk1`); the TextMate grammar loads asynchronously after the
 * language is set, and bracket-pair colours arrive before it. Then reports what is there (also after a miss).
 */
export async function tokenColours(page: Page, words: string[], minClasses: number): Promise<TokenColours> {
    await page.waitForFunction(({ selector, wanted, min }) => {
        const spans = Array.from(document.querySelectorAll(`${selector} .view-lines span[class^="mtk"]`));
        const classes = new Set(spans.map(s => s.className));
        const keywordClasses = wanted
            .map(word => spans.find(s => s.textContent?.replace(/\u00a0/g, ' ').trim() === word)?.className)
            .filter(c => c !== undefined);
        return classes.size >= min && keywordClasses.length > 0 && keywordClasses.every(c => c !== 'mtk1');
    }, { selector: EDITOR, wanted: words, min: minClasses }).catch(() => undefined);
    return page.evaluate(({ selector, wanted }) => {
        const spans = Array.from(document.querySelectorAll(`${selector} .view-lines span[class^="mtk"]`));
        const wordClass: Record<string, string | undefined> = {};
        for (const word of wanted) {
            wordClass[word] = spans.find(s => s.textContent?.replace(/\u00a0/g, ' ').trim() === word)?.className;
        }
        return { classes: Array.from(new Set(spans.map(s => s.className))).sort(), wordClass };
    }, { selector: EDITOR, wanted: words });
}

/** Waits for an error squiggle in the active editor and returns the number of them. */
export async function waitForErrorSquiggle(page: Page): Promise<number> {
    const squiggles = activeEditor(page).locator('.squiggly-error');
    await squiggles.first().waitFor({ state: 'attached' });
    return squiggles.count();
}

/** Number of error squiggles the active editor shows now. */
export function errorSquiggleCount(page: Page): Promise<number> {
    return activeEditor(page).locator('.squiggly-error').count();
}

/** Runs a command from the F1 palette by its title. */
export async function runCommand(page: Page, title: string): Promise<void> {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    const input = page.locator(QUICK_INPUT);
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    await page.locator(QUICK_ROW, { hasText: title }).first().waitFor();
    await page.keyboard.press('Enter');
}

/**
 * Waits until the Output panel (showing the selected channel, scrolled to its top) contains `pattern`;
 * returns the visible log text, one entry per line.
 */
export async function waitForOutput(page: Page, pattern: RegExp): Promise<string> {
    const lines = page.locator(OUTPUT_LINES).first();
    await lines.waitFor();
    await lines.click();
    await page.keyboard.press('Control+Home');
    await page.waitForFunction(outputText, { selector: OUTPUT_LINES, source: pattern.source }).catch(() => undefined);
    return page.evaluate(outputText, { selector: OUTPUT_LINES, source: '' });
}
const OUTPUT_LINES = '#workbench\\.panel\\.output .view-lines';

/**
 * Runs in the page: the visible output lines in line order (Monaco positions them with `top`, the DOM order
 * can differ), wrapped lines re-joined, non-breaking spaces normalised. '' when `source` does not match.
 */
function outputText({ selector, source }: { selector: string; source: string }): string {
    const lines = Array.from(document.querySelectorAll<HTMLElement>(`${selector} .view-line`))
        .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
        .map(line => (line.textContent ?? '').replace(/\u00a0/g, ' '));
    // A visual line that does not start with a log timestamp continues the previous entry.
    const text = lines.join('\n').replace(/\n(?!\d{4}-\d\d-\d\d )/g, '');
    return new RegExp(source).test(text) ? text : '';
}

/**
 * Runs an extension tests module inside the remote (Node) extension host, as `code --extensionTestsPath` does
 * on the desktop: the workbench configuration gets `developmentOptions.extensions` / `extensionTestsPath`
 * (patched into the `data-settings` attribute the workbench reads at start), and the workbench reports the
 * module's outcome through `window.codeAutomationExit`. Returns that exit code.
 */
export async function runExtensionTests(chromiumPath: string, url: string, developmentPath: string,
    testsPath: string, ceilingMs: number): Promise<number> {
    const browser = await chromium.launch({
        executablePath: chromiumPath,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
            '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
    try {
        const page = await browser.newPage();
        let reportExit: (code: number) => void = () => undefined;
        const exited = new Promise<number>(resolve => { reportExit = resolve; });
        await page.exposeFunction('codeAutomationExit', (code: number) => reportExit(code));
        await page.addInitScript(({ devPath, tests }) => {
            const original = Element.prototype.getAttribute;
            Element.prototype.getAttribute = function (this: Element, name: string) {
                const value = original.call(this, name);
                if (name !== 'data-settings' || this.id !== 'vscode-workbench-web-configuration' || !value) {
                    return value;
                }
                const config = JSON.parse(value);
                const remote = (p: string) => ({ scheme: 'vscode-remote', authority: config.remoteAuthority, path: p });
                config.developmentOptions = {
                    ...(config.developmentOptions ?? {}), extensions: [remote(devPath)], extensionTestsPath: remote(tests),
                };
                return JSON.stringify(config);
            };
        }, { devPath: developmentPath, tests: testsPath });
        await page.goto(url);
        let timer: NodeJS.Timeout | undefined;
        const ceiling = new Promise<number>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`extension tests did not finish within ${ceilingMs / 1000} s`)), ceilingMs);
        });
        try {
            return await Promise.race([exited, ceiling]);
        } finally {
            clearTimeout(timer);
        }
    } finally {
        await browser.close();
    }
}
