import type { IToken } from 'chevrotain';
import { StapCode } from './systemtap-diagnostic-codes.js';
import type { StapIToken } from './systemtap-lexer.js';
import type { StapRange } from './systemtap-preprocessor.js';
import { startsDeclaration } from './systemtap-tokens.js';

/**
 * What the parser does when a parse fails with an exception instead of a syntax error. The
 * recursive-descent parser runs out of stack on deep enough nesting (a level of parentheses
 * costs some twenty frames of Chevrotain and Langium), and a bug would throw too.
 * - Out of stack inside brackets nested deeper than {@link MIN_LEARNED_NESTING}: the file is
 *   parsed again with brackets limited to a little less than that depth (the preprocessor hides
 *   deeper nests, reporting each), so how deep a text may nest is what the stack holds: a larger
 *   stack (`node --stack-size`) parses deeper nests, with no limit to keep in step.
 * - Otherwise (a long `else if` chain, chained assignments, a bug): the top-level declaration
 *   where it failed is left out and the file parsed again, so the rest is checked.
 */

/** Bracket depths at which running out of stack is taken for the brackets' fault. */
const MIN_LEARNED_NESTING = 32;

/** Brackets nested at most this deep, after running out of stack at `depth` levels. */
function learnedNesting(depth: number): number {
    return Math.floor(depth * 0.9);
}

/** A declaration left out of the parse, and why. */
export interface StapParseCut extends StapRange {
    /** Where the parser was when it failed (offsets in the text). */
    at: number;
    atEnd: number;
    message: string;
    code: string;
}

/** After this many declarations left out, the rest of the file is left out too. */
const MAX_CUTS = 16;

/**
 * The top-level declaration around token `k`: the indices of its first token and of the next
 * declaration's (`tokens.length` at the end). Found by the declaration keywords, not by brackets:
 * the code around the failure may not close them.
 */
export function declarationAround(tokens: ReadonlyArray<{ image: string }>, k: number): [number, number] {
    let from = Math.min(k, tokens.length - 1);
    while (from > 0 && !startsDeclaration(tokens, from)) from--;
    let to = Math.max(k, from) + 1;
    while (to < tokens.length && !startsDeclaration(tokens, to)) to++;
    return [Math.max(0, from), to];
}

/** Whether an exception is the engine running out of stack. */
export function isStackOverflow(e: unknown): boolean {
    return e instanceof RangeError && /call stack/i.test(e.message);
}

/** How deep the brackets open before token `index` nest. */
function bracketDepth(tokens: readonly IToken[], index: number): number {
    let depth = 0;
    for (let k = 0; k < index && k < tokens.length; k++) {
        const image = tokens[k].image;
        if (image === '(' || image === '[' || image === '{') depth++;
        else if ((image === ')' || image === ']' || image === '}') && depth > 0) depth--;
    }
    return depth;
}

/**
 * When a parse that failed reading token `index` of `tokens` (the parser's input) ran out of stack
 * inside deep brackets, the bracket depth to parse again with (below `maxNesting`, the one it ran
 * with); else undefined.
 */
export function nestingAfterOverflow(tokens: readonly IToken[], index: number, maxNesting: number): number | undefined {
    const depth = Math.min(bracketDepth(tokens, index), maxNesting);
    return depth >= MIN_LEARNED_NESTING ? learnedNesting(depth) : undefined;
}

/**
 * The declaration to leave out after the parser failed reading token `index` of `tokens` (the
 * parser's input), with a message saying so; undefined when there is nothing left to leave out,
 * or after {@link MAX_CUTS} (then the last one took the rest of the file). `cuts` is how many were
 * left out already.
 */
export function cutAfterFailure(tokens: readonly IToken[], index: number, textLength: number, overflow: boolean,
    failure: unknown, cuts: number): StapParseCut | undefined {
    if (tokens.length === 0 || cuts >= MAX_CUTS) return undefined;
    const k = Math.max(0, Math.min(index, tokens.length - 1));
    const [from, next] = declarationAround(tokens, k);
    const to = cuts + 1 < MAX_CUTS ? next : tokens.length;
    const first = tokens[from];
    const what = startsDeclaration(tokens, from) ? `the \`${first.image}\` at ${first.startLine}:${first.startColumn}` : 'the code before it';
    const rest = to < tokens.length ? '' : cuts + 1 >= MAX_CUTS ? ' and the rest of the file' : '';
    const why = overflow ? 'too deeply nested to check: the parser ran out of stack here'
        : `the parser failed here (${failure instanceof Error ? `${failure.name}: ${failure.message}` : String(failure)})`;
    const t = tokens[k] as StapIToken;
    return {
        offset: first.startOffset,
        end: to < tokens.length ? tokens[to].startOffset : textLength,
        at: t.startOffset,
        atEnd: t.startOffset + (t.stapSpan ?? t.image.length),
        message: `${why}, so ${what}${rest} is not checked`,
        code: overflow ? StapCode.LexTooDeep : StapCode.ParseFailed,
    };
}
