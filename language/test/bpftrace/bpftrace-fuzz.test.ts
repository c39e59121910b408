import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import type { ProbekitServices } from '../../src/probekit-module.js';
import { mulberry32 } from '../seeded-random.js';
import { btServices, checkBt, CORPUS } from './bpftrace-test-helpers.js';
import { skipWithoutCorpus } from '../corpus-presence.js';

const PIECES = ['{', '}', '(', ')', '[', ']', '/', '*', ';', ':', ',', '"', '$', '@', '#', '\\', '\n', ' ', '->', '..',
    '?', 'if', 'for', 'let', 'struct', 'config', 'BEGIN', 'kprobe:', '0x', '1_', 'e9', '/*', '//', '`', '\u0000', '\uFFFD'];

function mutate(text: string, rnd: () => number): string {
    const at = Math.floor(rnd() * (text.length + 1));
    const len = Math.floor(rnd() * 40);
    switch (Math.floor(rnd() * 6)) {
        case 0: return text.slice(0, at);                                      // truncate
        case 1: return text.slice(0, at) + text.slice(at + len);               // delete a range
        case 2: return text.slice(0, at) + text.slice(at, at + len).repeat(3) + text.slice(at); // duplicate
        case 3: return text.slice(0, at) + PIECES[Math.floor(rnd() * PIECES.length)] + text.slice(at); // insert a token
        case 4: {                                                              // random bytes
            let junk = '';
            for (let i = 0; i < len; i++) junk += String.fromCharCode(Math.floor(rnd() * 256));
            return text.slice(0, at) + junk + text.slice(at);
        }
        default: {                                                             // swap two ranges
            const b = Math.floor(rnd() * (text.length + 1));
            const [x, y] = at < b ? [at, b] : [b, at];
            return text.slice(0, x) + text.slice(y, y + len) + text.slice(x + len, y) + text.slice(x, x + len) + text.slice(y + len);
        }
    }
}

function corpusFiles(): string[] {
    const out: string[] = [];
    for (const set of ['tools', 'tools_v0.17.0', 'stdlib', 'tests_bt/runtime_scripts', 'ext']) {
        const walk = (dir: string): void => {
            if (!existsSync(dir)) return;
            for (const e of readdirSync(dir, { withFileTypes: true })) {
                const p = join(dir, e.name);
                if (e.isDirectory()) walk(p);
                else if (e.name.endsWith('.bt')) out.push(p);
            }
        };
        walk(join(CORPUS, 'files', set));
    }
    return out.sort();
}

const files = corpusFiles();

describe.skipIf(skipWithoutCorpus(files.length, CORPUS))('fuzz: mutated corpus files never crash the front end', () => {
    let services: ProbekitServices;
    beforeAll(async () => {
        services = await btServices('latest');
    });

    test('600 seeded mutations (truncations, deletions, duplications, insertions, random bytes, swaps)', async () => {
        const rnd = mulberry32(20261125);
        const started = performance.now();
        let withErrors = 0;
        for (let i = 0; i < 600; i++) {
            const file = files[Math.floor(rnd() * files.length)];
            let text = readFileSync(file, 'utf8');
            const rounds = 1 + Math.floor(rnd() * 3);
            for (let r = 0; r < rounds; r++) text = mutate(text, rnd);
            const result = await checkBt(services, text);
            for (const d of result.diagnostics) {
                expect(d.range.start.line, `${file} mutation ${i}`).toBeGreaterThanOrEqual(0);
                expect(Number.isFinite(d.range.end.character)).toBe(true);
            }
            expect(result.errors.filter(e => e.message.startsWith('internal error')).map(e => e.message), file).toEqual([]);
            if (result.errors.length > 0) withErrors++;
        }
        // Reported, not asserted: timing depends on the machine.
        console.log(`fuzz: 600 mutants of ${files.length} files, ${withErrors} with errors, ${(performance.now() - started).toFixed(0)} ms`);
    });
});
