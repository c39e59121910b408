import { GrammarAST, GrammarUtils, type AstNode, type CompositeCstNode, type CstNode } from 'langium';
import * as ast from './generated/ast.js';
import type { StapTarget } from './systemtap-target.js';
import { STAP_KEYWORDS, type StapToken } from './systemtap-tokens.js';
import { firstAtOrAfter } from '../common/offset-search.js';
import { printFormatProblem, stapStringValue } from './systemtap-print-format.js';

/**
 * The rules stap's parser (pass 1) enforces beyond the context-free grammar: duplicates, literal
 * arguments, contexts of `return`, sort directives, glued probe-point names. They are syntax
 * errors for stap (`stap -p1` fails), so they belong with the parser's diagnostics.
 */
export interface StapSyntaxProblem {
    offset: number;
    end: number;
    message: string;
    /**
     * Where stap finds the rule broken, when that is after `offset`: a syntax error up to there stops stap first (an
     * alias name's `{…}` is wrong only once stap reads the `=` after it).
     */
    detectedAt?: number;
}

/** The node types with rules; most nodes (variables, literals, statements) have none. */
export const STAP_CHECKED_TYPES: ReadonlySet<string> = new Set(['StapGlobalVar', 'StapFunction', 'StapProbe', 'StapNamedComponent', 'StapReturn', 'StapPrefix',
    'StapBinary', 'StapTuple', 'StapCall', 'StapAtOperator', 'StapForeach', 'StapMember', 'StapIndex', 'StapVariable', 'StapPretty', 'StapTry']);
/**
 * The node types the checks below test nodes for. None has subtypes, nor has any of STAP_CHECKED_TYPES
 * (systemtap-syntax-checks.test.ts keeps it so), so a node's `$type` says whether it is one: no walk of the type
 * hierarchy per test.
 */
export const STAP_EXACT_TYPES = ['StapAtOperator', 'StapBinary', 'StapFunction', 'StapIndex', 'StapMember', 'StapNumber', 'StapParens',
    'StapPostIncrement', 'StapPrefix', 'StapScriptArg', 'StapString', 'StapVariable', 'StapWildcard'] as const;

function is<K extends typeof STAP_EXACT_TYPES[number]>(node: unknown, type: K): node is ast.SystemtapAstType[K] {
    return (node as AstNode | undefined)?.$type === type;
}

const PRINT_FORMAT = new Set(['printf', 'sprintf']);
const PRINT_DELIM = new Set(['printd', 'printdln', 'sprintd', 'sprintdln']);
/** A target variable printed pretty (`$p$`, `$p$$`, `$$parms$`): no `->` or `[` after it. */
const PRETTY_VARIABLE = /^\$.*[^$]\$\$?$/;
const HIST = new Set(['@hist_linear', '@hist_log']);
const REGEX = new Set(['=~', '!~']);
const COMPARISON = new Set(['<', '>', '<=', '>=', '==', '!=']);
/** Print functions that need at least one argument. */
const PRINT_NONEMPTY = new Set(['print', 'sprint']);
/** stap's print functions (`print_format::create`): never a value, always called with `(`. */
export const PRINT_FAMILY: ReadonlySet<string> = new Set(['print', 'sprint', 'println', 'sprintln', 'printf', 'sprintf', 'printd', 'sprintd', 'printdln', 'sprintdln', 'print_char']);
/** The @-operators whose string argument (by index) stap wants non-empty: a type, a counter, a constant. */
const NON_EMPTY: Readonly<Record<string, number>> = { '@cast': 1, '@perf': 0, '@const': 0 };
/** The print functions that take a histogram as their one argument. */
const PRINT_HISTOGRAM = new Set(['print', 'sprint', 'println', 'sprintln']);
const INT64_MAX = 2n ** 63n - 1n;

/** Argument shapes of the built-in @-operators: [min, max] and which arguments must be literals. */
const AT_ARITY: Record<string, { min: number; max: number; strings?: number[]; numbers?: number[]; ident?: number[] }> = {
    '@cast': { min: 2, max: 3, strings: [1, 2] },
    '@var': { min: 1, max: 2, strings: [0, 1] },
    '@entry': { min: 1, max: 1 },
    '@defined': { min: 1, max: 1 },
    '@probewrite': { min: 1, max: 1, ident: [0] },
    '@const': { min: 1, max: 1, strings: [0] },
    '@perf': { min: 1, max: 1, strings: [0] },
    '@kregister': { min: 1, max: 1, numbers: [0] },
    '@uregister': { min: 1, max: 1, numbers: [0] },
    '@kderef': { min: 2, max: 2, numbers: [0] },
    '@uderef': { min: 2, max: 2, numbers: [0] },
    '@enum': { min: 1, max: 1, strings: [0] },
    '@enumname': { min: 1, max: 3, strings: [1, 2] },
    '@hist_linear': { min: 4, max: 4, numbers: [1, 2, 3] },
    '@hist_log': { min: 1, max: 1 },
    '@count': { min: 1, max: 1 },
    '@sum': { min: 1, max: 1 },
    '@min': { min: 1, max: 1 },
    '@max': { min: 1, max: 1 },
    '@avg': { min: 1, max: 1 },
    '@variance': { min: 1, max: 2, numbers: [1] },
};

/** Where `node` is; nowhere (offset -1, never reported) for a part error recovery left without text. */
function span(node: AstNode | undefined): { offset: number; end: number } {
    const c = node?.$cstNode;
    return c ? { offset: c.offset, end: c.end } : NOWHERE;
}

const NOWHERE = { offset: -1, end: -1 };

function leafSpan(c: CstNode | undefined, fallback: AstNode): { offset: number; end: number } {
    return c ? { offset: c.offset, end: c.end } : span(fallback);
}

/** The first of the active `tokens` at or after `offset` (they are in offset order). */
function tokenAt(tokens: readonly StapToken[], offset: number): StapToken | undefined {
    return tokens[firstAtOrAfter(tokens, offset)];
}

/** The first active token after `node` (an AST node's text, or a CST node). */
function tokenAfter(tokens: readonly StapToken[], node: AstNode | CstNode | undefined): StapToken | undefined {
    const end = node && 'end' in node ? node.end : (node as AstNode | undefined)?.$cstNode?.end;
    return end === undefined ? undefined : tokenAt(tokens, end);
}

/**
 * The span of the active token after `node`: stap reports there what it could not take. Nowhere (nothing to report)
 * when the file ends there: stap meets the end of the file, which the parser reports (or a token it does not read).
 */
function after(tokens: readonly StapToken[], node: AstNode | CstNode | undefined): { offset: number; end: number } {
    return tokenSpan(tokenAfter(tokens, node));
}

/** A token's span; nowhere for none (the end of the file). */
function tokenSpan(t: StapToken | undefined): { offset: number; end: number } {
    return t ? { offset: t.offset, end: t.end } : NOWHERE;
}

/** The span of the token after a call's or @-operator's `(` (nowhere at the end of the file); the node's when it has none. */
function afterOpen(tokens: readonly StapToken[], node: AstNode): { offset: number; end: number } {
    const open = ownKeyword(node.$cstNode, '(');
    return open ? after(tokens, open) : span(node);
}

