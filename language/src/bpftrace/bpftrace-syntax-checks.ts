import { CstUtils, type AstNode, type CstNode, type ValidationAcceptor } from 'langium';
import type { Range } from 'vscode-languageserver-types';
import * as ast from './generated/ast.js';
import { BtCode, type BtCodeValue } from './bpftrace-diagnostic-codes.js';
import { featureProblem, type BtVersion } from './bpftrace-versions.js';

/** What every check gets: where to report, and the target version. */
export interface BtCheckContext {
    accept: ValidationAcceptor;
    target: BtVersion;
    /** Offsets of the parser's errors: checks stay quiet where recovery has already spoken. */
    parserErrorOffsets?: readonly number[];
    /** The lexer left out an item too complex to check: the program is more than its tree shows. */
    itemsLeftOut?: boolean;
}

function parserErrorWithin(ctx: BtCheckContext, start: number, end: number): boolean {
    return (ctx.parserErrorOffsets ?? []).some(o => o >= start && o <= end);
}

export function report(ctx: BtCheckContext, node: AstNode | undefined, message: string, code: BtCodeValue, range?: Range): void {
    // After error recovery a property can be missing; its error is the parser's.
    if (!node?.$cstNode) return;
    ctx.accept('error', message, { node, range, code });
}

/** A range inside a single-line token: `offset`/`length` relative to the token start. */
export function rangeInToken(cst: CstNode, offset: number, length: number): Range {
    const start = cst.range.start;
    return {
        start: { line: start.line, character: start.character + offset },
        end: { line: start.line, character: start.character + offset + Math.max(length, 1) },
    };
}

const COMPOUND = new Set(['BtForStatement', 'BtWhileStatement', 'BtUnrollStatement']);

/** Whether a statement ends with its block (`if`, `while`, `unroll`, `for`, a bare block). */
export function isCompound(stmt: AstNode): boolean {
    if (COMPOUND.has(stmt.$type)) return true;
    if (ast.isBtExprStatement(stmt) && !stmt.operator) {
        return ast.isBtIfExpr(stmt.expr) || ast.isBtBlockExpr(stmt.expr);
    }
    return false;
}

/** Statements need `;` between them, unless the first ends with a block. */
export function checkSeparators(ctx: BtCheckContext, container: AstNode, items: readonly AstNode[], needs: (n: AstNode) => boolean): void {
    const cst = container.$cstNode;
    if (!cst || items.length < 2 || !('content' in cst)) return;
    let previous: AstNode | undefined;
    for (const child of (cst as CstNode & { content: CstNode[] }).content) {
        if (child.hidden) continue;
        if (child.astNode === container) {
            if (child.text === ';') previous = undefined;
            continue;
        }
        // (Quiet where the parser has spoken in the statement before or at this one's start; an error inside this one
        // comes after the missing `;`, which bpftrace meets first.)
        if (previous && needs(previous) && !parserErrorWithin(ctx, previous.$cstNode?.offset ?? 0, child.offset)) {
            const first = child.astNode;
            report(ctx, first, "expected ';' before this statement", BtCode.MissingSemicolon, firstTokenRange(child));
        }
        previous = child.astNode;
    }
}

/** The range of the first token of `cst` (hidden ones left out). */
export function firstTokenRange(cst: CstNode): Range {
    let node: CstNode = cst;
    while ('content' in node && (node as CstNode & { content: CstNode[] }).content.length > 0) {
        node = (node as CstNode & { content: CstNode[] }).content.find(c => !c.hidden) ?? (node as CstNode & { content: CstNode[] }).content[0];
    }
    return node.range;
}

export function checkBlock(ctx: BtCheckContext, block: ast.BtBlock): void {
    checkSeparators(ctx, block, block.statements, s => !isCompound(s));
}

export function checkConfig(ctx: BtCheckContext, config: ast.BtConfig): void {
    checkSeparators(ctx, config, config.entries, () => true);
}

function isAssignable(e: ast.BtExpr): boolean {
    if (ast.isBtVarRef(e) || ast.isBtMapRef(e)) return true;
    return ast.isBtIndexExpr(e) && ast.isBtMapRef(e.receiver);
}

export function checkExprStatement(ctx: BtCheckContext, stmt: ast.BtExprStatement): void {
    if (!stmt.operator) return;
    const target = stmt.expr;
    if (isAssignable(target)) return;
    if (ast.isBtIdent(target) && target.ident === '_' && stmt.operator === '=') return;
    if (ast.isBtFieldAccess(target) && (ast.isBtVarRef(target.receiver) || ast.isBtMapRef(target.receiver))) {
        report(ctx, target, ctx.target < 25
            ? 'Tuples are immutable once created. Consider creating a new tuple and assigning it instead.'
            : 'Tuples and records are immutable once created. Consider creating a new value and assigning it instead.',
        BtCode.AssignTarget);
        return;
    }
    const targets = featureProblem('discard', ctx.target) ? 'a variable ($x) or a map (@m, @m[k])' : 'a variable ($x), a map (@m, @m[k]) or _';
    report(ctx, stmt, `expected ';': only ${targets} can be assigned to`, BtCode.AssignTarget, operatorRange(stmt));
}

/** The leaf of `node`'s own CST (not of its children) that spells `text`. */
function ownLeaves(node: AstNode, text: string | undefined): CstNode[] {
    if (!node.$cstNode || text === undefined) return [];
    return CstUtils.streamCst(node.$cstNode)
        .filter(c => !('content' in c) && !c.hidden && c.text === text && c.astNode === node)
        .toArray();
}

