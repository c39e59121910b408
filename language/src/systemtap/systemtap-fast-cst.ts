import type { TokenType } from 'chevrotain';
import type { CstNode, GrammarAST } from 'langium';
import type { StapToken } from './systemtap-tokens.js';
import {
    OPEN, StapCompositeCstNode, StapLeafKinds, StapLeafTable, StapRootCstNode, entryEnd, entryOffset, type StapCstEntry,
} from './systemtap-cst-nodes.js';

const COMPOSITE = StapCompositeCstNode.prototype;

/**
 * Makes a composite of the hand-written parser's tree: `feature` its grammar element, in `root`'s tree, a child of
 * `container`. It must be a {@link StapCompositeCstNode} as its constructor makes it (its fields in that order, its
 * members those of the class), with offset and end {@link OPEN}.
 */
export type StapCompositeFactory = (feature: GrammarAST.AbstractElement, root: StapRootCstNode, container: StapCompositeCstNode) => StapCompositeCstNode;

/**
 * The composites as object literals of the class's prototype: V8 allocates the nodes of such a literal, which all
 * outlive the parse, straight in the old generation once it sees them survive (allocation-site pretenuring), while
 * nodes made by `new` are copied there by the young generation's collector (on the library: 0.3–0.4 s of collector
 * pauses instead of 0.05–0.1 s). The `__proto__` of a literal costs a call into the runtime per node, though; where the
 * platform has realms, a literal of a realm whose own object prototype has the class's members needs none
 * (server/src/systemtap-composite-realm.ts).
 */
export const literalComposites: StapCompositeFactory = (feature, root, container) => ({
    __proto__: COMPOSITE, first: undefined, next: undefined, fixedOffset: OPEN, fixedEnd: OPEN,
    container, grammarSource: feature, root, _astNode: undefined,
}) as unknown as StapCompositeCstNode;

/**
 * The deepest nest of composites built here. Langium's parser runs out of Node's default stack
 * (984 KB) between 920 and 1,240 nested rule calls, as the shape goes (230 levels of index
 * brackets, 350 of parentheses, 620 `else if`), and then reports the nest too deep to check:
 * deeper texts are left to it, so that what it cannot parse still gets that diagnostic.
 */
export const STAP_FAST_MAX_DEPTH = 800;

/** Thrown by {@link StapFastCst.open} past {@link STAP_FAST_MAX_DEPTH}. */
const TOO_DEEP = { fastParser: 'too deep' };

/** A child of a composite: every node of our trees has `next`. */
type Linked = CstNode & { next: StapCstEntry | undefined };

/**
 * The CST of the hand-written SystemTap parser (systemtap-fast-parser.ts): the tree
 * {@link StapCstNodeBuilder} builds under Langium's parser, built straight into the chains of
 * {@link StapCompositeCstNode}. The composites being built are a stack (the root at the
 * bottom); each one's last child, and the child before it in its parent, are kept beside it,
 * which is all that placing hidden tokens and re-parenting under an action need. Leaves are
 * numbers in the root's {@link StapLeafTable}, made nodes only when asked for.
 */
export class StapFastCst {
    root!: StapRootCstNode;
    /** Makes the composites. */
    private readonly compositeOf: StapCompositeFactory;
    /** The leaves of the tree being built (the root's). */
    private table!: StapLeafTable;
    /** The token types and grammar elements of the leaves of every tree built here. */
    private readonly kinds = new StapLeafKinds();
    /** The composites being built, the root first; their last children; the child before each in its parent. */
    private readonly nodes: StapCompositeCstNode[] = [];
    private readonly lasts: Array<StapCstEntry | undefined> = [];
    private readonly prevs: Array<StapCstEntry | undefined> = [];
    /** How many composites are open above the root (the root is at 0). */
    depth = 0;
    /**
     * Composites Langium's parser would have open here beyond these (an infix rule's around its first operand, which
     * the hand-written parser makes only when an operator follows): counted against {@link STAP_FAST_MAX_DEPTH}, so
     * that both parsers give up on the same nests.
     */
    unbuilt = 0;
    /** The child before the composite closed last, in its parent. */
    private closedPrev: StapCstEntry | undefined;
    private hidden: readonly StapToken[] = [];
    private hiddenTypes: readonly TokenType[] = [];
    private hiddenAt = 0;

    constructor(composites: StapCompositeFactory = literalComposites) {
        this.compositeOf = composites;
    }

    /**
     * Start the tree of `input`; `hidden` are its hidden tokens in order, `hiddenTypes` their token types, and
     * `tokens` how many tokens the parser may read (the leaf table is sized for them and the hidden ones).
     */
    start(input: string, hidden: readonly StapToken[], hiddenTypes: readonly TokenType[], tokens: number): StapRootCstNode {
        this.root = new StapRootCstNode(input);
        this.table = this.root.leaves = new StapLeafTable(tokens + hidden.length, this.kinds);
        this.nodes.length = this.lasts.length = this.prevs.length = 0;
        this.nodes.push(this.root);
        this.lasts.push(undefined);
        this.prevs.push(undefined);
        this.depth = 0;
        this.unbuilt = 0;
        this.closedPrev = undefined;
        this.hidden = hidden;
        this.hiddenTypes = hiddenTypes;
        this.hiddenAt = 0;
        return this.root;
    }