/**
 * The span of a binary node's operator. The binary nodes of one expression share the CST node of
 * the whole expression: the operator is the token after the last operand of the left side.
 */
function operatorSpan(node: ast.StapBinary, tokens: readonly StapToken[]): { offset: number; end: number } {
    let left: ast.StapExpression = node.left;
    while (is(left, 'StapBinary')) left = left.right;
    return after(tokens, left);
}

function unparen(e: ast.StapExpression | undefined): ast.StapExpression | undefined {
    while (e && is(e, 'StapParens')) e = e.expression;
    return e;
}

function argExpr(a: ast.StapIndexArg | undefined): ast.StapExpression | undefined {
    return a && !is(a, 'StapWildcard') ? a.value : undefined;
}

/**
 * Run the checks; `tokens` are the active tokens (for what follows a bare `return`); `nodes` are
 * the nodes of {@link STAP_CHECKED_TYPES} in depth-first order (collected while linking the tree).
 */
export function checkStapSyntax(target: StapTarget, tokens: readonly StapToken[], nodes: readonly AstNode[]): StapSyntaxProblem[] {
    const problems: StapSyntaxProblem[] = [];
    // A node without a CST node is what error recovery left of a part the parser has reported already: nothing to add.
    const report: Report = (at, message, detectedAt) => {
        if (at.offset >= 0) problems.push(detectedAt === undefined ? { ...at, message } : { ...at, message, detectedAt });
    };
    const globals = new Map<string, ast.StapGlobalVar>();
    const autocast = !versionBelow(target.stapVersion, '2.6');

    // The nodes are of these types exactly (see STAP_CHECKED_TYPES), none a subtype of another: their `$type` is
    // the dispatch, with no type hierarchy to walk per node.
    for (const n of nodes) {
        switch (n.$type) {
            case 'StapGlobalVar': {
                const node = n as ast.StapGlobalVar;
                checkArgAsName(node, 'name', node.name, report);
                if (globals.has(node.name)) {
                    report(leafSpan(GrammarUtils.findNodeForProperty(node.$cstNode, 'name'), node), `duplicate global name \`${node.name}\``);
                } else globals.set(node.name, node);
                if (node.size) {
                    const v = node.size.number !== undefined && !node.size.negative ? safeNumber(node.size.number) : undefined;
                    if (node.size.arg === undefined && (v === undefined || v < 1 || v > 0x7fffffff)) {
                        report(span(node.size), 'array size out of range');
                    }
                    // (at the `=`, as stap)
                    if (node.init) report(leafSpan(ownKeyword(node.$cstNode, '='), node.init), 'only scalar globals can be initialized');
                }
                checkNegativeLiteral(node.init, report);
                break;
            }
            case 'StapFunction': {
                const node = n as ast.StapFunction;
                checkArgAsName(node, 'name', node.name, report);
                const seen = new Set<string>();
                for (const p of node.params) {
                    checkArgAsName(p, 'name', p.name, report);
                    if (seen.has(p.name)) report(span(p), `duplicate parameter names: \`${p.name}\``);
                    seen.add(p.name);
                }
                const prio = node.priority;
                if (prio && prio.number === undefined) {
                    // stap reads the literal, then finds no number: it reports the token after it.
                    report(after(tokens, prio), 'expected literal number: a function priority is a positive number');
                } else if (prio && (prio.negative || safeNumber(prio.number!) === 0 || !(bigNumber(prio.number!)! <= INT64_MAX))) {
                    // stap reads the priority as a signed 64-bit number: 2^63 and above wrap to negative.
                    report(leafSpan(GrammarUtils.findNodeForProperty(prio.$cstNode, 'number'), prio), 'specified priority must be > 0');
                }
                break;
            }
            case 'StapProbe':
                checkProbe(n as ast.StapProbe, report);
                break;
            case 'StapNamedComponent': {
                const node = n as ast.StapNamedComponent;
                checkNegativeLiteral(node.arg, report);
                // One leaf per part: with fewer than two there is no gap to look for.
                if (node.parts.length < 2) break;
                const parts = GrammarUtils.findNodesForProperty(node.$cstNode, 'parts');
                for (let k = 1; k < parts.length; k++) {
                    if (parts[k].offset > parts[k - 1].end) {
                        report(leafSpan(parts[k], node), 'expected one of `,` `{` `}` `=` `+=`: parts of a probe point name must not be separated by spaces');
                        break;
                    }
                }
                break;
            }
            case 'StapReturn':
                checkReturn(n as ast.StapReturn, tokens, report);
                break;
            case 'StapPrefix': {
                const node = n as ast.StapPrefix;
                // stap's `++`, `--` and `&` take a value, or `&` and a value: no other prefix operator.
                // `-1` is one literal to stap: `++-1` and `&-1` pass the parse.
                const takesValue = node.operator === '++' || node.operator === '--' || node.operator === '&';
                const negative = takesValue && is(node.operand, 'StapPrefix') && node.operand.operator === '-' && is(node.operand.operand, 'StapNumber')
                    ? node.operand.operand : undefined;
                if (negative && belowInt64(negative.value)) {
                    report(span(negative), belowInt64Message(negative.value));
                    break;
                }
                if (takesValue && is(node.operand, 'StapPrefix') && node.operand.operator !== '&' && !negative) {
                    // After a `-` stap wants a number, and reports the token after it.
                    const inner = span(node.operand);
                    const after = node.operand.operator === '-' ? tokenAt(tokens, inner.offset + 1) : undefined;
                    report(after ? { offset: after.offset, end: after.end } : inner, `expected literal string or number: \`${node.operator}\` cannot take \`${node.operand.operator}\` and its operand without parentheses`);
                    break;
                }
                if (node.operator === '&') {
                    const inner = unparen(node.operand);
                    if (is(inner, 'StapPrefix') && inner.operator === '&') report(span(inner), 'cannot take address more than once');
                } else if (node.operator === '++' || node.operator === '--') {
                    checkCrement(node, tokens, report);
                }
                break;
            }
            case 'StapBinary':
                checkBinary(n as ast.StapBinary, tokens, report);
                break;
            case 'StapTuple': {
                const node = n as ast.StapTuple;
                // (Also where error recovery took an `in` without its array into the list's own text.)
                const close = ownKeyword(node.$cstNode, ']');
                const beforeIn = (is(node.$container, 'StapBinary') && node.$container.operator === 'in' && node.$container.left === node)
                    || (close !== undefined && node.$cstNode!.end > close.end && tokenAt(tokens, close.end)?.image === 'in');
                if (beforeIn && !inTupleItem(node)) checkInIndexes(node, tokens, report);
                else checkTuplePlace(node, tokens, report);
                break;
            }
            case 'StapCall':
                // (`$1()`: a script argument may name the function)
                if (/^\$[A-Za-z_$]/.test((n as ast.StapCall).function)) checkTargetCall(n as ast.StapCall, tokens, report);
                else checkPrint(n as ast.StapCall, tokens, report);
                break;
            case 'StapAtOperator':
                checkAtOperator(n as ast.StapAtOperator, tokens, report);
                checkHistogramPlace(n as ast.StapAtOperator, report);
                break;
            case 'StapForeach':
                checkForeach(n as ast.StapForeach, tokens, report);
                break;
            case 'StapTry':
                checkArgAsName(n, 'variable', (n as ast.StapTry).variable, report);
                break;
            case 'StapVariable': {
                const node = n as ast.StapVariable;
                if (!PRINT_FAMILY.has(node.variable)) break;
                const c = node.$container;
                // stap reads the array after `in` as a name, not as an expression.
                if (is(c, 'StapBinary') && c.operator === 'in' && c.right === node) break;
                report(after(tokens, node), `expected \`(\`: \`${node.variable}\` is a print function, called with its arguments in parentheses`);
                break;
            }
            case 'StapMember':
            case 'StapIndex': {
                if (n.$type === 'StapMember') checkArgAsName(n, 'member', (n as ast.StapMember).member, report);
                const r = (n as ast.StapMember | ast.StapIndex).receiver;
                if (isPretty(r)) {
                    report(after(tokens, r), PRETTY_SUFFIX);
                } else if (!autocast && !(is(r, 'StapVariable') || is(r, 'StapAtOperator') || is(r, 'StapMember') || is(r, 'StapIndex'))) {
                    report(span(r), `expected \`)\`: \`->\` and \`[…]\` on arbitrary values need stap 2.6 or newer (--compatible=${target.stapVersion})`);
                } else if (is(n, 'StapIndex')) {
                    checkIndex(n, tokens, report);
                }
                break;
            }
            case 'StapPretty':
                checkPretty(n as ast.StapPretty, tokens, report);
                break;
        }
    }
    return problems;
}

