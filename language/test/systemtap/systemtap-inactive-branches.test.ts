import { beforeAll, describe, expect, test } from 'vitest';
import { DiagnosticTag } from 'vscode-languageserver-types';
import type { ProbekitServices } from '../../src/probekit-module.js';
import { StapCode } from '../../src/systemtap/systemtap-diagnostic-codes.js';
import { checkStap, markers, stapServices } from './systemtap-test-helpers.js';

/**
 * Branches of `%( … %)` not taken for the target reach the editor as hints tagged Unnecessary (drawn faded),
 * each marked `<|>…<|>` in the text; `probekit check` leaves them out.
 */
async function expectFaded(services: ProbekitServices, marked: string): Promise<void> {
    const { text, offsets } = markers(marked);
    const { doc, diagnostics } = await checkStap(services, text);
    const hints = doc.diagnostics!.filter(d => d.code === StapCode.PpInactive);
    const spans = hints.map(h => [doc.textDocument.offsetAt(h.range.start), doc.textDocument.offsetAt(h.range.end)]);
    const expected: number[][] = [];
    for (let i = 0; i < offsets.length; i += 2) expected.push([offsets[i], offsets[i + 1]]);
    expect(spans).toEqual(expected);
    for (const h of hints) {
        expect(h.tags).toEqual([DiagnosticTag.Unnecessary]);
        expect(h.severity).toBe(4);
    }
    expect(diagnostics.filter(d => d.code === StapCode.PpInactive)).toEqual([]);
}

describe('inactive branches are faded in the editor', () => {
    let services: ProbekitServices;
    beforeAll(async () => {
        services = await stapServices({ arch: 'x86_64', kernelRelease: '6.1.0' });
    });

    test.each([
        ['the else branch', 'probe begin { %( arch == "x86_64" %? x = 1 %: <|>y = 2<|> %) }'],
        ['the then branch', 'probe begin { %( arch == "s390" %? <|>x = 1<|> %: y = 2 %) }'],
        ['a multi-line branch, blanks left out', 'probe begin {\n%( kernel_v < "4.0" %?\n  <|>old()\n  older()<|>\n%)\n}'],
        ['nested conditionals inside a dropped branch', 'probe begin { %( arch == "arm" %? <|>%( 1 == 1 %? a %: b %)<|> %) }'],
        ['both branches active nowhere else', 'probe begin { %( arch == "x86_64" %? %( 1 == 0 %? <|>a<|> %: b %) %) }'],
        ['no conditional, no hint', 'probe begin { x = 1 }'],
    ])('%s', async (_name, marked) => {
        await expectFaded(services, marked);
    });
});
