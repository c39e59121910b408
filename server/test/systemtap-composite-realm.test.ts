// The SystemTap composites the language server and `probekit` make in a realm of their own
// (server/src/systemtap-composite-realm.ts) must be the composites the class makes: the same trees node for node
// (strictly: classes, own fields in order, owners, grammar elements) as the language's own literals, which
// language/test/systemtap/systemtap-fast-parser.test.ts holds to Langium's trees; and every member a CST node has.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CstUtils, URI, isCompositeCstNode, isLeafCstNode, isRootCstNode, type AstNode, type CompositeCstNode } from 'langium';
import { beforeAll, describe, expect, test } from 'vitest';
import { applySettings } from '../../language/src/common/probekit-check.js';
import type { ProbekitServices } from '../../language/src/probekit-module.js';
import { StapCompositeCstNode } from '../../language/src/systemtap/systemtap-cst-nodes.js';
import { literalComposites } from '../../language/src/systemtap/systemtap-fast-cst.js';
import type { SystemtapParser } from '../../language/src/systemtap/systemtap-parser.js';
import {
    CORPUS, INSTALLED_TAPSET, TEST_HOST, breathe, corpusRows, stapServices, stpFiles,
} from '../../language/test/systemtap/systemtap-test-helpers.js';
import { describeTree } from '../../language/test/systemtap/systemtap-tree-description.js';
import { realmComposites } from '../src/systemtap-composite-realm.js';
import { createNodeProbekitServices } from '../src/server-services.js';

const HOST = { ...TEST_HOST, tapsetDirs: [INSTALLED_TAPSET] };
let realm: ProbekitServices;
let literal: ProbekitServices;

beforeAll(async () => {
    realm = createNodeProbekitServices();
    await applySettings(realm, { syntaxOnly: true, arch: 'x86_64' }, HOST);
    literal = await stapServices({ arch: 'x86_64' }, HOST);
});

function parse(services: ProbekitServices, path: string, text: string): { value: AstNode; errors: string[] } {
    const r = (services.systemtap.parser.LangiumParser as SystemtapParser).parseFor(URI.file(path), text);
    return { value: r.value, errors: r.parserErrors.map(e => `E ${e.token.startOffset} ${e.message}`) };
}

/** Every composite of a tree, depth first. */
function composites(root: CompositeCstNode): CompositeCstNode[] {
    const out: CompositeCstNode[] = [];
    const pending: CompositeCstNode[] = [root];
    while (pending.length) {
        const n = pending.pop()!;
        out.push(n);
        for (const c of n.content) if (isCompositeCstNode(c)) pending.push(c);
    }
    return out;
}

describe('SystemTap composites made in their own realm', () => {
    test('the services of the server and the CLI make them; the language alone makes literals of the class', () => {
        expect(realm.systemtap.parser.StapComposites).toBe(realmComposites());
        expect(realmComposites()).not.toBe(literalComposites);
        expect(literal.systemtap.parser.StapComposites).toBe(literalComposites);
    });

    test('the same trees as the literals, strictly, on every tapset file and every corpus file', async () => {
        const paths = [...stpFiles(INSTALLED_TAPSET), ...corpusRows().map(r => join(CORPUS, 'files', r.path))];
        expect(paths.length).toBeGreaterThan(2000);
        const different: string[] = [];
        for (const [i, path] of paths.entries()) {
            if (i % 100 === 99) await breathe();
            const text = readFileSync(path, 'utf8');
            const a = parse(realm, path, text);
            const b = parse(literal, path, text);
            if (describeTree(a.value, a.errors, true) !== describeTree(b.value, b.errors, true)) different.push(path);
        }
        expect(different).toEqual([]);
    }, 240_000);

    test('a composite answers as the class does: members, constructor, Langium\'s tests and searches', () => {
        const text = 'probe begin {\n  x = 1 + f(2) # two\n}\nfunction f(a) { return a }\n';
        const { value } = parse(realm, '/tmp/realm.stp', text);
        const root = value.$cstNode!.root;
        expect(isRootCstNode(root)).toBe(true);
        const nodes = composites(root).slice(1);
        expect(nodes.length).toBeGreaterThan(10);
        for (const n of nodes) {
            expect(n).not.toBeInstanceOf(StapCompositeCstNode);
            expect(n.constructor).toBe(StapCompositeCstNode);
            expect(isCompositeCstNode(n)).toBe(true);
            expect(isLeafCstNode(n)).toBe(false);
            expect(isRootCstNode(n)).toBe(false);
            expect(n.root).toBe(root);
            expect(n.hidden).toBe(false);
            expect(n.text).toBe(text.slice(n.offset, n.end));
            expect(n.length).toBe(n.end - n.offset);
            expect(n.astNode.$type).toMatch(/^Stap/);
            expect(n.content.every(c => c.container === n)).toBe(true);
        }
        const call = nodes.find(n => n.astNode.$type === 'StapCall' && n.text === 'f(2)')!;
        expect(call.range).toEqual({ start: { line: 1, character: 10 }, end: { line: 1, character: 14 } });
        expect(CstUtils.findLeafNodeAtOffset(root, text.indexOf('2)'))?.text).toBe('2');
        expect(CstUtils.findLeafNodeAtOffset(root, text.indexOf('2)'))?.container?.container?.container).toBeDefined();
    });
});
