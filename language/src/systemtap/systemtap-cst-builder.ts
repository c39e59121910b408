import type { IToken } from 'chevrotain';
import { CstNodeBuilder, type AstNode, type CompositeCstNode, type CstNode, type GrammarAST, type LeafCstNode, type RootCstNode } from 'langium';
import type { StapIToken } from './systemtap-lexer.js';
import { OPEN, StapCompositeCstNode, StapRootCstNode, leafOf, type StapLeafCstNode } from './systemtap-cst-nodes.js';

type Composite = StapCompositeCstNode;

/**
 * Langium's CST builder, building the same tree with less work per node:
 * - the children of the nodes being built sit in one shared array, each open node owning the
 *   segment from its start to the next open node (its last child): a finished node chains its
 *   segment (see {@link StapCompositeCstNode}). Per-node arrays grown by `push` would keep room
 *   for 17 children (most nodes have one or two) and leave that much garbage for every node;
 * - `container` is set here (Langium's children array set it in a `push` with rest arguments);
 * - leaves of seven fields (see {@link StapLeafCstNode}); leaves of expanded tokens span the whole
 *   invocation (Langium would size them by the image);
 * - removal searches from the end (the removed node is the last child: an action re-parenting
 *   it, or an empty node), and hidden tokens are placed without spread calls.
 */
export class StapCstNodeBuilder extends CstNodeBuilder {
    private stapRoot!: StapRootCstNode;
    /** The nodes being built, outermost first, and where each one's children start in `children`. */
    private readonly open: Composite[] = [];
    private readonly starts: number[] = [];
    private readonly children: CstNode[] = [];

    override get current(): never {
        return this.top() as never;
    }

    private top(): Composite {
        return this.open[this.open.length - 1] ?? this.stapRoot;
    }

    /** Index of an open node in `open` (searched from the innermost), or -1 for a finished one. */
    private openIndex(node: Composite): number {
        if (node.fixedOffset !== OPEN) return -1;
        for (let i = this.open.length - 1; i >= 0; i--) {
            if (this.open[i] === node) return i;
        }
        return -1;
    }

    /** End of the children of open node `i` in `children`. */
    private segmentEnd(i: number): number {
        return i + 1 < this.open.length ? this.starts[i + 1] : this.children.length;
    }

    /** Add a child at the end of `parent`'s children (open or finished). */
    private append(parent: Composite, child: CstNode): void {
        if (parent.fixedOffset !== OPEN) {
            const content = parent.content;
            content.push(child);
            parent.setChildren(content);
            return;
        }
        // An open parent that is not the innermost one does not get children: the parser only
        // adds to the node it builds.
        this.children.push(child);
    }

    private openNode(node: Composite): void {
        this.open.push(node);
        this.starts.push(this.children.length);
    }

    override buildRootNode(input: string): RootCstNode {
        this.stapRoot = new StapRootCstNode(input);
        this.open.length = 0;
        this.starts.length = 0;
        this.children.length = 0;
        this.openNode(this.stapRoot);
        return this.stapRoot;
    }

    override buildCompositeNode(feature: GrammarAST.AbstractElement): CompositeCstNode {
        const parent = this.top();
        const node = new StapCompositeCstNode(feature, this.stapRoot, parent);
        this.append(parent, node);
        this.openNode(node);
        return node;
    }

    override buildLeafNode(token: IToken, feature?: GrammarAST.AbstractElement): LeafCstNode {
        const parent = this.top();
        const leaf = leafOf(token, (token as StapIToken).stapSpan ?? token.image.length, feature, this.stapRoot, parent);
        this.append(parent, leaf);
        return leaf;
    }

    /**
     * Re-parent a node under the composite just built (a Langium action does this after
     * {@link removeNode}; Langium's children array set the container on `push`).
     */
    adopt(parent: CompositeCstNode, node: CstNode): void {
        (node as { container?: CompositeCstNode }).container = parent;
        this.append(parent as Composite, node);
    }

