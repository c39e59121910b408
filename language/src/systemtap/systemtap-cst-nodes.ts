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
    next: StapCstEntry | undefined;

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
type Linked = CstNode & { next: StapCstEntry | undefined };

/**
 * A child in a composite's chain: a node, or a leaf of the root's {@link StapLeafTable} by its index there (a number:
 * no object until the leaf is asked for).
 */
export type StapCstEntry = CstNode | number;

/**
 * The token types and grammar elements of the leaves in {@link StapLeafTable}s, by number: one per parser, shared by
 * the tables of every tree it builds.
 */
export class StapLeafKinds {
    /** Token types by their `tokenTypeIdx`. */
    readonly types: TokenType[] = [];
    /** The grammar elements leaves come from; 0 is none (a hidden leaf). */
    readonly features: Array<GrammarAST.AbstractElement | undefined> = [undefined];
    private readonly ids = new Map<GrammarAST.AbstractElement, number>();

    typeId(type: TokenType): number {
        const i = type.tokenTypeIdx!;
        if (this.types[i] !== type) this.types[i] = type;
        return i;
    }

    featureId(feature: GrammarAST.AbstractElement | undefined): number {
        if (feature === undefined) return 0;
        let id = this.ids.get(feature);
        if (id === undefined) {
            id = this.features.length;
            this.features.push(feature);
            this.ids.set(feature, id);
        }
        return id;
    }
}

/**
 * The leaves of a tree the hand-written parser built (systemtap-fast-cst.ts), as numbers: offset, length, token type
 * and grammar element, four to a leaf in one typed array, and the chain's next entry after each. A leaf becomes a
 * {@link StapLeafCstNode} when something first asks for it (a composite's `content`, its first or last child), and
 * stays that one object. The library's 457,000 leaves were 80 bytes each in the old generation, a sixth of the
 * parse's memory, almost none of them ever asked for; here they are 24.
 */
export class StapLeafTable {
    private data: Int32Array;
    /**
     * The entry after each leaf in its composite's chain (undefined for the last). Made at the size the table is
     * made for, not grown by `push`: growing it copied 11.5 MB over the tapset library.
     */
    readonly next: Array<StapCstEntry | undefined>;
    /** How many leaves there are. */
    private count = 0;
    private objects: Array<StapLeafCstNode | undefined> | undefined;

    constructor(capacity: number, private readonly kinds: StapLeafKinds) {
        this.data = new Int32Array(Math.max(capacity, 1) * 4);
        this.next = new Array(capacity);
    }

    /** A new leaf; returns its index. */
    add(offset: number, length: number, type: TokenType, feature: GrammarAST.AbstractElement | undefined): number {
        const k = this.count++;
        let i = k * 4;
        if (i >= this.data.length) {
            const grown = new Int32Array(this.data.length * 2);
            grown.set(this.data);
            this.data = grown;
        }
        const d = this.data;
        d[i++] = offset;
        d[i++] = length;
        d[i++] = this.kinds.typeId(type);
        d[i] = this.kinds.featureId(feature);
        this.next[k] = undefined;
        return k;
    }

    offset(k: number): number {
        return this.data[k * 4];
    }

    end(k: number): number {
        return this.data[k * 4] + this.data[k * 4 + 1];
    }

    hidden(k: number): boolean {
        return this.data[k * 4 + 3] === 0;
    }

    /** Leaf `k` as a node (made the first time), a child of `container`. */
    leaf(k: number, root: StapRootCstNode, container: CompositeCstNode): StapLeafCstNode {
        // Made when the first leaf is asked for, mostly once the tree is whole: as long as the table, with no holes to fill.
        const objects = (this.objects ??= new Array(this.count));
        let leaf = objects[k];
        if (leaf === undefined) {
            const i = k * 4;
            const d = this.data;
            leaf = new StapLeafCstNode(d[i], d[i + 1], this.kinds.types[d[i + 2]], this.kinds.features[d[i + 3]], root, container);
            objects[k] = leaf;
        }
        return leaf;
    }
}

