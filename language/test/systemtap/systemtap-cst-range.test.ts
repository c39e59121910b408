import { AstUtils, CstUtils, type AstNode } from 'langium';
import { describe, expect, test } from 'vitest';
import { checkStap, stapServices } from './systemtap-test-helpers.js';

/** `probe begin { if (x == 0) y = 0 else if (x == 1) y = 1 … }` with `depth` else-ifs, one per line. */
function elseIfChain(depth: number): string {
    const arms = Array.from({ length: depth }, (_, k) => `  else if (x == ${k + 1}) y = ${k + 1}`);
    return ['probe begin {', '  if (x == 0) y = 0', ...arms, '}', ''].join('\n');
}

describe('SystemTap CST ranges', () => {
    // Every node's range is asked for, as document symbols, folding and diagnostics ask: a composite whose
    // first and last child are the same node must not ask that child twice (twice per level is 2^depth).
    test.each([30, 300])('an else-if chain %i deep: every node has its range, the statement spans its lines', async depth => {
        const services = await stapServices();
        const { doc: document } = await checkStap(services, elseIfChain(depth));
        const root = document.parseResult.value;
        const nodes: AstNode[] = [root, ...AstUtils.streamAst(root)];
        for (const node of nodes) expect(node.$cstNode?.range.start.line).toBeGreaterThanOrEqual(0);
        const statement = nodes.find(n => n.$type === 'StapIf')!;
        expect(statement.$cstNode!.range).toEqual({ start: { line: 1, character: 2 }, end: { line: depth + 1, character: `  else if (x == ${depth}) y = ${depth}`.length } });
        expect(CstUtils.findLeafNodeAtOffset(root.$cstNode!, document.textDocument.getText().lastIndexOf('y'))?.text).toBe('y');
    });
});