    override removeNode(node: CstNode): void {
        const parent = node.container as Composite | undefined;
        if (!parent) return;
        const i = this.openIndex(parent);
        if (i < 0) {
            const content = parent.content;
            const index = content.lastIndexOf(node);
            if (index >= 0) {
                content.splice(index, 1);
                parent.setChildren(content);
            }
            return;
        }
        const k = this.indexInSegment(i, node);
        if (k < 0) return;
        this.children.splice(this.starts[i] + k, 1);
        for (let j = i + 1; j < this.starts.length; j++) this.starts[j]--;
    }

    /** Number of children of a node (open or finished). */
    private childCount(node: Composite): number {
        const i = this.openIndex(node);
        return i < 0 ? node.content.length : this.segmentEnd(i) - this.starts[i];
    }

    override addHiddenNodes(tokens: IToken[]): void {
        if (tokens.length === 0) return;
        // As Langium: after the children of the current node; in a node without children yet,
        // before the first ancestor that is not its parent's first child; else first in the root.
        let current: Composite = this.top();
        let into: Composite = current;
        let at = this.childCount(current);
        if (at === 0) {
            into = this.stapRoot;
            while (current.container) {
                const parent = current.container as Composite;
                const i = this.openIndex(parent);
                const index = i < 0 ? parent.content.lastIndexOf(current) : this.indexInSegment(i, current);
                if (index > 0) {
                    into = parent;
                    at = index;
                    break;
                }
                current = parent;
            }
        }
        const leaves: CstNode[] = new Array(tokens.length);
        for (let k = 0; k < tokens.length; k++) {
            leaves[k] = leafOf(tokens[k], tokens[k].image.length, undefined, this.stapRoot, into);
        }
        const i = this.openIndex(into);
        if (i < 0) {
            const content = into.content;
            insertAt(content, at, leaves);
            into.setChildren(content);
            return;
        }
        insertAt(this.children, this.starts[i] + at, leaves);
        for (let j = i + 1; j < this.starts.length; j++) this.starts[j] += leaves.length;
    }

    /** Index of `child` among the children of open node `i` (searched from the end). */
    private indexInSegment(i: number, child: CstNode): number {
        const from = this.starts[i];
        for (let k = this.segmentEnd(i) - 1; k >= from; k--) {
            if (this.children[k] === child) return k - from;
        }
        return -1;
    }

    override construct(item: { $type: string | symbol | undefined; $cstNode: CstNode; $infixName?: string }): void {
        const current = this.top();
        // As Langium: only a real AST node ($type a string, not an infix part) owns the node.
        if (typeof item.$type === 'string' && !item.$infixName) current.astNode = item as AstNode;
        item.$cstNode = current;
        const node = this.open.pop();
        if (!node) return;
        const start = this.starts.pop()!;
        // An infix rule that read one operand only (most expressions) is that operand: its composite, which would own
        // no node and hold the operand's alone, gives its place to the operand's (108,000 of the library's 596,000
        // composites were these; the hand-written parser makes none: StapFastParser.binary).
        const only = this.children[start];
        if (item.$infixName !== undefined && this.children.length === start + 1 && only instanceof StapCompositeCstNode
            && this.children[start - 1] === node) {
            // (It keeps its span, out of the tree: Langium's parser assigns a rule's result only if its node has a length.)
            node.setChildren(this.children, start);
            node.finish(true);
            this.children.length = start;
            this.children[start - 1] = only;
            (only as { container: CompositeCstNode }).container = node.container!;
            return;
        }
        // Its children are final now (hidden tokens only go into nodes being built, and into the
        // root after the parse): chain them.
        const empty = start === this.children.length;
        node.setChildren(this.children, start);
        this.children.length = start;
        node.finish(node !== this.stapRoot);
        // Empty composite nodes are not valid: remove them from the tree.
        if (empty) this.removeNode(node);
    }
}

/** Insert `items` at `at` in `array` (one move of the tail instead of a spread `splice`). */
function insertAt(array: CstNode[], at: number, items: CstNode[]): void {
    if (at >= array.length) {
        for (const item of items) array.push(item);
        return;
    }
    const tail = array.splice(at);
    for (const item of items) array.push(item);
    for (const item of tail) array.push(item);
}
