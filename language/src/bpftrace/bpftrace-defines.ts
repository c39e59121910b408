import * as ast from './generated/ast.js';
import { BtCode } from './bpftrace-diagnostic-codes.js';
import { report, type BtCheckContext } from './bpftrace-syntax-checks.js';
import { V017 } from './bpftrace-versions.js';

/**
 * Object-like `#define NAME body` lines are expanded where NAME is used as an identifier. Upstream
 * refuses a definition that refers to itself and one whose body is not a single expression; this
 * checks the same on the uses in the program.
 */
export function checkDefineUses(ctx: BtCheckContext, program: ast.BtProgram, idents: readonly ast.BtIdent[]): void {
    const defines = new Map<string, string>();
    for (const item of program.items) {
        if (!ast.isBtCDefinition(item) || typeof item.text !== 'string') continue;
        const m = /^#\s*define\s+([A-Za-z_]\w*)(?!\()\s*([\s\S]*)$/.exec(item.text);
        if (m) defines.set(m[1], m[2].replace(/\\\r?\n/g, ' ').trim());
    }
    if (defines.size === 0) return;
    for (const id of idents) {
        const body = defines.get(id.ident);
        // `#define A A` names the enum constant A: C's preprocessor stops there, and so does upstream.
        if (body === undefined || body === id.ident) continue;
        const problem = expansionProblem(id.ident, defines, ctx.target === V017);
        if (problem) report(ctx, id, problem, BtCode.Macro);
    }
}

const TOKEN = /"(?:\\.|[^"\\])*"|[A-Za-z_]\w*|\d\w*|\S/g;

/**
 * The tokens a use of a definition gives. bpftrace 0.17 joins the body's tokens without the spaces between them and
 * reads the result again (measured: `#define X 1 2` is 12, and `#define A A A` gives the identifier AA, which its
 * parser takes); later versions keep them apart.
 */
function bodyTokens(body: string, joined: boolean): string[] {
    const tokens = body.match(TOKEN) ?? [];
    return joined ? tokens.join('').match(TOKEN) ?? [] : tokens;
}

function expansionProblem(name: string, defines: ReadonlyMap<string, string>, joined: boolean): string | undefined {
    // Follow the chain of names; a name reached again is recursion.
    const seen = new Set<string>();
    const pending = [name];
    while (pending.length > 0) {
        const current = pending.pop()!;
        if (seen.has(current)) continue;
        seen.add(current);
        for (const t of bodyTokens(defines.get(current)!, joined)) {
            if (t === name) return `Macro recursion: ${name}`;
            if (defines.has(t)) pending.push(t);
        }
    }
    const tokens = bodyTokens(defines.get(name)!, joined);
    const operand = (t: string): boolean => /^["A-Za-z_0-9]/.test(t);
    const broken = tokens.some((t, i) => t === '{' || t === '}' || t === ';' || (i > 0 && operand(t) && operand(tokens[i - 1])));
    return broken ? `unable to expand macro as an expression: ${tokens.join('')}` : undefined;
}
