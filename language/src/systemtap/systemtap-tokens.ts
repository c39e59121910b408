import { StapCode, type StapCodeValue } from './systemtap-diagnostic-codes.js';

/**
 * The SystemTap lexer, independent of Langium: stap's `lexer::scan` as a plain function.
 * The preprocessor (`systemtap-preprocessor.ts`) and the Langium lexer adapter build on it; the
 * tapset declaration index can use it directly.
 */

/** What a token is. Keywords are `ident` tokens (see {@link STAP_KEYWORDS}). */
export type StapTokenKind =
    | 'ident'      // [A-Za-z_$][A-Za-z0-9_$]*  (also `$var`, `$$vars`, `p$`)
    | 'number'     // a digit followed by alphanumerics (validated later: only active tokens matter)
    | 'string'     // "…" with its quotes and escapes as written (a backslash-newline goes on to the next line)
    | 'embedded'   // %{ … %} with its markers
    | 'operator'   // punctuation and operators, longest match
    | 'at'         // @word: a built-in operator or a macro invocation (or @define)
    | 'arg'        // script arguments $1 @1 $# @#
    | 'pp'         // preprocessor markers %( %? %: %)
    | 'comment'    // # … , // … , /* … */
    | 'junk';      // a character no token starts with

/** One token. `offset`/`end` (exclusive) are positions in the user's text. */
export interface StapToken {
    kind: StapTokenKind;
    /** The token's own text (for expanded tokens: the text in the macro body or argument). */
    image: string;
    offset: number;
    end: number;
    /**
     * Set on tokens produced by a macro expansion or a script argument: the index of the
     * expansion in {@link StapPreprocessResult.expansions}. Such tokens span the invocation.
     */
    expansion?: number;
    /**
     * For a token of an expansion whose own text is in the same text as the invocation (a macro
     * argument, the body of a macro that text defines): where that text is. Diagnostics point
     * there, as stap's do; the token's offsets stay the invocation's (the tree's offsets must not
     * go backwards).
     */
    origin?: number;
}

export type StapSeverity = 'error' | 'warning';

/** A lexer or preprocessor finding with its range in the user's text. */
export interface StapDiagnostic {
    offset: number;
    end: number;
    message: string;
    code: StapCodeValue;
    severity: StapSeverity;
}

export interface StapLexResult {
    /** Every token but comments, in order. */
    tokens: StapToken[];
    comments: StapToken[];
    diagnostics: StapDiagnostic[];
}

/** stap's reserved words. Identifiers otherwise; probe-point components and `->` fields may use them. */
export const STAP_KEYWORDS: ReadonlySet<string> = new Set([
    'probe', 'global', 'private', 'function', 'if', 'else', 'for', 'foreach', 'in', 'limit', 'return',
    'delete', 'while', 'break', 'continue', 'next', 'string', 'long', 'try', 'catch',
]);

/**
 * The words a top-level declaration starts with. After a syntax error stap skips to the next of them, wherever it is
 * (`$p->global` too: measured with stap 4.8 -p1), and reads on from there.
 */
export const STAP_DECLARATION_WORDS: ReadonlySet<string> = new Set(['probe', 'function', 'global', 'private']);

/**
 * Whether token `k` starts a top-level declaration (not `kernel.function`, `$p->global`, `private function`): where
 * the parse recovery, a run of brackets left open and the resync after a bad condition end here. (stap's own skip
 * after an error stops at any of the words: see the document validator's firstErrorPerDeclaration.)
 */
export function startsDeclaration(tokens: ReadonlyArray<{ image: string }>, k: number): boolean {
    const t = tokens[k];
    if (!STAP_DECLARATION_WORDS.has(t.image)) return false;
    const before = tokens[k - 1]?.image;
    return before !== '.' && before !== '->' && before !== 'private';
}

