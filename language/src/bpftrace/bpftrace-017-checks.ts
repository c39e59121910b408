import { CstUtils, type AstNode, type CstNode, type LeafCstNode } from 'langium';
import type { Range } from 'vscode-languageserver-types';
import * as ast from './generated/ast.js';
import { BtCode } from './bpftrace-diagnostic-codes.js';
import { BUILTINS_017, V017 } from './bpftrace-versions.js';
import { firstTokenRange, isCompound, rangeInToken, report, type BtCheckContext } from './bpftrace-syntax-checks.js';

/**
 * What bpftrace 0.17's bison grammar refuses that the grammar here (the union of all releases) takes: an empty
 * statement, `;` after a block or after a probe, a trailing comma, a call of a name that is not one of its functions, a
 * program without a probe, a `//` comment that ends the file without a newline. Each was measured with bpftrace 0.17
 * (`bpftrace -d`: a syntax error before the parser's AST). They are checked for that target only: which later release
 * first took each is not known here, and none of them is refused by today's bpftrace.
 */
/** The functions bpftrace 0.17 knows (`lexer.l` at v0.17.0): a call of any other name is "Unknown function". */
const FUNCTIONS_017: ReadonlySet<string> = new Set([
    'avg', 'bswap', 'buf', 'cat', 'cgroup_path', 'cgroupid', 'clear', 'count', 'debugf', 'delete', 'exit', 'hist', 'join', 'kaddr',
    'kptr', 'ksym', 'lhist', 'macaddr', 'max', 'min', 'ntop', 'override', 'path', 'print', 'printf', 'pton', 'reg', 'signal', 'sizeof',
    'skboutput', 'stats', 'str', 'strcontains', 'strerror', 'strftime', 'strncmp', 'sum', 'system', 'time', 'uaddr', 'unwatch', 'uptr',
    'usym', 'zero', 'kstack', 'ustack',
]);

/** Functions 0.17 also takes as words (a stack without arguments). */
const BARE_017: ReadonlySet<string> = new Set(['kstack', 'ustack']);

type Composite = CstNode & { content: CstNode[] };

const isComposite = (c: CstNode): c is Composite => 'content' in c;

/** The `;` leaves of `node`'s own CST children (not of its children's), in order, each with the child before it. */
function ownSemicolons(node: ast.BtBlock | ast.BtProgram): Array<{ semi: CstNode; before: CstNode | undefined }> {
    const cst = node.$cstNode;
    if (!cst || !isComposite(cst)) return [];
    const out: Array<{ semi: CstNode; before: CstNode | undefined }> = [];
    let before: CstNode | undefined;
    for (const child of cst.content) {
        if (child.hidden) continue;
        if (!isComposite(child) && child.text === ';' && child.astNode === node) out.push({ semi: child, before });
        before = child;
    }
    return out;
}

/** In a block, 0.17 takes `;` only after a statement that does not end with a block: not first, not twice. */
export function checkBlockSemicolons017(ctx: BtCheckContext, block: ast.BtBlock): void {
    if (ctx.target !== V017) return;
    for (const { semi, before } of ownSemicolons(block)) {
        const after = before && !(!isComposite(before) && (before.text === '{' || before.text === ';'));
        if (after && !isCompound(before.astNode)) continue;
        const what = !after ? 'an empty statement' : "';' after a statement that ends with a block";
        report(ctx, block, `unexpected ';': bpftrace 0.17 does not take ${what} (remove the ';')`, BtCode.VersionTooOld, semi.range);
    }
}

/**
 * 0.17 takes no `;` of its own at the top level (one right after a C definition's `}` is part of the definition, see
 * scanCBlock), and needs at least one probe.
 */
export function checkProgram017(ctx: BtCheckContext, program: ast.BtProgram): void {
    if (ctx.target !== V017) return;
    for (const { semi, before } of ownSemicolons(program)) {
        const message = before && ast.isBtCDefinition(before.astNode) && before.text.trimEnd().endsWith('}')
            ? "unexpected ';': bpftrace 0.17 takes a ';' after a C definition only right after its '}' (`};`), once"
            : "unexpected ';': bpftrace 0.17 does not take ';' before or after a probe or a C definition (remove it)";
        report(ctx, program, message, BtCode.VersionTooOld, semi.range);
    }
    const cst = program.$cstNode;
    if (!cst) return;
    if (!ctx.itemsLeftOut && !program.items.some(i => !ast.isBtCDefinition(i))) {
        report(ctx, program, 'unexpected end of file, expected a probe: bpftrace 0.17 needs at least one probe in a program',
            BtCode.VersionTooOld, endOfText(cst));
    }
    const last = lastLeaf(cst);
    if (last?.hidden && last.tokenType.name === 'SL_COMMENT' && last.end === cst.root.fullText.length) {
        report(ctx, program, 'a // comment at the end of the file needs a newline after it in bpftrace 0.17', BtCode.VersionTooOld, last.range);
    }
}

