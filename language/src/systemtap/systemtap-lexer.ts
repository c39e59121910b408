import { EmbeddedActionsParser, type IToken, type TokenType, type TokenTypeDictionary } from 'chevrotain';
import { GrammarAST, type Lexer, type LexerResult, type LexingDiagnostic, type TokenizeOptions, type URI } from 'langium';
import type { SystemtapServices } from './systemtap-module.js';
import type { SystemtapSettings } from './systemtap-settings.js';
import { StapCode } from './systemtap-diagnostic-codes.js';
import { libraryFileProblems, mergeByOffset, preprocessStap, type StapPreprocessResult, type StapRange } from './systemtap-preprocessor.js';
import { shebangCommandLine, withShebang } from './systemtap-target.js';
import { brokenLibraryFiles, isStapLibraryFile, readBeforeIn } from './systemtap-macro-library.js';
import type { StapDiagnostic, StapToken } from './systemtap-tokens.js';
import { skippedStatArgs } from './systemtap-stat-args.js';
import { MAX_UNCLOSED, unclosedRuns } from './systemtap-unclosed-nests.js';
import { lineOfOffset, lineStarts } from '../common/line-starts.js';
import { MAX_CHECKED_TEXT } from '../common/lexer-codes.js';

/** A Chevrotain token that came from an expansion: its CST leaf spans the whole invocation. */
export interface StapIToken extends IToken {
    stapSpan?: number;
    /** Where an expanded token's own text is in this text, if it is (see {@link StapToken.origin}). */
    stapOrigin?: number;
    /** Index of an active token in the preprocessed stream. */
    stapIndex?: number;
    stapCode?: string;
}

/**
 * A text's tokens as the parsers read them (see {@link SystemtapLexer.lex}). The hand-written parser reads these
 * as they are; Langium's parser reads them as Chevrotain tokens ({@link SystemtapLexer.chevrotainTokens}).
 */
export interface StapLexed {
    /** The active tokens: the preprocessor's, less any no token type takes. */
    tokens: readonly StapToken[];
    /** The token type of each. */
    types: readonly TokenType[];
    /** Where each is in `pp.tokens`, when some were left out (else at its own index). */
    indexes: readonly number[] | undefined;
    /** Comments and runs of removed text, in order. */
    hidden: readonly StapToken[];
    /** The token type of each. */
    hiddenTypes: readonly TokenType[];
    diagnostics: StapLexingDiagnostic[];
}

/** A lexer diagnostic carrying its stable code. */
export interface StapLexingDiagnostic extends LexingDiagnostic {
    code: string;
}

/**
 * Larger texts are not parsed (a warning says so): Langium parses ~80 KB/s into a retained tree
 * (a 500 KB file: 6.5 s, 340 MB), so a megabyte is already a long wait; scripts and tapset files
 * are far smaller (the largest 4.8 tapset file, aux_syscalls.stp, is 150 KB).
 */
export const STAP_MAX_TEXT = MAX_CHECKED_TEXT;

const GURU_AT_WORDS = new Set(['@const', '@kregister', '@kderef']);

/**
 * Embedded C and guru-only @-operators outside a tapset need `stap -g`. stap's parser rejects
 * them without it, but that is the invocation's fault, not the script's syntax: a warning.
 */
function addGuruWarnings(tokens: readonly StapToken[], out: StapDiagnostic[]): void {
    for (const t of tokens) {
        if (t.expansion !== undefined) continue;
        if (t.kind === 'embedded' || (t.kind === 'at' && GURU_AT_WORDS.has(t.image))) {
            out.push({ offset: t.offset, end: t.kind === 'embedded' ? t.offset + 2 : t.end, severity: 'warning', code: StapCode.ParseNeedsGuru,
                message: `${t.kind === 'embedded' ? 'embedded C' : '`' + t.image + '`'} needs guru mode: run stap with -g` });
        }
    }
}

/**
 * Runs of removed tokens (inactive branches, definitions, too-deep nests) become one hidden
 * token each: one leaf in the tree instead of thousands. Comments stay single (doc comments),
 * and a run never spans an active token.
 */
