import { DefaultDocumentValidator, type AstReflection, type LangiumCoreServices, type LangiumDocument, type ParseResult, type ValidationOptions } from 'langium';
import type { IToken } from 'chevrotain';
import { DiagnosticSeverity, DiagnosticTag, type Diagnostic } from 'vscode-languageserver-types';
import { stapPreprocessResult, type StapParserError } from './systemtap-parser.js';
import { stampLexerCodes } from '../common/lexer-codes.js';
import { StapCode } from './systemtap-diagnostic-codes.js';
import type { StapRootCstNode } from './systemtap-cst-nodes.js';
import type { StapIToken } from './systemtap-lexer.js';
import { placeInExpansion } from './systemtap-expansion-diagnostics.js';
import { PRINT_FAMILY } from './systemtap-syntax-checks.js';
import { firstAtOrAfter } from '../common/offset-search.js';

/** At most this many parser errors per file: past that they are noise (and cost time on junk input). */
const MAX_PARSER_ERRORS = 100;

/** At most this many faded branches per file (a generated file may hold thousands). */
const MAX_INACTIVE_HINTS = 1000;

/**
 * Langium's document validator, with the stable codes of the lexer, preprocessor and parser
 * diagnostics (`systemtap-diagnostic-codes.ts`) on each diagnostic.
 */
export class SystemtapDocumentValidator extends DefaultDocumentValidator {
    private readonly reflection: AstReflection;

    constructor(services: LangiumCoreServices) {
        super(services);
        this.reflection = services.shared.AstReflection;
    }

    /** Langium walks the whole tree for the checks of each node: none are registered (syntax is the parser's), so no walk. */
    protected override async validateAstNodes(...args: Parameters<DefaultDocumentValidator['validateAstNodes']>): Promise<void> {
        const types = this.reflection.getAllTypes();
        if (types.some(type => !this.validationRegistry.getChecks(type).isEmpty())) await super.validateAstNodes(...args);
    }