const OPS2 = ['==', '!=', '<=', '>=', '=~', '!~', '+=', '-=', '*=', '/=', '%=', '&=', '^=', '|=', '.=',
    '&&', '||', '++', '--', '->', '<<', '>>'];
const PP2 = ['%(', '%?', '%:', '%)'];
const OPS1 = '+-*/%<>=!~&|^?:;,.()[]{}';

function isIdentStart(c: number): boolean {
    return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36;
}
function isIdentPart(c: number): boolean {
    return isIdentStart(c) || (c >= 48 && c <= 57);
}
function isDigit(c: number): boolean {
    return c >= 48 && c <= 57;
}
function isAlnum(c: number): boolean {
    return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57);
}

/** One-character operators by character code (interned strings: punctuation allocates nothing). */
const SINGLE: Array<string | undefined> = new Array<string | undefined>(128).fill(undefined);
for (const ch of OPS1) SINGLE[ch.charCodeAt(0)] = ch;
/** Two-character strings of a list by `first * 128 + second` (ASCII): found with no slice and no set. */
function pairTable(list: readonly string[]): ReadonlyArray<string | undefined> {
    const table = new Array<string | undefined>(128 * 128).fill(undefined);
    for (const o of list) table[o.charCodeAt(0) * 128 + o.charCodeAt(1)] = o;
    return table;
}
/** stap's two-character operators by `first * 128 + second` (the tapset index's scanner reads them here too). */
export const STAP_OPERATOR_PAIRS = pairTable(OPS2);
/** The preprocessor markers `%( %? %: %)`, the same way. */
const PP_PAIRS = pairTable(PP2);

/** Where a lexer finding goes. */
function diag(diagnostics: StapDiagnostic[], offset: number, end: number, message: string, code: StapCodeValue, severity: StapSeverity = 'error'): void {
    diagnostics.push({ offset, end, message, code, severity });
}

/**
 * Lex a whole text. Never throws; bad input gives `junk` tokens and diagnostics.
 *
 * The loop takes whitespace, comments, names, numbers and operators itself and leaves every other token to a function
 * of its own: in a cold process the optimising compiler then compiles a smaller loop, sooner (the whole lexer in one
 * function took it 70–80 ms, twice, while the tapset library was lexed unoptimised meanwhile).
 */
export function lexStap(text: string): StapLexResult {
    const tokens: StapToken[] = [];
    const comments: StapToken[] = [];
    const diagnostics: StapDiagnostic[] = [];
    const n = text.length;
    let i = 0;
    while (i < n) {
        const c = text.charCodeAt(i);
        // whitespace
        if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11) {
            i++;
            continue;
        }
        const c2 = i + 1 < n ? text.charCodeAt(i + 1) : -1;
        if (c === 35 /* # */ || (c === 47 && c2 === 47)) {
            let j = text.indexOf('\n', i);
            if (j < 0) j = n;
            comments.push({ kind: 'comment', image: text.slice(i, j), offset: i, end: j });
            i = j;
            continue;
        }
        if (c === 47 && c2 === 42) {
            i = blockComment(text, i, comments, diagnostics);
            continue;
        }
        if ((c === 36 || c === 64) && (c2 === 35 || isDigit(c2))) {
            i = scriptArgument(text, i, tokens);
            continue;
        }
        if (isIdentStart(c)) {
            let j = i + 1;
            while (j < n && isIdentPart(text.charCodeAt(j))) j++;
            tokens.push({ kind: 'ident', image: text.slice(i, j), offset: i, end: j });
            i = j;
            continue;
        }
        if (isDigit(c)) {
            let j = i + 1;
            while (j < n && isAlnum(text.charCodeAt(j))) j++;
            tokens.push({ kind: 'number', image: text.slice(i, j), offset: i, end: j });
            i = j;
            continue;
        }
        if (c === 64 /* @ */) {
            i = atWord(text, i, tokens, diagnostics);
            continue;
        }
        if (c === 34 /* " */) {
            i = stringLiteral(text, i, tokens, diagnostics);
            continue;
        }
        if (c === 37 /* % */ && c2 === 123 /* { */) {
            i = embedded(text, i, tokens, diagnostics);
            continue;
        }
        // Operators, longest match: all 3-character ones start with < or > (<<< >>> <<= >>=).
        if ((c === 60 || c === 62) && i + 2 < n && c2 === c) {
            const c3 = text.charCodeAt(i + 2);
            if (c3 === c || c3 === 61) {
                tokens.push({ kind: 'operator', image: text.slice(i, i + 3), offset: i, end: i + 3 });
                i += 3;
                continue;
            }
        }
        if (c < 128 && c2 >= 0 && c2 < 128) {
            const pair = c * 128 + c2;
            const pp = PP_PAIRS[pair];
            const two = pp ?? STAP_OPERATOR_PAIRS[pair];
            if (two !== undefined) {
                tokens.push({ kind: pp !== undefined ? 'pp' : 'operator', image: two, offset: i, end: i + 2 });
                i += 2;
                continue;
            }
        }
        const one = c < 128 ? SINGLE[c] : undefined;
        if (one !== undefined) {
            tokens.push({ kind: 'operator', image: one, offset: i, end: i + 1 });
            i++;
            continue;
        }
        i = junk(text, i, tokens, diagnostics);
    }
    return { tokens, comments, diagnostics };
}