function mergeHidden(hidden: readonly StapToken[], active: readonly StapToken[], text: string): StapToken[] {
    const out: StapToken[] = [];
    let a = 0;
    // The run being gathered: its first token, and its end when more than that one joined it (one token made per run,
    // not one per token joining it: inactive branches are thousands of tokens).
    let run: StapToken | undefined;
    let runEnd = -1;
    const flush = (first: StapToken) => {
        out.push(runEnd < 0 ? first : { kind: 'pp', image: text.slice(first.offset, runEnd), offset: first.offset, end: runEnd });
    };
    // (Indexed: the loop runs once a file, mostly before the optimising compiler takes it, where `for … of` makes an
    // iterator result for every token: 8 MB over the tapset library.)
    for (let k = 0; k < hidden.length; k++) {
        const h = hidden[k];
        if (h.kind === 'comment') {
            if (run) flush(run);
            run = undefined;
            out.push(h);
            continue;
        }
        if (run) {
            while (a < active.length && active[a].offset < run.offset) a++;
            if (a >= active.length || active[a].offset >= h.end) {
                runEnd = h.end;
                continue;
            }
            flush(run);
        }
        run = h;
        runEnd = -1;
    }
    if (run) flush(run);
    return capRuns(out, active, text);
}

/** Longest run of hidden tokens between two active ones kept as single leaves. */
const MAX_HIDDEN_RUN = 2000;

/**
 * Tens of thousands of comments in a row (a generated file): keep the last {@link MAX_HIDDEN_RUN}
 * of such a run as leaves (the doc comments nearest the code) and merge the rest into one.
 */
function capRuns(hidden: StapToken[], active: readonly StapToken[], text: string): StapToken[] {
    if (hidden.length <= MAX_HIDDEN_RUN) return hidden;
    const out: StapToken[] = [];
    let a = 0;
    let start = 0;
    const flush = (end: number) => {
        if (end - start > MAX_HIDDEN_RUN) {
            const cut = end - MAX_HIDDEN_RUN;
            const first = hidden[start];
            const last = hidden[cut - 1];
            out.push({ kind: 'comment', image: text.slice(first.offset, last.end), offset: first.offset, end: last.end });
            for (let k = cut; k < end; k++) out.push(hidden[k]);
        } else {
            for (let k = start; k < end; k++) out.push(hidden[k]);
        }
        start = end;
    };
    for (let k = 0; k < hidden.length; k++) {
        const h = hidden[k];
        let crossed = false;
        while (a < active.length && active[a].offset < h.offset) {
            a++;
            crossed = true;
        }
        if (crossed) flush(k);
    }
    flush(hidden.length);
    return out;
}

/** Move the active tokens inside `ranges` to the hidden ones. */
function skipActive(pp: StapPreprocessResult, ranges: readonly StapRange[]): void {
    const kept: StapToken[] = [];
    for (const t of pp.tokens) {
        if (!ranges.some(r => t.offset >= r.offset && t.offset < r.end)) kept.push(t);
        else if (t.expansion === undefined) pp.hidden.push(t);
    }
    pp.tokens = kept;
    pp.hidden.sort((a, b) => a.offset - b.offset);
}

/** Move the active tokens of `runs` (index ranges into them, in order, none inside another) to the hidden ones. */
function hideRuns(pp: StapPreprocessResult, runs: ReadonlyArray<{ from: number; to: number }>): void {
    const kept: StapToken[] = [];
    let r = 0;
    for (let k = 0; k < pp.tokens.length; k++) {
        while (r < runs.length && runs[r].to <= k) r++;
        const t = pp.tokens[k];
        if (r < runs.length && k >= runs[r].from) {
            if (t.expansion === undefined) pp.hidden.push(t);
        } else kept.push(t);
    }
    pp.tokens = kept;
    pp.hidden.sort((a, b) => a.offset - b.offset);
}

/** Move the tokens stap skips in statistics operators' arguments to the hidden ones, with a warning on each run. */
function skipStatArgs(pp: StapPreprocessResult): void {
    const runs = skippedStatArgs(pp.tokens);
    if (!runs.length) return;
    hideRuns(pp, runs);
    for (const run of runs) {
        pp.diagnostics.push({ offset: run.offset, end: run.end, code: StapCode.ParseIgnored, severity: 'warning',
            message: `stap ignores this: it reads one expression as the argument of \`${run.operator}\`, then skips everything up to the next \`,\` or \`)\`` });
    }
}

/**
 * Leave out what lies past {@link MAX_UNCLOSED} brackets left open (see systemtap-unclosed-nests.ts), with a warning.
 * (The preprocessor's count of them holds unless tokens were left out since.)
 */
