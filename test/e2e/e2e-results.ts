/** Check results and screenshots of one e2e run. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';

/** One check's outcome. */
export interface Result { name: string; ok: boolean; detail: string }

/** Collects results, prints each as it lands and screenshots the page on a failure. */
export class Results {
    readonly all: Result[] = [];
    private readonly started = Date.now();

    constructor(readonly shotsDir: string) {
        fs.rmSync(shotsDir, { recursive: true, force: true });
        fs.mkdirSync(shotsDir, { recursive: true });
    }

    log(message: string): void {
        console.log(`[${((Date.now() - this.started) / 1000).toFixed(1)}s] ${message}`);
    }

    add(result: Result): void {
        this.all.push(result);
        console.log(`${result.ok ? 'PASS' : 'FAIL'} ${result.name}${result.detail ? ` — ${result.detail}` : ''}`);
    }

    /** Runs one check; an exception is a failure with its first line as the detail. */
    async check(page: Page | undefined, name: string, body: () => Promise<[boolean, string]>): Promise<boolean> {
        let ok = false;
        let detail = '';
        try {
            [ok, detail] = await body();
        } catch (error) {
            detail = String(error instanceof Error ? error.message : error).split('\n')[0];
        }
        this.add({ name, ok, detail });
        if (!ok && page) {
            await this.shot(page, `fail-${this.all.length}`);
        }
        return ok;
    }

    async shot(page: Page, name: string): Promise<void> {
        await page.screenshot({ path: path.join(this.shotsDir, `${name}.png`) }).catch(() => undefined);
    }

    get failed(): number {
        return this.all.filter(r => !r.ok).length;
    }
}
