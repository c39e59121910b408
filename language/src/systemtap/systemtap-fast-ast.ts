import { isAstNode, type AstNode, type CstNode } from 'langium';

/**
 * The AST nodes of the hand-written SystemTap parser (systemtap-fast-parser.ts): the nodes
 * Langium's parser makes, with their properties in the order it gives them — the `$` ones of
 * systemtap-ast-shapes.ts first, then each property when the parser assigns it, then the
 * defaults of the type (`[]`, `false`) that are still missing, in the order of the type's
 * metadata. Each shape is one object literal, made when the rule ends: V8 then allocates such
 * nodes, which all outlive the parse, straight in the old generation instead of copying them
 * there (allocation-site pretenuring; nodes made by `new` are always copied). Types whose
 * property order has many variants and few nodes are made by {@link node} and assignment.
 *
 * Each node is made after its children, and links them to itself then (`$container`,
 * `$containerProperty`, and `$containerIndex` in a list), as Langium's `linkContentToContainer`
 * would later: a walk of the finished tree for that was a tenth of the parse, most of it going
 * back to nodes long out of the processor's caches.
 */

/** An AST node being built (an {@link AstNode} once the parse is done). */
export type FastNode = { [key: string]: unknown; $type: string; $cstNode: CstNode | undefined };
type N = FastNode;

/** Links `child`, if any, into `parent` at `property`. */
function own(parent: N, property: string, child: N | undefined): void {
    if (child === undefined) return;
    child.$container = parent;
    child.$containerProperty = property;
}

/** Links the nodes of list `property` into `parent`, each at its index. */
function ownAll(parent: N, property: string, children: readonly N[]): void {
    for (let i = 0; i < children.length; i++) {
        const child = children[i];
        child.$container = parent;
        child.$containerProperty = property;
        child.$containerIndex = i;
    }
}

/**
 * Links the children of a node made by {@link node} and assignment (a few types, few nodes): every property that holds
 * a node or a list of nodes (a list holds nodes or names, never both).
 */
export function linkChildren(n: N): N {
    for (const name in n) {
        if (name.charCodeAt(0) === 36 /* $ */) continue;
        const value = n[name];
        if (Array.isArray(value)) {
            if (value.length > 0 && isAstNode(value[0])) ownAll(n, name, value as N[]);
        } else if (isAstNode(value)) own(n, name, value as unknown as N);
    }
    return n;
}

/** A node of `type` with the `$` properties only (properties are then assigned in order). */
export function node(type: string): N {
    return { $type: type, $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined };
}

export function script(items: N[]): N {
    const n: N = { $type: 'StapScript', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, items };
    ownAll(n, 'items', items);
    return n;
}
export const topEmbedded = (code: string): N =>
    ({ $type: 'StapTopEmbedded', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, code });

/** `aliasOps` comes where the first operator was, or last as a default. */
export function probe(groups: N[], aliasOps: string[] | undefined, body: N, epilogue: N | undefined): N {
    let n: N;
    if (aliasOps) {
        n = epilogue
            ? { $type: 'StapProbe', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, groups, aliasOps, body, epilogue }
            : { $type: 'StapProbe', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, groups, aliasOps, body };
    } else {
        n = epilogue
            ? { $type: 'StapProbe', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, groups, body, epilogue, aliasOps: [] }
            : { $type: 'StapProbe', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, groups, body, aliasOps: [] };
    }
    ownAll(n, 'groups', groups);
    own(n, 'body', body);
    own(n, 'epilogue', epilogue);
    return n;
}

export function pointList(points: N[]): N {
    const n: N = { $type: 'StapPointList', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, points };
    ownAll(n, 'points', points);
    return n;
}

/** `optional`/`sufficient` where the `?` or `!` was, the condition after them, the flags not given last. */
export function probePoint(components: N[], flag: 'optional' | 'sufficient' | undefined, condition: N | undefined): N {
    let n: N;
    if (flag === undefined) {
        n = condition
            ? { $type: 'StapProbePoint', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, components, condition, optional: false, sufficient: false }
            : { $type: 'StapProbePoint', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, components, optional: false, sufficient: false };
    } else if (flag === 'optional') {
        n = condition
            ? { $type: 'StapProbePoint', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, components, optional: true, condition, sufficient: false }
            : { $type: 'StapProbePoint', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, components, optional: true, sufficient: false };
    } else {
        n = condition
            ? { $type: 'StapProbePoint', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, components, sufficient: true, condition, optional: false }
            : { $type: 'StapProbePoint', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, components, sufficient: true, optional: false };
    }
    ownAll(n, 'components', components);
    own(n, 'condition', condition);
    return n;
}

