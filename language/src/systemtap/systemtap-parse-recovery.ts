import type { IToken } from 'chevrotain';
import { StapCode } from './systemtap-diagnostic-codes.js';
import type { StapIToken } from './systemtap-lexer.js';
import type { StapRange } from './systemtap-preprocessor.js';

/**
 * What the parser does when a parse fails with an exception instead of a syntax error: the
 * recursive-descent parser runs out of stack on deep enough nesting (each level of parentheses
 * costs some thirty frames of Chevrotain and Langium), and a bug would throw too. The top-level
 * declaration where it failed is left out and the file parsed again, so the rest is checked.
 */

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

const DECLARATION_WORDS = new Set(['probe', 'function', 'global', 'private']);

/** Whether token `k` starts a top-level declaration (not `kernel.function`, `$p->global`, `private function`). */
function startsDeclaration(tokens: readonly IToken[], k: number): boolean {
    const t = tokens[k];
    if (!DECLARATION_WORDS.has(t.image)) return false;
    const before = tokens[k - 1]?.image;
    return before !== '.' && before !== '->' && before !== 'private';
}

/** Whether an exception is the engine running out of stack. */
export function isStackOverflow(e: unknown): boolean {
    return e instanceof RangeError && /call stack/i.test(e.message);
}

/**
 * The declaration to leave out after the parser failed reading token `index` of `tokens` (the
 * parser's input), with a message saying so; undefined when there is nothing left to leave out.
 * `cuts` is how many were left out already.
 */
export function cutAfterFailure(tokens: readonly IToken[], index: number, textLength: number, overflow: boolean,
    failure: unknown, cuts: number): StapParseCut | undefined {
    if (tokens.length === 0) return undefined;
    const k = Math.max(0, Math.min(index, tokens.length - 1));
    let from = k;
    while (from > 0 && !startsDeclaration(tokens, from)) from--;
    let to = k + 1;
    while (cuts + 1 < MAX_CUTS && to < tokens.length && !startsDeclaration(tokens, to)) to++;
    if (cuts + 1 >= MAX_CUTS) to = tokens.length;
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
