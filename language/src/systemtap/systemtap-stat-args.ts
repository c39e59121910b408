/**
 * What stap 4.8 skips in the arguments of a statistics operator (`@count @sum @min @max @avg @variance`). It reads
 * the first argument as an expression and each further one as a number, and after each it skips every token up to
 * the next `,` or `)`: `@count(x y)` is `@count(x)` to stap, and `@variance(s, 3 junk)` is `@variance(s, 3)`.
 * (Measured with stap 4.8 -p1: `@count(p q r)`, `@count(p ; q)`, `@count(p "s")` are accepted; `@count(p q, 3)` is
 * refused at its `,`, as `@count` takes one argument.) The parsers read such tokens as stap does: not at all. The
 * user is told, as a warning, since stap says nothing.
 */
import { STAP_KEYWORDS, type StapToken } from './systemtap-tokens.js';
import { closers } from './systemtap-bracket-pairs.js';

/** The statistics operators whose arguments stap skips in. */
export const STAT_OPS: ReadonlySet<string> = new Set(['@count', '@sum', '@min', '@max', '@avg', '@variance']);

/** Operators that go on with an expression after an operand (binary, assignment, ternary, suffixes). */
const GOES_ON = new Set([
    '+', '-', '*', '/', '%', '.', '<<', '>>', '&', '^', '|', '&&', '||', '==', '!=', '<', '>', '<=', '>=', '=~', '!~', '?', ':',
    '=', '+=', '-=', '*=', '/=', '%=', '.=', '<<=', '>>=', '&=', '^=', '|=', '<<<', '[', '->', '++', '--',
]);

/** A run of tokens stap skips: their indexes in the token stream, and where they are. */
export interface StapSkippedArgs {
    from: number;
    to: number;
    offset: number;
    end: number;
    /** The operator whose arguments they are. */
    operator: string;
}

function isOp(t: StapToken | undefined, image: string): boolean {
    return t !== undefined && t.kind === 'operator' && t.image === image;
}

/** Whether token `t` ends an operand (what an operator may follow). */
function endsOperand(t: StapToken): boolean {
    switch (t.kind) {
        case 'ident': return !STAP_KEYWORDS.has(t.image);
        case 'number':
        case 'string':
        case 'arg':
        case 'embedded':
            return true;
        case 'operator': return t.image === ')' || t.image === ']';
        default: return false;
    }
}

/** For each token, the index of the first `,` or `)` at or after it (`tokens.length` when none is). */
function nextStops(tokens: readonly StapToken[]): Int32Array {
    const stop = new Int32Array(tokens.length + 1);
    stop[tokens.length] = tokens.length;
    for (let k = tokens.length - 1; k >= 0; k--) stop[k] = isOp(tokens[k], ',') || isOp(tokens[k], ')') ? k : stop[k + 1];
    return stop;
}

/**
 * The index after the expression that starts at `k`: where a `,` or `)` comes, or a token after an operand that does
 * not go on with it (another operand, `;`, `{`, a keyword). Bracketed groups are stepped over whole (`match`), so
 * each token is looked at once per operator whose argument holds it outside brackets.
 */
function expressionEnd(tokens: readonly StapToken[], k: number, match: Int32Array): number {
    let operand = false;
    // `?`s whose `:` is still to come (a `:` goes on only with one: `@sum(s:1)` is `@sum(s)` to stap).
    let ternaries = 0;
    for (; k < tokens.length; k++) {
        const t = tokens[k];
        if (t.kind === 'operator') {
            const o = t.image;
            if (o === '(' || o === '[' || o === '{') {
                // After an operand only a call's `(` (after a name) or an index's `[` goes on.
                if (operand && !(o === '[' || (o === '(' && tokens[k - 1].kind === 'ident'))) return k;
                if (match[k] < 0) return tokens.length;
                k = match[k];
                operand = true;
                continue;
            }
            if (o === ')' || o === ']' || o === '}' || o === ',' || o === ';') return k;
            if (operand && !GOES_ON.has(o)) return k;
            if (o === '?') ternaries++;
            else if (o === ':' && ternaries-- === 0) return k;
            // A postfix `++`/`--` leaves an operand.
            operand = operand && (o === '++' || o === '--');
            continue;
        }
        if (t.kind === 'ident' && t.image === 'in') {
            operand = false;
            continue;
        }
        // (Adjacent string literals are one.)
        if (operand && !(t.kind === 'string' && tokens[k - 1].kind === 'string')) return k;
        if (t.kind === 'at') {
            // An @-operator's own arguments belong to it.
            operand = !isOp(tokens[k + 1], '(');
            continue;
        }
        if (t.kind === 'ident' && STAP_KEYWORDS.has(t.image)) return k;
        operand = endsOperand(t);
    }
    return k;
}

/** The token runs stap skips in statistics operators' argument lists, in order. */
export function skippedStatArgs(tokens: readonly StapToken[]): StapSkippedArgs[] {
    const out: StapSkippedArgs[] = [];
    let match: Int32Array | undefined;
    let stops: Int32Array | undefined;
    for (let k = 0; k < tokens.length; k++) {
        const t = tokens[k];
        if (t.kind !== 'at' || !STAT_OPS.has(t.image) || !isOp(tokens[k + 1], '(')) continue;
        match ??= closers(tokens);
        stops ??= nextStops(tokens);
        // The first argument is an expression; each after a `,` a number (`-` and a number).
        let at = expressionEnd(tokens, k + 2, match);
        // (No expression: stap stops there, and skips nothing.)
        while (at > k + 2 && at < tokens.length) {
            const skip = stops[at];
            // (Nothing after the last argument's end: stap reports a file that ends there; so do the parsers.)
            if (skip > at && skip < tokens.length) {
                out.push({ from: at, to: skip, offset: tokens[at].offset, end: tokens[skip - 1].end, operator: t.image });
            }
            if (skip >= tokens.length || !isOp(tokens[skip], ',')) break;
            let number = skip + 1;
            if (isOp(tokens[number], '-')) number++;
            if (tokens[number]?.kind !== 'number') break;
            at = number + 1;
        }
    }
    // An operator inside what another skips (`@count(p @sum(x y))`) is skipped with it: in order, none inside another.
    out.sort((a, b) => a.from - b.from);
    const runs: StapSkippedArgs[] = [];
    for (const r of out) if (!runs.length || r.from >= runs[runs.length - 1].to) runs.push(r);
    return runs;
}
