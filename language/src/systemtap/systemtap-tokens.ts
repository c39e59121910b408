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

const OPS3 = new Set(['<<<', '>>>', '<<=', '>>=']);
const OPS2 = new Set(['==', '!=', '<=', '>=', '=~', '!~', '+=', '-=', '*=', '/=', '%=', '&=', '^=', '|=', '.=',
    '&&', '||', '++', '--', '->', '<<', '>>']);
const PP2 = new Set(['%(', '%?', '%:', '%)']);
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

/** Lex a whole text. Never throws; bad input gives `junk` tokens and diagnostics. */
export function lexStap(text: string): StapLexResult {
    const tokens: StapToken[] = [];
    const comments: StapToken[] = [];
    const diagnostics: StapDiagnostic[] = [];
    const n = text.length;
    let i = 0;
    const diag = (offset: number, end: number, message: string, code: StapCodeValue, severity: StapSeverity = 'error') =>
        diagnostics.push({ offset, end, message, code, severity });
    while (i < n) {
        const c = text.charCodeAt(i);
        // whitespace
        if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11) {
            i++;
            continue;
        }
        const start = i;
        const c2 = i + 1 < n ? text.charCodeAt(i + 1) : -1;
        if (c === 35 /* # */ || (c === 47 && c2 === 47)) {
            let j = text.indexOf('\n', i);
            if (j < 0) j = n;
            comments.push({ kind: 'comment', image: text.slice(i, j), offset: i, end: j });
            i = j;
            continue;
        }
        if (c === 47 && c2 === 42) {
            const j = text.indexOf('*/', i + 2);
            const end = j < 0 ? n : j + 2;
            // stap reads the rest of the file as the comment, without a word (4.8 -p1 passes `probe begin { } /*`).
            if (j < 0) diag(start, start + 2, 'unclosed comment: `/*` has no matching `*/`, so the rest of the file is a comment', StapCode.LexUnclosedComment, 'warning');
            comments.push({ kind: 'comment', image: text.slice(i, end), offset: i, end });
            i = end;
            continue;
        }
        if ((c === 36 || c === 64) && (c2 === 35 || isDigit(c2))) {
            // $1 @1 $# @#
            let j = i + 2;
            if (c2 !== 35) while (j < n && isDigit(text.charCodeAt(j))) j++;
            tokens.push({ kind: 'arg', image: text.slice(i, j), offset: i, end: j });
            i = j;
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
            let j = i + 1;
            // (`$` too, as in any name: `@defined$x` is one word to stap 4.8, an unknown operator)
            while (j < n && isIdentPart(text.charCodeAt(j))) j++;
            if (j === i + 1) {
                tokens.push({ kind: 'junk', image: '@', offset: i, end: i + 1 });
                diag(i, i + 1, 'unexpected `@`: an @-operator or macro name must follow it', StapCode.LexUnexpectedChar);
            } else {
                tokens.push({ kind: 'at', image: text.slice(i, j), offset: i, end: j });
            }
            i = j;
            continue;
        }
        if (c === 34 /* " */) {
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
                diag(start, j, 'unclosed string: no matching `"` on this line', StapCode.LexUnclosedString);
            }
            tokens.push({ kind: closed ? 'string' : 'junk', image: text.slice(i, j), offset: i, end: j });
            i = j;
            continue;
        }
        if (c === 37 /* % */ && c2 === 123 /* { */) {
            const j = text.indexOf('%}', i + 2);
            const end = j < 0 ? n : j + 2;
            if (j < 0) {
                diag(start, start + 2, 'could not find matching `%}` to close the embedded C block', StapCode.LexUnclosedEmbedded);
                tokens.push({ kind: 'junk', image: text.slice(i, end), offset: i, end });
            } else {
                const body = text.slice(i + 2, j);
                const odd = body.indexOf('}%');
                if (odd >= 0) {
                    const at = i + 2 + odd;
                    diag(at, at + 2, '`}%` inside embedded C: did you mean `%}`?', StapCode.LexSuspiciousEmbeddedEnd, 'warning');
                }
                tokens.push({ kind: 'embedded', image: text.slice(i, end), offset: i, end });
            }
            i = end;
            continue;
        }
        // Multi-character operators: all 3-character ones start with < or >, and every 2-character
        // one ends in one of = & | + - > < ~ ( ? : ) (checked first, to slice only when it may match).
        if ((c === 60 || c === 62) && i + 2 < n) {
            const s3 = text.slice(i, i + 3);
            if (OPS3.has(s3)) {
                tokens.push({ kind: 'operator', image: s3, offset: i, end: i + 3 });
                i += 3;
                continue;
            }
        }
        if (c2 === 61 || c2 === 38 || c2 === 124 || c2 === 43 || c2 === 45 || c2 === 62 || c2 === 60 || c2 === 126
            || c2 === 40 || c2 === 63 || c2 === 58 || c2 === 41) {
            const s2 = text.slice(i, i + 2);
            if (PP2.has(s2)) {
                tokens.push({ kind: 'pp', image: s2, offset: i, end: i + 2 });
                i += 2;
                continue;
            }
            if (OPS2.has(s2)) {
                tokens.push({ kind: 'operator', image: s2, offset: i, end: i + 2 });
                i += 2;
                continue;
            }
        }
        const ch = text[i];
        if (OPS1.includes(ch)) {
            tokens.push({ kind: 'operator', image: ch, offset: i, end: i + 1 });
            i++;
            continue;
        }
        // Junk: take a run of such characters, so binary input gives few diagnostics.
        let j = i + 1;
        while (j < n && j - i < 64) {
            const d = text.charCodeAt(j);
            if (d <= 32 || isIdentPart(d) || d === 34 || d === 35 || d === 64 || OPS1.includes(text[j])) break;
            j++;
        }
        const shown = JSON.stringify(text.slice(i, Math.min(j, i + 8)));
        diag(i, j, `unexpected character${j - i > 1 ? 's' : ''} ${shown}: not part of any stap token`, StapCode.LexUnexpectedChar);
        tokens.push({ kind: 'junk', image: text.slice(i, j), offset: i, end: j });
        i = j;
    }
    return { tokens, comments, diagnostics };
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