/** `f(a,)`, `(a, b,)`, `()`: 0.17 has no trailing comma and no empty tuple. */
export function checkTrailingComma017(ctx: BtCheckContext, node: ast.BtCallExpr | ast.BtTupleExpr): void {
    if (ctx.target !== V017 || !node.$cstNode) return;
    // The node's own tokens (its composite wraps the ones that hold them).
    const own = CstUtils.streamCst(node.$cstNode).filter(c => !isComposite(c) && !c.hidden && c.astNode === node).toArray();
    const close = own[own.length - 1];
    if (close?.text !== ')') return;
    const before = own[own.length - 2];
    if (before?.text === ',' && onlyTrivia(close.root.fullText.slice(before.end, close.offset))) {
        report(ctx, node, "unexpected ')': bpftrace 0.17 takes no comma after the last argument or element", BtCode.VersionTooOld, close.range);
    } else if (ast.isBtTupleExpr(node) && node.elements.length === 0) {
        report(ctx, node, "unexpected ')': bpftrace 0.17 has no empty tuple", BtCode.VersionTooOld, close.range);
    }
}

/** A call of a name that is not one of 0.17's functions (its builtins are checked as such: `nsecs()`). */
export function checkFunctionName017(ctx: BtCheckContext, call: ast.BtCallExpr): void {
    const name = call.callee?.ident;
    if (ctx.target !== V017 || !name || FUNCTIONS_017.has(name) || BUILTINS_017.has(name)) return;
    report(ctx, call.callee, `Unknown function: ${name} (bpftrace 0.17 has no function of that name)`, BtCode.VersionTooOld);
}

/** Whitespace and comments only. */
function onlyTrivia(text: string): boolean {
    // A block comment ends at its first `*/` (a lazy `[\s\S]*?` would stretch over code to a later one).
    return /^(?:\s|\/\*(?:[^*]|\*(?!\/))*\*\/|\/\/[^\n]*\n)*$/.test(text);
}

function lastLeaf(cst: CstNode): LeafCstNode | undefined {
    let node: CstNode | undefined = cst;
    while (node && isComposite(node)) node = node.content[node.content.length - 1];
    return node as LeafCstNode | undefined;
}

/** An empty range at the end of the document. */
function endOfText(cst: CstNode): Range {
    const text = cst.root.fullText;
    const lines = text.split('\n');
    const end = { line: lines.length - 1, character: lines[lines.length - 1].length };
    return { start: end, end };
}

/**
 * The statement and operator shapes 0.17's grammar has no rule for: a bare block as a statement, `return` with a
 * value, `unroll` of anything but an integer or a positional parameter, `&`, `$0`, `++`/`--` on anything but a
 * variable, a map or a map element.
 */
