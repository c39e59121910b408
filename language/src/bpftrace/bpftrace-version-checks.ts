import { GrammarUtils, type AstNode, type CstNode } from 'langium';
import type { Range } from 'vscode-languageserver-types';
import * as ast from './generated/ast.js';
import { BtCode } from './bpftrace-diagnostic-codes.js';
import { BT_FEATURES, BUILTINS_017, featureProblem, V017, type BtFeature } from './bpftrace-versions.js';
import { checkAttachPoint } from './bpftrace-attach-points.js';
import { checkIntLiteral } from './bpftrace-literals.js';
import { firstTokenRange, rangeInToken, report, type BtCheckContext } from './bpftrace-syntax-checks.js';

/** Report `feature` on `node` when the target version lacks it. */
export function requireFeature(ctx: BtCheckContext, node: AstNode, feature: BtFeature, range?: CstNode | Range): void {
    const problem = featureProblem(feature, ctx.target);
    if (problem) {
        const removed = problem.includes('removed');
        report(ctx, node, problem, removed ? BtCode.VersionRemoved : BtCode.VersionTooOld, range && 'start' in range ? range : range?.range);
    }
}

const U63_MAX = 9223372036854775807n;

export function checkAttachPointNode(ctx: BtCheckContext, node: ast.BtAttachPoint): void {
    const cst = node.$cstNode;
    if (!cst || typeof node.text !== 'string') return;
    for (const p of checkAttachPoint(node.text, ctx.target)) {
        // 0.17 drops an attach point without a provider (`:f`), and refuses only a probe left with none (measured:
        // `:kf, kr:f { }` parses, `:f { }` is "No attach points for probe").
        if (p.code === BtCode.ProbeEmpty && ctx.target === V017 && ast.isBtProbe(node.$container)
            && node.$container.attachPoints.some(a => a !== node && typeof a.text === 'string' && !a.text.startsWith(':'))) continue;
        report(ctx, node, p.message, p.code, rangeInToken(cst, p.offset, p.length));
    }
}

export function checkIntLit(ctx: BtCheckContext, node: ast.BtIntLit): void {
    const cst = node.$cstNode;
    if (typeof node.value !== 'string') return;
    const p = checkIntLiteral(node.value, ctx.target);
    if (!p || !cst) return;
    if (p.feature === 'duration') {
        requireFeature(ctx, node, 'duration');
        return;
    }
    report(ctx, node, p.message, BtCode.IntLiteral, rangeInToken(cst, p.offset, p.length));
}

export function checkPositional(ctx: BtCheckContext, node: ast.BtPositional): void {
    const digits = node.param?.slice(1) ?? '';
    if (/^\d+$/.test(digits) && BigInt(digits) > U63_MAX) {
        report(ctx, node, `param ${node.param} is out of integer range [1, ${U63_MAX}]`, BtCode.Positional);
    }
}

export function checkCall(ctx: BtCheckContext, call: ast.BtCallExpr): void {
    const name = call.callee?.ident;
    if (BUILTINS_017.has(name) && featureProblem('builtinCall', ctx.target)) {
        report(ctx, call.callee, `Unknown function: ${name} (before bpftrace 0.${BT_FEATURES.builtinCall.since} '${name}' is a builtin, written without '()')`,
            BtCode.BuiltinCall);
    }
}

/**
 * `if`/`while`/`unroll` conditions without parentheses need 0.24: at the condition's first token, where an older
 * bpftrace wants the `(`; none where that is a `(` (a tuple `()`, `(a, b)`: what is wrong in it is reported there).
 */
function requireParens(ctx: BtCheckContext, cond: ast.BtExpr | undefined): void {
    const cst = cond?.$cstNode;
    if (!cond || !cst || ast.isBtParenExpr(cond) || cst.text.startsWith('(')) return;
    requireFeature(ctx, cond, 'bareCondition', firstTokenRange(cst));
}

function isStatementLevel(node: ast.BtIfExpr | ast.BtBlockExpr): boolean {
    const c = node.$container;
    if (ast.isBtExprStatement(c)) return !c.operator;
    return ast.isBtIfExpr(c) && c.elseIf === node;
}

