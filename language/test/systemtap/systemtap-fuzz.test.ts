import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import type { ProbekitServices } from '../../src/probekit-module.js';
import { lcg } from '../seeded-random.js';
import { CORPUS, checkStap, corpusRows, stapServices } from './systemtap-test-helpers.js';
import { stapMutant } from './systemtap-mutants.js';

/**
 * Seeded fuzzing over real corpus files: token-level mutations (delete, duplicate, swap, insert
 * a keyword or operator), truncations and random bytes. Nothing may throw; every diagnostic must
 * lie inside the text. Per-file time is reported, not asserted (the bench measures speed).
 */
const SEED = 20261125;
const FILES_PER_SET = 6;
const MUTANTS_PER_FILE = 6;

function corpusFiles(): string[] {
    const bySet = new Map<string, string[]>();
    for (const { path, set } of corpusRows()) {
        const list = bySet.get(set) ?? [];
        list.push(path);
        bySet.set(set, list);
    }
    const rnd = lcg(SEED);
    const picked: string[] = [];
    for (const list of bySet.values()) {
        for (let k = 0; k < FILES_PER_SET && list.length; k++) picked.push(list.splice(Math.floor(rnd() * list.length), 1)[0]);
    }
    return picked;
}

let services: ProbekitServices;
beforeAll(async () => {
    services = await stapServices({ stapOptions: '-g' });
});

describe('fuzz', () => {
    test(`mutated corpus files (seed ${SEED})`, async () => {
        const rnd = lcg(SEED);
        const times: Array<[number, string]> = [];
        let parsed = 0;
        for (const path of corpusFiles()) {
            const original = readFileSync(join(CORPUS, 'files', path), 'utf8');
            for (let m = 0; m < MUTANTS_PER_FILE; m++) {
                let text = original;
                const rounds = 1 + Math.floor(rnd() * 3);
                for (let r = 0; r < rounds; r++) text = stapMutant(text, rnd);
                const started = performance.now();
                const { doc, diagnostics } = await checkStap(services, text);
                times.push([performance.now() - started, `${path}#${m}`]);
                parsed++;
                for (const d of diagnostics) {
                    expect(doc.textDocument.offsetAt(d.range.start)).toBeLessThanOrEqual(doc.textDocument.offsetAt(d.range.end));
                    expect(d.code).toMatch(/^stap-/);
                }
            }
        }
        times.sort((a, b) => b[0] - a[0]);
        const total = times.reduce((s, [t]) => s + t, 0);
        console.log(`fuzz: ${parsed} mutants, mean ${(total / parsed).toFixed(1)} ms, slowest ${times.slice(0, 3)
            .map(([t, p]) => `${p} ${t.toFixed(0)} ms`).join(', ')}`);
        expect(parsed).toBeGreaterThan(200);
    }, 180_000);
});
