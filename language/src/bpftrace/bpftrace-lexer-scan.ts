import { BtCode, type BtCodeValue } from './bpftrace-diagnostic-codes.js';

/**
 * Character-level scanners the bpftrace lexer composes: each takes the text and a start offset and
 * returns where the lexeme ends (exclusive), plus any problems found on the way. They never throw
 * and always advance by at least one character, so bad input cannot stall the lexer.
 */

/** A problem found while scanning, relative to the whole text. */
export interface ScanProblem {
    offset: number;
    length: number;
    message: string;
    code: BtCodeValue;
}

export interface ScanResult {
    end: number;
    problems: ScanProblem[];
}

export function isIdentStart(c: number): boolean {
    return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

export function isIdentPart(c: number): boolean {
    return isIdentStart(c) || (c >= 48 && c <= 57);
}

export function isDigit(c: number): boolean {
    return c >= 48 && c <= 57;
}

export function isSpace(c: number): boolean {
    return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;
}

/** End of an identifier starting at `start` (which must be an identifier start). */
export function scanIdent(text: string, start: number): number {
    let i = start + 1;
    while (i < text.length && isIdentPart(text.charCodeAt(i))) i++;
    return i;
}

/** The escapes every release accepts besides octal `\ooo` and hex `\xHH` / `\XHH`. */
const SIMPLE_ESCAPES = new Set(['n', 't', 'r', '"', '\\']);

/**
 * A string literal `"…"`. Escapes are checked like upstream's lexer (0.17 and today alike): any
 * other than `\n \t \r \" \\`, octal and hex is an invalid escape character; octal escapes
 * above `\377` are out of range; a string does not run past the end of its line.
 */
export function scanString(text: string, start: number): ScanResult {
    const problems: ScanProblem[] = [];
    let i = start + 1;
    while (i < text.length) {
        const c = text.charCodeAt(i);
        if (c === 34) return { end: i + 1, problems };
        if (c === 10) break;
        if (c === 92 && i + 1 < text.length) {
            const next = text.charCodeAt(i + 1);
            if (next >= 48 && next <= 55) {
                let j = i + 1;
                while (j < text.length && j < i + 4 && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 55) j++;
                const digits = text.slice(i + 1, j);
                if (parseInt(digits, 8) > 255) {
                    problems.push({ offset: i, length: j - i, message: `octal escape sequence out of range '\\${digits}'`, code: BtCode.LexString });
                }
                i = j;
                continue;
            }
            if (next === 120 /* x */ || next === 88 /* X */) {
                let j = i + 2;
                while (j < text.length && j < i + 4 && /[0-9a-fA-F]/.test(text[j])) j++;
                if (j === i + 2) {
                    problems.push({ offset: i, length: 2, message: `'\\${text[i + 1]}' escape sequence needs hex digits`, code: BtCode.LexString });
                }
                i = j;
                continue;
            }
            if (next !== 10 && !SIMPLE_ESCAPES.has(text[i + 1])) {
                const escape = String.fromCodePoint(text.codePointAt(i + 1) ?? next);
                problems.push({ offset: i, length: 1 + escape.length, message: `invalid escape character '\\${escape}'`, code: BtCode.LexString });
                i += 1 + escape.length;
                continue;
            }
            i += 2;
            continue;
        }
        i++;
    }
    problems.push({ offset: start, length: Math.max(1, i - start), message: 'unterminated string', code: BtCode.LexString });
    return { end: i, problems };
}

/** A `/* … *\/` comment; unterminated ones run to the end and are reported. */
export function scanBlockComment(text: string, start: number): ScanResult {
    const close = text.indexOf('*/', start + 2);
    if (close < 0) {
        return { end: text.length, problems: [{ offset: start, length: 2, message: 'unterminated comment', code: BtCode.LexComment }] };
    }
    return { end: close + 2, problems: [] };
}

/** A `#…` preprocessor line, continued by a trailing backslash. */
export function scanPreprocessorLine(text: string, start: number): number {
    let i = start;
    for (;;) {
        const nl = text.indexOf('\n', i);
        if (nl < 0) return text.length;
        let j = nl - 1;
        if (j >= 0 && text.charCodeAt(j) === 13) j--;
        if (j >= start && text.charCodeAt(j) === 92) {
            i = nl + 1;
            continue;
        }
        return nl;
    }
}

/**
 * Skip whitespace and comments from `start`; returns the offset of the next significant character.
 */
export function skipTrivia(text: string, start: number): number {
    let i = start;
    while (i < text.length) {
        const c = text.charCodeAt(i);
        if (isSpace(c)) {
            i++;
        } else if (c === 47 && text.charCodeAt(i + 1) === 47) {
            const nl = text.indexOf('\n', i);
            i = nl < 0 ? text.length : nl;
        } else if (c === 47 && text.charCodeAt(i + 1) === 42) {
            i = scanBlockComment(text, i).end;
        } else {
            break;
        }
    }
    return i;
}

/**
 * A C definition block at top level: `struct|union|enum [name] { … } [__attribute__((…))] [;]`,
 * kept as one opaque lexeme. Braces are balanced (strings and comments inside are skipped).
 *
 * bpftrace 0.17 (`v017`) reads it with a lexer state of its own, as measured:
 * - braces in strings count too: it refuses `struct B { char *s = "}"; }` and takes `struct B { x = "\\""; }`;
 * - the block goes on to the first `}` outside inner braces, whatever comes before it: `struct a;` is no declaration
 *   of its own (`struct a; BEGIN { 1; } END { 2; }` gives clang `struct a; BEGIN { 1; }`, and the END probe), and
 *   `struct a }; BEGIN { }` parses;
 * - no `__attribute__((…))` after the body (a syntax error at its `(`);
 * - a `;` belongs to it only right after its `}` (`};`): `} ;`, `}/* c *\/;` and `};;` are syntax errors at that `;`.
 */
export function scanCBlock(text: string, start: number, v017 = false): ScanResult {
    const quotes = !v017;
    const problems: ScanProblem[] = [];
    let i = start;
    let depth = 0;
    let sawBrace = false;
    while (i < text.length) {
        const c = text.charCodeAt(i);
        if (c === 47 && (text.charCodeAt(i + 1) === 47 || text.charCodeAt(i + 1) === 42)) {
            i = skipTrivia(text, i);
            continue;
        }
        if (quotes && (c === 34 || c === 39)) {
            const close = text.indexOf(text[i], i + 1);
            i = close < 0 ? text.length : close + 1;
            continue;
        }
        if (c === 123) {
            depth++;
            sawBrace = true;
        } else if (c === 125) {
            // (0.17 ends the block at a `}` outside any inner braces, even one with no `{` before it)
            if (v017 && depth <= 1) {
                depth = 0;
                sawBrace = true;
                i++;
                break;
            }
            depth--;
            if (depth === 0) {
                i++;
                break;
            }
        } else if (c === 59 && depth === 0 && !v017) {
            // A declaration without a body (`struct foo;`).
            return { end: i + 1, problems };
        }
        i++;
    }
    if (depth > 0 || !sawBrace) {
        problems.push({ offset: start, length: Math.min(6, text.length - start), message: 'unterminated C definition: missing \'}\'', code: BtCode.LexCDefinition });
        return { end: i, problems };
    }
    if (v017) return { end: text.charCodeAt(i) === 59 ? i + 1 : i, problems };
    // Optional attributes after the body.
    let j = skipTrivia(text, i);
    while (text.startsWith('__attribute__', j) && !isIdentPart(text.charCodeAt(j + 13))) {
        const open = skipTrivia(text, j + 13);
        if (text[open] !== '(' || text[skipTrivia(text, open + 1)] !== '(') {
            problems.push({ offset: open, length: Math.max(1, scanIdentLen(text, open)), message: "__attribute__ syntax error, expected '(('", code: BtCode.LexCDefinition });
            return { end: j + 13, problems };
        }
        let k = open;
        let pd = 0;
        while (k < text.length) {
            const ch = text.charCodeAt(k);
            if (ch === 40) pd++;
            else if (ch === 41) {
                pd--;
                if (pd === 0) break;
            } else if (ch === 123 || ch === 125 || ch === 59) break;
            k++;
        }
        if (pd !== 0) {
            problems.push({ offset: open, length: 1, message: "__attribute__ syntax error, mismatched '(' and ')'", code: BtCode.LexCDefinition });
            return { end: k, problems };
        }
        i = k + 1;
        j = skipTrivia(text, i);
    }
    if (text.charCodeAt(j) === 59) i = j + 1;
    return { end: i, problems };
}

function scanIdentLen(text: string, start: number): number {
    if (start >= text.length || !isIdentStart(text.charCodeAt(start))) return 1;
    return scanIdent(text, start) - start;
}

/**
 * The raw text of one attach point, as upstream reads it: up to whitespace, `{`, `,`, or a `/` seen
 * before any `:` (that one opens the predicate). Quoted parts are kept whole. `;` and `}` also end
 * it, so that a stray statement at top level does not swallow the rest of the line.
 */
export function scanAttachPoint(text: string, start: number): ScanResult {
    const problems: ScanProblem[] = [];
    let i = start;
    let sawColon = false;
    while (i < text.length) {
        const c = text.charCodeAt(i);
        if (isSpace(c) || c === 123 || c === 44 || c === 59 || c === 125) break;
        if (c === 47 && !sawColon) break;
        if (c === 58) sawColon = true;
        if (c === 36 && text.charCodeAt(i + 1) === 40) {
            // `$(command)`: a shell substitution, as upstream's runtime tests write attach points.
            i = scanShellSubstitution(text, i);
            continue;
        }
        if (c === 34) {
            let j = i + 1;
            while (j < text.length && text.charCodeAt(j) !== 34 && text.charCodeAt(j) !== 10) {
                j += text.charCodeAt(j) === 92 ? 2 : 1;
            }
            if (j >= text.length || text.charCodeAt(j) !== 34) {
                problems.push({ offset: i, length: Math.max(1, Math.min(j, text.length) - i), message: 'unterminated string', code: BtCode.LexString });
                i = Math.min(j, text.length);
                break;
            }
            i = j + 1;
            continue;
        }
        i++;
    }
    return { end: Math.max(i, start + 1), problems };
}

/**
 * An attach point as bpftrace 0.17's lexer reads it: its pieces joined across spaces, newlines and comments up to a
 * `{`, a `,` or a `/` (a predicate), so that `kprobe : vfs_read` and `interval:s: 1` are one attach point. `image`
 * is the pieces joined, without what was between them: the attach point 0.17 sees.
 */
export function scanJoinedAttachPoint(text: string, start: number): ScanResult & { image: string } {
    const problems: ScanProblem[] = [];
    let image = '';
    let at = start;
    for (let first = true; ; first = false) {
        // The first piece is read as an attach point; after a space 0.17's lexer is back to its tokens, which the
        // grammar joins: words, numbers, `:`, `*`, `.`, `+` and strings (measured: `hardware:cache cache-misses:10` is
        // refused at its `-`).
        const r = first ? scanAttachPoint(text, at) : { end: scanLaterPiece017(text, at), problems: [] };
        problems.push(...r.problems);
        image += text.slice(at, r.end);
        // What follows: spaces and comments, then another piece or the end of the attach point.
        const i = skipTrivia(text, r.end);
        if (i >= text.length || i === r.end || !continuesAttachPoint017(text, i)) return { end: r.end, problems, image };
        at = i;
    }
}

/** A piece of an attach point after a space, as 0.17's tokens join: up to the first character none of them takes. */
function scanLaterPiece017(text: string, start: number): number {
    let i = start;
    while (i < text.length) {
        const c = text.charCodeAt(i);
        if (isIdentPart(c) || isJoinedPunctuation017(c)) {
            i++;
        } else if (c === 36 && isDigit(text.charCodeAt(i + 1))) {
            // a positional parameter (`$1`)
            i += 2;
            while (isDigit(text.charCodeAt(i))) i++;
        } else if (c === 34) {
            // (a string that does not end on its line ends the attach point before it)
            const r = scanString(text, i);
            if (r.problems.length) return i;
            i = r.end;
        } else {
            break;
        }
    }
    return i;
}

/** The punctuation 0.17's grammar joins into an attach point, after a space too: `:`, `*`, `.`, `+`, `[`, `]`. */
function isJoinedPunctuation017(c: number): boolean {
    return c === 58 || c === 42 || c === 46 || c === 43 || c === 91 || c === 93;
}

/** Words 0.17 reads as their own tokens after an attach point's space (measured: `kprobe:f if { }` is refused). */
const NOT_JOINED_017 = new Set(['if', 'else', 'unroll', 'while', 'return', 'break', 'continue', 'struct', 'union', 'enum']);

/**
 * Whether what starts at `i` goes on an attach point in 0.17: a word (not one of {@link NOT_JOINED_017}), a number, a
 * `:`, `*`, `.`, `+` (`kprobe:f + 16`, an offset), `[`, `]`, a positional parameter (`$1`) or a string; not a `{`,
 * `,`, `/` (a predicate), `@map`, `$var`, `-` or `#` line (measured: `k:f [1]`, `k:f ] ]` and `uprobe:/bin/sh:f $1`
 * parse).
 */
function continuesAttachPoint017(text: string, i: number): boolean {
    const c = text.charCodeAt(i);
    if (isJoinedPunctuation017(c) || c === 34 || isDigit(c)) return true;
    if (c === 36) return isDigit(text.charCodeAt(i + 1));
    if (!isIdentStart(c)) return false;
    return !NOT_JOINED_017.has(text.slice(i, scanIdent(text, i)));
}

/** `$( … )` with balanced parentheses (quotes skipped); ends at the line end when unbalanced. */
export function scanShellSubstitution(text: string, start: number): number {
    let depth = 0;
    let i = start + 1;
    while (i < text.length) {
        const c = text.charCodeAt(i);
        if (c === 10) return i;
        if (c === 39 || c === 34) {
            const close = text.indexOf(text[i], i + 1);
            const nl = text.indexOf('\n', i);
            if (close < 0 || (nl >= 0 && close > nl)) return nl < 0 ? text.length : nl;
            i = close + 1;
            continue;
        }
        if (c === 40) depth++;
        else if (c === 41 && --depth === 0) return i + 1;
        i++;
    }
    return i;
}
