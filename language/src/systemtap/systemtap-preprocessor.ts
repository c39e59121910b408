import { URI } from 'langium';
import { StapCode } from './systemtap-diagnostic-codes.js';
import { ConditionalPass } from './systemtap-conditional-pass.js';
import { MacroExpander } from './systemtap-macro-expander.js';
import { settledMacroBody } from './systemtap-macro-settle.js';
import type { StapTarget } from './systemtap-target.js';
import { isStapNumber, lexStap, type StapDiagnostic, type StapLexResult, type StapToken } from './systemtap-tokens.js';
import { lineOfOffset, lineStarts } from '../common/line-starts.js';
import { STAT_OPS } from './systemtap-stat-args.js';

/**
 * stap's token-level preprocessing: `scan_pp` (conditionals) pulling tokens from `scan_pp1`
 * (macros), so macros expand inside conditions while an `@define` in a branch not taken defines
 * nothing (checked against stap 4.8). Plus the checks stap makes on single tokens (numbers,
 * @-operators) and a nesting guard for the parser.
 */

/** One `@define`. Body tokens keep their offsets in the defining text (`uri`; the user's file when undefined). */
export interface StapMacro {
    name: string;
    params: readonly string[];
    body: readonly StapToken[];
    uri?: string;
    /** Offset of the name token in the defining text. */
    offset: number;
    /** 0-based line and character of the name token there. */
    line?: number;
    character?: number;
}

export type StapMacroLibrary = ReadonlyMap<string, StapMacro>;

/** One expansion of a macro or a script argument in the user's text. */
export interface StapExpansion {
    /** `@name` or `$1` / `@1` / `$#` / `@#`. */
    name: string;
    offset: number;
    end: number;
    macro?: StapMacro;
}

export interface StapRange {
    offset: number;
    end: number;
}

export interface StapPreprocessResult {
    /** What the parser sees: active tokens, expansions spliced in (they span their invocation). */
    tokens: StapToken[];
    /** Everything else (comments, markers, inactive branches, definitions, invocations), by offset. */
    hidden: StapToken[];
    diagnostics: StapDiagnostic[];
    /** Branches of `%( %? %: %)` not taken for the target. */
    inactiveRanges: StapRange[];
    expansions: StapExpansion[];
    /** The file's own `@define`s. */
    macros: Map<string, StapMacro>;
    /**
     * What the later whole-stream passes look for, counted on the way (see systemtap-lexer.ts): how many brackets
     * `tokens` leaves open (a closer without an opener counts for nothing), and whether a statistics operator is among
     * them. Unknown (undefined) where a nest too deep was hidden.
     */
    openBrackets?: number;
    statOperators?: boolean;
}

/** Built-in @-operators and the stap version that introduced them. */
export const STAP_AT_WORDS: ReadonlyMap<string, string> = new Map([
    // stap 4.8 takes `@const` and `@variance` whatever `--compatible` says (measured with --compatible=2.9).
    ...['cast', 'defined', 'probewrite', 'entry', 'perf', 'var', 'avg', 'count', 'sum', 'min', 'max',
        'hist_linear', 'hist_log', 'const', 'variance'].map(w => ['@' + w, '0'] as [string, string]),
    ['@kregister', '4.0'], ['@uregister', '4.0'], ['@kderef', '4.0'], ['@uderef', '4.0'],
    ['@enum', '5.5'], ['@enumname', '5.6'],
]);

/** Where a finding on token `t` goes: its own text when it has one in this text (an expanded token's origin), as stap reports. */
function at(t: StapToken): { offset: number; end: number } {
    return t.origin !== undefined ? { offset: t.origin, end: t.origin + t.image.length } : { offset: t.offset, end: t.end };
}

/** ` (in expansion of `@name`)` for a token of a macro expansion. */
function expansionTrail(t: { expansion?: number }, expansions: readonly StapExpansion[]): string {
    const e = t.expansion === undefined ? undefined : expansions[t.expansion];
    return e?.macro ? ` (in expansion of \`${e.name}\`)` : '';
}

/** Whether the token before `tokens[k]` (junk aside) is the word `in`. */
function afterIn(tokens: readonly StapToken[], k: number): boolean {
    let j = k - 1;
    while (j >= 0 && tokens[j].kind === 'junk') j--;
    return j >= 0 && tokens[j].kind === 'ident' && tokens[j].image === 'in';
}