export function checkShape017(ctx: BtCheckContext, node: AstNode): void {
    if (ctx.target !== V017) return;
    switch (node.$type) {
        case 'BtBlockExpr': {
            const c = node.$container;
            if (ast.isBtExprStatement(c) && !c.operator) {
                report(ctx, node, "unexpected '{': bpftrace 0.17 has no block inside a block without `if`, `while` or `unroll`",
                    BtCode.VersionTooOld, firstToken(node));
            }
            break;
        }
        case 'BtReturnStatement': {
            const value = (node as ast.BtReturnStatement).value;
            if (value) report(ctx, value, 'bpftrace 0.17 takes `return` without a value', BtCode.VersionTooOld);
            break;
        }
        case 'BtUnrollStatement': {
            const count = (node as ast.BtUnrollStatement).count;
            const inner = ast.isBtParenExpr(count) ? count.inner : undefined;
            const literal = (e: ast.BtExpr | undefined) => ast.isBtIntLit(e) || ast.isBtPositional(e);
            if (count && !(literal(inner) || (ast.isBtUnaryExpr(inner) && inner.operator === '-' && literal(inner.operand)))) {
                report(ctx, count, 'bpftrace 0.17 takes an integer or a positional parameter as the `unroll` count, nothing else', BtCode.VersionTooOld);
            }
            break;
        }
        case 'BtIdent': {
            // 0.17 lexes its function names as calls: one without `(` is a syntax error (`exit;`, `@x = count;`).
            const name = (node as ast.BtIdent).ident;
            const c = node.$container;
            if (FUNCTIONS_017.has(name) && !BARE_017.has(name) && !(ast.isBtCallExpr(c) && c.callee === node)) {
                // (at the token after the name, which 0.17 finds where it wants the `(`)
                const next = node.$cstNode && leafAfter(node.$cstNode);
                report(ctx, node, `\`${name}\` is a function in bpftrace 0.17: call it with ()`, BtCode.VersionTooOld, next?.range);
            }
            break;
        }
        case 'BtAttachPoint': {
            const bad = unquotedOperator017((node as ast.BtAttachPoint).text ?? '');
            if (!bad) break;
            // At the token 0.17 reads there (`@` starts a map name), found in the attach point's source.
            const source = node.$cstNode?.text ?? '';
            const found = unquotedOperator017(source);
            const length = found?.text === '@' ? 1 + /^(?:[A-Za-z_]\w*)?/.exec(source.slice(found.index + 1))![0].length : found?.text.length ?? 0;
            report(ctx, node, `unexpected '${bad.text}' in an attach point: bpftrace 0.17 takes it only inside quotes`, BtCode.VersionTooOld,
                found && rangeInText(node.$cstNode!, found.index, length));
            break;
        }
        case 'BtType': {
            // 0.17's casts take up to two `*` and no array; its `sizeof` takes a type without `*`.
            const t = node as ast.BtType;
            const c = t.$container;
            if (ast.isBtCastExpr(c) && t.base && FUNCTIONS_017.has(t.base)) {
                // 0.17 lexes its function names as calls wherever they are: `(path *)arg0` is a syntax error.
                report(ctx, node, `\`${t.base}\` is a function in bpftrace 0.17, not a type: write \`struct ${t.base}\``, BtCode.VersionTooOld);
            } else if (ast.isBtCastExpr(c) && t.pointers.length > 2) {
                report(ctx, node, "unexpected '*': bpftrace 0.17 casts to a pointer of at most two levels (`T **`)", BtCode.VersionTooOld);
            } else if (ast.isBtCastExpr(c) && t.arraySizes.length > 0) {
                report(ctx, node, 'bpftrace 0.17 has no casts to an array type', BtCode.VersionTooOld);
            } else if (ast.isBtSizeof(c) && t.pointers.length > 0) {
                report(ctx, node, "unexpected ')': bpftrace 0.17's sizeof takes a type without '*'", BtCode.VersionTooOld);
            }
            break;
        }
        case 'BtParenExpr': {
            // 0.17 reads `(name)` as a cast to type `name` (a bare name is a value only outside parentheses): a value
            // must follow it (`(foo) 1`), and where none does it stops (`(foo);`, `(foo) + 1`, measured).
            const inner = (node as ast.BtParenExpr).inner;
            // `(name *` opens a cast there too: only `*` and `)` may follow (`(foo * 2)` is refused at the `2`).
            let first: ast.BtExpr | undefined = inner;
            let times: ast.BtBinary | undefined;
            while (ast.isBtBinary(first)) {
                times = first;
                first = first.left;
            }
            if (!ast.isBtIdent(first) || !typeName017(first.ident)) break;
            if (times) {
                if (times.operator !== '*' || !first.$cstNode) break;
                let next = leafAfter(first.$cstNode);
                while (next && next.text === '*') next = leafAfter(next);
                if (next) report(ctx, node, `unexpected '${next.text}': bpftrace 0.17 reads \`(${first.ident} *\` as the start of a cast to a pointer type`, BtCode.VersionTooOld, next.range);
                break;
            }
            const next = node.$cstNode && leafAfter(node.$cstNode);
            if (next && !startsValue017(next.text)) {
                report(ctx, node, `unexpected '${next.text}': bpftrace 0.17 reads \`(${first.ident})\` as a cast to a type \`${first.ident}\`, which wants a value after it`,
                    BtCode.VersionTooOld, next.range);
            }
            break;
        }
        case 'BtFieldAccess': {
            const f = node as ast.BtFieldAccess;
            if (f.operator === '->' && /^\d/.test(f.field ?? '')) {
                report(ctx, node, 'unexpected integer: bpftrace 0.17 takes a field name after ->', BtCode.VersionTooOld);
            }
            break;
        }
        case 'BtMapRef':
            if (/^@\d/.test((node as ast.BtMapRef).map ?? '')) report(ctx, node, 'unexpected integer: a map name starts with a letter or _ in bpftrace 0.17', BtCode.VersionTooOld);
            break;
        case 'BtStringLit':
            if (/\\\r?\n/.test((node as ast.BtStringLit).value ?? '')) {
                report(ctx, node, 'invalid character: bpftrace 0.17 has no line continuation (a backslash before the end of the line) in strings', BtCode.LexString);
            }
            break;
        case 'BtPositional':
            if ((node as ast.BtPositional).param === '$0') report(ctx, node, 'param $0 is out of integer range [1, 9223372036854775807]', BtCode.Positional);
            break;
        case 'BtUnaryExpr': case 'BtPostfixExpr': {
            const n = node as ast.BtUnaryExpr | ast.BtPostfixExpr;
            if (n.operator === '&') {
                report(ctx, node, "unexpected '&': bpftrace 0.17 has no address-of operator", BtCode.VersionTooOld, firstToken(node));
            } else if ((n.operator === '++' || n.operator === '--') && n.operand && !incrementable(n.operand)) {
                report(ctx, node, `The ${n.operator} operator must be applied to a map or variable (bpftrace 0.17)`, BtCode.IncrementTarget);
            }
            break;
        }
        default:
            break;
    }
}