type Report = (at: { offset: number; end: number }, message: string, detectedAt?: number) => void;

const PRETTY_SUFFIX = '`->` and `[` are not accepted for a pretty-printing variable';

/** A value pretty-printed by its name already, `$p$`, `$p$$` or `$p->m$`: stap takes no `->`, `[` or `$` after it. */
function isPretty(node: ast.StapExpression): boolean {
    return (is(node, 'StapVariable') && PRETTY_VARIABLE.test(node.variable)) || (is(node, 'StapMember') && node.member.endsWith('$'));
}

/**
 * `$p $`, `$p->$`: stap takes no `[` or `->` after them. A second `$` after a value pretty-printed by its name (`$p$ $`)
 * ends its expression: stap reads the `$` as the start of the next statement, which is fine where the expression could
 * end there (`x = $p$ $`, `return -$p$ $`), and an error inside brackets or before the `:` of `?:`.
 */
function checkPretty(node: ast.StapPretty, tokens: readonly StapToken[], report: Report): void {
    // A `[` after them would start the next statement here (a `->` cannot, and the parser reports it).
    const next = tokenAfter(tokens, node);
    if (next?.kind === 'operator' && next.image === '[') {
        report(next, PRETTY_SUFFIX);
    }
    if (isPretty(node.operand) && !endsStatementThere(node)) {
        report(after(tokens, node.operand), `\`${node.pretty}\` is not accepted after a pretty-printing variable`);
    }
}

/**
 * Whether a statement could end where `node`'s first operand ends, and the rest be read as the next statement: only
 * operators, and no `?` before its `:`, around it up to an expression statement, a `return` or a `delete`, which is
 * not an `if`'s branch before its `else` (see {@link endingAround}).
 */
function endsStatementThere(node: AstNode): boolean {
    return endingAround(node) === true;
}

/**
 * {@link endsStatementThere}'s answer, and where the statement could end but for an `else`, the `if` whose `else`
 * it would leave without it.
 */
function endingAround(node: AstNode): boolean | ast.StapIf {
    return keptUpward(node, endings, child => {
        const c = child.$container;
        if (!c) return false;
        if (STATEMENT_ENDS.has(c.$type)) return orphanedElse(c) ?? true;
        switch (c.$type) {
            case 'StapBinary': case 'StapAssignment': case 'StapPrefix': case 'StapPostIncrement': return undefined;
            case 'StapConditional': return (c as ast.StapConditional).then === child ? false : undefined;
            default: return false;
        }
    });
}

/**
 * An answer about `node` that is its container's unless `decide` gives one (it always does for a node without a
 * container): each node's answer is kept in `kept`, so that a long chain of operators, each asking, is walked once
 * and not once per operator.
 */
function keptUpward<T>(node: AstNode, kept: WeakMap<AstNode, T>, decide: (child: AstNode) => T | undefined): T {
    const path: AstNode[] = [];
    let answer: T | undefined;
    for (let child = node; ; child = child.$container!) {
        answer = kept.get(child);
        if (answer !== undefined) break;
        path.push(child);
        answer = decide(child);
        if (answer !== undefined) break;
    }
    for (const n of path) kept.set(n, answer);
    return answer;
}

const endings = new WeakMap<AstNode, boolean | ast.StapIf>();

/**
 * The `if` whose `else` would be left without it if statement `s` ended early and the rest were the next statement:
 * `s` ends a loop's body or an `if`'s branch, which ends an `if`'s branch before `else`.
 */
function orphanedElse(s: AstNode): ast.StapIf | undefined {
    for (let inner = s, owner = s.$container; owner; inner = owner, owner = owner.$container) {
        if (owner.$type === 'StapIf') {
            const branch = owner as ast.StapIf;
            if (branch.then === inner && branch.else !== undefined) return branch;
        } else if (owner.$type !== 'StapFor' && owner.$type !== 'StapWhile' && owner.$type !== 'StapForeach') {
            return undefined;
        }
    }
    return undefined;
}

function checkProbe(node: ast.StapProbe, report: Report): void {
    // `?`, `!` and `if (…)` end a probe point: inside `{…}` only when nothing follows the braces.
    for (const g of node.groups) {
        for (const p of g.points) {
            p.components.forEach((c, k) => {
                if (k === p.components.length - 1 || c.$type !== 'StapBraceComponent') return;
                const flagged = (c as ast.StapBraceComponent).points.find(q => q.optional || q.sufficient || q.condition);
                if (flagged) report(span(flagged), "'?', '!' or condition must only be specified in suffix: not inside `{…}` with more of the probe point after it");
            });
        }
    }
    const alias = node.aliasOps.length > 0;
    // (at its `,`, as stap, which wants the next declaration there: also when no block follows it)
    const comma = !alias ? ownKeyword(node.$cstNode, ',') : undefined;
    if (comma) report({ offset: comma.offset, end: comma.end }, 'a `, { … }` epilogue block is only allowed on a probe alias');
    if (alias && node.epilogue && node.aliasOps.includes('+=')) {
        // (at its `,`, as stap: the probe's own, the points' are their lists')
        report(leafSpan(ownKeyword(node.$cstNode, ','), node.epilogue), 'an epilogue alias (`+=`) cannot have a second `, { … }` block');
    }
    // (Each `=` or `+=` after its names: also where error recovery left the points after it out.)
    for (let g = 0; alias && g < Math.min(node.groups.length, node.aliasOps.length); g++) {
        // (at the `=` or `+=` after the names, as stap; looked up only for an error)
        const op = (): CstNode | undefined => node.$cstNode && GrammarUtils.findNodesForProperty(node.$cstNode, 'aliasOps')[g];
        if (node.groups[g].points.length > 1) {
            report(leafSpan(op(), node.groups[g].points[1]), 'expected probe point specifier: a probe alias defines one name');
        }
        // The names are an alias's once stap reads its `=` or `+=`: there it finds them wrong.
        for (const p of node.groups[g].points) {
            // stap takes `if (…)` after an alias name (and ignores it), never `?` or `!`.
            if (p.optional || p.sufficient) report(span(p), 'probe point alias name cannot be optional nor sufficient (`?`, `!`)', op()?.offset);
            const brace = p.components.find(c => c.$type === 'StapBraceComponent');
            if (brace) report(span(brace), 'expected probe point specifier: a probe alias name has no `{…}` alternatives', op()?.offset);
        }
    }
}

