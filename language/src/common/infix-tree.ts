/** What Langium's parser knows of an infix rule's operator: its level (higher binds less) and associativity. */
export interface InfixPrecedence {
    precedence: number;
    rightAssoc: boolean;
}

/** An infix rule's node as the parser collected it: operands and operators in text order. */
export interface InfixParts {
    $type: unknown;
    $cstNode?: unknown;
    parts?: unknown[];
    operators?: unknown[];
}

const UNKNOWN: InfixPrecedence = { precedence: Infinity, rightAssoc: false };

/**
 * Langium's `constructInfix` (langium-parser.js), building the same tree in linear time and
 * without recursion. Langium splits the operand list at the operator that binds least (the last
 * one of a left-associative level, the first of a right-associative one), copies both halves and
 * recurses into each: for `1 + 1 + … + 1` that is one level and two copies per operand, so ten
 * thousand operands overflow the stack and 65,536 take gigabytes. Here operator precedence
 * parsing builds each node once, each an object of Langium's shape (`$type`, `$cstNode`, `left`,
 * `operator`, `right`).
 *
 * After a syntax error the lists may not pair up (operators without their right operands): Langium
 * then splits as usual, and a part of the list with one operand is that operand (its operators
 * dropped), one with none is `undefined`. Only the part holding the end of the operands can be
 * unpaired, so that one is followed split by split, and the paired parts are built as above.
 */
export function buildInfixTree(obj: InfixParts, precedence: ReadonlyMap<unknown, InfixPrecedence> | undefined): unknown {
    const parts = obj.parts;
    if (!Array.isArray(parts) || parts.length === 0) return undefined;
    const operators = obj.operators;
    if (!Array.isArray(operators) || parts.length < 2) return parts[0];
    const levelOf = (k: number) => precedence?.get(operators[k]) ?? UNKNOWN;
    const node = (left: unknown, k: number, right: unknown) => ({ $type: obj.$type, $cstNode: obj.$cstNode, left, operator: operators[k], right });

    /** The tree of operands `a..b` (inclusive) and the operators between them (`a..b-1`). */
    const paired = (a: number, b: number): unknown => {
        const values: unknown[] = [parts[a]];
        const pending: number[] = [];
        const reduce = () => {
            const right = values.pop();
            const left = values.pop();
            values.push(node(left, pending.pop()!, right));
        };
        for (let k = a; k < b; k++) {
            const level = levelOf(k);
            // The pending operator binds tighter, or as tight and the level is left-associative: it is
            // below this one in the tree (Langium picks the later of two equal operators unless right-associative).
            while (pending.length) {
                const top = levelOf(pending[pending.length - 1]);
                if (top.precedence < level.precedence || (top.precedence === level.precedence && !level.rightAssoc)) reduce();
                else break;
            }
            pending.push(k);
            values.push(parts[k + 1]);
        }
        while (pending.length) reduce();
        return values[0];
    };

    // The range of operators `a..b-1` and operands `a..c-1` (c fixed: a mismatch lies at the end of
    // the operands), paired when c = b + 1. Langium splits an unpaired range into a paired part and
    // an unpaired or empty one: follow the unpaired one, filling `hole` with each tree made.
    let a = 0;
    let b = operators.length;
    const c = parts.length;
    let root: unknown;
    let hole = (value: unknown) => {
        root = value;
    };
    let splits: ((a: number, b: number) => number) | undefined;
    for (;;) {
        if (c - a < 2) {
            hole(c - a === 1 ? parts[a] : undefined);
            return root;
        }
        if (c === b + 1) {
            hole(paired(a, b));
            return root;
        }
        // Langium's split: the operator that binds least, the last of equals unless right-associative.
        splits ??= splitFinder(operators.length, levelOf);
        const at = splits(a, b);
        if (at + 1 > c) {
            // Too few operands for the left side: it is the unpaired part, the right one empty.
            const split = node(undefined, at, undefined);
            hole(split);
            hole = value => {
                split.left = value;
            };
            b = at;
            continue;
        }
        const split = node(paired(a, at), at, undefined);
        hole(split);
        if (at + 1 === c) return root;
        hole = value => {
            split.right = value;
        };
        a = at + 1;
        b = Math.max(b, a);
    }
}

/**
 * Where Langium splits operators `a..b-1`: the one that binds least, the last of equals unless its level is
 * right-associative (`a` when there are none). Each level's operators are listed in order once, and each question is
 * a binary search per level: the unpaired part of a long broken list is split again and again, and a scan per split
 * would make its tree quadratic in its length.
 */
function splitFinder(count: number, levelOf: (k: number) => InfixPrecedence): (a: number, b: number) => number {
    const byLevel = new Map<number, number[]>();
    for (let k = 0; k < count; k++) {
        const p = levelOf(k).precedence;
        let list = byLevel.get(p);
        if (!list) byLevel.set(p, list = []);
        list.push(k);
    }
    const levels = [...byLevel.keys()].sort((x, y) => y - x).map(p => byLevel.get(p)!);
    /** The first position in sorted `list` whose value is at least `v`. */
    const firstFrom = (list: number[], v: number): number => {
        let lo = 0;
        let hi = list.length;
        while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            if (list[mid] < v) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    };
    return (a, b) => {
        for (const list of levels) {
            const first = firstFrom(list, a);
            if (first === list.length || list[first] >= b) continue;
            return levelOf(list[first]).rightAssoc ? list[first] : list[firstFrom(list, b) - 1];
        }
        return a;
    };
}