export function namedComponent(parts: string[], arg: N | undefined): N {
    if (!arg) return { $type: 'StapNamedComponent', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, parts };
    const n: N = { $type: 'StapNamedComponent', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, parts, arg };
    own(n, 'arg', arg);
    return n;
}
export function braceComponent(points: N[]): N {
    const n: N = { $type: 'StapBraceComponent', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, points };
    ownAll(n, 'points', points);
    return n;
}

export const negativeNumberArg = (number: string): N =>
    ({ $type: 'StapLiteralArg', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, negative: true, number, strings: [] });
export const numberArg = (number: string): N =>
    ({ $type: 'StapLiteralArg', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, number, negative: false, strings: [] });
export const stringsArg = (strings: string[]): N =>
    ({ $type: 'StapLiteralArg', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, strings, negative: false });
export const scriptArgArg = (arg: string): N =>
    ({ $type: 'StapLiteralArg', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, arg, negative: false, strings: [] });

export function param(name: string, type: string | undefined): N {
    return type === undefined
        ? { $type: 'StapParam', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, name }
        : { $type: 'StapParam', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, name, type };
}

// ---------------------------------------------------------------- statements

export function block(statements: N[]): N {
    const n: N = { $type: 'StapBlock', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, statements };
    ownAll(n, 'statements', statements);
    return n;
}
export function ifStatement(condition: N, then: N, otherwise: N | undefined): N {
    const n: N = otherwise
        ? { $type: 'StapIf', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, condition, then, else: otherwise }
        : { $type: 'StapIf', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, condition, then };
    own(n, 'condition', condition);
    own(n, 'then', then);
    own(n, 'else', otherwise);
    return n;
}
export function whileStatement(condition: N, body: N): N {
    const n: N = { $type: 'StapWhile', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, condition, body };
    own(n, 'condition', condition);
    own(n, 'body', body);
    return n;
}
export function foreachKey(name: string, sort: string | undefined): N {
    return sort === undefined
        ? { $type: 'StapForeachKey', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, name }
        : { $type: 'StapForeachKey', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, name, sort };
}
export function foreachArrayRef(array: string, slice: N[]): N {
    const n: N = { $type: 'StapForeachArrayRef', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, array, slice };
    ownAll(n, 'slice', slice);
    return n;
}
export function returnStatement(value: N | undefined): N {
    if (!value) return { $type: 'StapReturn', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined };
    const n: N = { $type: 'StapReturn', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, value };
    own(n, 'value', value);
    return n;
}
export function deleteStatement(target: N): N {
    const n: N = { $type: 'StapDelete', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, target };
    own(n, 'target', target);
    return n;
}
export const nextStatement = (): N =>
    ({ $type: 'StapNext', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined });
export const breakStatement = (): N =>
    ({ $type: 'StapBreak', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined });
export const continueStatement = (): N =>
    ({ $type: 'StapContinue', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined });
export function tryStatement(body: N, variable: string | undefined, handler: N): N {
    const n: N = variable === undefined
        ? { $type: 'StapTry', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, body, handler }
        : { $type: 'StapTry', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, body, variable, handler };
    own(n, 'body', body);
    own(n, 'handler', handler);
    return n;
}
export const emptyStatement = (): N =>
    ({ $type: 'StapEmpty', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined });
export function expressionStatement(expression: N): N {
    const n: N = { $type: 'StapExpressionStatement', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, expression };
    own(n, 'expression', expression);
    return n;
}

// ---------------------------------------------------------------- expressions

