import type { TokenType, TokenVocabulary } from 'chevrotain';
import { DefaultTokenBuilder, GrammarAST, type Grammar, type TokenBuilderOptions } from 'langium';
import { grammarContents } from './grammar-contents.js';

/**
 * Langium's token builder, without the keywords' `LONGER_ALT` (the terminals whose pattern also matches the keyword,
 * which a Chevrotain lexer uses to read `probes` as an identifier, not `probe` and `s`). Both languages lex by hand
 * (systemtap-lexer.ts, bpftrace-lexer.ts): nothing builds a Chevrotain lexer from these token types, and finding
 * them is a partial regular expression per keyword and terminal, made when the language's lexer is: 8 ms for
 * SystemTap and 16 ms for bpftrace, in every language server start and every `probekit check`.
 *
 * The tokens are Langium's, in its order: the keywords of the rules the entry rule reaches (longest first, each
 * value once, as first met), then the terminals; only the grammar is walked without Langium's streams (see
 * grammar-contents.ts: 10–14 ms of a fresh process for SystemTap's).
 */
export class HandLexedTokenBuilder extends DefaultTokenBuilder {
    override buildTokens(grammar: Grammar, options?: TokenBuilderOptions): TokenVocabulary {
        const rules = reachableRules(grammar);
        const terminals = rules.filter((r): r is GrammarAST.TerminalRule => r.$type === GrammarAST.TerminalRule.$type && !(r as GrammarAST.TerminalRule).fragment)
            .map(t => this.buildTerminalToken(t));
        const seen = new Set<string>();
        const keywords: GrammarAST.Keyword[] = [];
        for (const rule of rules) {
            if (rule.$type === GrammarAST.TerminalRule.$type) continue;
            for (const e of grammarContents(rule)) {
                if (e.$type !== GrammarAST.Keyword.$type) continue;
                const keyword = e as GrammarAST.Keyword;
                if (seen.has(keyword.value)) continue;
                seen.add(keyword.value);
                keywords.push(keyword);
            }
        }
        keywords.sort((a, b) => b.value.length - a.value.length);
        const tokens: TokenType[] = keywords.map(k => this.buildKeywordToken(k, terminals, Boolean(options?.caseInsensitive)));
        tokens.push(...terminals);
        return tokens;
    }

    protected override findLongerAlt(_keyword: GrammarAST.Keyword, _terminalTokens: TokenType[]): TokenType[] {
        return [];
    }
}

/**
 * Langium's `getAllReachableRules(grammar, false)`: the rules the entry rule and the hidden terminals reach through
 * rule calls, and the hidden terminals, in the grammar's order (every rule when there is no entry rule).
 */
export function reachableRules(grammar: Grammar): GrammarAST.AbstractRule[] {
    const entry = grammar.rules.find(r => r.$type === GrammarAST.ParserRule.$type && (r as GrammarAST.ParserRule).entry);
    if (!entry) return [...grammar.rules];
    const hidden = (r: GrammarAST.AbstractRule) => r.$type === GrammarAST.TerminalRule.$type && (r as GrammarAST.TerminalRule).hidden;
    const reached = new Set<string>();
    const visit = (rule: GrammarAST.AbstractRule) => {
        reached.add(rule.name);
        for (const e of grammarContents(rule)) {
            if (e.$type !== GrammarAST.RuleCall.$type) continue;
            const called = (e as GrammarAST.RuleCall).rule.ref;
            if (called && !reached.has(called.name)) visit(called);
        }
    };
    for (const rule of [entry, ...grammar.rules.filter(hidden)]) visit(rule);
    return grammar.rules.filter(r => reached.has(r.name) || hidden(r));
}