function checkReturn(node: ast.StapReturn, tokens: readonly StapToken[], report: Report): void {
    let inFunction = false;
    for (let c: AstNode | undefined = node.$container; c && !inFunction; c = c.$container) inFunction = is(c, 'StapFunction');
    if (!inFunction) {
        report(span(node), 'found `return` not in function context');
        return;
    }
    if (node.value) return;
    const keyword = ownKeyword(node.$cstNode, 'return');
    if (!keyword) return;
    const next = tokenAt(tokens, keyword.end);
    if (next && next.kind !== 'operator') {
        report({ offset: next.offset, end: next.end }, 'expected literal string or number: `return` without a value must be followed by `;` or `}`');
    } else if (next && next.image !== ';' && next.image !== '}') {
        report({ offset: next.offset, end: next.end }, 'expected literal string or number after `return`');
    }
}

/**
 * `GrammarUtils.findNodeForKeyword(cst, keyword)`: the first leaf of that keyword of the node's own element, depth
 * first, as Langium's search finds it (subtrees of other elements left out), but stopping there and without a stream
 * per call: Langium's walks the whole node, and its cost per node was felt across the whole library. A statement's
 * `return`, say, is its first token, under the composites of the rules that hand the node up
 * (`StapStatement: StapReturn | …`), so the walk is a few steps down.
 */
function ownKeyword(cst: CstNode | undefined, keyword: string): CstNode | undefined {
    if (!cst) return undefined;
    const element = cst.astNode;
    const pending: CstNode[] = [cst];
    while (pending.length > 0) {
        const n = pending.pop()!;
        if (n.astNode !== element) continue;
        const g = n.grammarSource;
        if (g && GrammarAST.isKeyword(g) && g.value === keyword) return n;
        if ('content' in n) {
            const children = (n as CompositeCstNode).content;
            for (let k = children.length - 1; k >= 0; k--) pending.push(children[k]);
        }
    }
    return undefined;
}

/**
 * `++y++`: stap's prefix `++`/`--` takes a value without postfix operators, so its statement ends
 * before the postfix one, which then starts the next statement: an error unless a value follows.
 */
function checkCrement(node: ast.StapPrefix, tokens: readonly StapToken[], report: Report): void {
    const operand = node.operand;
    if (!is(operand, 'StapPostIncrement')) return;
    const next = tokenAfter(tokens, operand);
    if (next && startsValue(next)) return;
    const at = next ? { offset: next.offset, end: next.end } : span(operand);
    report(at, `expected literal string or number: \`${node.operator}\` and \`${operand.operator}\` on one operand need parentheses (stap reads the postfix \`${operand.operator}\` as the start of the next statement)`);
}

/** Whether a token starts a value (what stap's `++`/`--` take). */
function startsValue(t: StapToken): boolean {
    if (t.kind === 'ident') return !STAP_KEYWORDS.has(t.image);
    return t.kind === 'number' || t.kind === 'string' || t.kind === 'arg' || t.kind === 'at' || t.kind === 'embedded' || (t.kind === 'operator' && t.image === '(');
}

function checkBinary(node: ast.StapBinary, tokens: readonly StapToken[], report: Report): void {
    const left = node.left;
    if (node.operator === 'in' && is(left, 'StapBinary') && left.operator === 'in' && isArrayName(left.right)) {
        // stap's membership test takes one `in`: the statement ends before the second.
        report(operatorSpan(node, tokens), 'expected a statement but found `in`: a membership test `… in ARRAY` cannot be the left side of another `in` (use parentheses)');
    }
    // (A match whose literal something follows ended before it: what follows is the next statement's.)
    if (is(left, 'StapBinary') && (!REGEX.has(left.operator) || is(left.right, 'StapString'))
        && (REGEX.has(node.operator) ? COMPARISON.has(left.operator) || REGEX.has(left.operator) : COMPARISON.has(node.operator) && REGEX.has(left.operator))) {
        // (Not where error recovery left the right side out: the parser has reported there.)
        if (node.right?.$cstNode) report(operatorSpan(node, tokens), `expected literal string or number: a regular expression match \`=~\`/\`!~\` cannot be chained with \`${REGEX.has(node.operator) ? left.operator : node.operator}\` without parentheses`);
    }
    if (node.operator === '=~' || node.operator === '!~') {
        const r = node.right;
        // (Nothing where error recovery left no operand: the parser has reported there.)
        if (!r || is(r, 'StapString')) return;
        // stap takes the literal alone: an operator or suffix after it starts the next statement.
        const literal = innermostOperand(r);
        if (!is(literal, 'StapString')) {
            report(span(literal), `expected literal string: the right side of \`${node.operator}\` must be a regular expression literal`);
            return;
        }
        const next = tokenAfter(tokens, literal);
        if (next) endsEarly(node, next, `the regular expression literal of \`${node.operator}\``, () => bracketStatement(literal, tokens, report), tokens, report);
    } else if (node.operator === 'in') {
        const r = node.right;
        if (!r) return;
        if (isArrayName(r)) {
            // An operator above `in` right after the name is one error recovery left out of the tree (`[p] in u -)`):
            // stap has ended the expression before it all the same.
            const next = tokenAfter(tokens, r);
            if (next?.kind === 'operator' && ABOVE_IN.has(next.image)) endsEarly(node, next, 'the array name after `in`', () => false, tokens, report);
            return;
        }
        // stap takes the array's name alone: an operator or suffix after it starts the next statement.
        const name = innermostOperand(r);
        // A call's name is one too, as is any @-word's, and its `( … )` starts the next statement: one expression in
        // parentheses.
        const call = calledName(name);
        if (!call && (name === r || !isArrayName(name))) {
            report(span(name), 'expected an array name (or @hist_*) after `in`');
            return;
        }
        const next = tokenAt(tokens, call ? (call.node.$cstNode?.offset ?? Infinity) + 1 : name.$cstNode?.end ?? Infinity);
        if (!next) return;
        endsEarly(node, next, 'the array name after `in`', () => {
            if (!call) return bracketStatement(name, tokens, report);
            if (call.args.length === 1) return false;
            const t = call.args.length ? tokenAfter(tokens, call.args[0]) : tokenAt(tokens, next.end);
            if (t) report({ offset: t.offset, end: t.end }, `expected literal string or number: after \`in\` stap takes \`${call.name}\` as the array name, and reads \`(…)\` as one expression in parentheses`);
            return t !== undefined;
        }, tokens, report);
    }
}

