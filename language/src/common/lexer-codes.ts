import type { ParseResult } from 'langium';
import type { Diagnostic } from 'vscode-languageserver-types';

/**
 * Characters of a file that is checked at all, in either language. A full parse costs about 1 s and 200 MB per
 * megabyte (Langium's CST and AST), which an editor would pay on every keystroke; real scripts are far smaller.
 */
export const MAX_CHECKED_TEXT = 1024 * 1024;

/**
 * Give the lexer diagnostics Langium just added (from index `first` on, one per lexer error and report entry, in
 * that order) the stable code their source carries, else `fallback`.
 */
export function stampLexerCodes(parseResult: ParseResult, diagnostics: Diagnostic[], first: number, fallback: string): void {
    const sources = [...parseResult.lexerErrors, ...parseResult.lexerReport?.diagnostics ?? []] as Array<{ code?: string }>;
    for (let i = first; i < diagnostics.length; i++) diagnostics[i].code = sources[i - first]?.code ?? fallback;
}