/** A `/* … *\/` comment at `i`; returns where it ends. */
function blockComment(text: string, i: number, comments: StapToken[], diagnostics: StapDiagnostic[]): number {
    const j = text.indexOf('*/', i + 2);
    const end = j < 0 ? text.length : j + 2;
    // stap reads the rest of the file as the comment, without a word (4.8 -p1 passes `probe begin { } /*`).
    if (j < 0) diag(diagnostics, i, i + 2, 'unclosed comment: `/*` has no matching `*/`, so the rest of the file is a comment', StapCode.LexUnclosedComment, 'warning');
    comments.push({ kind: 'comment', image: text.slice(i, end), offset: i, end });
    return end;
}

/** A script argument at `i`: `$1 @1 $# @#`. */
function scriptArgument(text: string, i: number, tokens: StapToken[]): number {
    let j = i + 2;
    if (text.charCodeAt(i + 1) !== 35) while (j < text.length && isDigit(text.charCodeAt(j))) j++;
    tokens.push({ kind: 'arg', image: text.slice(i, j), offset: i, end: j });
    return j;
}

/** An `@` word at `i` (`$` too, as in any name: `@defined$x` is one word to stap 4.8, an unknown operator). */
function atWord(text: string, i: number, tokens: StapToken[], diagnostics: StapDiagnostic[]): number {
    const n = text.length;
    let j = i + 1;
    while (j < n && isIdentPart(text.charCodeAt(j))) j++;
    if (j === i + 1) {
        tokens.push({ kind: 'junk', image: '@', offset: i, end: i + 1 });
        diag(diagnostics, i, i + 1, 'unexpected `@`: an @-operator or macro name must follow it', StapCode.LexUnexpectedChar);
    } else {
        tokens.push({ kind: 'at', image: text.slice(i, j), offset: i, end: j });
    }
    return j;
}

/** A string literal at `i`. */
function stringLiteral(text: string, i: number, tokens: StapToken[], diagnostics: StapDiagnostic[]): number {
    const n = text.length;
    let j = i + 1;
    let closed = false;
    while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 10 || d === 13) break;
        if (d === 92 /* \ */) {
            // A backslash takes the next character into the string, a newline too (the
            // string goes on on the next line, as in stap); but not CR (`\` CR LF ends
            // the string unclosed in stap) nor the end of the text.
            const e = j + 1 < n ? text.charCodeAt(j + 1) : -1;
            if (e === 13 || e < 0) {
                j++;
                break;
            }
            j += 2;
            continue;
        }
        j++;
        if (d === 34) {
            closed = true;
            break;
        }
    }
    if (!closed) {
        diag(diagnostics, i, j, 'unclosed string: no matching `"` on this line', StapCode.LexUnclosedString);
    }
    tokens.push({ kind: closed ? 'string' : 'junk', image: text.slice(i, j), offset: i, end: j });
    return j;
}