/**
 * An `if` that starts a statement and is followed by `-` or `*`: a bpftrace without `if` expressions ends the `if`
 * statement at its `}` and starts the next statement with that operator, as a unary one (`if (c) { } - 1;` and
 * `if (c) { } *$p;` are two statements in 0.17; `+`, `&`, `==`… cannot start one, measured). The tree keeps the
 * operator as a binary one, which is the same text.
 */
function startsStatementBeforeUnary(node: ast.BtIfExpr): boolean {
    const first = node.$container;
    if (!ast.isBtBinary(first) || first.left !== node || (first.operator !== '-' && first.operator !== '*')) return false;
    let child: AstNode = first;
    for (let c: AstNode | undefined = first.$container; c; child = c, c = c.$container) {
        if (ast.isBtExprStatement(c)) return c.expr === child && !c.operator;
        const leftmost = (ast.isBtBinary(c) && c.left === child) || (ast.isBtConditionalExpr(c) && c.condition === child);
        if (!leftmost) return false;
    }
    return false;
}

/** The version gates that hang on one node type each. */
export function checkVersionedNode(ctx: BtCheckContext, node: AstNode): void {
    switch (node.$type) {
        case 'BtConfig': requireFeature(ctx, node, 'config', node.$cstNode); break;
        case 'BtSubprog': requireFeature(ctx, node, 'subprog'); break;
        case 'BtMacro': requireFeature(ctx, node, 'macro'); break;
        case 'BtMapDecl': requireFeature(ctx, node, 'mapDecl'); break;
        case 'BtImport': case 'BtImportStatement': requireFeature(ctx, node, 'importStmt'); break;
        case 'BtLetStatement': {
            const n = node as ast.BtLetStatement;
            requireFeature(ctx, node, 'letDecl');
            if (n.type) requireFeature(ctx, n.type, 'letType');
            break;
        }
        case 'BtRecord': requireFeature(ctx, node, 'record'); break;
        case 'BtTypeof': requireFeature(ctx, node, 'typeofExpr'); break;
        // `(typeof($y))2`, `let $x: typeof($y)`, `fn f($a: typeof($b))`.
        case 'BtType': if ((node as ast.BtType).typeofKeyword) requireFeature(ctx, node, 'typeofExpr'); break;
        case 'BtIdent': if (/^sarg\d+$/.test((node as ast.BtIdent).ident)) requireFeature(ctx, node, 'sarg'); break;
        case 'BtComptimeExpr': requireFeature(ctx, node, 'comptime'); break;
        case 'BtOffsetof': requireFeature(ctx, node, 'offsetof'); break;
        case 'BtConditionalExpr':
            // (at the `?`, which an older bpftrace takes only with a value after it; not a `?` without its `:`, which
            // the parser has reported)
            if (!(node as ast.BtConditionalExpr).then && GrammarUtils.findNodeForKeyword(node.$cstNode, ':')) {
                requireFeature(ctx, node, 'elvis', GrammarUtils.findNodeForKeyword(node.$cstNode, '?'));
            }
            break;
        case 'BtExprStatement': {
            const n = node as ast.BtExprStatement;
            if (n.operator === '=' && ast.isBtIdent(n.expr) && n.expr.ident === '_') requireFeature(ctx, n.expr, 'discard');
            break;
        }
        case 'BtForStatement': {
            const n = node as ast.BtForStatement;
            requireFeature(ctx, node, n.rangeEnd ? 'forRange' : 'forMap');
            if (!n.parenthesized) requireFeature(ctx, node, 'bareCondition');
            break;
        }
        case 'BtWhileStatement': requireParens(ctx, (node as ast.BtWhileStatement).condition); break;
        case 'BtUnrollStatement': requireParens(ctx, (node as ast.BtUnrollStatement).count); break;
        case 'BtIfExpr': {
            const n = node as ast.BtIfExpr;
            requireParens(ctx, n.condition);
            if (!isStatementLevel(n) && !(ctx.target < BT_FEATURES.ifExpr.since && startsStatementBeforeUnary(n))) requireFeature(ctx, node, 'ifExpr');
            break;
        }
        case 'BtBlockExpr':
            // (at its `{`, where an older bpftrace wants a value)
            if (!isStatementLevel(node as ast.BtBlockExpr) && node.$cstNode) requireFeature(ctx, node, 'blockExpr', firstTokenRange(node.$cstNode));
            break;
        default:
            break;
    }
}
