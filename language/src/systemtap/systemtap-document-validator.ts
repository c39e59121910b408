import { DefaultDocumentValidator, type ParseResult, type ValidationOptions } from 'langium';
import type { Diagnostic } from 'vscode-languageserver-types';
import type { StapParserError } from './systemtap-parser.js';
import type { StapLexingDiagnostic } from './systemtap-lexer.js';
import { StapCode } from './systemtap-diagnostic-codes.js';

/** At most this many parser errors per file: past that they are noise (and cost time on junk input). */
const MAX_PARSER_ERRORS = 100;

/**
 * Langium's document validator, with the stable codes of the lexer, preprocessor and parser
 * diagnostics (`systemtap-diagnostic-codes.ts`) on each diagnostic.
 */
export class SystemtapDocumentValidator extends DefaultDocumentValidator {
    protected override processLexingErrors(parseResult: ParseResult, diagnostics: Diagnostic[], options: ValidationOptions): void {
        const start = diagnostics.length;
        super.processLexingErrors(parseResult, diagnostics, options);
        const sources = [...parseResult.lexerErrors, ...parseResult.lexerReport?.diagnostics ?? []] as Array<Partial<StapLexingDiagnostic>>;
        sources.forEach((s, k) => {
            const d = diagnostics[start + k];
            if (d) d.code = s.code ?? StapCode.LexUnexpectedChar;
        });
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
