import type { IToken, TokenType, TokenTypeDictionary } from 'chevrotain';
import type { LangiumCoreServices, Lexer, LexerResult, TokenizeOptions } from 'langium';
import type { LexingDiagnostic } from 'langium';
import {
    isDigit, isIdentPart, isIdentStart, isSpace, scanAttachPoint, scanBlockComment, scanCBlock, scanIdent, scanJoinedAttachPoint,
    scanPreprocessorLine, scanShellSubstitution, scanString, skipTrivia, type ScanProblem,
} from './bpftrace-lexer-scan.js';
import { BtCode, type BtCodeValue } from './bpftrace-diagnostic-codes.js';
import { isCastPosition, isCastTypeof, isTypePosition } from './bpftrace-lexer-types.js';
import { lineOfOffset, lineStarts } from '../common/line-starts.js';
import type { BpftraceServices } from './bpftrace-module.js';
import { V017 } from './bpftrace-versions.js';
import { MAX_CHECKED_TEXT } from '../common/lexer-codes.js';

/**
 * Limits that keep the recursive-descent parser, and Langium's services that walk the tree
 * recursively, within Node's default stack (984 KB). Measured in a fresh process (the first parse
 * runs unoptimised code, whose frames are the largest), a parse overflows at about 66 nested
 * blocks or block expressions, 91 nested parentheses, 152 nested subscripts, 311 nested `?:`,
 * 492 prefix operators or casts in a row; completion overflows at about 195 `else if` in a row,
 * the document outline at an operator chain of about 2,780. Each limit keeps a margin of 1.6 or
 * more. Real scripts stay far below them: the deepest bracket nesting in the upstream corpus is 7.
 * bpftrace 0.17 itself takes 5,000 nested `if` blocks or a 7,000-term sum, and crashes
 * (segmentation fault) at 10,000 of either.
 */
export const BT_LIMITS = {
    /** Nested `(`, `[`, `{` together. */
    nesting: 40,
    /** Prefix operators, casts and `comptime` in a row (`!!!!x`, `(int8)(uint8)x`). */
    prefixRun: 200,
    /** Conditional operators `?` in one statement. */
    conditionals: 100,
    /** `else if` in one chain. */
    elseIfs: 100,
    /** Operators in one statement (an operator chain is a tree as deep as it is long). */
    operators: 1500,
    /** Lexical errors before the lexer gives up (binary junk would otherwise yield millions). */
    errors: 100,
    /** Characters of a file that is checked at all (the largest upstream program, stdlib/base.bt, is 49 KB). */
    text: MAX_CHECKED_TEXT,
};

/** A lexer diagnostic with its stable code. */
export interface BtLexingDiagnostic extends LexingDiagnostic {
    code: BtCodeValue;
}

/** How the message of a lexer limit begins. */
const TOO_COMPLEX = 'too complex to check';
/** How the message of a lexer stop ends (the validator drops the parser's errors after it). */
export const REST_NOT_CHECKED = 'the rest of the file is not checked';

/** Operators that are punctuation: they do not count towards an expression's operator run. */
const PUNCTUATION = new Set(['(', ')', '[', ']', ',', '.', ':']);

const KEYWORDS = new Set([
    'if', 'else', 'while', 'unroll', 'for', 'let', 'return', 'break', 'continue', 'config', 'import',
    'macro', 'fn', 'sizeof', 'offsetof', 'typeof', 'comptime', 'true', 'false', 'struct', 'union', 'enum',
]);

/** Built-in type words: they can open a cast (`(uint8 *)x`). */
export const TYPE_WORDS = new Set([
    'bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'string', 'buffer',
    'inet', 'void',
]);

const TOP_KEYWORDS = new Set(['config', 'import', 'macro', 'fn', 'let']);
/** Keywords only at the start of a top-level item; elsewhere plain names (`config()`, `macro config()`). */
const CONTEXTUAL_KEYWORDS = new Set(['config', 'import', 'macro', 'fn']);