/** Per-token checks stap makes when the parser reads a token, and the nesting guard (see {@link preprocessStap}). */
function checkActive(tokens: StapToken[], hidden: StapToken[], diagnostics: StapDiagnostic[], target: StapTarget, maxNesting: number,
    expansions: readonly StapExpansion[]): { tokens: StapToken[]; openBrackets?: number; statOperators: boolean } {
    const tooNew = new Map<string, boolean>();
    const needsNewer = (since: string) => {
        let r = tooNew.get(since);
        if (r === undefined) tooNew.set(since, r = versionLess(target.stapVersion, since));
        return r;
    };
    // A copy of the stream only from the first token removed (junk, a nest too deep): most streams lose none.
    let out: StapToken[] | undefined;
    const guard = maxNesting !== Infinity;
    let depth = 0;
    let statOperators = false;
    for (let k = 0; k < tokens.length; k++) {
        const t = tokens[k];
        if (t.kind === 'junk') {
            out ??= tokens.slice(0, k);
            if (t.expansion === undefined) hidden.push(t);
            continue;
        }
        if (t.kind === 'number' && !isStapNumber(t.image)) {
            diagnostics.push({ ...at(t), message: `number invalid or out of range: \`${t.image}\`${expansionTrail(t, expansions)}`,
                code: StapCode.LexBadNumber, severity: 'error' });
        } else if (t.kind === 'at' && t.image !== '@define') {
            if (STAT_OPS.has(t.image)) statOperators = true;
            const since = STAP_AT_WORDS.get(t.image);
            // After `in` stap reads any @-word as the array's name (a bare name, as after `foreach (k in`): only an
            // @-operator it reads as a value must be one it knows.
            if ((since === undefined || (since !== '0' && needsNewer(since))) && !afterIn(tokens, k)) {
                diagnostics.push({ ...at(t), message: `unknown operator \`${t.image}\`: not a macro or a built-in @-operator`
                    + (since ? ` (needs stap ${since})` : '') + expansionTrail(t, expansions), code: StapCode.PpUnknownOperator, severity: 'error' });
            }
        }
        if (t.kind === 'operator') {
            const op = t.image;
            if (op === '(' || op === '[' || op === '{') depth++;
            else if ((op === ')' || op === ']' || op === '}') && depth > 0) depth--;
        }
        if (guard && depth > maxNesting) {
            out ??= tokens.slice(0, k);
            diagnostics.push({ offset: t.offset, end: t.end, code: StapCode.LexTooDeep, severity: 'error',
                message: `too deeply nested to check: over ${maxNesting} levels of brackets, where the parser ran out of stack; the rest of this nest is not checked` });
            // Hide this nest up to its matching close, so the parser does not recurse into it.
            let d = 0;
            let m = k;
            for (; m < tokens.length; m++) {
                const x = tokens[m];
                const o = x.kind === 'operator' ? x.image : '';
                if (x.expansion === undefined) hidden.push(x);
                if (o === '(' || o === '[' || o === '{') d++;
                else if ((o === ')' || o === ']' || o === '}') && --d === 0) break;
            }
            depth--;
            k = m;
            continue;
        }
        out?.push(t);
    }
    return { tokens: out ?? tokens, openBrackets: guard ? undefined : depth, statOperators };
}

function versionLess(a: string, b: string): boolean {
    const pa = a.split('.').map(Number);
    const pb = b.split('.').map(Number);
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
        const x = pa[i] ?? 0;
        const y = pb[i] ?? 0;
        if (x !== y) return x < y;
    }
    return false;
}

/** Two lists of tokens, each by offset, as one list by offset (`a` first where offsets are equal); sorted if they were not. */
export function mergeByOffset(a: readonly StapToken[], b: readonly StapToken[]): StapToken[] {
    let out: StapToken[];
    // One list empty (most files have comments only, or nothing hidden by a pass): a copy of the other, in one go.
    if (a.length === 0 || b.length === 0) {
        out = (a.length === 0 ? b : a).slice();
    } else {
        // Made at its final size (growing it by `push` copied 6.9 MB over the tapset library).
        out = new Array(a.length + b.length);
        let i = 0;
        let j = 0;
        let k = 0;
        while (i < a.length && j < b.length) out[k++] = a[i].offset <= b[j].offset ? a[i++] : b[j++];
        while (i < a.length) out[k++] = a[i++];
        while (j < b.length) out[k++] = b[j++];
    }
    for (let k = 1; k < out.length; k++) {
        if (out[k - 1].offset > out[k].offset) return out.sort((x, y) => x.offset - y.offset);
    }
    return out;
}