function skipUnclosedNests(pp: StapPreprocessResult, open: number | undefined): void {
    const runs = unclosedRuns(pp.tokens, open);
    if (!runs.length) return;
    for (const run of runs) {
        const t = pp.tokens[run.from];
        pp.diagnostics.push({ offset: t.offset, end: t.end, code: StapCode.LexTooDeep, severity: 'warning',
            message: `too deeply nested to check: over ${MAX_UNCLOSED} brackets are left open here; not checked from here to the next declaration` });
    }
    hideRuns(pp, runs);
}

/** Line starts of a text, for offset → line/column. */
class LineIndex {
    private startsOf: number[] | undefined;
    private last = 0;

    constructor(private readonly text: string) {}

    /** Made when first asked (most texts have no diagnostic, and the fast parser needs no lines). */
    private get starts(): number[] {
        return (this.startsOf ??= lineStarts(this.text));
    }

    /** 0-based line of an offset (fast for increasing offsets); no allocation per call. */
    line(offset: number): number {
        const s = this.starts;
        let k = this.last;
        if (k >= s.length || s[k] > offset) k = 0;
        if (k + 1 < s.length && s[k + 1] <= offset) k = lineOfOffset(s, offset, k);
        this.last = k;
        return k;
    }

    /** 0-based column of an offset on its line (from {@link line}). */
    column(offset: number, line: number): number {
        return offset - this.starts[line];
    }

    /** 1-based line and column of an offset. */
    at(offset: number): [number, number] {
        const l = this.line(offset);
        return [l + 1, this.column(offset, l) + 1];
    }
}

/**
 * The Langium lexer of SystemTap: stap's lexer, macro expansion and conditional evaluation for
 * the current target (`systemtap-preprocessor.ts`), each token with its token type ({@link lex}: what the
 * hand-written parser reads), as Chevrotain tokens for Langium's parser ({@link chevrotainTokens}, {@link tokenize}).
 * Removed tokens become hidden tokens; expanded tokens take the invocation's offset. It builds no Chevrotain lexer of its
 * own (Langium's DefaultLexer would: ~10 ms per process for a lexer never used, and a warning on stderr).
 */
export class SystemtapLexer implements Lexer {
    readonly definition: TokenTypeDictionary = {};
    private readonly settings: SystemtapSettings;
    /** The document being tokenized, when the document factory says (for its tapset tree's macros). */
    documentUri: URI | undefined;
    /** What the last `tokenize` produced, for the parser to record on the document. */
    lastPreprocess: StapPreprocessResult | undefined;
    /** Ranges of the text whose tokens the parser is not to read (declarations it failed on: see systemtap-parse-recovery.ts). */
    skipRanges: readonly StapRange[] = [];
    /** Brackets nested deeper are not given to the parser (set where it ran out of stack: see systemtap-parse-recovery.ts). */
    maxNesting = Infinity;
    /** Token types by name: terminals (`ID`, `NUMBER`, …) and keywords (`probe`, `+`, `@cast`, …). */
    private readonly types = new Map<string, TokenType>();
    /** The keywords' types alone, by their text: an identifier spelled like a terminal (`NUMBER`, `PP_HIDDEN`) stays one. */
    private readonly keywords = new Map<string, TokenType>();
    /** The types the lexer gives by a token's kind, looked up once (not per token). */
    private readonly idType: TokenType;
    private readonly atWordType: TokenType;
    private readonly numberType: TokenType;
    private readonly stringType: TokenType;
    private readonly embeddedType: TokenType;
    private readonly argType: TokenType;
    private readonly mlCommentType: TokenType;
    private readonly slCommentType: TokenType;
    private readonly ppHiddenType: TokenType;

