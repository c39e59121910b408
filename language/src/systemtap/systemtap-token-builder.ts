import type { TokenType } from 'chevrotain';
import { DefaultTokenBuilder, type GrammarAST } from 'langium';

/**
 * Langium's token builder, without the keywords' `LONGER_ALT` (the terminals whose pattern also matches the keyword,
 * which a Chevrotain lexer uses to read `probes` as an identifier, not `probe` and `s`). SystemTap's lexer is stap's
 * own (systemtap-lexer.ts); nothing builds a Chevrotain lexer from these token types, and finding them is a partial
 * regular expression per keyword and terminal: 8 ms of every process's first parse.
 */
export class SystemtapTokenBuilder extends DefaultTokenBuilder {
    protected override findLongerAlt(_keyword: GrammarAST.Keyword, _terminalTokens: TokenType[]): TokenType[] {
        return [];
    }
}