/**
 * Lex and preprocess a SystemTap text for a target: the token stream the parser reads, the hidden
 * tokens, diagnostics (lexer and preprocessor), inactive ranges and the expansion map. Brackets
 * nested deeper than `maxNesting` are reported and their nest hidden: the parser sets it when a
 * parse ran out of stack there (see systemtap-parse-recovery.ts).
 */
export function preprocessStap(text: string, target: StapTarget, library: StapMacroLibrary, uri?: string, maxNesting = Infinity): StapPreprocessResult {
    const result = preprocessLexed(lexStap(text), target, library, uri, maxNesting);
    if (result.macros.size) {
        const starts = lineStarts(text);
        for (const macro of result.macros.values()) {
            const line = lineOfOffset(starts, macro.offset);
            macro.line = line;
            macro.character = macro.offset - starts[line];
        }
    }
    return result;
}

/** {@link preprocessStap} over an existing lex result. */
export function preprocessLexed(lexed: StapLexResult, target: StapTarget, library: StapMacroLibrary, uri?: string, maxNesting = Infinity): StapPreprocessResult {
    const expander = new MacroExpander(target, library, uri, macro => settledMacroBody(macro, target));
    expander.start(lexed.tokens);
    const passHidden: StapToken[] = [];
    const pass = new ConditionalPass(expander, passHidden, target);
    pass.run();
    const diagnostics: StapDiagnostic[] = [];
    // Lexer findings count where stap's parser would meet them: junk tokens only when active.
    if (lexed.diagnostics.length) {
        // (An expanded one where its own text is in this text: a macro argument, a body this text defines.)
        const activeJunk = new Set(pass.tokens.filter(t => t.kind === 'junk').map(t => t.expansion === undefined ? t.offset : t.origin));
        const junkOffsets = new Set(lexed.tokens.filter(t => t.kind === 'junk').map(t => t.offset));
        for (const d of lexed.diagnostics) {
            if (!junkOffsets.has(d.offset) || activeJunk.has(d.offset)) diagnostics.push(d);
        }
    }
    diagnostics.push(...pass.diagnostics);
    const checkHidden: StapToken[] = [];
    const { tokens, openBrackets, statOperators } = checkActive(pass.tokens, checkHidden, diagnostics, target, maxNesting, expander.expansions);
    // Each list is in the text's order already: merged, not sorted (a sort with a comparator is most of this
    // function's time on a tapset file).
    const hidden = mergeByOffset(mergeByOffset(lexed.comments, passHidden), mergeByOffset(expander.hidden, checkHidden));
    diagnostics.sort((a, b) => a.offset - b.offset);
    return { tokens, hidden, diagnostics, inactiveRanges: pass.inactive, expansions: expander.expansions, macros: expander.macros, openBrackets, statOperators };
}

/**
 * The problems stap finds in library file `uri` beyond its preprocessing: an active token (stap
 * reports the first), a macro `library` holds from a file read before (`readBefore`).
 */
export function libraryFileProblems(pp: StapPreprocessResult, library: StapMacroLibrary, uri: string | undefined,
    readBefore: (other: string | undefined) => boolean): StapDiagnostic[] {
    const problems: StapDiagnostic[] = [];
    const stray = pp.tokens[0];
    if (stray) {
        problems.push({ offset: stray.offset, end: stray.end, code: StapCode.PpLibraryFile, severity: 'error',
            message: 'unexpected token in library macro file: it may hold only `@define`s (inside `%( … %)` conditionals too)' });
    }
    for (const macro of pp.macros.values()) {
        const first = library.get(macro.name);
        if (!first || first.uri === uri || !readBefore(first.uri)) continue;
        problems.push({ offset: macro.offset, end: macro.offset + macro.name.length, code: StapCode.PpLibraryFile, severity: 'error',
            message: `duplicate definition of library macro \`@${macro.name}\`: first defined in ${first.uri ? URI.parse(first.uri).fsPath : 'another file'}` });
    }
    return problems;
}

/**
 * Read a library `.stpm` text's macros into `into` (all of them, whatever its problems) and return
 * its problems: those of its preprocessing and {@link libraryFileProblems} (but duplicates).
 */
export function readLibraryMacros(text: string, target: StapTarget, into: Map<string, StapMacro>, uri?: string): StapDiagnostic[] {
    const result = preprocessStap(text, target, into, uri);
    for (const [name, macro] of result.macros) into.set(name, macro);
    return [...result.diagnostics, ...libraryFileProblems(result, new Map(), uri, () => false)];
}
