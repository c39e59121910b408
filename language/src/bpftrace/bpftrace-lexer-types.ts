import type { IToken } from 'chevrotain';
import { skipTrivia } from './bpftrace-lexer-scan.js';
import { BUILTINS_017 } from './bpftrace-versions.js';

/**
 * Where a name stands for a type. bpftrace has no declarations of type names that a lexer could
 * consult, so upstream's parser decides by shape: `(name *)`, `(name)` followed by an operand,
 * `sizeof(int32)`, `let $x: T`. Any name but a builtin can be a type (upstream accepts typedef
 * names this way): `(foo) * 2` is a cast of `*2` in bpftrace 0.17 and today, `(pid) * 2` a
 * product. These predicates look at the tokens already emitted and at the text ahead; they never
 * look further than LOOKAHEAD characters.
 */

/** Calls whose argument may be a type. */
const TYPE_ARG_CALLS = new Set(['sizeof', 'offsetof', 'typeof']);
/**
 * Names that are always values: 0.17's builtin tokens (kept as builtins by every release up to the
 * bison parser's end in 0.25), its stack modes, and the builtins of today's parser.
 */
const BUILTIN_VALUES = new Set([...BUILTINS_017, 'jiffies', 'ncpus', 'usermode', 'kstack', 'ustack', 'bpftrace', 'perf']);
/** How far ahead the shape checks look (keeps lexing linear on pathological input). */
const LOOKAHEAD = 4096;

/** After `:` of `let $x:` or of a `fn` parameter, not of `?:` or `for ($x : …)`. */
export function isTypePosition(tokens: readonly IToken[]): boolean {
    const n = tokens.length;
    if (tokens[n - 1]?.image !== ':') return false;
    const before = tokens[n - 2];
    if (!before || before.tokenType.name !== 'VAR') return false;
    const b2 = tokens[n - 3];
    if (!b2) return false;
    const inFor = b2.image === '(' && tokens[n - 4]?.image === 'for';
    return (b2.image === 'let' || b2.image === '(' || b2.image === ',') && !inFor;
}

function isBuiltinValue(word: string): boolean {
    return BUILTIN_VALUES.has(word) || word.startsWith('__builtin_') || /^s?arg\d+$/.test(word);
}

/**
 * Whether an operand can start at `offset` (upstream's `can_start_expression`): a cast applies to
 * what follows `(type)` only then. `&&` and `->` start none, and `(name) && x` is read as a
 * condition rather than the address-of error upstream makes of it.
 */
function startsOperand(text: string, offset: number): boolean {
    const c = text[offset] ?? '';
    if (c === '&') return text[offset + 1] !== '&';
    if (c === '-') return text[offset + 1] !== '>' && text[offset + 1] !== '=';
    return /[A-Za-z_$@0-9"*!~(]/.test(c);
}

/**
 * Right after `(`: the argument of sizeof/offsetof/typeof that is a type (`sizeof(int32)`,
 * `typeof(b *)`), or a cast `(name *…)` / `(name)` followed by an operand.
 */
export function isCastPosition(tokens: readonly IToken[], text: string, end: number, word: string, typeWord: boolean): boolean {
    const prev = tokens[tokens.length - 1];
    if (!prev || prev.image !== '(' || isBuiltinValue(word)) return false;
    const beforeParen = tokens[tokens.length - 2];
    const typeArg = beforeParen !== undefined && TYPE_ARG_CALLS.has(beforeParen.image);
    if (typeArg && typeWord) return true;
    // The parentheses of a call (`f(x) * 2`) hold arguments, not a type.
    if (beforeParen?.tokenType.name === 'ID') return false;
    let i = skipTrivia(text, end);
    let stars = 0;
    let sawArray = false;
    while (text[i] === '*' || text[i] === '[') {
        if (text[i] === '*') {
            stars++;
            i = skipTrivia(text, i + 1);
            continue;
        }
        const close = text.indexOf(']', i);
        if (close < 0 || close - i > 32 || !/^\[\s*\d*\s*$/.test(text.slice(i, close))) return false;
        i = skipTrivia(text, close + 1);
        sawArray = true;
    }
    if (text[i] !== ')') return false;
    // `name *)` can only be a type.
    if (stars > 0) return true;
    if (typeArg) return sawArray;
    return startsOperand(text, skipTrivia(text, i + 1));
}

/** `(typeof(…))` followed by an operand: a cast to the type of something. */
export function isCastTypeof(tokens: readonly IToken[], text: string, end: number): boolean {
    const prev = tokens[tokens.length - 1];
    if (!prev || prev.image !== '(') return false;
    let i = skipTrivia(text, end);
    if (text[i] !== '(') return false;
    const limit = Math.min(text.length, i + LOOKAHEAD);
    let depth = 0;
    for (; i < limit; i++) {
        if (text[i] === '(') depth++;
        else if (text[i] === ')' && --depth === 0) break;
    }
    if (i >= limit) return false;
    i = skipTrivia(text, i + 1);
    if (text[i] !== ')') return false;
    return startsOperand(text, skipTrivia(text, i + 1));
}
