import { readFileSync } from 'node:fs';
import { URI } from 'langium';
import { describe, expect, test } from 'vitest';
import { checkTexts } from '../../src/common/probekit-check.js';
import { INSTALLED_TAPSET, TEST_HOST, stpFiles, stapServices } from './systemtap-test-helpers.js';

describe('the installed tapset library (stap 4.8, with its .stpm macros)', () => {
    test('every .stp file parses with zero syntax errors for x86_64', async () => {
        const paths = stpFiles(INSTALLED_TAPSET);
        expect(paths.length).toBeGreaterThanOrEqual(586);
        const services = await stapServices({ arch: 'x86_64' }, { ...TEST_HOST, tapsetDirs: [INSTALLED_TAPSET] });
        const checked = await checkTexts(services, paths.map(p => ({ uri: URI.file(p), text: readFileSync(p, 'utf8') })), { syntaxOnly: true });
        const errors = checked.flatMap(c => c.diagnostics.filter(d => d.severity === 1)
            .map(d => `${c.uri.path}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.message}`));
        expect(errors).toEqual([]);
    }, 180_000);
});
