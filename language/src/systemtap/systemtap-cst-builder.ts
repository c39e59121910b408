import type { IToken, TokenType } from 'chevrotain';
import {
    AbstractCstNode, CstNodeBuilder, type AstNode, type CompositeCstNode, type CstNode, type GrammarAST, type LeafCstNode,
    type RootCstNode,
} from 'langium';
import type { Range } from 'vscode-languageserver-types';
import type { StapIToken } from './systemtap-lexer.js';

/**
 * A leaf that keeps its position as numbers and builds its range when asked: Langium's leaf
 * holds three objects for it, a third of a large document's memory.
 */
export class StapLeafCstNode extends AbstractCstNode implements LeafCstNode {
    readonly offset: number;
    readonly length: number;
    readonly tokenType: TokenType;
    private readonly isHidden: boolean;
    private readonly sl: number;
    private readonly sc: number;
    private readonly el: number;
    private readonly ec: number;

    constructor(token: IToken, length: number, hidden: boolean, root: RootCstNode, container: CompositeCstNode) {
        super();
        this.offset = token.startOffset;
        this.length = length;
        this.tokenType = token.tokenType;
        this.isHidden = hidden;
        this.sl = token.startLine! - 1;
        this.sc = token.startColumn! - 1;
        this.el = token.endLine! - 1;
        this.ec = token.endColumn!;
        this.root = root;
        this.container = container;
    }

    get end(): number {
        return this.offset + this.length;
    }

    override get hidden(): boolean {
        return this.isHidden;
    }

    get range(): Range {
        return { start: { line: this.sl, character: this.sc }, end: { line: this.el, character: this.ec } };
    }
}

/**
 * Langium's composite node with a plain array for its children. Langium's children array is an
 * Array subclass (made with `setPrototypeOf`) whose `push`/`splice` take rest arguments to set
 * each child's `container`: the slow paths of the engine, and a tenth of the parse. Here the
 * builder sets `container` itself.
 */
export class StapCompositeCstNode extends AbstractCstNode implements CompositeCstNode {
    content: CstNode[] = [];
    private rangeCache: Range | undefined = undefined;

    constructor() {
        super();
        // Give every composite the same shape from the start (most get an AST node later).
        (this as unknown as { _astNode: unknown })._astNode = undefined;
    }

    get offset(): number {
        return this.firstNonHiddenNode?.offset ?? 0;
    }

    get length(): number {
        return this.end - this.offset;
    }

    get end(): number {
        return this.lastNonHiddenNode?.end ?? 0;
    }

    // As Langium's: from the first to the last non-hidden child, cached.
    get range(): Range {
        const first = this.firstNonHiddenNode;
        const last = this.lastNonHiddenNode;
        if (!first || !last) return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
        if (this.rangeCache === undefined) {
            const { range: firstRange } = first;
            const { range: lastRange } = last;
            this.rangeCache = { start: firstRange.start, end: lastRange.end.line < firstRange.start.line ? firstRange.start : lastRange.end };
        }
        return this.rangeCache;
    }

    get firstNonHiddenNode(): CstNode | undefined {
        for (const child of this.content) {
            if (!child.hidden) return child;
        }
        return this.content[0];
    }

    get lastNonHiddenNode(): CstNode | undefined {
        for (let i = this.content.length - 1; i >= 0; i--) {
            const child = this.content[i];
            if (!child.hidden) return child;
        }
        return this.content[this.content.length - 1];
    }
}

/** The root of a SystemTap CST: a composite node that holds the document's text. */
export class StapRootCstNode extends StapCompositeCstNode implements RootCstNode {
    readonly fullText: string;

    constructor(input: string) {
        super();
        this.fullText = input;
        this.root = this;
    }

    override get text(): string {
        return this.fullText.substring(this.offset, this.end);
    }
}

type Composite = StapCompositeCstNode;