const OPERATORS = [
    '<<=', '>>=', '->', '..', '++', '--', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '==', '!=', '<=', '>=',
    '<<', '>>', '&&', '||', '+', '-', '*', '/', '%', '&', '|', '^', '!', '~', '<', '>', '=', '?', ':', ',', ';',
    '.', '(', ')', '[', ']', '{', '}',
];
const PREFIX_OPERATORS = new Set(['!', '~', '-', '*', '&', '++', '--']);

/**
 * The bpftrace lexer. What a piece of text is depends on where it stands: at the start of a top-level
 * item a word is an attach point read as raw text (`uprobe:/bin/bash:readline`, `kprobe:vfs_*`); a
 * `#` line or a `struct {…}` there is an opaque C definition; after the attach points a `/` opens the
 * predicate and the `/` right before the block closes it; inside blocks it is an expression token.
 * Chevrotain's regex lexer cannot carry that context, so this is a small hand-written scanner that
 * emits tokens of the grammar's vocabulary.
 */
export class BpftraceLexer implements Lexer {
    readonly definition: TokenTypeDictionary;

    constructor(private readonly services: LangiumCoreServices) {
        const tokens = services.parser.TokenBuilder.buildTokens(services.Grammar, { caseInsensitive: false });
        const dictionary: TokenTypeDictionary = {};
        for (const t of Array.isArray(tokens) ? tokens : Object.values(tokens) as TokenType[]) {
            dictionary[t.name] = t;
        }
        this.definition = dictionary;
    }

    tokenize(text: string, _options?: TokenizeOptions): LexerResult {
        // bpftrace 0.17 joins an attach point's pieces across spaces and comments (`kprobe : vfs_read`, measured).
        const target = (this.services as Partial<BpftraceServices>).settings?.BpftraceSettings.target;
        return new LexerRun(text, this.definition, target === V017).run();
    }
}

interface Frame {
    char: string;
    /** A `(` that opens a cast: its `)` continues the prefix run from before the `(`. */
    cast?: boolean;
    prefixRunBefore: number;
    /** `else if` so far in the chain of the statement at this level. */
    elseIfs: number;
}

class LexerRun {
    private readonly tokens: IToken[] = [];
    private readonly hidden: IToken[] = [];
    private readonly diagnostics: LexingDiagnostic[] = [];
    private readonly lineStarts: number[];
    private lineCursor = 0;
    private pos = 0;
    private readonly stack: Frame[] = [];
    /** Top level, where a new item (probe, config, C definition, …) may start. */
    private atItemStart = true;
    /** In a probe header, right after a `,`: the next word is another attach point. */
    private expectAttach = false;
    /** In a probe header, between the attach points and the block. */
    private inHeader = false;
    /** Stack depth at which the current predicate started, or -1. */
    private predicateDepth = -1;
    private topKeyword: string | undefined;
    private prefixRun = 0;
    private operatorRun = 0;
    private conditionalRun = 0;
    private elseIfsAtTop = 0;
    private stopped = false;
    /**
     * Past a limit inside a top-level item: its tokens are dropped up to the item's end, so that
     * the parser sees the file without it and checks everything else.
     */
    private skipping = false;
    /** Where the current top-level item's tokens begin. */
    private itemTokens = 0;
    private itemHidden = 0;

    /**
     * `v017` (bpftrace 0.17's lexer rules): an attach point goes on across spaces and comments up to `{`, `,` or `/`,
     * a `#!` line is a comment wherever it starts a line, and a C definition's braces count inside its strings too.
     */
    constructor(private readonly text: string, private readonly types: TokenTypeDictionary, private readonly v017 = false) {
        this.lineStarts = lineStarts(text);
    }

    run(): LexerResult {
        const text = this.text;
        if (text.length > BT_LIMITS.text) {
            this.diagnostics.push({
                offset: 0, line: 1, column: 1, length: Math.min(1, text.length), severity: 'warning', code: BtCode.TooLarge,
                message: `not checked: the file is larger than ${BT_LIMITS.text / 1024 / 1024} MB`,
            } as BtLexingDiagnostic);
            return { tokens: [], hidden: [], errors: [], report: { diagnostics: this.diagnostics } };
        }
        if (text.startsWith('#!')) {
            const end = scanPreprocessorLine(text, 0);
            this.emit('SHEBANG', 0, end, true);
            this.pos = end;
        }
        while (!this.stopped) {
            this.skipTriviaEmitting();
            if (this.pos >= text.length) break;
            this.next();
        }
        if (this.skipping) this.dropItem();
        return { tokens: this.tokens, hidden: this.hidden, errors: [], report: { diagnostics: this.diagnostics } };
    }

