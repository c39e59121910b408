import type { TokenType } from 'chevrotain';
import { DefaultTokenBuilder, type GrammarAST } from 'langium';

/**
 * Langium's token builder, without the keywords' `LONGER_ALT` (the terminals whose pattern also matches the keyword,
 * which a Chevrotain lexer uses to read `probes` as an identifier, not `probe` and `s`). Both languages lex by hand
 * (systemtap-lexer.ts, bpftrace-lexer.ts): nothing builds a Chevrotain lexer from these token types, and finding
 * them is a partial regular expression per keyword and terminal, made when the language's lexer is: 8 ms for
 * SystemTap and 16 ms for bpftrace, in every language server start and every `probekit check`.
 */
export class HandLexedTokenBuilder extends DefaultTokenBuilder {
    protected override findLongerAlt(_keyword: GrammarAST.Keyword, _terminalTokens: TokenType[]): TokenType[] {
        return [];
    }
}