/** The entry after `entry` in its chain. */
function nextEntry(entry: StapCstEntry, table: StapLeafTable | undefined): StapCstEntry | undefined {
    return typeof entry === 'number' ? table!.next[entry] : (entry as Linked).next;
}

/** Where child entry `entry` starts. */
export function entryOffset(entry: StapCstEntry, table: StapLeafTable | undefined): number {
    return typeof entry === 'number' ? table!.offset(entry) : entry.offset;
}

/** Where child entry `entry` ends. */
export function entryEnd(entry: StapCstEntry, table: StapLeafTable | undefined): number {
    return typeof entry === 'number' ? table!.end(entry) : entry.end;
}

/**
 * Langium's composite node, its children kept as a chain (`first`, then each child's `next`)
 * and `content` made from the chain when asked. A library's CST has half a million composites
 * with one or two children each: an array apiece (Langium's is an Array subclass whose `push`
 * takes rest arguments) cost two objects and a fifth of the tree's memory. The builder sets
 * `container` and the chain.
 */
export class StapCompositeCstNode extends AbstractCstNode implements CompositeCstNode {
    /** The first child (children follow through `next`); undefined while being built or empty. */
    first: StapCstEntry | undefined = undefined;
    /** The next child of the same composite. */
    next: StapCstEntry | undefined = undefined;
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
        const table = (this.root as StapRootCstNode).leaves;
        for (let c = this.first; c !== undefined; c = nextEntry(c, table)) out.push(this.nodeOf(c, table));
        return out;
    }

    /** The node of child entry `c`. */
    private nodeOf(c: StapCstEntry, table: StapLeafTable | undefined): CstNode {
        return typeof c === 'number' ? table!.leaf(c, this.root as StapRootCstNode, this) : c;
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
        if (!fixed || this.first === undefined) {
            this.fixedOffset = this.fixedEnd = LIVE;
            return;
        }
        // `| 0`: a small integer, never a boxed number (see the leaf's constructor).
        const table = (this.root as StapRootCstNode).leaves;
        const first = this.firstShownEntry(table);
        const last = this.lastShownEntry(table);
        this.fixedOffset = (first === undefined ? 0 : entryOffset(first, table)) | 0;
        this.fixedEnd = (last === undefined ? 0 : entryEnd(last, table)) | 0;
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
        const table = (this.root as StapRootCstNode).leaves;
        const c = this.firstShownEntry(table);
        return c === undefined ? undefined : this.nodeOf(c, table);
    }

    get lastNonHiddenNode(): CstNode | undefined {
        const table = (this.root as StapRootCstNode).leaves;
        const c = this.lastShownEntry(table);
        return c === undefined ? undefined : this.nodeOf(c, table);
    }

    /** The first child not hidden, else the first child. */
    private firstShownEntry(table: StapLeafTable | undefined): StapCstEntry | undefined {
        for (let c = this.first; c !== undefined; c = nextEntry(c, table)) {
            if (typeof c === 'number' ? !table!.hidden(c) : !c.hidden) return c;
        }
        return this.first;
    }

    /** The last child not hidden, else the last child. */
    private lastShownEntry(table: StapLeafTable | undefined): StapCstEntry | undefined {
        let last: StapCstEntry | undefined;
        let lastShown: StapCstEntry | undefined;
        for (let c = this.first; c !== undefined; c = nextEntry(c, table)) {
            last = c;
            if (typeof c === 'number' ? !table!.hidden(c) : !c.hidden) lastShown = c;
        }
        return lastShown ?? last;
    }
}

/** The root of a SystemTap CST: a composite node that holds the document's text. */
export class StapRootCstNode extends StapCompositeCstNode implements RootCstNode {
    readonly fullText: string;
    /** Offsets where lines start, made on the first range asked for. */
    private lineStarts: number[] | undefined = undefined;
    /** The leaves the hand-written parser did not make nodes of (see {@link StapLeafTable}); none from Langium's. */
    leaves: StapLeafTable | undefined = undefined;

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