    private next(): void {
        const text = this.text;
        const start = this.pos;
        const c = text.charCodeAt(start);
        if (this.stack.length === 0 && (this.atItemStart || this.expectAttach)) {
            if (this.topLevelItem(start, c)) return;
        }
        if (c === 34) {
            const r = scanString(text, start);
            this.problems(r.problems);
            this.emit('STRING_LIT', start, r.end);
            this.pos = r.end;
            this.afterOperand();
            return;
        }
        if (isDigit(c)) {
            let end = start + 1;
            while (end < text.length && isIdentPart(text.charCodeAt(end))) end++;
            this.emit('INTEGER', start, end);
            this.pos = end;
            this.afterOperand();
            return;
        }
        if (isIdentStart(c)) {
            this.word(start);
            return;
        }
        if (c === 36 /* $ */) {
            this.dollar(start);
            return;
        }
        if (c === 64 /* @ */) {
            const end = isIdentPart(text.charCodeAt(start + 1)) ? scanIdent(text, start + 1) : start + 1;
            this.emit('MAP', start, end);
            this.pos = end;
            this.afterOperand();
            return;
        }
        this.operator(start);
    }

    /** A top-level item start; returns false when the text there is lexed as ordinary tokens. */
    private topLevelItem(start: number, c: number): boolean {
        const text = this.text;
        if (!this.expectAttach) this.markItemStart();
        if (c === 36 && text.charCodeAt(start + 1) === 40 && !this.expectAttach) {
            // A whole item made by shell substitution (upstream's runtime tests): opaque, not checked.
            const end = scanShellSubstitution(text, start);
            this.emit('SHELL_SUBST', start, end, true);
            this.pos = end;
            return true;
        }
        if (c === 35 /* # */ && !this.expectAttach) {
            const end = scanPreprocessorLine(text, start);
            // 0.17 reads a `#!` line at the start of any line as a comment (measured: `BEGIN { }\n#!/bin/x\nEND { }`).
            if (this.v017 && text.charCodeAt(start + 1) === 33 && (start === 0 || text.charCodeAt(start - 1) === 10)) {
                this.emit('SHEBANG', start, end, true);
                this.pos = end;
                return true;
            }
            this.emit('C_PREPROC', start, end);
            this.pos = end;
            return true;
        }
        if (isIdentStart(c) && !this.expectAttach) {
            const end = scanIdent(text, start);
            const word = text.slice(start, end);
            if (TOP_KEYWORDS.has(word) && !/^[:*]/.test(text.slice(end, end + 1))) {
                this.emit(word, start, end);
                this.pos = end;
                this.atItemStart = false;
                this.topKeyword = word;
                return true;
            }
            if ((word === 'struct' || word === 'union' || word === 'enum') && !/^[:*]/.test(text.slice(end, end + 1))) {
                const r = scanCBlock(text, start, this.v017);
                this.problems(r.problems);
                this.emit('C_BLOCK', start, r.end);
                this.pos = r.end;
                return true;
            }
        }
        if (this.v017 && c === 44) {
            // An empty attach point: 0.17 drops it (`,BEGIN`, `BEGIN,,END`, `BEGIN { } , END { }` parse, measured).
            this.emit('EMPTY_ATTACH', start, start + 1, true);
            this.pos = start + 1;
            this.expectAttach = true;
            this.inHeader = true;
            return true;
        }
        if (c === 123 || c === 125 || c === 59 || c === 44 || c === 47 || c === 40 || c === 41) {
            // `{` with no attach point, a stray `}`/`;`, a trailing `,`, a predicate after a trailing `,`.
            return false;
        }
        // 0.17 starts no attach point with a variable: `$x kprobe:f` is a variable, then a syntax error (measured).
        if (this.v017 && c === 36 /* $ */ && /[A-Za-z_]/.test(text.charAt(start + 1))) return false;
        const r: { end: number; problems: ScanProblem[]; image?: string } = this.v017 ? scanJoinedAttachPoint(text, start) : scanAttachPoint(text, start);
        this.problems(r.problems);
        this.emit('ATTACH_POINT', start, r.end, false, r.image);
        this.pos = r.end;
        this.atItemStart = false;
        this.expectAttach = false;
        this.inHeader = true;
        this.topKeyword = undefined;
        return true;
    }

