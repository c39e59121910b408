import { DefaultDocumentValidator, type LangiumDocument, type ParseResult, type ValidationOptions } from 'langium';
import { DiagnosticSeverity, DiagnosticTag, type Diagnostic } from 'vscode-languageserver-types';
import { stapPreprocessResult, type StapParserError } from './systemtap-parser.js';
import { stampLexerCodes } from '../common/lexer-codes.js';
import { StapCode } from './systemtap-diagnostic-codes.js';

/** At most this many parser errors per file: past that they are noise (and cost time on junk input). */
const MAX_PARSER_ERRORS = 100;

/** At most this many faded branches per file (a generated file may hold thousands). */
const MAX_INACTIVE_HINTS = 1000;

/**
 * Langium's document validator, with the stable codes of the lexer, preprocessor and parser
 * diagnostics (`systemtap-diagnostic-codes.ts`) on each diagnostic.
 */
export class SystemtapDocumentValidator extends DefaultDocumentValidator {
    override async validateDocument(document: LangiumDocument, options: ValidationOptions = {}, cancelToken?: Parameters<DefaultDocumentValidator['validateDocument']>[2]): Promise<Diagnostic[]> {
        const diagnostics = await super.validateDocument(document, options, cancelToken);
        diagnostics.push(...inactiveBranchHints(document));
        // Lexer, parser and rule findings come in three lists: in order of position, as stap reports them.
        return diagnostics.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
    }

    protected override processLexingErrors(parseResult: ParseResult, diagnostics: Diagnostic[], options: ValidationOptions): void {
        const first = diagnostics.length;
        super.processLexingErrors(parseResult, diagnostics, options);
        stampLexerCodes(parseResult, diagnostics, first, StapCode.LexUnexpectedChar);
    }

    protected override processParsingErrors(parseResult: ParseResult, diagnostics: Diagnostic[], options: ValidationOptions): void {
        const errors = parseResult.parserErrors as StapParserError[];
        const kept = errors.length > MAX_PARSER_ERRORS ? errors.slice(0, MAX_PARSER_ERRORS) : errors;
        for (const err of kept) {
            const start = diagnostics.length;
            super.processParsingErrors({ ...parseResult, parserErrors: [err] }, diagnostics, options);
            for (let k = start; k < diagnostics.length; k++) diagnostics[k].code = err.stapCode ?? StapCode.ParseExpected;
        }
        if (errors.length > kept.length) {
            const last = diagnostics[diagnostics.length - 1];
            if (last) last.message += ` (and ${errors.length - kept.length} more syntax errors not shown)`;
        }
    }
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