    /** Drop the references to the last input. */
    clear(): void {
        this.nodes.length = this.lasts.length = this.prevs.length = 0;
        this.hidden = this.hiddenTypes = [];
        this.closedPrev = undefined;
        this.root = undefined as never;
        this.table = undefined as never;
    }

    /** Make `next` the entry after `entry` in its chain. */
    private link(entry: StapCstEntry, next: StapCstEntry | undefined): void {
        if (typeof entry === 'number') this.table.next[entry] = next;
        else (entry as Linked).next = next;
    }

    /** Chain `entry` after `prev` in `into`, or first there without one. */
    private attach(into: StapCompositeCstNode, prev: StapCstEntry | undefined, entry: StapCstEntry): void {
        if (prev !== undefined) this.link(prev, entry);
        else into.first = entry;
    }

    /** Leaves for hidden tokens `from`…`to`, chained after `prev` in `into`; returns the last. */
    private hiddenLeaves(into: StapCompositeCstNode, prev: StapCstEntry | undefined, from: number, to: number): StapCstEntry | undefined {
        const hidden = this.hidden;
        for (let k = from; k < to; k++) {
            const leaf = this.table.add(hidden[k].offset, hidden[k].image.length, this.hiddenTypes[k], undefined);
            this.attach(into, prev, leaf);
            prev = leaf;
        }
        return prev;
    }

    /** A new composite for `feature`, the last child of the current one, and current itself. */
    open(feature: GrammarAST.AbstractElement): StapCompositeCstNode {
        const d = this.depth;
        if (d + this.unbuilt >= STAP_FAST_MAX_DEPTH) throw TOO_DEEP;
        const parent = this.nodes[d];
        const node = this.compositeOf(feature, this.root, parent);
        const last = this.lasts[d];
        this.attach(parent, last, node);
        this.lasts[d] = node;
        const e = d + 1;
        this.depth = e;
        if (e === this.nodes.length) {
            this.nodes.push(node);
            this.lasts.push(undefined);
            this.prevs.push(last);
        } else {
            this.nodes[e] = node;
            this.lasts[e] = undefined;
            this.prevs[e] = last;
        }
        return node;
    }

    /** Finish the current composite (its offsets are final) and return it. */
    close(): StapCompositeCstNode {
        const d = this.depth;
        const node = this.nodes[d];
        this.closedPrev = this.prevs[d];
        this.depth = d - 1;
        // Hidden leaves are never the first or the last child of a composite built here (they go before the next
        // token, and before a composite that would start with them): its span is from its first to its last child.
        const first = node.first;
        if (first === undefined) {
            node.finish(true);
        } else {
            node.fixSpan(entryOffset(first, this.table), entryEnd(this.lasts[d]!, this.table));
        }
        return node;
    }

    /**
     * Langium's assigned action: the composite just closed (the current one's last child) moves
     * into a new composite for `action`, which takes its place and becomes current.
     */
    reparent(closed: StapCompositeCstNode, action: GrammarAST.AbstractElement): StapCompositeCstNode {
        const d = this.depth;
        const prev = this.closedPrev;
        this.lasts[d] = prev;
        if (prev !== undefined) this.link(prev, undefined);
        else this.nodes[d].first = undefined;
        const node = this.open(action);
        (closed as { container: unknown }).container = node;
        node.first = closed;
        this.lasts[this.depth] = closed;
        return node;
    }

    /**
     * A leaf for `token` of type `type` in the current composite, after the hidden tokens before it. It spans the
     * token's text, or for a token of an expansion the whole invocation.
     */
    leaf(token: StapToken, type: TokenType, feature: GrammarAST.AbstractElement): void {
        const hidden = this.hidden;
        const offset = token.offset;
        if (this.hiddenAt < hidden.length && hidden[this.hiddenAt].offset <= offset) this.placeHidden(offset);
        const d = this.depth;
        const leaf = this.table.add(offset, token.end - offset, type, feature);
        this.attach(this.nodes[d], this.lasts[d], leaf);
        this.lasts[d] = leaf;
    }

    /** The hidden tokens not yet placed, after everything in the root (at the end of the parse). */
    finish(): void {
        const rest = this.hidden.length - this.hiddenAt;
        if (rest > 0) this.append(0, this.hiddenAt, this.hidden.length);
        this.hiddenAt = this.hidden.length;
    }

    /**
     * Place the hidden tokens that start at or before `offset`, as Langium's builder does: after
     * the children of the current composite; if it has none yet, just before the outermost of
     * the composites it is the first descendant of (each the first child of the next), in that
     * one's parent.
     */
    private placeHidden(offset: number): void {
        const hidden = this.hidden;
        const from = this.hiddenAt;
        let to = from;
        while (to < hidden.length && hidden[to].offset <= offset) to++;
        this.hiddenAt = to;
        let c = this.depth;
        if (c === 0 || this.nodes[c].first !== undefined) {
            this.append(c, from, to);
            return;
        }
        while (c > 1 && this.nodes[c - 1].first === this.nodes[c]) c--;
        // Before nodes[c] in nodes[c - 1].
        const prev = this.hiddenLeaves(this.nodes[c - 1], this.prevs[c], from, to)!;
        this.link(prev, this.nodes[c]);
        this.prevs[c] = prev;
    }

    /** Hidden tokens `from`…`to` after the last child of open composite `d`. */
    private append(d: number, from: number, to: number): void {
        this.lasts[d] = this.hiddenLeaves(this.nodes[d], this.lasts[d], from, to);
    }
}