    override async validateDocument(document: LangiumDocument, options: ValidationOptions = {}, cancelToken?: Parameters<DefaultDocumentValidator['validateDocument']>[2]): Promise<Diagnostic[]> {
        const diagnostics = await super.validateDocument(document, options, cancelToken);
        diagnostics.push(...inactiveBranchHints(document));
        // Lexer, parser and rule findings come in three lists: in order of position, as stap reports them (a `%(` left
        // open last: stap finds it at the end of the file, after what it parsed of the branch on the way).
        diagnostics.sort((a, b) => Number(openAtEnd(a)) - Number(openAtEnd(b))
            || a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
        const starts = stapPreprocessResult(document.parseResult.value)?.declarationStarts;
        const one = oneErrorPerPlace(diagnostics);
        return starts ? firstErrorPerDeclaration(one, starts, document) : one;
    }

    protected override processLexingErrors(parseResult: ParseResult, diagnostics: Diagnostic[], options: ValidationOptions): void {
        const first = diagnostics.length;
        super.processLexingErrors(parseResult, diagnostics, options);
        stampLexerCodes(parseResult, diagnostics, first, StapCode.LexUnexpectedChar);
    }

    protected override processParsingErrors(parseResult: ParseResult, diagnostics: Diagnostic[], options: ValidationOptions): void {
        const errors = parseResult.parserErrors as StapParserError[];
        const kept = errors.length > MAX_PARSER_ERRORS ? errors.slice(0, MAX_PARSER_ERRORS) : errors;
        const root = parseResult.value.$cstNode?.root as StapRootCstNode | undefined;
        const record = stapPreprocessResult(parseResult.value);
        const uri = parseResult.value.$document?.uri.toString();
        for (const err of kept) {
            const start = diagnostics.length;
            super.processParsingErrors({ ...parseResult, parserErrors: [err] }, diagnostics, options);
            for (let k = start; k < diagnostics.length; k++) {
                diagnostics[k].code = err.stapCode ?? StapCode.ParseExpected;
                endOfFileAtLastToken(diagnostics[k], err);
                placeInExpansion(diagnostics[k], err.token as StapIToken, record, root, uri);
            }
        }
        if (errors.length > kept.length) {
            const last = diagnostics[diagnostics.length - 1];
            if (last) last.message += ` (and ${errors.length - kept.length} more syntax errors not shown)`;
        }
    }
}

/** Statement words stap reads with its `next()`, as it then reads what must follow them. */
const NEXT_READ_WORDS = new Set(['if', 'while', 'for', 'foreach', 'try']);

/**
 * The end of the file where stap reports it at the token before: stap reads that token and then the one after it with
 * its `next()`, which, finding none, names the token it read last ("unexpected end-of-file").
 */
function endOfFileAtLastToken(d: Diagnostic, err: StapParserError): void {
    const prev = (err as { previousToken?: IToken }).previousToken;
    if (!prev || !isNaN(err.token.startOffset) || isNaN(prev.startOffset) || prev.startLine === undefined || prev.startColumn === undefined) return;
    if (!readWithNext(prev, d.message, (err as { context?: { ruleStack?: string[] } }).context?.ruleStack ?? [])) return;
    const line = prev.startLine - 1;
    d.range = { start: { line, character: prev.startColumn - 1 }, end: { line, character: prev.startColumn - 1 + prev.image.length } };
    if (PRINT_FAMILY.has(prev.image)) {
        d.message = `expected \`(\`: \`${prev.image}\` is a print function, called with its arguments in parentheses, but found the end of the file`;
    }
}

/**
 * Whether stap reads the token after `prev` with its `next()` (see {@link endOfFileAtLastToken}): after a statement
 * word, `->`, an @-operator, a print function's name, an expression's `in` (not `foreach (k in`'s, read another way),
 * the `probe` that starts a declaration, a function's or a parameter's name, a number as a probe point component's
 * argument (not a string) and a global's `=`. `rules`: the grammar rules being parsed at the error, outermost first.
 */
function readWithNext(prev: IToken, message: string, rules: readonly string[]): boolean {
    const image = prev.image;
    if (NEXT_READ_WORDS.has(image) || image === '->' || /^@\w/.test(image) || PRINT_FAMILY.has(image)) return true;
    if (image === 'in') return message.startsWith('expected an expression');
    if (image === 'probe') return message.startsWith('expected a probe point component');
    // (Langium's rule names end in a zero-width space.)
    const rule = (name: string) => (r: string | undefined) => r?.replace(/\u200b$/, '') === name;
    if (image === '=') return rules.some(rule('StapGlobalVar'));
    const type = prev.tokenType?.name;
    if (type === 'ID' && rule('StapFunction')(rules[rules.length - 1])) return message.startsWith('expected `(`') || message.startsWith('expected `)` to close the parameter list');
    return type === 'NUMBER' && rules.some(rule('StapComponent'));
}

/** Which error stands when a preprocessor or lexer error and a parser error start at one place: what stap meets first there. */
function rank(d: Diagnostic): number {
    const code = String(d.code ?? '');
    // stap checks a number when its parser takes it: the parser's complaint about the token comes first.
    if (code === StapCode.LexBadNumber) return 3;
    return code.startsWith('stap-pp-') ? 0 : code.startsWith('stap-lex-') ? 1 : 2;
}

/** Whether an error is the parser's (its own, or its rules beyond the grammar). */
function byParser(d: Diagnostic): boolean {
    return String(d.code ?? '').startsWith('stap-parse-');
}

/** A `%(` left open at the end of the file: reported at the `%(`, found by stap at the end. */
function openAtEnd(d: Diagnostic): boolean {
    return d.code === StapCode.PpConditional && d.message.startsWith('incomplete conditional at end of file');
}

/**
 * One error per place, as stap gives: a preprocessor error and the parser's complaint about the
 * token it left (`@f` without its arguments), a bad number and the parser's about the same token
 * (errors of one kind at one place all stand).
 * After a macro invocation that never ends (it takes the rest of the file), the parser's complaint
 * about the end of the file goes too; so it does before a condition stap cannot read (`%( if`: stap stops there, and
 * the branch it starts takes the rest of the file here), and before a lexer's or preprocessor's error (about a token
 * the parser did not read, as a string left unclosed at the end: stap stops at it). `diagnostics` are sorted by position
 * (a `%(` left open last).
 */
function oneErrorPerPlace(diagnostics: Diagnostic[]): Diagnostic[] {
    let lastCondition: Diagnostic['range']['start'] | undefined;
    let lastLexer: Diagnostic['range']['start'] | undefined;
    for (const d of diagnostics) {
        if (d.severity !== DiagnosticSeverity.Error) continue;
        if (d.code === StapCode.PpCondition) lastCondition = d.range.start;
        else if (/^stap-(lex|pp)-/.test(String(d.code ?? ''))) lastLexer = d.range.start;
    }
    const atOrBefore = (d: Diagnostic, p: Diagnostic['range']['start'] | undefined, orAt: boolean) => p !== undefined
        && (d.range.start.line < p.line || (d.range.start.line === p.line && (d.range.start.character < p.character || (orAt && d.range.start.character === p.character))));
    // (A lexer's or preprocessor's error after the parser's end of the file is about a token the parser did not read,
    // `"` unclosed or a `%:` without `%(` say: stap reads it, and stops there, before the end.)
    const before = (d: Diagnostic) => atOrBefore(d, lastCondition, true) || atOrBefore(d, lastLexer, false);
    // (A `%(` left open: stap's preprocessor meets the end of the file first, and says so instead of its parser.)
    const endless = diagnostics.some(d => (d.code === StapCode.PpMacroInvocation && d.message.startsWith('could not find end of macro invocation'))
        || openAtEnd(d));
    const out: Diagnostic[] = [];
    /** Index in `out` of the first error at the place being looked at. */
    let place = -1;
    for (const d of diagnostics) {
        if (d.severity !== DiagnosticSeverity.Error) {
            out.push(d);
            continue;
        }
        if ((endless || before(d)) && d.code === StapCode.ParseExpected && d.message.endsWith('but found the end of the file')) continue;
        // (A `%(` left open is found at the end of the file, which stap does not reach after a condition it cannot read.)
        if (lastCondition && d.code === StapCode.PpConditional && d.message.startsWith('incomplete conditional at end of file')) continue;
        const start = place >= 0 ? out[place].range.start : undefined;
        if (start?.line !== d.range.start.line || start.character !== d.range.start.character) {
            place = out.length;
            out.push(d);
            continue;
        }
        const here = out.slice(place).filter(o => o.severity === DiagnosticSeverity.Error);
        // The same error again (a macro argument used twice in the body) goes; errors of the parser
        // at one place all stand (a macro body expanded twice); the parser's and another's: one.
        if (here.some(o => o.message === d.message)) continue;
        const other = here.find(o => byParser(o) !== byParser(d));
        if (!other) out.push(d);
        else if (rank(d) < rank(other)) out[out.indexOf(other)] = d;
    }
    return out;
}

/**
 * The parser's errors after the first error of a top-level declaration go: stap reports a declaration's first error
 * and goes on at the next word a declaration starts with (`starts`; an error at one is the one before's). The recovery
 * of Langium's parser otherwise says more, about what the first error broke. (The lexer's and preprocessor's errors
 * stay: each is a problem of its own.) `diagnostics` are in order of position.
 */
function firstErrorPerDeclaration(diagnostics: Diagnostic[], starts: readonly { offset: number }[], document: LangiumDocument): Diagnostic[] {
    // Where stap meets each error (an error in a macro's body: at the invocation), in that order.
    const errors = diagnostics.filter(d => d.severity === DiagnosticSeverity.Error)
        .map(d => ({ d, at: openAtEnd(d) ? Infinity : (d.data as { invocation?: number } | undefined)?.invocation ?? document.textDocument.offsetAt(d.range.start) }))
        .sort((a, b) => a.at - b.at);
    const erred = new Set<number>();
    const dropped = new Set<Diagnostic>();
    for (const { d, at } of errors) {
        // (the declaration whose start is the last before it)
        const declaration = firstAtOrAfter(starts, at);
        if (erred.has(declaration) && byParser(d)) dropped.add(d);
        erred.add(declaration);
    }
    return dropped.size ? diagnostics.filter(d => !dropped.has(d)) : diagnostics;
}

/**
 * The branches of `%( … %? … %: … %)` the preprocessor dropped for the target, as hints tagged
 * Unnecessary: the editor draws that code faded, as it does for unreachable code elsewhere.
 */
export function inactiveBranchHints(document: LangiumDocument): Diagnostic[] {
    const record = stapPreprocessResult(document.parseResult.value);
    if (!record) return [];
    const text = document.textDocument;
    const all = text.getText();
    const hints: Diagnostic[] = [];
    for (const r of record.inactiveRanges.slice(0, MAX_INACTIVE_HINTS)) {
        // Leading and trailing blanks stay undimmed: the fade then starts and ends on code.
        const source = all.slice(r.offset, r.end);
        const lead = source.length - source.trimStart().length;
        const trail = source.length - source.trimEnd().length;
        if (lead === source.length) continue;
        hints.push({
            range: { start: text.positionAt(r.offset + lead), end: text.positionAt(r.end - trail) },
            severity: DiagnosticSeverity.Hint,
            tags: [DiagnosticTag.Unnecessary],
            code: StapCode.PpInactive,
            source: 'systemtap',
            message: 'Not compiled for this target: the `%( … %)` condition chose the other branch.',
        });
    }
    return hints;
}
