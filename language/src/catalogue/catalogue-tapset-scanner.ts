/**
 * A small, fast SystemTap token scanner for the tapset declaration index.
 *
 * The SystemTap front end owns the real lexer + preprocessor (`systemtap-tokens.ts`, `systemtap-preprocessor.ts`,
 * with diagnostics and exact positions); the index can run over it too (`catalogue-tapset-frontend.ts`, the
 * `frontend` indexer). This scanner is the lean path for indexing the whole library from a cold start (about
 * twice as fast: no diagnostics, no position bookkeeping inside macro bodies); a test checks that both give the
 * same index on the installed library. It follows systemtap-language.md §5.1 closely enough for declarations:
 * comments (`#`, `//`, `/* *\/`), strings, numbers, identifiers with `$`, `@`-words, embedded C `%{ … %}`,
 * preprocessor markers and the longest-match operators. Never throws: an unclosed string or comment ends at the
 * end of the line / file.
 *
 * Tokens are plain objects on purpose. Token columns in typed arrays with streams of token ids (no object or
 * string per token) halved what a cold `probekit index` allocates (107 → 48 MB) but made it slower: 0.28 s
 * against 0.25 s wall, 0.43 s against 0.35 s CPU, since a cold process runs this code mostly unoptimised,
 * where every extra property load and call per token costs more than the garbage collection it saves. Pre-sizing
 * the scan, expansion and conditional streams instead of growing them (−20 % allocation) did not pay either, nor
 * did reusing token objects from one file to the next (−15 %).
 */
import { lineOfOffset, lineStarts } from '../common/line-starts.js';
import { STAP_OPERATOR_PAIRS } from '../systemtap/systemtap-tokens.js';

/** Token kinds. Numeric for speed; the indexer compares them a lot. */
export enum Tk {
    Ident = 1,
    /** `@name`: a macro invocation or a built-in @-operator; `text` keeps the `@`. */
    At = 2,
    Number = 3,
    String = 4,
    /** `%{ … %}` embedded C; `text` is the whole token. */
    Embedded = 5,
    PpOpen = 6,
    PpThen = 7,
    PpElse = 8,
    PpClose = 9,
    /** Operators and punctuation; `text` is the operator. */
    Op = 10,
}

export interface ScanToken {
    kind: Tk;
    text: string;
    /** Offset of the first character in the text that defines it. */
    offset: number;
    /** Part of a `@define` body: spliced into invocations as is, so its offset is not in the invoking text. */
    macro: boolean;
}

/** A `/** … *\/` comment: kerneldoc candidates. */
export interface DocComment {
    offset: number;
    text: string;
}

/**
 * Where a text's `@define`s sit: none at all (most files: nothing to extract), all outside any `%( … %)` (then every
 * one is active, whatever the target), or some inside one (a conditional, or another macro's body).
 */
export type DefinePlacement = 'none' | 'top-level' | 'nested';

export interface ScanResult {
    tokens: ScanToken[];
    docs: DocComment[];
    defines: DefinePlacement;
}

/** Interned one-character operator strings, so punctuation allocates nothing. */
const SINGLE: string[] = [];
for (let c = 33; c < 127; c++) SINGLE[c] = String.fromCharCode(c);

/** Longest-match operator at `i` (3-char `<<< >>> <<= >>=`, then the 2-char set, else 1 character). */
function opText(text: string, i: number, c: number, c1: number): string {
    if ((c === 60 || c === 62) && c1 === c) {
        const c2 = text.charCodeAt(i + 2);
        if (c2 === c || c2 === 61) return text.slice(i, i + 3);
    }
    if (c < 128 && c1 < 128) {
        const two = STAP_OPERATOR_PAIRS[c * 128 + c1];
        if (two !== undefined) return two;
    }
    return SINGLE[c] ?? text[i];
}

function isIdentStart(c: number): boolean {
    return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36;
}

function isIdentPart(c: number): boolean {
    return isIdentStart(c) || (c >= 48 && c <= 57);
}

/** What the scan has seen of a text so far, beside its tokens. */
interface ScanState {
    docs: DocComment[];
    /** `%(` nesting. */
    ppDepth: number;
    defines: DefinePlacement;
}

/**
 * Tokenizes SystemTap source text.
 *
 * The loop takes whitespace, line comments, names, numbers and operators itself and leaves the rarer tokens to
 * functions of their own: in a cold process the optimising compiler then compiles a smaller loop, sooner (the whole
 * scanner in one function took it 80–100 ms, twice, while the library was scanned unoptimised meanwhile).
 */
