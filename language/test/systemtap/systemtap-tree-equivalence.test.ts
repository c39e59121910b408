// The SystemTap parser builds its trees its own way for speed and memory (CST builder, rule
// builder, container links; see systemtap-cst-builder.ts, systemtap-cst-nodes.ts, systemtap-parser-rules.ts,
// systemtap-tree-links.ts). Here a second parser, built with Langium's own rule builder, CST
// builder, hidden-token handling and defaults, parses the same files, and both trees must be the
// same node for node: CST offsets, ranges, texts, grammar elements, owners and containers; AST
// types, values, containers and CST spans; errors. The container links are compared with
// Langium's `linkContentToContainer` on the same trees. One shape ours leaves out on purpose, the
// reference leaves out too: an infix rule's composite around a lone operand (LangiumReferenceBuilder.construct).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IToken } from 'chevrotain';
import {
    AstUtils, CstNodeBuilder, CstUtils, LeafCstNodeImpl, URI, createParser, isCompositeCstNode, type AstNode, type CompositeCstNode, type CstNode,
    type LangiumCoreServices, type LeafCstNode, type RootCstNode,
} from 'langium';
import { describe, expect, test } from 'vitest';
import { SystemtapParser } from '../../src/systemtap/systemtap-parser.js';
import type { StapIToken } from '../../src/systemtap/systemtap-lexer.js';
import { CORPUS, INSTALLED_TAPSET, TEST_HOST, breathe, corpusRows, stpFiles, stapServices } from './systemtap-test-helpers.js';
import { describeTree } from './systemtap-tree-description.js';

/** Langium's builder as the parser used it before: leaves of expanded tokens span the invocation. */
class LangiumReferenceBuilder extends CstNodeBuilder {
    override buildLeafNode(token: IToken, feature: Parameters<CstNodeBuilder['buildLeafNode']>[1]): LeafCstNode {
        const leaf = new LeafCstNodeImpl(token.startOffset, (token as StapIToken).stapSpan ?? token.image.length,
            CstUtils.tokenToRange(token), token.tokenType, !feature);
        leaf.grammarSource = feature;
        leaf.root = (this as unknown as { rootNode: RootCstNode }).rootNode;
        this.current.content.push(leaf);
        return leaf;
    }

    /** What Langium's action does after building the new node (its children array sets `container`). */
    adopt(parent: CompositeCstNode, node: CstNode): void {
        parent.content.push(node);
    }

    /**
     * Langium's, and the one shape ours leaves out on purpose (systemtap-cst-builder.ts): an infix rule that read one
     * operand only gives its place in its parent to the operand's composite.
     */
    override construct(item: Parameters<CstNodeBuilder['construct']>[0] & { $infixName?: string }): void {
        const node = this.current;
        super.construct(item);
        const only = node.content[0];
        if (item.$infixName === undefined || node.content.length !== 1 || !isCompositeCstNode(only) || !node.container) return;
        const parent = node.container;
        parent.content[parent.content.lastIndexOf(node)] = only;
        (only as { container?: CompositeCstNode }).container = parent;
    }
}

/** A SystemTap parser with Langium's rule builder, CST builder, node creation, hidden tokens and defaults. */
function referenceParser(services: LangiumCoreServices & { systemtap?: unknown }, ours: SystemtapParser): SystemtapParser {
    const parser = new SystemtapParser(services as never);
    parser.fast = undefined;
    parser.chevrotainEngine(); // made on first need otherwise; Langium's rules are defined on it below
    const internals = parser as unknown as Record<string, unknown> & { wrapper: Record<string, unknown> };
    internals.nodeBuilder = new LangiumReferenceBuilder();
    internals.astReflection = services.shared.AstReflection;
    // Back to Langium's own methods (the prototype's): nodes as `{ $type }` literals, hidden
    // tokens spliced, properties handed over with `Object.entries`, options made per call,
    // binary trees built by recursive splits.
    delete internals.startImplementation;
    delete internals.extractHiddenTokens;
    delete internals.assignWithoutOverride;
    delete internals.wrapper.wrapSubrule;
    delete internals.constructInfix;
    createParser(services.Grammar, parser, services.parser.Lexer.definition);
    parser.finalize();
    expect(parser).not.toBe(ours);
    return parser;
}

/** Corpus files stap 4.8 rejects in pass 1: error recovery builds the odd trees. */
function corpusErrorFiles(): string[] {
    return corpusRows().filter(r => r.expect === 'error').map(r => join(CORPUS, 'files', r.path));
}

/** Clear the container links of a tree and let Langium's `linkContentToContainer` make them. */
function relinkWithLangium(root: AstNode): void {
    for (const node of [...AstUtils.streamAst(root)]) {
        const n = node as { $container?: unknown; $containerProperty?: unknown; $containerIndex?: unknown };
        delete n.$container;
        delete n.$containerProperty;
        delete n.$containerIndex;
    }
    AstUtils.linkContentToContainer(root, { deep: true });
}

describe('SystemTap trees are the trees Langium builds', () => {
    test('CST, AST, container links and errors on every tapset file and every corpus file with syntax errors', async () => {
        const services = await stapServices({ arch: 'x86_64' }, { ...TEST_HOST, tapsetDirs: [INSTALLED_TAPSET] });
        const ours = services.systemtap.parser.LangiumParser as SystemtapParser;
        const reference = referenceParser(services.systemtap as unknown as LangiumCoreServices, ours);
        const paths = [...stpFiles(INSTALLED_TAPSET), ...corpusErrorFiles()];
        expect(paths.length).toBeGreaterThan(650);
        const different: string[] = [];
        const links: string[] = [];
        let errors = 0;
        // Langium's parser with our builders: the fast parser that takes error-free streams first
        // is compared with it in systemtap-fast-parser.test.ts.
        const fast = ours.fast;
        ours.fast = undefined;
        for (const [i, path] of paths.entries()) {
            if (i % 100 === 99) await breathe();
            const text = readFileSync(path, 'utf8');
            const uri = URI.file(path);
            const a = ours.parseFor(uri, text);
            const b = reference.parseFor(uri, text);
            const errorsOf = (r: typeof a) => r.parserErrors.map(e => `E ${e.token.startOffset} ${e.message}`);
            errors += a.parserErrors.length;
            const mine = describeTree(a.value, errorsOf(a));
            if (mine !== describeTree(b.value, errorsOf(b))) different.push(path);
            relinkWithLangium(a.value);
            if (mine !== describeTree(a.value, errorsOf(a))) links.push(path);
        }
        ours.fast = fast;
        expect(different).toEqual([]);
        expect(links).toEqual([]);
        expect(errors).toBeGreaterThan(50);
    }, 120_000);
});