export function conditional(condition: N, then: N, otherwise: N): N {
    const n: N = { $type: 'StapConditional', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, condition, then, else: otherwise };
    own(n, 'condition', condition);
    own(n, 'then', then);
    own(n, 'else', otherwise);
    return n;
}
export function assignment(target: N, operator: string, value: N): N {
    const n: N = { $type: 'StapAssignment', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, target, operator, value };
    own(n, 'target', target);
    own(n, 'value', value);
    return n;
}
/** A binary node as Langium's `constructInfix` makes it: no other `$` properties. */
export function binary(c: CstNode, left: N, operator: string, right: N): N {
    const n: N = { $type: 'StapBinary', $cstNode: c, left, operator, right };
    own(n, 'left', left);
    own(n, 'right', right);
    return n;
}
export function prefix(operator: string, operand: N): N {
    const n: N = { $type: 'StapPrefix', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, operator, operand };
    own(n, 'operand', operand);
    return n;
}
export function call(fn: string, args: N[]): N {
    const n: N = { $type: 'StapCall', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, function: fn, args };
    ownAll(n, 'args', args);
    return n;
}
export const variable = (name: string): N =>
    ({ $type: 'StapVariable', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, variable: name });
export const numberLiteral = (value: string): N =>
    ({ $type: 'StapNumber', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, value });
export const stringLiteral = (parts: string[]): N =>
    ({ $type: 'StapString', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, parts });
export const scriptArg = (arg: string): N =>
    ({ $type: 'StapScriptArg', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, arg });
export const embedded = (code: string): N =>
    ({ $type: 'StapEmbedded', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, code });
export function parens(expression: N): N {
    const n: N = { $type: 'StapParens', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, expression };
    own(n, 'expression', expression);
    return n;
}
export function tuple(items: N[]): N {
    const n: N = { $type: 'StapTuple', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, items };
    ownAll(n, 'items', items);
    return n;
}
export function unknownOperator(operator: string, args: N[]): N {
    const n: N = { $type: 'StapUnknownOperator', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, operator, args };
    ownAll(n, 'args', args);
    return n;
}
export function member(receiver: N, name: string): N {
    const n: N = { $type: 'StapMember', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, receiver, member: name };
    own(n, 'receiver', receiver);
    return n;
}
export function index(receiver: N, indexes: N[]): N {
    const n: N = { $type: 'StapIndex', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, receiver, indexes };
    own(n, 'receiver', receiver);
    ownAll(n, 'indexes', indexes);
    return n;
}
export function pretty(operand: N, value: string): N {
    const n: N = { $type: 'StapPretty', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, operand, pretty: value };
    own(n, 'operand', operand);
    return n;
}
export function postIncrement(operand: N, operator: string): N {
    const n: N = { $type: 'StapPostIncrement', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, operand, operator };
    own(n, 'operand', operand);
    return n;
}
export const wildcard = (): N =>
    ({ $type: 'StapWildcard', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined });
export function indexArg(value: N): N {
    const n: N = { $type: 'StapIndexArg', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, value };
    own(n, 'value', value);
    return n;
}
export function atOperator(operator: string, args: N[]): N {
    const n: N = { $type: 'StapAtOperator', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, operator, args };
    ownAll(n, 'args', args);
    return n;
}

// ---------------------------------------------------------------- nodes for the syntax checks

/**
 * Nodes in depth-first order (each before its descendants, siblings in order: `linkContainers`'s
 * order), from the order they were made in — each after its descendants — and `marks`: for the
 * node at `k`, the index of the first node made for its subtree (its descendants are those from
 * `marks[k]` up to `k`). No recursion: a chain of ten thousand operators is a tree that deep.
 */
export function preorder(nodes: readonly AstNode[], marks: readonly number[]): AstNode[] {
    const out: AstNode[] = new Array(nodes.length);
    let o = 0;
    // Pending work, last first: a node to emit (-1 - its index), or a range of nodes (two entries: end, start).
    const todo: number[] = [nodes.length, 0];
    while (todo.length > 0) {
        const from = todo.pop()!;
        if (from < 0) {
            out[o++] = nodes[-1 - from];
            continue;
        }
        const to = todo.pop()!;
        // The range's outermost nodes, right to left: each is the last of its subtree.
        for (let k = to - 1; k >= from; k = marks[k] - 1) {
            if (marks[k] < k) todo.push(k, marks[k]);
            todo.push(-1 - k);
        }
    }
    return out;
}