export function scanSystemTap(text: string): ScanResult {
    const tokens: ScanToken[] = [];
    const state: ScanState = { docs: [], ppDepth: 0, defines: 'none' };
    const n = text.length;
    let i = 0;
    while (i < n) {
        const c = text.charCodeAt(i);
        // whitespace
        if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11) {
            i++;
            continue;
        }
        const c1 = i + 1 < n ? text.charCodeAt(i + 1) : 0;
        // comments
        if (c === 35 /* # */ || (c === 47 /* / */ && c1 === 47)) {
            const eol = text.indexOf('\n', i);
            i = eol < 0 ? n : eol + 1;
            continue;
        }
        if (c === 47 && c1 === 42 /* * */) {
            i = blockComment(text, i, state);
            continue;
        }
        if (isIdentStart(c)) {
            let j = i + 1;
            while (j < n && isIdentPart(text.charCodeAt(j))) j++;
            tokens.push({ kind: Tk.Ident, text: text.slice(i, j), offset: i, macro: false });
            i = j;
            continue;
        }
        if (c >= 48 && c <= 57) {
            let j = i + 1;
            while (j < n && isIdentPart(text.charCodeAt(j))) j++;
            tokens.push({ kind: Tk.Number, text: text.slice(i, j), offset: i, macro: false });
            i = j;
            continue;
        }
        if (c === 34 /* " */) {
            i = stringToken(text, i, tokens);
            continue;
        }
        if (c === 64 /* @ */ && i + 1 < n && isIdentPart(c1)) {
            i = atWord(text, i, tokens, state);
            continue;
        }
        if (c === 37 /* % */) {
            const j = percent(text, i, c1, tokens, state);
            if (j > i) {
                i = j;
                continue;
            }
        }
        const op = opText(text, i, c, c1);
        tokens.push({ kind: Tk.Op, text: op, offset: i, macro: false });
        i += op.length;
    }
    return { tokens, docs: state.docs, defines: state.defines };
}

/** A `/* … *\/` comment at `i` (a kerneldoc candidate when it starts with `/**`); returns where it ends. */
function blockComment(text: string, i: number, state: ScanState): number {
    const end = text.indexOf('*/', i + 2);
    const stop = end < 0 ? text.length : end + 2;
    if (text.charCodeAt(i + 2) === 42 && text.charCodeAt(i + 3) !== 47) {
        state.docs.push({ offset: i, text: text.slice(i, stop) });
    }
    return stop;
}

/** A string at `i` (to its closing quote, or to the end of the line when unclosed). */
function stringToken(text: string, i: number, tokens: ScanToken[]): number {
    const n = text.length;
    let j = i + 1;
    while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 92 /* \ */) { j += 2; continue; }
        if (d === 34 || d === 10) break;
        j++;
    }
    const end = j < n && text.charCodeAt(j) === 34 ? j + 1 : j;
    tokens.push({ kind: Tk.String, text: text.slice(i, end), offset: i, macro: false });
    return end;
}

/** An `@` word at `i`. */
function atWord(text: string, i: number, tokens: ScanToken[], state: ScanState): number {
    const n = text.length;
    let j = i + 1;
    while (j < n && isIdentPart(text.charCodeAt(j))) j++;
    const word = text.slice(i, j);
    if (word === '@define' && state.defines !== 'nested') state.defines = state.ppDepth === 0 ? 'top-level' : 'nested';
    tokens.push({ kind: Tk.At, text: word, offset: i, macro: false });
    return j;
}

/** Embedded C or a preprocessor marker at `i`, a `%`; returns `i` when it is neither (an operator). */
function percent(text: string, i: number, c1: number, tokens: ScanToken[], state: ScanState): number {
    if (c1 === 123 /* { */) {
        const end = text.indexOf('%}', i + 2);
        const stop = end < 0 ? text.length : end + 2;
        tokens.push({ kind: Tk.Embedded, text: text.slice(i, stop), offset: i, macro: false });
        return stop;
    }
    const kind = c1 === 40 ? Tk.PpOpen : c1 === 63 ? Tk.PpThen : c1 === 58 ? Tk.PpElse : c1 === 41 ? Tk.PpClose : 0;
    if (!kind) return i;
    if (kind === Tk.PpOpen) state.ppDepth++;
    else if (kind === Tk.PpClose) state.ppDepth--;
    tokens.push({ kind, text: text.slice(i, i + 2), offset: i, macro: false });
    return i + 2;
}

/** Maps offsets to 0-based line/character, with a line table built once per text. */
export class LineIndex {
    private readonly starts: number[];

    constructor(text: string) {
        this.starts = lineStarts(text);
    }

    position(offset: number): { line: number; character: number } {
        const line = lineOfOffset(this.starts, offset);
        return { line, character: offset - this.starts[line] };
    }
}
