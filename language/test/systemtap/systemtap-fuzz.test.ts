import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import type { ProbekitServices } from '../../src/probekit-module.js';
import { lexStap } from '../../src/systemtap/systemtap-tokens.js';
import { lcg } from '../seeded-random.js';
import { CORPUS, checkStap, corpusRows, stapServices } from './systemtap-test-helpers.js';

/**
 * Seeded fuzzing over real corpus files: token-level mutations (delete, duplicate, swap, insert
 * a keyword or operator), truncations and random bytes. Nothing may throw; every diagnostic must
 * lie inside the text. Per-file time is reported, not asserted (the bench measures speed).
 */
const SEED = 20261125;
const FILES_PER_SET = 6;
const MUTANTS_PER_FILE = 6;
const INSERTS = ['probe', '{', '}', '(', ')', '[', ']', ';', ',', '%(', '%?', '%:', '%)', '@define', '@cast', 'if', 'else',
    'foreach', 'in', '"', '/*', '%{', '->', '<<<', '$1', '@1', '?', ':', '.', '*', 'function', 'global', 'return', '0x'];

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

function mutate(text: string, rnd: () => number): string {
    const tokens = lexStap(text).tokens;
    const pick = () => tokens[Math.floor(rnd() * tokens.length)];
    const kind = Math.floor(rnd() * 6);
    if (tokens.length === 0 || kind === 5) {
        // random bytes at a random place
        const at = Math.floor(rnd() * text.length);
        const junk = String.fromCharCode(...Array.from({ length: 1 + Math.floor(rnd() * 64) }, () => Math.floor(rnd() * 256)));
        return text.slice(0, at) + junk + text.slice(at);
    }
    const t = pick();
    switch (kind) {
        case 0: return text.slice(0, t.offset) + text.slice(t.end);
        case 1: return text.slice(0, t.end) + ' ' + t.image + text.slice(t.end);
        case 2: {
            const u = pick();
            const [a, b] = t.offset < u.offset ? [t, u] : [u, t];
            if (a.end > b.offset) return text;
            return text.slice(0, a.offset) + b.image + text.slice(a.end, b.offset) + a.image + text.slice(b.end);
        }
        case 3: return text.slice(0, t.offset) + INSERTS[Math.floor(rnd() * INSERTS.length)] + ' ' + text.slice(t.offset);
        default: return text.slice(0, Math.floor(rnd() * text.length));
    }
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
                for (let r = 0; r < rounds; r++) text = mutate(text, rnd);
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