function isArrayName(e: AstNode | undefined): boolean {
    return is(e, 'StapVariable') || isHistogram(e) || is(e, 'StapScriptArg') || (e?.$type === 'StapUnknownOperator' && bareAtWord(e as ast.StapUnknownOperator));
}

/** An @-word stap does not know, with no `( … )` after it: a name to stap where it reads one (after `in`). */
function bareAtWord(e: ast.StapUnknownOperator): boolean {
    return e.$cstNode !== undefined && e.$cstNode.length === e.operator.length;
}

/**
 * A name followed by `( … )` that stap reads as the array's name after `in`, the parentheses then starting the next
 * statement: a function call's (not a script argument's, `$1(…)`), and any @-word's but `@hist_*`'s.
 */
function calledName(e: ast.StapExpression): { node: AstNode; name: string; args: readonly AstNode[] } | undefined {
    if (e.$type === 'StapCall') {
        const call = e as ast.StapCall;
        return /^[A-Za-z_]/.test(call.function) ? { node: call, name: call.function, args: call.args } : undefined;
    }
    if (is(e, 'StapAtOperator')) return HIST.has(e.operator) ? undefined : { node: e, name: e.operator, args: e.args.map(a => a.value ?? a) };
    if (e.$type === 'StapUnknownOperator') {
        const op = e as ast.StapUnknownOperator;
        return bareAtWord(op) ? undefined : { node: op, name: op.operator, args: op.args };
    }
    return undefined;
}

/** Binary operators above `in` in stap's precedence. */
const ABOVE_IN = new Set(['*', '/', '%', '+', '-', '.', '<<', '>>', ...COMPARISON, ...REGEX]);

/** Binary operators at or below `in` in stap's precedence: their operands are where stap reads `[…] in A`. */
const ARRAY_IN_LEVEL = new Set(['in', '&', '^', '|', '&&', '||']);

/** The operand `e` starts with, through binary operators above `in` and suffixes (`[…]`, `->`, `$`, `++`). */
function innermostOperand(e: ast.StapExpression): ast.StapExpression {
    for (;;) {
        const inner: ast.StapExpression | undefined = is(e, 'StapBinary') && !ARRAY_IN_LEVEL.has(e.operator) ? e.left
            : is(e, 'StapIndex') || is(e, 'StapMember') ? e.receiver
                : e.$type === 'StapPretty' || is(e, 'StapPostIncrement') ? (e as ast.StapPretty | ast.StapPostIncrement).operand : undefined;
        // (Also where error recovery left the operand out: the walk ends at its parent.)
        if (!inner) return e;
        e = inner;
    }
}

/** What `e` is the first operand of, through binary operators above `in` and suffixes: the inverse of {@link innermostOperand}. */
function outermostStartedBy(e: AstNode): AstNode {
    for (;;) {
        const c = e.$container;
        if ((is(c, 'StapBinary') && !ARRAY_IN_LEVEL.has(c.operator) && c.left === e)
            || ((is(c, 'StapIndex') || is(c, 'StapMember')) && c.receiver === e)
            || ((c?.$type === 'StapPretty' || is(c, 'StapPostIncrement')) && (c as ast.StapPretty | ast.StapPostIncrement).operand === e)) {
            e = c!;
        } else {
            return e;
        }
    }
}

/** Tokens a statement can start with, where stap ends an expression early: `+`, `-`, a bracketed list, `$`, `$$`, `(`. */
const STATEMENT_AFTER = new Set(['+', '-', '[', '$', '$$', '(']);

/**
 * stap ends expression `whole` early, just before token `next` (`what`: after which part), and reads what follows as
 * the next statement. Report where stap finds that wrong: at `next` when no statement starts with it or the statement
 * cannot end there (after a `++`/`--`, which wants an operand, at the token after); else in the next statement
 * itself (`rest`: whether it reported); else at an `else` the early end leaves without its `if`.
 */
function endsEarly(whole: AstNode, next: StapToken, what: string, rest: () => boolean, tokens: readonly StapToken[], report: Report): void {
    const ending = endingAround(whole);
    // `[i]++ x` is `[i]` and `++x`: a `++` or `--` starts the next statement when what follows is its operand.
    const crement = ending !== false && (next.image === '++' || next.image === '--') ? crementStatement(next, tokens) : undefined;
    if (crement && crement !== true) {
        report({ offset: crement.offset, end: crement.end }, `expected literal string or number: stap ends the expression after ${what}, and reads \`${next.image}\` as the start of the next statement`);
        return;
    }
    if (ending === false || (!STATEMENT_AFTER.has(next.image) && crement !== true)) {
        reportNext(next, what, ending === true, tokens, report);
        return;
    }
    if ((crement !== true && rest()) || ending === true) return;
    const elseToken = tokenAfter(tokens, ending.then);
    if (elseToken) report({ offset: elseToken.offset, end: elseToken.end }, `expected statement: stap ends the statement after ${what}, and reads the rest as the next one, so this \`else\` has no \`if\``);
}

/**
 * After an early end, the statement a `++`/`--` starts: true when its operand follows (a value, or `&` and one); else
 * the token where stap finds it wrong: after a `-` (`++-x`), or after a postfix `++`/`--` on the operand (`++x++`)
 * that no value follows. Undefined when no operand follows (see {@link reportNext}).
 */
function crementStatement(crement: StapToken, tokens: readonly StapToken[]): true | StapToken | undefined {
    const operand = tokenAt(tokens, crement.end);
    if (!operand) return undefined;
    if (operand.kind === 'operator' && operand.image === '-') return tokenAt(tokens, operand.end) ?? operand;
    if (!startsValue(operand) && !(operand.kind === 'operator' && operand.image === '&')) return undefined;
    if (operand.kind !== 'ident' && operand.kind !== 'number' && operand.kind !== 'string' && operand.kind !== 'arg') return true;
    const postfix = tokenAt(tokens, operand.end);
    if (postfix?.kind !== 'operator' || (postfix.image !== '++' && postfix.image !== '--')) return true;
    const after = tokenAt(tokens, postfix.end);
    return after && startsValue(after) ? true : after ?? postfix;
}

/** {@link endsEarly}'s report at `next`, or where a statement may start (`ends`), after a `++`/`--` there. */
function reportNext(next: StapToken, what: string, ends: boolean, tokens: readonly StapToken[], report: Report): void {
    const t = ends && (next.image === '++' || next.image === '--') ? tokenAt(tokens, next.end) ?? next : next;
    report({ offset: t.offset, end: t.end }, `expected literal string or number: stap ends the expression after ${what}, and reads \`${next.image}\` as the start of the next statement`);
}

