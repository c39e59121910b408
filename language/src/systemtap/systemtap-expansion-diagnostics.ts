import type { Diagnostic, DiagnosticRelatedInformation } from 'vscode-languageserver-types';
import type { StapRootCstNode } from './systemtap-cst-nodes.js';
import type { StapIToken } from './systemtap-lexer.js';
import type { StapPreprocessRecord } from './systemtap-parser.js';
import type { StapExpansion } from './systemtap-preprocessor.js';
import { firstAtOrAfter } from '../common/offset-search.js';

/**
 * Parser errors on tokens of a macro expansion. The tokens sit at their invocation in the tree
 * (its offsets must not go backwards), so an error lands on the whole `@add(…)`; stap reports it
 * at the token's own text with an "in expansion of macro" trail. Here the error moves to that text
 * when it is in the same file (a macro argument, the body of a macro the file defines), says which
 * invocation it is in, and points to it (and to the definition of a library macro).
 */

/** The macro invocation whose expansion starts at `offset` (expanded tokens take its offset). */
function expansionAt(expansions: readonly StapExpansion[], offset: number): StapExpansion | undefined {
    const e = expansions[firstAtOrAfter(expansions, offset)];
    return e && e.offset === offset ? e : undefined;
}

/** Place diagnostic `d`, made for parser token `token`, as stap would (see above). */
export function placeInExpansion(d: Diagnostic, token: StapIToken, record: StapPreprocessRecord | undefined, root: StapRootCstNode | undefined,
    uri: string | undefined): void {
    if (!record || !root || isNaN(token.startOffset)) return;
    const e = expansionAt(record.expansions, token.startOffset);
    if (!e?.macro) return;
    if (token.stapOrigin !== undefined) d.range = root.rangeOf(token.stapOrigin, token.stapOrigin + Math.max(1, token.image.length) - 1);
    // (Where stap meets it, for the order of errors: the invocation.)
    d.data = { ...(d.data as object | undefined), invocation: e.offset };
    const where = root.rangeOf(e.offset, Math.max(e.offset, e.end - 1));
    d.message += ` (in expansion of \`${e.name}\` at ${where.start.line + 1}:${where.start.character + 1})`;
    if (!uri) return;
    const related: DiagnosticRelatedInformation[] = [{ location: { uri, range: where }, message: `in expansion of \`${e.name}\`` }];
    const macro = e.macro;
    if (macro.uri && macro.uri !== uri && macro.line !== undefined && macro.character !== undefined) {
        const start = { line: macro.line, character: macro.character };
        related.push({ location: { uri: macro.uri, range: { start, end: { line: macro.line, character: macro.character + macro.name.length } } },
            message: `\`@${macro.name}\` is defined here` });
    }
    d.relatedInformation = related;
}
