import type { IToken, TokenType } from 'chevrotain';
import {
    AbstractCstNode, type CompositeCstNode, type CstNode, type GrammarAST, type LeafCstNode, type RootCstNode,
} from 'langium';
import type { Range } from 'vscode-languageserver-types';
import { lineOfOffset, lineStarts } from '../common/line-starts.js';

/** The CST nodes of SystemTap documents (built by `systemtap-cst-builder.ts`). */

/**
 * A leaf of seven fields: its range is computed when asked, from the offsets and the root's line
 * index (Langium's leaf holds a range of three objects: a third of a large document's memory),
 * and it is hidden exactly when no grammar element produced it (as in Langium's builder).
 */
export class StapLeafCstNode extends AbstractCstNode implements LeafCstNode {
    readonly offset: number;
    readonly length: number;
    readonly tokenType: TokenType;
    /** The next child of the same composite (see {@link StapCompositeCstNode.content}). */
    next: CstNode | undefined;

    constructor(offset: number, length: number, tokenType: TokenType, feature: GrammarAST.AbstractElement | undefined,
        root: StapRootCstNode, container: CompositeCstNode) {
        super();
        // Every field set here, in one order: V8 then keeps them all inside the object.
        this.container = container;
        this.grammarSource = feature;
        this.root = root;
        // `| 0`: offsets can arrive boxed (a double from the lexer's optimised code); a boxed
        // value stored once turns the field into a boxed number in every leaf.
        this.offset = offset | 0;
        this.length = length | 0;
        this.tokenType = tokenType;
        this.next = undefined;
    }

    get end(): number {
        return this.offset + this.length;
    }

    override get hidden(): boolean {
        return this.grammarSource === undefined;
    }

    /** Offset of the last character (the token's `endOffset`). */
    get lastOffset(): number {
        return Math.max(this.offset, this.offset + this.length - 1);
    }

    get range(): Range {
        return (this.root as StapRootCstNode).rangeOf(this.offset, this.lastOffset, this.grammarSource === undefined);
    }
}

/** A leaf for a token, sized by `length`, with its range where the lexer put it. */
export function leafOf(token: IToken, length: number, feature: GrammarAST.AbstractElement | undefined,
    root: StapRootCstNode, container: CompositeCstNode): StapLeafCstNode {
    // Every token ends where its length says: the lexer's images are slices of the text, and expanded tokens
    // carry the span of their invocation as their length.
    return new StapLeafCstNode(token.startOffset, length, token.tokenType, feature, root, container);
}

/** Marks a composite node being built (its children are in the builder). */
export const OPEN = -1;
/** Marks a finished composite whose offsets are computed when asked (the root, removed nodes). */
const LIVE = -2;

/** A child of a {@link StapCompositeCstNode}: every node of our trees. */
type Linked = CstNode & { next: CstNode | undefined };

/**
 * Langium's composite node, its children kept as a chain (`first`, then each child's `next`)
 * and `content` made from the chain when asked. A library's CST has half a million composites
 * with one or two children each: an array apiece (Langium's is an Array subclass whose `push`
 * takes rest arguments) cost two objects and a fifth of the tree's memory. The builder sets
 * `container` and the chain.
 */
export class StapCompositeCstNode extends AbstractCstNode implements CompositeCstNode {
    /** The first child (children follow through `next`); undefined while being built or empty. */
    first: CstNode | undefined = undefined;
    /** The next child of the same composite. */
    next: CstNode | undefined = undefined;
    /** Offset and end, fixed when the node is finished ({@link OPEN} while it is being built). */
    fixedOffset = OPEN;
    private fixedEnd = OPEN;

    constructor(feature: GrammarAST.AbstractElement | undefined, root: RootCstNode | undefined, container: CompositeCstNode | undefined) {
        super();
        // Every field set here, in one order: V8 then keeps them all inside the object.
        this.container = container;
        this.grammarSource = feature;
        this.root = root ?? this as unknown as RootCstNode;
        (this as unknown as { _astNode: unknown })._astNode = undefined;
    }