/**
 * Whether `node` starts an item of a bracketed list: there stap reads a comparison, as in an operand above `in`, which
 * no `[` starts (`[[a] in b] in c` is wrong at the second `[`).
 */
function inTupleItem(node: ast.StapTuple): boolean {
    let e: AstNode = node;
    // (up through every expression the list starts, `in` ones included)
    while (e.$container && e.$container.$type !== 'StapIndexArg' && e.$container.$cstNode?.offset === node.$cstNode?.offset) e = e.$container;
    const c = e.$container;
    return c?.$type === 'StapIndexArg' && c.$container?.$type === 'StapTuple' && c.$cstNode?.offset === node.$cstNode?.offset;
}

/**
 * A bracketed list not before `in`. stap reads one only where it reads `[…] in A` (the start of an operand at or
 * below `in`'s precedence), takes a single index as the expression, and ends the expression after it: an operator
 * or suffix after it starts the next statement.
 */
function checkTuplePlace(node: ast.StapTuple, tokens: readonly StapToken[], report: Report): void {
    const top = outermostStartedBy(node);
    const c = top.$container;
    if (inTupleItem(node) || (is(c, 'StapBinary') ? !ARRAY_IN_LEVEL.has(c.operator) || (c.operator === 'in' && c.right === top) : is(c, 'StapPrefix'))) {
        const at = span(node);
        report({ offset: at.offset, end: at.offset + 1 },
            'expected literal string or number: a bracketed list `[…]` stands only at the start of an expression or before `in`');
        return;
    }
    const next = tokenAfter(tokens, node);
    if (node.items.length > 1) {
        report(next ? { offset: next.offset, end: next.end } : span(node), 'unexpected comma-separated expression list (only before `in`)');
    } else if (next && top !== node) {
        endsEarly(top, next, 'a bracketed list `[…]`', () => bracketStatement(node, tokens, report), tokens, report);
    }
}

/**
 * `$x(…)`: stap calls no target variable; it ends the expression after `$x` and reads the `(` as the start of the next
 * statement (`x = $x(1)` is `x = $x; (1)`), which is wrong where no statement can end (in arguments: at the `(`).
 */
function checkTargetCall(node: ast.StapCall, tokens: readonly StapToken[], report: Report): void {
    const open = ownKeyword(node.$cstNode, '(');
    const next = open && tokenAt(tokens, open.offset);
    if (!next) return;
    const what = `the target variable \`${node.function}\``;
    // The next statement is the parenthesised rest: one expression in it (`()` and `(1, 2)` are wrong at `)` and `,`).
    const rest = (): boolean => {
        const wrong = node.args.length === 0 ? tokenAt(tokens, next.end) : node.args.length > 1 ? tokenAfter(tokens, node.args[0]) : undefined;
        if (!wrong) return false;
        report({ offset: wrong.offset, end: wrong.end }, `expected ${node.args.length ? '`)`' : 'literal string or number'}: stap ends the expression after ${what}, and reads \`(\` as the start of the next statement`);
        return true;
    };
    endsEarly(outermostStartedBy(node), next, what, rest, tokens, report);
}

/**
 * Where stap ended a statement after `e` and the brackets after it (`e[…]` in the tree) start
 * the next one: a bracketed list there is one index unless `in` follows; after it the statement goes on with an
 * operator at or below `in`'s precedence, or ends again. Whether it reported.
 */
function bracketStatement(e: AstNode, tokens: readonly StapToken[], report: Report): boolean {
    const end = statementEnd(e);
    for (let prev = e; ;) {
        const list = prev.$container;
        if (!is(list, 'StapIndex') || list.receiver !== prev) return false;
        const next = tokenAfter(tokens, list);
        if (next?.image === 'in') return false;
        if (list.indexes.length > 1) {
            report(next ? { offset: next.offset, end: next.end } : span(list), 'unexpected comma-separated expression list (only before `in`)');
            return true;
        }
        if (!next || next.offset >= end || GOES_ON.has(next.image)) return false;
        // (The statement may end here: the one it is in could, and the `[`'s one is what it ends.)
        if (!STATEMENT_AFTER.has(next.image)) {
            reportNext(next, 'a bracketed list `[…]`', true, tokens, report);
            return true;
        }
        if (next.image !== '[') return false;
        prev = list;
    }
}

/** Tokens that go on with a statement after an operand at `in`'s level: lower operators, `?:`, assignments. */
const GOES_ON = new Set(['&', '^', '|', '&&', '||', '?', ':', '=', '<<<', '+=', '-=', '*=', '/=', '%=', '<<=', '>>=', '&=', '^=', '|=', '.=']);

/** Where the statement that holds expression `e` ends (its expression's end). */
function statementEnd(e: AstNode): number {
    return keptUpward(e, statementEnds, top => {
        const c = top.$container;
        return !c || STATEMENT_ENDS.has(c.$type) ? top.$cstNode?.end ?? Infinity : undefined;
    });
}

const statementEnds = new WeakMap<AstNode, number>();

const STATEMENT_ENDS = new Set(['StapExpressionStatement', 'StapReturn', 'StapDelete']);

function checkPrint(node: ast.StapCall, tokens: readonly StapToken[], report: Report): void {
    const fn = node.function;
    // print(@hist_log(s)[i] …): stap reads a histogram (indexed or not) as the whole argument, then wants `,` or `)`.
    const arg = node.args[0];
    if (PRINT_HISTOGRAM.has(fn) && is(arg, 'StapBinary')) {
        let left: ast.StapExpression = arg;
        while (is(left, 'StapBinary')) left = left.left;
        if (isHistogram(left) || (is(left, 'StapIndex') && isHistogram(left.receiver))) {
            report(after(tokens, left), `expected one of \`,\` \`)\`: \`${fn}\` takes a histogram as a whole argument`);
            return;
        }
    }
    // No argument: stap stops at the token after `(` (the `)`, or what error recovery skipped there).
    const first = (): { offset: number; end: number } => node.args.length ? span(node.args[0]) : afterOpen(tokens, node);
    if (PRINT_NONEMPTY.has(fn) && node.args.length === 0) {
        report(first(), `expected literal string or number: \`${fn}\` needs an argument`);
    } else if (PRINT_FORMAT.has(fn)) {
        if (formatUnreadable(node, fn, tokens, report)) return;
        if (literalThenMore(node, fn, 'format', tokens, report)) return;
        if (!node.args.length || !is(node.args[0], 'StapString')) {
            report(first(), `expected literal string: \`${fn}\` takes a format string literal first`);
        }
    } else if (PRINT_DELIM.has(fn)) {
        if (literalThenMore(node, fn, 'delimiter', tokens, report)) return;
        if (!node.args.length || !is(node.args[0], 'StapString')) {
            report(first(), `expected literal string: \`${fn}\` takes a delimiter string literal first`);
        } else if (node.args.length < 3) {
            // (after the call, where stap finds it wanting)
            report(after(tokens, node), `expected literal string or number: \`${fn}\` needs at least two values after the delimiter`);
        }
    }
}

