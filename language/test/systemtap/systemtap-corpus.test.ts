import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { URI } from 'langium';
import { describe, expect, test } from 'vitest';
import { checkTexts } from '../../src/common/probekit-check.js';
import { CORPUS, INSTALLED_TAPSET, TEST_HOST, corpusRows, stapServices, type CorpusRow } from './systemtap-test-helpers.js';

/**
 * Agreement with stap 4.8's parser on the labelled corpus (`expect_syntax` ok / error), each file
 * checked with its own `stap_options` as `probekit check --stap-options` would.
 */
const rows = corpusRows();

const sets = [...new Set(rows.map(r => r.set))].sort();

describe('corpus agreement with stap 4.8 -p1', () => {
    test.each(sets)('%s', async set => {
        const mine = rows.filter(r => r.set === set);
        const wrong: string[] = [];
        const byOptions = new Map<string, CorpusRow[]>();
        for (const r of mine) byOptions.set(r.options, [...byOptions.get(r.options) ?? [], r]);
        for (const [options, group] of byOptions) {
            const services = await stapServices({ stapOptions: options || undefined }, { ...TEST_HOST, tapsetDirs: [INSTALLED_TAPSET] });
            const files = group.map(r => ({ uri: URI.file(join(CORPUS, 'files', r.path)), text: readFileSync(join(CORPUS, 'files', r.path), 'utf8') }));
            const checked = await checkTexts(services, files, { syntaxOnly: true });
            checked.forEach((c, k) => {
                const errors = c.diagnostics.filter(d => d.severity === 1);
                const got = errors.length ? 'error' : 'ok';
                if (got !== group[k].expect) wrong.push(`${group[k].path}: want ${group[k].expect}, got ${got} ${errors[0]?.message ?? ''}`);
            });
        }
        expect(wrong).toEqual([]);
    }, 120_000);
});