    private word(start: number): void {
        const text = this.text;
        const end = scanIdent(text, start);
        const word = text.slice(start, end);
        let type = 'ID';
        let cast = false;
        if (word === 'typeof' && isCastTypeof(this.tokens, text, end)) {
            type = 'CAST_TYPEOF';
            cast = true;
        } else if (KEYWORDS.has(word) && !CONTEXTUAL_KEYWORDS.has(word)) {
            type = word;
            cast = (word === 'struct' || word === 'union' || word === 'enum') && this.tokens[this.tokens.length - 1]?.image === '(';
        } else if (word === 'import' && text[skipTrivia(text, end)] === '"') {
            type = word;
        } else {
            const typeWord = TYPE_WORDS.has(word);
            if (this.stack.length > 0 && this.predicateDepth < 0 && isTypePosition(this.tokens)) {
                type = typeWord ? 'TYPE_WORD' : 'CAST_NAME';
            } else if (isCastPosition(this.tokens, text, end, word, typeWord)) {
                type = typeWord ? 'TYPE_WORD' : 'CAST_NAME';
                cast = true;
            }
        }
        const previous = this.tokens[this.tokens.length - 1]?.image;
        this.emit(type, start, end);
        this.pos = end;
        const top = this.stack[this.stack.length - 1];
        if (cast && top?.char === '(') top.cast = true;
        if (word === 'comptime') {
            this.countPrefix(start);
        } else if (word === 'if') {
            this.countElseIf(start, previous === 'else');
        } else {
            this.afterOperand();
        }
    }

    private dollar(start: number): void {
        const text = this.text;
        const next = text.charCodeAt(start + 1);
        let end = start + 1;
        let type = 'VAR';
        if (isDigit(next)) {
            while (end < text.length && isDigit(text.charCodeAt(end))) end++;
            type = 'POSITIONAL';
        } else if (next === 35 /* # */) {
            end = start + 2;
            type = 'POSITIONAL';
        } else if (isIdentStart(next)) {
            end = scanIdent(text, start + 1);
        } else {
            this.problem(start, 1, "invalid character '$': a variable needs a name ($name), a positional parameter a number ($1)", BtCode.LexCharacter);
            this.pos = start + 1;
            return;
        }
        this.emit(type, start, end);
        this.pos = end;
        this.afterOperand();
    }