/** The tokens of the string literal an expression starts with (adjacent literals are one), if it does. */
function leadingLiteral(expression: AstNode | undefined, tokens: readonly StapToken[]): { from: number; to: number } | undefined {
    const start = expression?.$cstNode?.offset;
    if (start === undefined) return undefined;
    const from = firstAtOrAfter(tokens, start);
    if (tokens[from]?.kind !== 'string') return undefined;
    let to = from;
    while (tokens[to + 1]?.kind === 'string') to++;
    return { from, to };
}

/**
 * A format string stap cannot read (`%llu`, see systemtap-print-format.ts): it reads the literal, fails to convert it
 * and stops at the token after it. False when the format is read or is no literal.
 */
function formatUnreadable(node: ast.StapCall, fn: string, tokens: readonly StapToken[], report: Report): boolean {
    const literal = leadingLiteral(node.args[0], tokens);
    if (!literal) return false;
    let value = '';
    for (let k = literal.from; k <= literal.to; k++) value += stapStringValue(tokens[k].image);
    const problem = printFormatProblem(value);
    if (!problem) return false;
    report(tokenSpan(tokens[literal.to + 1]), `${problem.message}: \`${problem.conversion}\` in the format string of \`${fn}\``
        + ' (stap takes `%`, at most one flag of `0+- #`, a width, a precision, at most one `l`, and one of `b c s m M d i u o x X p`; `%%` for a `%`)');
    return true;
}

/**
 * A first argument that starts with a string literal and goes on (`printf("a" . x)`): stap takes the literal alone as
 * the format or delimiter, then wants `,` or `)`, and reports what came instead. False when it does not start so,
 * or stops there. (Error recovery may have left the literal alone as the argument, and what went on after it out.)
 */
function literalThenMore(node: ast.StapCall, fn: string, what: string, tokens: readonly StapToken[], report: Report): boolean {
    const literal = leadingLiteral(node.args[0], tokens);
    if (!literal) return false;
    const next = tokens[literal.to + 1];
    if (!next || (next.kind === 'operator' && (next.image === ',' || next.image === ')'))) return false;
    report({ offset: next.offset, end: next.end }, `expected one of \`,\` \`)\`: \`${fn}\` takes its ${what} string literal alone, not \`${next.image}\` after it`);
    return true;
}

/** Whether an @-operator has its `(`: without it, the parser's error is where stap stops (`@count,` at the `,`). */
function opened(node: ast.StapAtOperator): boolean {
    return ownKeyword(node.$cstNode, '(') !== undefined;
}


function checkAtOperator(node: ast.StapAtOperator, tokens: readonly StapToken[], reportAny: Report): void {
    const shape = AT_ARITY[node.operator];
    if (!shape) return;
    // (looked up only for an error: most @-operators have none)
    const report: Report = (at, message, detectedAt) => {
        if (opened(node)) reportAny(at, message, detectedAt);
    };
    const n = node.args.length;
    // stap reads the arguments in order: one it cannot take stops it before a missing or extra one.
    const read = Math.min(n, shape.max);
    let wrongArgument = false;
    const reportArgument = (at: { offset: number; end: number }, message: string) => {
        wrongArgument = true;
        report(at, message);
    };
    for (const k of shape.strings ?? []) {
        const e = argExpr(node.args[k]);
        const literal = k < read ? leadingLiteral(e, tokens) : undefined;
        // (A literal alone as the argument may be one error recovery left so, the operator after it out.)
        const next = literal && tokens[literal.to + 1];
        if (literal && (!is(e, 'StapString') || (next && !(next.kind === 'operator' && (next.image === ',' || next.image === ')'))))) {
            // A literal that goes on (`"char"[1]`, `"a" . x`): stap takes the literal, then wants the `)`.
            reportArgument(tokenSpan(next),
                `expected \`)\`: \`${node.operator}\` takes a string literal alone as argument ${k + 1}, not \`${next?.image}\` after it`);
        } else if (k < read && !is(e, 'StapString') && !is(e, 'StapScriptArg')) {
            reportArgument(span(node.args[k]), `expected literal string as argument ${k + 1} of \`${node.operator}\``);
        } else if (k < read && is(e, 'StapString') && (NON_EMPTY[node.operator] === k) && e.parts.every(p => p.length <= 2)) {
            reportArgument(span(e), `expected non-empty string as argument ${k + 1} of \`${node.operator}\``);
        }
    }
    for (const k of shape.numbers ?? []) {
        const e = argExpr(node.args[k]);
        // A literal, or `-` and a literal (stap's expect_number).
        const literal = is(e, 'StapPrefix') && e.operator === '-' ? e.operand : e;
        if (k < read && !is(literal, 'StapNumber') && !is(e, 'StapScriptArg')) {
            reportArgument(span(node.args[k]), `expected literal number as argument ${k + 1} of \`${node.operator}\``);
        } else if (k < read && literal !== e && is(literal, 'StapNumber') && belowInt64(literal.value)) {
            reportArgument(span(literal), belowInt64Message(literal.value));
        }
    }
    for (const k of shape.ident ?? []) {
        const e = argExpr(node.args[k]);
        if (k < read && !is(e, 'StapVariable')) reportArgument(span(node.args[k]), `expected identifier as argument of \`${node.operator}\``);
    }
    if (n < shape.min || n > shape.max) {
        if (wrongArgument) return;
        // Where stap stops: at the `)` that comes too early, or at the `,` after the last argument it takes.
        const want = shape.min === shape.max ? `${shape.min}` : `${shape.min} to ${shape.max}`;
        // (Without its `)`, after a syntax error, at the token after the last argument, or after the `(`.)
        const close = ownKeyword(node.$cstNode, ')');
        // (A `,` after the last argument there is one stap reads on from: the syntax error after it is what it meets.)
        if (!close && n > 0 && n < shape.min && tokenAfter(tokens, node.args[n - 1])?.image === ',') return;
        const at = n >= shape.min ? after(tokens, node.args[shape.max - 1])
            : close ? leafSpan(close, node) : n ? after(tokens, node.args[n - 1]) : afterOpen(tokens, node);
        report(at, `expected \`${n < shape.min ? ',' : ')'}\`: \`${node.operator}\` takes ${want} argument${shape.max > 1 ? 's' : ''}, not ${n}`);
        return;
    }
    node.args.forEach(a => {
        if (is(a, 'StapWildcard')) report(span(a), `\`*\` is not an argument of \`${node.operator}\``);
    });
}

/**
 * A script argument where stap wants a name (grammar: `(ID | ARG)`): `$1` is the name given on the command line, a
 * placeholder here; `$#` is a number whatever the arguments are, which stap refuses there. (`@1` and `@#` reach the
 * parser as strings, which it refuses there itself.)
 */
function checkArgAsName(node: AstNode, property: string, value: string | undefined, report: Report): void {
    if (value !== '$#') return;
    report(leafSpan(GrammarUtils.findNodeForProperty(node.$cstNode, property), node), 'expected an identifier: `$#` is a number, the count of the script\'s arguments');
}