/**
 * The first character (or `++`) outside quotes that 0.17's lexer reads as a token of its own in an attach point
 * (measured: `kprobe:f@plt`, `uprobe:~/a.out:main`, `uprobe:bin:f(int)`, `lib-c++.so`, `f?`, `f=`…), where the
 * attach point then ends; undefined when there is none. `-`, `.`, `/`, `*`, `[…]`, `+offset` and `\\` are read as
 * part of it.
 */
function unquotedOperator017(text: string): { text: string; index: number } | undefined {
    let quoted = false;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (c === '"') quoted = !quoted;
        if (quoted) continue;
        if ('?!%^&|<>@~()=\'`'.includes(c)) return { text: c, index: i };
        if (c === '+' && text[i + 1] === '+') return { text: '++', index: i };
    }
    return undefined;
}

/** The range of `length` characters at `index` in the text of `cst` (which may span lines). */
function rangeInText(cst: CstNode, index: number, length: number): Range {
    const before = cst.text.slice(0, index);
    const newline = before.lastIndexOf('\n');
    if (newline < 0) return rangeInToken(cst, index, length);
    const line = cst.range.start.line + before.split('\n').length - 1;
    return { start: { line, character: index - newline - 1 }, end: { line, character: index - newline - 1 + length } };
}

/** The first leaf after `cst` that is not hidden (a comment). */
function leafAfter(cst: CstNode): CstNode | undefined {
    let next = CstUtils.getNextNode(cst, false);
    while (next && isComposite(next)) next = next.content.find(c => !c.hidden);
    return next;
}

/** Whether 0.17 reads a name as a type after `(` (any name but its builtins, which it lexes as values). */
function typeName017(name: string): boolean {
    return !BUILTINS_017.has(name) && !BARE_017.has(name) && !/^s?arg\d$/.test(name);
}

/** Whether a token starts a value in bpftrace 0.17 (a word, a literal, a variable, a map, or a prefix operator). */
function startsValue017(text: string): boolean {
    return /^[\w$@"]/.test(text) || ['(', '-', '!', '~', '*', '++', '--'].includes(text);
}

/** The range of a node's first token. */
function firstToken(node: AstNode): Range | undefined {
    return node.$cstNode ? firstTokenRange(node.$cstNode) : undefined;
}

/** `$x`, `@m`, `@m[k]`: what 0.17 increments. */
function incrementable(e: ast.BtExpr): boolean {
    return ast.isBtVarRef(e) || ast.isBtMapRef(e) || (ast.isBtIndexExpr(e) && ast.isBtMapRef(e.receiver));
}

