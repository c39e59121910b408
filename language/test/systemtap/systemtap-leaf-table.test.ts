import { CstUtils, isCompositeCstNode, isLeafCstNode, type CstNode } from 'langium';
import { beforeAll, describe, expect, test } from 'vitest';
import type { ProbekitServices } from '../../src/probekit-module.js';
import { StapLeafKinds, StapLeafTable, type StapRootCstNode } from '../../src/systemtap/systemtap-cst-nodes.js';
import { markers } from '../cursor-markers.js';
import { checkStap, stapServices } from './systemtap-test-helpers.js';

let services: ProbekitServices;

beforeAll(async () => {
    services = await stapServices();
});

/** Every leaf under `node`, through `content`, in order. */
function leaves(node: CstNode): CstNode[] {
    return isCompositeCstNode(node) ? node.content.flatMap(leaves) : [node];
}

/**
 * The leaf at the `<|>` marker of a script the hand-written parser builds (its leaves are numbers in the root's leaf
 * table until asked for): its text, whether it is hidden, that asking again (and through Langium's search by offset)
 * gives the same objects, and that its container holds it.
 */
async function leafAt(marked: string): Promise<{ text: string; hidden: boolean; same: boolean; inContainer: boolean; fromTable: boolean }> {
    const { text, offsets } = markers(marked);
    const { doc } = await checkStap(services, text);
    const root = doc.parseResult.value.$cstNode!.root as StapRootCstNode;
    // The leaf there that is not hidden, if any (an invocation is a hidden leaf beside the tokens it expands to).
    const at = (all: CstNode[]) => all.find(l => !l.hidden && l.offset <= offsets[0] && offsets[0] < l.end) ?? all.find(l => l.offset <= offsets[0] && offsets[0] < l.end);
    const leaf = at(leaves(root))!;
    const again = at(leaves(root));
    return {
        text: leaf.text, hidden: leaf.hidden, same: again === leaf && leaves(root).includes(CstUtils.findLeafNodeAtOffset(root, offsets[0])!),
        inContainer: leaf.container!.content.includes(leaf) && isLeafCstNode(leaf), fromTable: root.leaves !== undefined,
    };
}

describe('SystemTap CST leaves made when asked for', () => {
    test.each([
        ['a keyword', 'pro<|>be begin { x = 1 }', 'probe', false],
        ['an identifier', 'probe begin { x<|>yz = 1 }', 'xyz', false],
        ['a comment', 'probe begin { x = 1 } # a <|>note', '# a note', true],
        ['a comment before the first token', '/* he<|>ad */ probe begin { x = 1 }', '/* head */', true],
        ['a token of an expansion spans the invocation', '@define one %( 1 %)\nprobe begin { x = @o<|>ne }', '@one', false],
    ])('%s', async (_what, marked, text, hidden) => {
        expect(await leafAt(marked)).toEqual({ text, hidden, same: true, inContainer: true, fromTable: true });
    });

    test('the table grows past the capacity it was made with', () => {
        const kinds = new StapLeafKinds();
        const table = new StapLeafTable(1, kinds);
        const type = { name: 'T', tokenTypeIdx: 3 } as never;
        for (let k = 0; k < 9; k++) expect(table.add(10 * k, k + 1, type, undefined)).toBe(k);
        expect(Array.from({ length: 9 }, (_, k) => [table.offset(k), table.end(k), table.hidden(k)]))
            .toEqual(Array.from({ length: 9 }, (_, k) => [10 * k, 10 * k + k + 1, true]));
    });
});