/**
 * Langium's CST builder, building the same tree with less work per node: plain child arrays
 * with `container` set here, leaves of four numbers (see {@link StapLeafCstNode}), removal
 * searching from the end (the removed node is the last child: an action re-parenting it), and
 * hidden tokens placed without spread calls. Leaves of expanded tokens span the whole invocation
 * (Langium would size them by the image).
 */
export class StapCstNodeBuilder extends CstNodeBuilder {
    private stapRoot!: StapRootCstNode;
    private readonly stapStack: Composite[] = [];

    override get current(): never {
        return (this.stapStack[this.stapStack.length - 1] ?? this.stapRoot) as never;
    }

    private top(): Composite {
        return this.stapStack[this.stapStack.length - 1] ?? this.stapRoot;
    }

    override buildRootNode(input: string): RootCstNode {
        this.stapRoot = new StapRootCstNode(input);
        this.stapStack.length = 0;
        this.stapStack.push(this.stapRoot);
        return this.stapRoot;
    }

    override buildCompositeNode(feature: GrammarAST.AbstractElement): CompositeCstNode {
        const node = new StapCompositeCstNode();
        const parent = this.top();
        node.grammarSource = feature;
        node.root = this.stapRoot;
        node.container = parent;
        parent.content.push(node);
        this.stapStack.push(node);
        return node;
    }

    override buildLeafNode(token: IToken, feature?: GrammarAST.AbstractElement): LeafCstNode {
        const parent = this.top();
        const leaf = new StapLeafCstNode(token, (token as StapIToken).stapSpan ?? token.image.length, !feature, this.stapRoot, parent);
        leaf.grammarSource = feature;
        parent.content.push(leaf);
        return leaf;
    }

    /**
     * Re-parent a node under a composite just built (a Langium action does this after
     * {@link removeNode}; Langium's children array set the container on `push`).
     */
    adopt(parent: CompositeCstNode, node: CstNode): void {
        (node as { container?: CompositeCstNode }).container = parent;
        parent.content.push(node);
    }

    override removeNode(node: CstNode): void {
        const parent = node.container;
        if (!parent) return;
        const index = parent.content.lastIndexOf(node);
        if (index >= 0) parent.content.splice(index, 1);
    }

    override addHiddenNodes(tokens: IToken[]): void {
        if (tokens.length === 0) return;
        // As Langium: after the children of the current node; in a node without children yet,
        // before the first ancestor that is not its parent's first child; else first in the root.
        let current: Composite = this.top();
        let into: Composite = current;
        let at = current.content.length;
        if (at === 0) {
            into = this.stapRoot;
            at = 0;
            while (current.container) {
                const siblings = (current.container as Composite).content;
                const index = siblings.lastIndexOf(current);
                if (index > 0) {
                    into = current.container as Composite;
                    at = index;
                    break;
                }
                current = current.container as Composite;
            }
        }
        const leaves: CstNode[] = new Array(tokens.length);
        for (let k = 0; k < tokens.length; k++) {
            leaves[k] = new StapLeafCstNode(tokens[k], tokens[k].image.length, true, this.stapRoot, into);
        }
        const content = into.content;
        if (at === content.length) {
            for (const leaf of leaves) content.push(leaf);
        } else {
            // One move of the tail instead of a spread `splice`.
            const tail = content.splice(at);
            for (const leaf of leaves) content.push(leaf);
            for (const node of tail) content.push(node);
        }
    }

    override construct(item: { $type: string | symbol | undefined; $cstNode: CstNode; $infixName?: string }): void {
        const current = this.top();
        // As Langium: only a real AST node ($type a string, not an infix part) owns the node.
        if (typeof item.$type === 'string' && !item.$infixName) current.astNode = item as AstNode;
        item.$cstNode = current;
        const node = this.stapStack.pop();
        if (!node) return;
        // Empty composite nodes are not valid: remove them from the tree.
        if (node.content.length === 0) this.removeNode(node);
        // A finished node's children do not change any more. An array grown by `push` keeps
        // room for 17 and more; most nodes have one or two children: keep an exact copy.
        else node.content = node.content.slice();
    }
}
