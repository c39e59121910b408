import { beforeAll, describe, expect, test } from 'vitest';
import type { ProbekitServices } from '../../src/probekit-module.js';
import { checkStap, markers, stapServices } from './systemtap-test-helpers.js';

let services: ProbekitServices;
beforeAll(async () => {
    services = await stapServices();
});

/**
 * Each `<|>` marks where one error must start (0-based offsets compared through the document's
 * positions); the messages must match in order.
 */
async function expectErrors(marked: string, messages: RegExp[]): Promise<void> {
    const { text, offsets } = markers(marked);
    const { doc, errors } = await checkStap(services, text);
    const starts = errors.map(e => doc.textDocument.offsetAt(e.range.start));
    expect(starts).toEqual(offsets);
    errors.forEach((e, k) => expect(e.message).toMatch(messages[k]));
    for (const e of errors) expect(e.code).toMatch(/^stap-(lex|pp|parse)-/);
}

describe('error messages with positions (same positions as stap 4.8 -p1)', () => {
    test('a missing `)` names the call it closes', async () => {
        await expectErrors('probe begin {\n    printf("%d\\n", x\n<|>}', [/^expected `\)` to close the call to printf opened at 2:11, but found `\}`$/]);
    });

    test('several errors in one file, resynchronised at top-level keywords', async () => {
        await expectErrors([
            'global x',
            'probe begin {',
            '    printf("%d\\n", x',
            '<|>}',
            'function f(a, <|>{',
            '    return 1',
            '}',
            'probe end {',
            '    y = 1 +',
            '<|>}',
            'probe timer.s(1) { x = 2 }',
            'probe kernel.function("x" <|>{ }',
            'global z',
        ].join('\n'), [
            /expected `\)` to close the call to printf opened at 3:11/,
            /expected an identifier but found `\{`/,
            /expected an expression but found `\}`/,
            /expected `\)` to close the argument of probe point component `function` opened at 12:22/,
        ]);
    });

    test('an unclosed block at the end of the file', async () => {
        await expectErrors('probe begin { if (x) { y = 1 }<|>\n', [/expected `\}` to close the block opened at 1:13, but found the end of the file/]);
    });

    test('top level', async () => {
        await expectErrors('<|>x = 1\nprobe begin {}', [/expected `probe`, `global`, `private`, `function` or `%\{` but found `x`/]);
    });

    test('preprocessor and lexer errors point at their token', async () => {
        await expectErrors('%( arch == <|>foo %? probe begin {} %)\nprobe end { s = <|>"open\n<|>}', [
            /expected string literal/, /unclosed string/, /expected an expression but found `\}`/,
        ]);
    });

    test('an error in a macro expansion points at the invocation', async () => {
        await expectErrors('@define bad %( (1 ] %)\nprobe begin { x = <|>@bad }', [/expected `\)` to close the `\(` opened at 2:19, but found `\]`/]);
    });

    test('rules beyond the grammar', async () => {
        await expectErrors('probe begin { <|>return }', [/found `return` not in function context/]);
        await expectErrors('global a\nglobal <|>a', [/duplicate global name `a`/]);
    });
});