function checkForeach(node: ast.StapForeach, tokens: readonly StapToken[], report: Report): void {
    checkArgAsName(node, 'value', node.value, report);
    // (what error recovery left may lack its keys or its array)
    for (const k of node.keys ?? []) checkArgAsName(k, 'name', k.name, report);
    if (node.array?.$type === 'StapForeachArrayRef') checkArgAsName(node.array, 'array', (node.array as ast.StapForeachArrayRef).array, report);
    // The sort directives in text order; stap reports the second.
    const sorts: Array<CstNode | undefined> = [];
    if (node.valueSort) sorts.push(GrammarUtils.findNodeForProperty(node.$cstNode, 'valueSort'));
    for (const k of node.keys) if (k.sort) sorts.push(GrammarUtils.findNodeForProperty(k.$cstNode, 'sort'));
    if (node.arraySort) sorts.push(GrammarUtils.findNodeForProperty(node.$cstNode, 'arraySort'));
    if (sorts.length > 1) report(leafSpan(sorts[1], node), 'multiple sort directives');
    if (node.aggregate && !node.arraySort) {
        const aggregate = GrammarUtils.findNodeForProperty(node.$cstNode, 'aggregate');
        report(aggregate ? after(tokens, aggregate) : span(node), 'expected sort directive (`+` or `-`) after the statistical operation');
    }
    if (is(node.array, 'StapAtOperator') && !HIST.has(node.array.operator)) {
        // stap takes any @-word for the array's name, and finds its `(` where the `)` of `foreach (` should be.
        const paren = node.array.$cstNode ? tokenAt(tokens, node.array.$cstNode.offset + node.array.operator.length) : undefined;
        report(paren && paren.image === '(' ? { offset: paren.offset, end: paren.end } : span(node.array),
            `expected \`)\`: after \`in\` stap takes \`${node.array.operator}\` as the array's name, and no \`(…)\` goes after a name there`);
    }
}

/**
 * `@hist_linear`/`@hist_log` is no value: stap takes one only as the sole argument of print, sprint, println or
 * sprintln, indexed (`@hist_log(s)[3]`), and as the array of `in` or `foreach`.
 */
function checkHistogramPlace(node: ast.StapAtOperator, report: Report): void {
    if (!isHistogram(node)) return;
    // stap stops at a missing or extra argument (checkAtOperator) before it looks at where the histogram is.
    const shape = AT_ARITY[node.operator];
    if (shape && (node.args.length < shape.min || node.args.length > shape.max)) return;
    const c = node.$container;
    if (is(c, 'StapIndex') && c.receiver === node) return;
    if (is(c, 'StapBinary') && c.operator === 'in' && c.right === node) return;
    // `x in @hist_log(s) + 1`: the array of `in` (whatever follows is the next statement's, checked there).
    const top = outermostStartedBy(node);
    const tc = top.$container;
    if (top !== node && is(tc, 'StapBinary') && tc.operator === 'in' && tc.right === top) return;
    if (c?.$type === 'StapForeach') return;
    if (c?.$type === 'StapCall') {
        const fn = c as ast.StapCall;
        if (PRINT_HISTOGRAM.has(fn.function) && fn.args.length === 1) return;
    }
    if (opened(node)) report(span(node), `base histogram operator where expression expected: \`${node.operator}\` is printed (print, println, sprint, sprintln with it alone), indexed or iterated, not used as a value`);
}

/**
 * Several indexes, or `*`, only in the first brackets after an array's name: after a target variable, a call, a
 * member, other brackets or parentheses stap reads one index expression.
 */
function checkIndex(node: ast.StapIndex, tokens: readonly StapToken[], report: Report): void {
    const r = node.receiver;
    // An array's name, or a histogram (its buckets) but as print's argument: the index may be a slice or several.
    const printed = node.$container?.$type === 'StapCall' && PRINT_HISTOGRAM.has((node.$container as ast.StapCall).function);
    if ((is(r, 'StapVariable') && !r.variable.startsWith('$')) || (isHistogram(r) && !printed)) return;
    if (node.indexes.length > 1) {
        report(after(tokens, node.indexes[0]), 'expected `]`: only an array takes several indexes');
    } else if (is(node.indexes[0], 'StapWildcard')) {
        report(span(node.indexes[0]), 'expected literal string or number: only an array takes `*` as an index');
    }
}

/** The indexes of `[…] in A` are comparisons at most: stap reads a `|`, `&`, `^`, `&&`, `||`, `?:`, `=` or `in` there as the end. */
function checkInIndexes(node: ast.StapTuple, tokens: readonly StapToken[], report: Report): void {
    for (const item of node.items) {
        const e = argExpr(item);
        if (is(e, 'StapBinary') && LOWER_THAN_COMPARISON.has(e.operator)) {
            report(operatorSpan(e, tokens), `expected \`,\` or \`]\`: an index before \`in\` is a comparison at most (put \`${e.operator}\` in parentheses)`);
        } else if (e && (e.$type === 'StapConditional' || e.$type === 'StapAssignment')) {
            report(after(tokens, e.$type === 'StapConditional' ? (e as ast.StapConditional).condition : (e as ast.StapAssignment).target),
                'expected `,` or `]`: an index before `in` is a comparison at most (use parentheses)');
        }
    }
}

/** Binary operators that bind less than a comparison. */
const LOWER_THAN_COMPARISON = new Set(['|', '&', '^', '&&', '||', 'in']);

/** A negated literal (a global's initial value, a probe point's argument) is a signed 64-bit number. */
function checkNegativeLiteral(arg: ast.StapLiteralArg | undefined, report: Report): void {
    if (arg?.negative && arg.number !== undefined && belowInt64(arg.number)) {
        report(leafSpan(GrammarUtils.findNodeForProperty(arg.$cstNode, 'number'), arg), belowInt64Message(arg.number));
    }
}

/** Whether `-image` is below the smallest signed 64-bit number. */
function belowInt64(image: string): boolean {
    return (bigNumber(image) ?? 0n) > INT64_MAX + 1n;
}

function belowInt64Message(image: string): string {
    return `number invalid or out of range: \`-${image}\` is below the smallest 64-bit number`;
}

/** `@hist_linear(…)` or `@hist_log(…)`. */
function isHistogram(e: AstNode | undefined): e is ast.StapAtOperator {
    return is(e, 'StapAtOperator') && HIST.has(e.operator);
}

/** A number literal's value (decimal, hex, octal), undefined when it is not one. */
function bigNumber(image: string): bigint | undefined {
    try {
        return BigInt(/^0[0-7]+$/.test(image) ? '0o' + image.slice(1) : image);
    } catch {
        return undefined;
    }
}

function safeNumber(image: string): number | undefined {
    // Decimals of up to 15 digits are exact doubles: no BigInt (or octal test) for the sizes and priorities of a library.
    if (/^(?:0|[1-9]\d{0,14})$/.test(image)) return Number(image);
    const big = bigNumber(image);
    return big === undefined ? undefined : Number(big);
}

function versionBelow(a: string, b: string): boolean {
    const pa = a.split('.').map(Number);
    const pb = b.split('.').map(Number);
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
        if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) < (pb[i] ?? 0);
    }
    return false;
}
