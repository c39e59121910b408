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
 */

/** An AST node being built (an {@link AstNode} once the parse is done). */
export type FastNode = { [key: string]: unknown; $type: string; $cstNode: CstNode | undefined };
type N = FastNode;

/** A node of `type` with the `$` properties only (properties are then assigned in order). */
export function node(type: string): N {
    return { $type: type, $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined };
}

export const script = (items: N[]): N =>
    ({ $type: 'StapScript', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, items });
export const topEmbedded = (code: string): N =>
    ({ $type: 'StapTopEmbedded', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, code });

/** `aliasOps` comes where the first operator was, or last as a default. */
export function probe(groups: N[], aliasOps: string[] | undefined, body: N, epilogue: N | undefined): N {
    if (aliasOps) {
        return epilogue
            ? { $type: 'StapProbe', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, groups, aliasOps, body, epilogue }
            : { $type: 'StapProbe', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, groups, aliasOps, body };
    }
    return epilogue
        ? { $type: 'StapProbe', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, groups, body, epilogue, aliasOps: [] }
        : { $type: 'StapProbe', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, groups, body, aliasOps: [] };
}

export const pointList = (points: N[]): N =>
    ({ $type: 'StapPointList', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, points });

/** `optional`/`sufficient` where the `?` or `!` was, the condition after them, the flags not given last. */
export function probePoint(components: N[], flag: 'optional' | 'sufficient' | undefined, condition: N | undefined): N {
    if (flag === undefined) {
        return condition
            ? { $type: 'StapProbePoint', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, components, condition, optional: false, sufficient: false }
            : { $type: 'StapProbePoint', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, components, optional: false, sufficient: false };
    }
    if (flag === 'optional') {
        return condition
            ? { $type: 'StapProbePoint', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, components, optional: true, condition, sufficient: false }
            : { $type: 'StapProbePoint', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, components, optional: true, sufficient: false };
    }
    return condition
        ? { $type: 'StapProbePoint', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, components, sufficient: true, condition, optional: false }
        : { $type: 'StapProbePoint', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, components, sufficient: true, optional: false };
}

export function namedComponent(parts: string[], arg: N | undefined): N {
    return arg
        ? { $type: 'StapNamedComponent', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, parts, arg }
        : { $type: 'StapNamedComponent', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, parts };
}
export const braceComponent = (points: N[]): N =>
    ({ $type: 'StapBraceComponent', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, points });

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

export const block = (statements: N[]): N =>
    ({ $type: 'StapBlock', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, statements });
export function ifStatement(condition: N, then: N, otherwise: N | undefined): N {
    return otherwise
        ? { $type: 'StapIf', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, condition, then, else: otherwise }
        : { $type: 'StapIf', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, condition, then };
}
export const whileStatement = (condition: N, body: N): N =>
    ({ $type: 'StapWhile', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, condition, body });
export function foreachKey(name: string, sort: string | undefined): N {
    return sort === undefined
        ? { $type: 'StapForeachKey', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, name }
        : { $type: 'StapForeachKey', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, name, sort };
}
export const foreachArrayRef = (array: string, slice: N[]): N =>
    ({ $type: 'StapForeachArrayRef', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, array, slice });
export function returnStatement(value: N | undefined): N {
    return value
        ? { $type: 'StapReturn', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, value }
        : { $type: 'StapReturn', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined };
}
export const deleteStatement = (target: N): N =>
    ({ $type: 'StapDelete', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, target });
export const nextStatement = (): N =>
    ({ $type: 'StapNext', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined });
export const breakStatement = (): N =>
    ({ $type: 'StapBreak', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined });
export const continueStatement = (): N =>
    ({ $type: 'StapContinue', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined });
export function tryStatement(body: N, variable: string | undefined, handler: N): N {
    return variable === undefined
        ? { $type: 'StapTry', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, body, handler }
        : { $type: 'StapTry', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, body, variable, handler };
}
export const emptyStatement = (): N =>
    ({ $type: 'StapEmpty', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined });
export const expressionStatement = (expression: N): N =>
    ({ $type: 'StapExpressionStatement', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, expression });

// ---------------------------------------------------------------- expressions

export const conditional = (condition: N, then: N, otherwise: N): N =>
    ({ $type: 'StapConditional', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, condition, then, else: otherwise });
export const assignment = (target: N, operator: string, value: N): N =>
    ({ $type: 'StapAssignment', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, target, operator, value });
/** A binary node as Langium's `constructInfix` makes it: no other `$` properties. */
export const binary = (c: CstNode, left: N, operator: string, right: N): N =>
    ({ $type: 'StapBinary', $cstNode: c, left, operator, right });
export const prefix = (operator: string, operand: N): N =>
    ({ $type: 'StapPrefix', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, operator, operand });
export const call = (fn: string, args: N[]): N =>
    ({ $type: 'StapCall', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, function: fn, args });
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
export const parens = (expression: N): N =>
    ({ $type: 'StapParens', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, expression });
export const tuple = (items: N[]): N =>
    ({ $type: 'StapTuple', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, items });
export const unknownOperator = (operator: string, args: N[]): N =>
    ({ $type: 'StapUnknownOperator', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, operator, args });
export const member = (receiver: N, name: string): N =>
    ({ $type: 'StapMember', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, receiver, member: name });
export const index = (receiver: N, indexes: N[]): N =>
    ({ $type: 'StapIndex', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, receiver, indexes });
export const pretty = (operand: N, value: string): N =>
    ({ $type: 'StapPretty', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, operand, pretty: value });
export const postIncrement = (operand: N, operator: string): N =>
    ({ $type: 'StapPostIncrement', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, operand, operator });
export const wildcard = (): N =>
    ({ $type: 'StapWildcard', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined });
export const indexArg = (value: N): N =>
    ({ $type: 'StapIndexArg', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, value });
export const atOperator = (operator: string, args: N[]): N =>
    ({ $type: 'StapAtOperator', $cstNode: undefined, $container: undefined, $containerProperty: undefined, $containerIndex: undefined, operator, args });

// ---------------------------------------------------------------- container links

/**
 * The parse's `linkContainers` (systemtap-tree-links.ts) for a tree whose lists are exact
 * already: the same walk (depth first, properties in order, no recursion), the same
 * `$container`, `$containerProperty` and `$containerIndex`, and the nodes of the types `pick`
 * selects in the same order.
 */
export function linkTree(root: AstNode, pick: ReadonlySet<string>): AstNode[] {
    const picked: AstNode[] = [];
    const pending: N[] = [root as unknown as N];
    // A stack grown by push, never by a store past its end: optimised code that stores past an array's end is thrown
    // away the first time the array must grow (twice per cold parse of the library, ~30 ms of compiling each).
    while (pending.length > 0) {
        const n = pending.pop()!;
        if (pick.has(n.$type)) picked.push(n as unknown as AstNode);
        // The children go on the stack in order, then are turned round, so that the first is taken first.
        const base = pending.length;
        for (const name in n) {
            if (name.charCodeAt(0) === 36 /* $ */) continue;
            const value = n[name];
            if (Array.isArray(value)) {
                for (let i = 0; i < value.length; i++) {
                    const item: unknown = value[i];
                    if (!isAstNode(item)) continue;
                    const child = item as unknown as N;
                    child.$container = n;
                    child.$containerProperty = name;
                    child.$containerIndex = i;
                    pending.push(child);
                }
            } else if (isAstNode(value)) {
                const child = value as unknown as N;
                child.$container = n;
                child.$containerProperty = name;
                pending.push(child);
            }
        }
        for (let a = base, b = pending.length - 1; a < b; a++, b--) {
            const t = pending[a];
            pending[a] = pending[b];
            pending[b] = t;
        }
    }
    return picked;
}