    private operator(start: number): void {
        const text = this.text;
        const op = OPERATORS.find(o => text.startsWith(o, start));
        if (!op) {
            const cp = text.codePointAt(start) ?? 0;
            const len = cp > 0xffff ? 2 : 1;
            this.problem(start, len, `invalid character '${text.slice(start, start + len)}'`, BtCode.LexCharacter);
            this.pos = start + len;
            return;
        }
        const end = start + op.length;
        this.pos = end;
        const atTop = this.stack.length === 0;
        if (op === '/' && atTop && this.inHeader && this.predicateDepth < 0) {
            this.predicateDepth = 0;
            this.expectAttach = false;
            this.emit('PRED_START', start, end);
            this.prefixRun = 0;
            return;
        }
        if (op === '/' && this.predicateDepth === this.stack.length && this.predicateDepth >= 0) {
            const after = skipTrivia(text, end);
            if (text[after] === '{' || after >= text.length) {
                this.predicateDepth = -1;
                this.emit('PRED_END', start, end);
                return;
            }
        }
        this.emit(op, start, end);
        const prefixRunBefore = this.prefixRun;
        if (PREFIX_OPERATORS.has(op)) {
            this.countPrefix(start);
        } else {
            this.prefixRun = 0;
        }
        if (op === ';' || op === '{' || op === '}') {
            this.operatorRun = 0;
            this.conditionalRun = 0;
            if (op === ';') this.setElseIfs(0);
        } else if (op === '?') {
            if (++this.conditionalRun > BT_LIMITS.conditionals) {
                this.tooDeep(start, `more than ${BT_LIMITS.conditionals} nested conditionals (?:) in one statement`);
            }
        } else if (!PUNCTUATION.has(op) && ++this.operatorRun > BT_LIMITS.operators) {
            this.tooDeep(start, `more than ${BT_LIMITS.operators} operators in one statement`);
        }
        if (op === '(' || op === '[' || op === '{') {
            if (op === '{' && atTop) {
                this.inHeader = false;
                this.predicateDepth = -1;
                this.expectAttach = false;
            }
            this.stack.push({ char: op, prefixRunBefore, elseIfs: 0 });
            if (this.stack.length > BT_LIMITS.nesting) this.tooDeep(start, `brackets nested more than ${BT_LIMITS.nesting} deep`);
        } else if (op === ')' || op === ']' || op === '}') {
            const closed = this.close(op === ')' ? '(' : op === ']' ? '[' : '{');
            this.prefixRun = 0;
            // `(int8)(uint8)x`: each cast is one more level of the operand's tree, like `!`.
            if (closed?.cast && op === ')') {
                this.prefixRun = closed.prefixRunBefore;
                this.countPrefix(start);
            }
            if (this.stack.length === 0) {
                if (op === '}') this.endItem();
                else if (op === ')' && this.topKeyword === 'let') this.endItem();
            }
        } else if (atTop && op === ';') {
            this.endItem();
        } else if (atTop && op === ',' && this.inHeader && this.predicateDepth < 0) {
            this.expectAttach = true;
        }
    }

    /**
     * Pop the bracket a closer matches. A `}` also closes any `(`/`[` left open inside its block,
     * and a `)`/`]` without an opener in the current block is ignored: one missing bracket then
     * breaks one statement, not the lexing of the rest of the file.
     */
    private close(opener: string): Frame | undefined {
        const stack = this.stack;
        for (let i = stack.length - 1; i >= 0; i--) {
            if (stack[i].char === opener) {
                const frame = stack[i];
                stack.length = i;
                return frame;
            }
            if (stack[i].char === '{') return undefined;
        }
        return undefined;
    }

    private endItem(): void {
        this.atItemStart = true;
        this.inHeader = false;
        this.expectAttach = false;
        this.predicateDepth = -1;
        this.topKeyword = undefined;
        this.markItemStart();
    }

    /**
     * The next token begins a top-level item (a C definition line is one item, the probe after it
     * another); an item being dropped ends here.
     */
    private markItemStart(): void {
        if (this.skipping) this.dropItem();
        this.itemTokens = this.tokens.length;
        this.itemHidden = this.hidden.length;
    }

    private afterOperand(): void {
        this.prefixRun = 0;
    }

    private countPrefix(offset: number): void {
        if (++this.prefixRun > BT_LIMITS.prefixRun) {
            this.tooDeep(offset, `more than ${BT_LIMITS.prefixRun} prefix operators or casts in a row`);
        }
    }

    /** An `if`: one more in its statement's `else if` chain, or the start of a new chain. */
    private countElseIf(offset: number, afterElse: boolean): void {
        this.afterOperand();
        const top = this.stack[this.stack.length - 1];
        const count = afterElse ? (top?.elseIfs ?? this.elseIfsAtTop) + 1 : 0;
        this.setElseIfs(count);
        if (count > BT_LIMITS.elseIfs) this.tooDeep(offset, `more than ${BT_LIMITS.elseIfs} \`else if\` in a row`);
    }

    private setElseIfs(count: number): void {
        const top = this.stack[this.stack.length - 1];
        if (top) top.elseIfs = count;
        else this.elseIfsAtTop = count;
    }