/** Embedded C at `i`: `%{ … %}`. */
function embedded(text: string, i: number, tokens: StapToken[], diagnostics: StapDiagnostic[]): number {
    const j = text.indexOf('%}', i + 2);
    const end = j < 0 ? text.length : j + 2;
    if (j < 0) {
        diag(diagnostics, i, i + 2, 'could not find matching `%}` to close the embedded C block', StapCode.LexUnclosedEmbedded);
        tokens.push({ kind: 'junk', image: text.slice(i, end), offset: i, end });
    } else {
        const body = text.slice(i + 2, j);
        const odd = body.indexOf('}%');
        if (odd >= 0) {
            const at = i + 2 + odd;
            diag(diagnostics, at, at + 2, '`}%` inside embedded C: did you mean `%}`?', StapCode.LexSuspiciousEmbeddedEnd, 'warning');
        }
        tokens.push({ kind: 'embedded', image: text.slice(i, end), offset: i, end });
    }
    return end;
}

/** Junk at `i`: a run of characters no token starts with (so binary input gives few diagnostics). */
function junk(text: string, i: number, tokens: StapToken[], diagnostics: StapDiagnostic[]): number {
    const n = text.length;
    let j = i + 1;
    while (j < n && j - i < 64) {
        const d = text.charCodeAt(j);
        if (d <= 32 || isIdentPart(d) || d === 34 || d === 35 || d === 64 || (d < 128 && SINGLE[d] !== undefined)) break;
        j++;
    }
    const shown = JSON.stringify(text.slice(i, Math.min(j, i + 8)));
    diag(diagnostics, i, j, `unexpected character${j - i > 1 ? 's' : ''} ${shown}: not part of any stap token`, StapCode.LexUnexpectedChar);
    tokens.push({ kind: 'junk', image: text.slice(i, j), offset: i, end: j });
    return j;
}

const MAX_U64 = (1n << 64n) - 1n;

/**
 * Whether a number token is one stap accepts ({@link stapNumberValue} is not undefined), without a BigInt for
 * `0` and the decimals of up to 19 digits, which cannot reach 2^64 (nearly all numbers in scripts).
 */
export function isStapNumber(image: string): boolean {
    const n = image.length;
    const c0 = image.charCodeAt(0);
    if (c0 >= 49 && c0 <= 57 && n <= 19) {
        for (let i = 1; i < n; i++) {
            const c = image.charCodeAt(i);
            if (c < 48 || c > 57) return false;
        }
        return true;
    }
    if (c0 === 48 && n === 1) return true;
    return stapNumberValue(image) !== undefined;
}

/**
 * Whether a number token is one stap accepts (`strtoull(…, 0)` consuming all of it, ≤ 2^64−1).
 * Returns the value, or undefined when it is invalid.
 */
export function stapNumberValue(image: string): bigint | undefined {
    let digits: string;
    let radix: number;
    if (/^0[xX][0-9a-fA-F]+$/.test(image)) {
        digits = image.slice(2);
        radix = 16;
    } else if (/^0[0-7]*$/.test(image)) {
        digits = image.length > 1 ? image.slice(1) : '0';
        radix = 8;
    } else if (/^[1-9][0-9]*$/.test(image)) {
        digits = image;
        radix = 10;
    } else {
        return undefined;
    }
    const prefix = radix === 16 ? '0x' : radix === 8 ? '0o' : '';
    const value = BigInt(prefix + digits);
    return value > MAX_U64 ? undefined : value;
}