function operatorRange(stmt: ast.BtExprStatement): Range | undefined {
    return ownLeaves(stmt, stmt.operator)[0]?.range;
}

export function checkIncrement(ctx: BtCheckContext, node: ast.BtUnaryExpr | ast.BtPostfixExpr): void {
    if (node.operator !== '++' && node.operator !== '--') {
        if (ast.isBtUnaryExpr(node) && node.operator === '&' && !(ast.isBtVarRef(node.operand) || ast.isBtMapRef(node.operand))) {
            report(ctx, node, 'address-of operator (&) can only be used on a map or variable', BtCode.AddressOf, operatorTokenRange(node));
        }
        return;
    }
    // Upstream's parser rejects literals here; anything else is the type checker's business.
    if (!ast.isBtIntLit(node.operand) && !ast.isBtStringLit(node.operand)) return;
    const range = ast.isBtUnaryExpr(node) ? node.operand.$cstNode?.range : operatorTokenRange(node);
    report(ctx, node, 'increment/decrement requires a variable or map', BtCode.IncrementTarget, range);
}

function operatorTokenRange(node: ast.BtUnaryExpr | ast.BtPostfixExpr): Range | undefined {
    const leaves = ownLeaves(node, node.operator);
    // The operator of a postfix expression is its last such child, of a prefix one its first.
    return (ast.isBtPostfixExpr(node) ? leaves[leaves.length - 1] : leaves[0])?.range;
}

/** C definitions first, then config and imports, then probes, functions, macros, maps. */
export function checkItemOrder(ctx: BtCheckContext, program: ast.BtProgram): void {
    let sawNonC = false;
    let sawMain = false;
    let configs = 0;
    for (const item of program.items) {
        if (ast.isBtCDefinition(item)) {
            if (sawNonC) {
                report(ctx, item, 'C definitions must appear before probes and functions (and before config and imports)', BtCode.ItemOrder);
            }
            continue;
        }
        sawNonC = true;
        if (ast.isBtConfig(item) || ast.isBtImport(item)) {
            if (ast.isBtConfig(item) && ++configs > 1) {
                report(ctx, item, 'only one config block is allowed', BtCode.ItemOrder);
            }
            if (sawMain) {
                report(ctx, item, `${ast.isBtConfig(item) ? 'config' : 'import'} must appear before probes and functions`, BtCode.ItemOrder);
            }
            continue;
        }
        sawMain = true;
    }
}

export function checkRecord(ctx: BtCheckContext, record: ast.BtRecord): void {
    const seen = new Set<string>();
    for (const field of record.fields) {
        if (seen.has(field.key)) {
            report(ctx, field, `Named argument list already contains name: ${field.key}`, BtCode.Record);
        }
        seen.add(field.key);
    }
    for (const stray of record.strays) {
        const cst = stray.$cstNode;
        if (!cst) continue;
        const first = firstTokenRange(cst);
        const text = CstUtils.findLeafNodeAtOffset(cst, cst.offset)?.text ?? cst.text;
        report(ctx, stray, `expected an identifier, found '${text}': every field of a record is name = value`, BtCode.Record, first);
    }
}

export function checkFor(ctx: BtCheckContext, stmt: ast.BtForStatement): void {
    if (stmt.variable && !ast.isBtVarRef(stmt.variable)) {
        report(ctx, stmt.variable, 'expected variable in for loop: the loop variable must be a $variable', BtCode.ForLoop);
    }
}

/**
 * Shapes the grammar leaves open so that their error is one precise message, as upstream's parser
 * has them: a function's return type (`fn f(): void`) and a map declaration's size (`hash(1024)`).
 */
export function checkSubprog(ctx: BtCheckContext, fn: ast.BtSubprog): void {
    const cst = fn.$cstNode;
    if (fn.returnType || !fn.body?.$cstNode || !cst || parserErrorWithin(ctx, cst.offset, cst.end)) return;
    report(ctx, fn, "expected ':' and a return type after the parameters, e.g. fn f(): void", BtCode.Syntax,
        firstTokenRange(fn.body.$cstNode));
}

export function checkMapDeclSize(ctx: BtCheckContext, decl: ast.BtMapDecl): void {
    if (decl.size) return;
    report(ctx, decl, `expected positive integer for map declaration max entries, e.g. ${decl.kind ?? 'hash'}(1024)`, BtCode.MapDecl,
        ownLeaves(decl, ')')[0]?.range);
}

export function checkMapDecl(ctx: BtCheckContext, decl: ast.BtMapDecl): void {
    const kinds = ['hash', 'lruhash', 'percpuhash', 'percpulruhash'];
    if (!kinds.includes(decl.kind)) {
        report(ctx, decl, `unknown map type '${decl.kind}': use one of ${kinds.join(', ')}`, BtCode.MapDecl);
    }
}

/** `if (x = 1)`, `while (a = 1, b = 2)`: upstream reads the parentheses as the condition's, not a record. */
export function checkCondition(ctx: BtCheckContext, cond: ast.BtExpr | undefined): void {
    if (ast.isBtTupleExpr(cond)) {
        report(ctx, cond, "expected ')': a condition is one expression, not a tuple", BtCode.AssignTarget);
    } else if (ast.isBtRecord(cond)) {
        report(ctx, cond, "expected ')': a condition cannot contain '=' (did you mean '=='?)", BtCode.AssignTarget);
    }
}