    constructor(services: SystemtapServices) {
        this.settings = services.settings.SystemtapSettings;
        const tokens = services.parser.TokenBuilder.buildTokens(services.Grammar, { caseInsensitive: false });
        const types = Array.isArray(tokens) ? tokens : Object.values(tokens) as TokenType[];
        // Numbers the token types (tokenTypeIdx) as a Chevrotain lexer would; a parser's recognizer does only that
        // until its self-analysis, which this one never runs.
        new (class extends EmbeddedActionsParser {})(types, { skipValidations: true });
        const terminals = new Set(services.Grammar.rules.filter(GrammarAST.isTerminalRule).map(r => r.name));
        for (const type of types) {
            this.definition[type.name] = type;
            const name = type.name.endsWith(':KW') ? type.name.slice(0, -3) : type.name;
            this.types.set(name, type);
            if (!terminals.has(type.name)) this.keywords.set(name, type);
        }
        this.idType = this.type('ID');
        this.atWordType = this.type('AT_WORD');
        this.numberType = this.type('NUMBER');
        this.stringType = this.type('STR');
        this.embeddedType = this.type('EMBEDDED');
        this.argType = this.type('ARG');
        this.mlCommentType = this.type('ML_COMMENT');
        this.slCommentType = this.type('SL_COMMENT');
        this.ppHiddenType = this.type('PP_HIDDEN');
    }

    private type(name: string): TokenType {
        const t = this.types.get(name);
        if (!t) throw new Error(`no token type ${name}`);
        return t;
    }

    private typeOf(t: StapToken): TokenType | undefined {
        switch (t.kind) {
            case 'ident': return this.keywords.get(t.image) ?? this.idType;
            case 'number': return this.numberType;
            case 'string': return this.stringType;
            case 'embedded': return this.embeddedType;
            case 'arg': return this.argType;
            case 'at': return this.keywords.get(t.image) ?? this.atWordType;
            case 'operator': return this.keywords.get(t.image);
            default: return undefined;
        }
    }

    /**
     * The tokens of `text` as the parsers read them: preprocessed for the target, each active token with its type,
     * the hidden ones (comments, and a token each for runs of removed text) in order, and the lexer's findings.
     */
    lex(text: string): StapLexed {
        const uri = this.documentUri;
        let pp: StapPreprocessResult;
        if (text.length > STAP_MAX_TEXT || text.includes('\0')) {
            const big = text.length > STAP_MAX_TEXT;
            const what = big ? `larger than ${STAP_MAX_TEXT / 1024 / 1024} MB` : 'binary (it holds NUL bytes)';
            pp = {
                tokens: [], hidden: [], inactiveRanges: [], expansions: [], macros: new Map(),
                diagnostics: [{ offset: 0, end: Math.min(1, text.length), message: `not checked: the file is ${what}`,
                    code: StapCode.LexNotText, severity: big ? 'warning' : 'error' }],
            };
        } else {
            const target = withShebang(this.settings.target, text);
            const load = this.settings.libraryLoadFor(uri, shebangCommandLine(text)?.includeDirs);
            const name = uri?.toString();
            pp = preprocessStap(text, target, load.library, name, this.maxNesting);
            if (isStapLibraryFile(name)) {
                // stap reads a library file for its macros only, never as a script: nothing for the parser.
                pp.diagnostics.push(...libraryFileProblems(pp, load.library, name, readBeforeIn(load, name!)));
                skipActive(pp, [{ offset: 0, end: text.length }]);
            } else {
                pp.diagnostics.push(...brokenLibraryFiles(load.problems, Math.min(1, text.length)));
                const script = !this.settings.tapsetRootOf(uri);
                if (!target.guru && script) addGuruWarnings(pp.tokens, pp.diagnostics);
                // stap refuses a script with nothing to parse; a tapset file it reads as the library may be so for a target.
                // (Not after an error that left it so, as a `@define` without its `%)`: stap reports that one first.)
                if (script && pp.tokens.length === 0 && !pp.diagnostics.some(d => d.severity === 'error')) {
                    const comments = pp.hidden.every(t => t.kind === 'comment');
                    pp.diagnostics.push({ offset: 0, end: Math.min(1, text.length), code: StapCode.PpEmpty, severity: 'error',
                        message: comments ? 'the script is empty: stap needs a probe, a function or a global in it'
                            : 'the script is empty after preprocessing: for this target nothing is left of it, and stap refuses it' });
                }
                // (Each a pass over the whole stream: run where the preprocessor saw what it looks for.)
                if (pp.statOperators !== false) skipStatArgs(pp);
                skipUnclosedNests(pp, pp.statOperators === false ? pp.openBrackets : undefined);
                if (this.skipRanges.length) skipActive(pp, this.skipRanges);
            }
        }
        this.lastPreprocess = pp;
        const lines = new LineIndex(text);
        const diagnostics: StapLexingDiagnostic[] = pp.diagnostics.map(d => this.toDiagnostic(d, lines));
        const all = pp.tokens;
        const types: TokenType[] = new Array(all.length);
        let tokens: StapToken[] = all;
        let indexes: number[] | undefined;
        let stray: StapToken[] | undefined;
        let n = 0;
        for (let k = 0; k < all.length; k++) {
            const t = all[k];
            const type = this.typeOf(t);
            if (type) {
                if (indexes) {
                    tokens.push(t);
                    indexes.push(k);
                }
                types[n++] = type;
                continue;
            }
            // A token no type takes: reported, and hidden (unless it came from an expansion); the parsers read the others.
            diagnostics.push(this.toDiagnostic({ offset: t.offset, end: t.end, message: `unexpected \`${t.image}\``,
                code: StapCode.LexUnexpectedChar, severity: 'error' }, lines));
            if (t.expansion === undefined) (stray ??= []).push(t);
            if (!indexes) {
                tokens = all.slice(0, k);
                indexes = Array.from({ length: k }, (_, i) => i);
            }
        }
        types.length = n;
        let hidden = mergeHidden(pp.hidden, all, text);
        // Tokens no type takes are rare; without them the hidden ones are in order already.
        if (stray) hidden = mergeByOffset(stray, hidden);
        const hiddenTypes: TokenType[] = new Array(hidden.length);
        for (let k = 0; k < hidden.length; k++) hiddenTypes[k] = this.hiddenType(hidden[k]);
        return { tokens, types, indexes, hidden, hiddenTypes, diagnostics };
    }