    /** The children, in order (a new array each time; empty while the node is being built). */
    get content(): CstNode[] {
        const out: CstNode[] = [];
        for (let c = this.first; c; c = (c as Linked).next) out.push(c);
        return out;
    }

    /** Make `children[from..to)` the children of this node. */
    setChildren(children: readonly CstNode[], from = 0, to = children.length): void {
        this.first = from < to ? children[from] : undefined;
        for (let k = from; k < to; k++) (children[k] as Linked).next = k + 1 < to ? children[k + 1] : undefined;
    }

    get offset(): number {
        return this.fixedOffset >= 0 ? this.fixedOffset : this.firstNonHiddenNode?.offset ?? 0;
    }

    get length(): number {
        return this.end - this.offset;
    }

    get end(): number {
        return this.fixedEnd >= 0 ? this.fixedEnd : this.lastNonHiddenNode?.end ?? 0;
    }

    /**
     * Finish the node: fix offset and end when its children are final (Langium computes them on
     * every call by descending to the first and last leaf, and asks for the length of each node
     * it finishes: quadratic in the depth of an expression), else compute them when asked.
     */
    finish(fixed: boolean): void {
        if (!fixed || !this.first) {
            this.fixedOffset = this.fixedEnd = LIVE;
            return;
        }
        // `| 0`: a small integer, never a boxed number (see the leaf's constructor).
        this.fixedOffset = (this.firstNonHiddenNode?.offset ?? 0) | 0;
        this.fixedEnd = (this.lastNonHiddenNode?.end ?? 0) | 0;
    }

    /** Finish the node with its offset and end known (as {@link finish} would find them). */
    fixSpan(offset: number, end: number): void {
        this.fixedOffset = offset | 0;
        this.fixedEnd = end | 0;
    }

    // As Langium's: from the first to the last non-hidden child; computed, not cached (a field
    // in each of a library's half million composites, for a range few are asked for). A child that
    // is both first and last (a rule called without assignment wraps one node) is asked once: asked
    // twice at each level, `else if` chains took time doubling with their length (22 levels, 17 s).
    get range(): Range {
        const first = this.firstNonHiddenNode;
        const last = this.lastNonHiddenNode;
        if (!first || !last) return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
        const firstRange = first.range;
        const lastRange = last === first ? firstRange : last.range;
        return { start: firstRange.start, end: lastRange.end.line < firstRange.start.line ? firstRange.start : lastRange.end };
    }

    get firstNonHiddenNode(): CstNode | undefined {
        for (let c = this.first; c; c = (c as Linked).next) {
            if (!c.hidden) return c;
        }
        return this.first;
    }

    get lastNonHiddenNode(): CstNode | undefined {
        let last: CstNode | undefined;
        let lastShown: CstNode | undefined;
        for (let c = this.first; c; c = (c as Linked).next) {
            last = c;
            if (!c.hidden) lastShown = c;
        }
        return lastShown ?? last;
    }
}

/** The root of a SystemTap CST: a composite node that holds the document's text. */
export class StapRootCstNode extends StapCompositeCstNode implements RootCstNode {
    readonly fullText: string;
    /** Offsets where lines start, made on the first range asked for. */
    private lineStarts: number[] | undefined = undefined;

    constructor(input: string) {
        super(undefined, undefined, undefined);
        this.fullText = input;
    }

    override get text(): string {
        return this.fullText.substring(this.offset, this.end);
    }

    /** The range from `offset` to the character at `last` included (Langium's `tokenToRange`). */
    rangeOf(offset: number, last: number, characterFirst = false): Range {
        const sl = this.lineOf(offset);
        const el = last === offset ? sl : this.lineOf(last);
        const starts = this.lineStarts!;
        const sc = offset - starts[sl];
        const ec = last - starts[el] + 1;
        // Key order as before: Langium's `tokenToRange` (hidden leaves) puts `character` first.
        return characterFirst
            ? { start: { character: sc, line: sl }, end: { character: ec, line: el } }
            : { start: { line: sl, character: sc }, end: { line: el, character: ec } };
    }

    private lineOf(offset: number): number {
        this.lineStarts ??= lineStarts(this.fullText);
        return lineOfOffset(this.lineStarts, offset);
    }
}
