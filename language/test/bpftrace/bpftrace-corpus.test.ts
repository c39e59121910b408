import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { btServices, checkBt, CORPUS } from './bpftrace-test-helpers.js';
import { skipWithoutCorpus } from '../corpus-presence.js';

interface Row {
    path: string;
    set: string;
    version: string;
    expect: 'ok' | 'error';
    detail: string;
}

/** The labelled rows (expect_syntax ok/error) of the corpus, as upstream's own tools judged them. */
function rows(): Row[] {
    const labels = join(CORPUS, 'labels.tsv');
    if (!existsSync(labels)) return [];
    const [header, ...lines] = readFileSync(labels, 'utf8').split('\n').filter(l => l.length > 0);
    const cols = header.split('\t');
    const col = (name: string): number => cols.indexOf(name);
    return lines.map(l => l.split('\t')).filter(c => c[col('expect_syntax')] === 'ok' || c[col('expect_syntax')] === 'error')
        .map(c => ({
            path: c[col('path')], set: c[col('set')], version: c[col('bpftrace_version')],
            expect: c[col('expect_syntax')] as 'ok' | 'error', detail: c[col('upstream_detail')] ?? '',
        }))
        .filter(r => existsSync(join(CORPUS, 'files', r.path)));
}

const all = rows();
const versions = [...new Set(all.map(r => r.version))];

describe.skipIf(skipWithoutCorpus(all.length, CORPUS))('agreement with upstream on the labelled corpus', () => {
    test.each(versions)('every row for bpftrace %s', async version => {
        const services = await btServices(version);
        const wrong: string[] = [];
        const mine = all.filter(r => r.version === version);
        for (const row of mine) {
            const r = await checkBt(services, readFileSync(join(CORPUS, 'files', row.path), 'utf8'));
            const got = r.errors.length > 0 ? 'error' : 'ok';
            if (got !== row.expect) wrong.push(`${row.path}: want ${row.expect}, got ${got} ${r.errors[0]?.message ?? ''}`);
        }
        expect(wrong).toEqual([]);
        expect(mine.length).toBeGreaterThan(0);
    });
});