    /**
     * Past a limit: report it, and drop the top-level item around it (probe, function, macro) up
     * to its end, so that the rest of the file is still checked. One report per item.
     */
    private tooDeep(offset: number, what: string): void {
        if (this.stopped || this.skipping) return;
        // A warning: nothing is wrong with the text as far as it is known (bpftrace 0.17 takes 5,000 nested `if`s),
        // it is only not checked here.
        this.diagnostics.push({
            ...this.position(offset), length: 1, severity: 'warning', code: BtCode.TooComplex,
            message: `${TOO_COMPLEX}: ${what}; the probe or definition around it is not checked`,
        } as BtLexingDiagnostic);
        this.skipping = true;
    }

    private dropItem(): void {
        this.tokens.length = this.itemTokens;
        this.hidden.length = this.itemHidden;
        this.skipping = false;
    }

    /** Report and stop: the tokens so far go to the parser, the rest of the file is not read. */
    private stop(offset: number, what: string): void {
        if (this.stopped) return;
        this.diagnostics.push({
            ...this.position(offset), length: 1, severity: 'error', code: BtCode.TooComplex,
            message: `${TOO_COMPLEX}: ${what}; ${REST_NOT_CHECKED}`,
        } as BtLexingDiagnostic);
        this.stopped = true;
    }

    private skipTriviaEmitting(): void {
        const text = this.text;
        let i = this.pos;
        while (i < text.length) {
            const c = text.charCodeAt(i);
            if (isSpace(c)) {
                i++;
            } else if (c === 47 && text.charCodeAt(i + 1) === 47) {
                const nl = text.indexOf('\n', i);
                const end = nl < 0 ? text.length : nl;
                this.emit('SL_COMMENT', i, end, true);
                i = end;
            } else if (c === 47 && text.charCodeAt(i + 1) === 42) {
                const r = scanBlockComment(text, i);
                this.problems(r.problems);
                this.emit('ML_COMMENT', i, r.end, true);
                i = r.end;
            } else {
                break;
            }
        }
        this.pos = i;
    }

    private problems(problems: ScanProblem[]): void {
        for (const p of problems) this.problem(p.offset, p.length, p.message, p.code);
    }

    private problem(offset: number, length: number, message: string, code: BtCodeValue): void {
        // Problems inside a dropped item are not reported: the item is not checked.
        if (this.stopped || this.skipping) return;
        this.diagnostics.push({ ...this.position(offset), length, message, severity: 'error', code } as BtLexingDiagnostic);
        if (this.diagnostics.length >= BT_LIMITS.errors) {
            this.stop(offset + length, `more than ${BT_LIMITS.errors} lexical errors (is this a bpftrace file?)`);
        }
    }

    private position(offset: number): { offset: number; line: number; column: number } {
        const line = lineOfOffset(this.lineStarts, offset);
        return { offset, line: line + 1, column: offset - this.lineStarts[line] + 1 };
    }

    private lineOf(offset: number): number {
        const starts = this.lineStarts;
        // Tokens come in order: move the cursor forward (and back only after a rare jump).
        if (starts[this.lineCursor] > offset) this.lineCursor = 0;
        if (this.lineCursor + 1 < starts.length && starts[this.lineCursor + 1] <= offset) {
            this.lineCursor = lineOfOffset(starts, offset, this.lineCursor);
        }
        return this.lineCursor;
    }

    /** `image`: the token's value where it is not its text (an attach point joined across spaces). */
    private emit(typeName: string, start: number, end: number, hidden = false, image?: string): void {
        if (this.skipping) return;
        const tokenType = this.types[typeName];
        if (!tokenType) {
            this.problem(start, end - start, `unexpected '${this.text.slice(start, end)}'`, BtCode.LexCharacter);
            return;
        }
        const startLine = this.lineOf(start);
        const startColumn = start - this.lineStarts[startLine] + 1;
        const endLine = this.lineOf(Math.max(start, end - 1));
        const endColumn = Math.max(start, end - 1) - this.lineStarts[endLine] + 1;
        const token: IToken = {
            image: image ?? this.text.slice(start, end),
            startOffset: start,
            endOffset: end - 1,
            startLine: startLine + 1,
            endLine: endLine + 1,
            startColumn,
            endColumn,
            tokenType,
            tokenTypeIdx: tokenType.tokenTypeIdx!,
        };
        (hidden ? this.hidden : this.tokens).push(token);
    }
}