    /** Chevrotain's tokens for the tokens of {@link lex} (for Langium's parser, which reads what the fast parser does not take). */
    chevrotainTokens(text: string, lexed: StapLexed): { tokens: IToken[]; hidden: IToken[] } {
        const lines = new LineIndex(text);
        const tokens: IToken[] = new Array(lexed.tokens.length);
        for (let k = 0; k < lexed.tokens.length; k++) {
            const token = this.token(lexed.tokens[k], lexed.types[k], lines);
            token.stapIndex = lexed.indexes ? lexed.indexes[k] : k;
            tokens[k] = token;
        }
        const hidden: IToken[] = new Array(lexed.hidden.length);
        for (let k = 0; k < lexed.hidden.length; k++) hidden[k] = this.token(lexed.hidden[k], lexed.hiddenTypes[k], lines);
        return { tokens, hidden };
    }

    tokenize(text: string, _options?: TokenizeOptions): LexerResult {
        const lexed = this.lex(text);
        const { tokens, hidden } = this.chevrotainTokens(text, lexed);
        return { tokens, hidden, errors: [], report: { diagnostics: lexed.diagnostics } };
    }

    private hiddenType(t: StapToken): TokenType {
        if (t.kind === 'comment') return t.image.startsWith('/*') ? this.mlCommentType : this.slCommentType;
        return this.ppHiddenType;
    }

    private token(t: StapToken, type: TokenType, lines: LineIndex): StapIToken {
        const startLine = lines.line(t.offset);
        const startColumn = lines.column(t.offset, startLine);
        const last = Math.max(t.offset, t.end - 1);
        const endLine = lines.line(last);
        const endColumn = lines.column(last, endLine);
        // Every field in the literal, `stapSpan`, `stapIndex` and `stapOrigin` too (undefined when
        // unused): a field added later moves the token's fields into a second object.
        return {
            image: t.image,
            startOffset: t.offset,
            endOffset: last,
            startLine: startLine + 1, startColumn: startColumn + 1, endLine: endLine + 1, endColumn: endColumn + 1,
            tokenTypeIdx: type.tokenTypeIdx!,
            tokenType: type,
            stapSpan: t.expansion !== undefined || t.end - t.offset !== t.image.length ? t.end - t.offset : undefined,
            stapIndex: undefined,
            stapOrigin: t.origin,
        };
    }

    private toDiagnostic(d: StapDiagnostic, lines: LineIndex): StapLexingDiagnostic {
        const [line, column] = lines.at(d.offset);
        const [endLine, endColumn] = lines.at(Math.max(d.offset, d.end));
        const length = endLine === line ? Math.max(1, endColumn - column) : 1;
        return { offset: d.offset, line, column, length, message: d.message, severity: d.severity, code: d.code };
    }
}
