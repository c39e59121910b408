// The plain grammar walks that replace Langium's streams when a language's services are made (grammar-contents.ts,
// hand-lexed-token-builder.ts) must give what Langium's own give, on both grammars: the same nodes in the same order,
// the same reachable rules, and the same token types in the same order.
import { AstUtils, DefaultTokenBuilder, EmptyFileSystem, GrammarUtils, type Grammar } from 'langium';
import type { TokenType } from 'chevrotain';
import { describe, expect, test } from 'vitest';
import { grammarContents } from '../src/common/grammar-contents.js';
import { HandLexedTokenBuilder, reachableRules } from '../src/common/hand-lexed-token-builder.js';
import { createProbekitServices } from '../src/probekit-module.js';

const services = createProbekitServices({ ...EmptyFileSystem });
const grammars: Array<[string, Grammar]> = [['SystemTap', services.systemtap.Grammar], ['bpftrace', services.bpftrace.Grammar]];

/** A token type as a line: its name, pattern, and the group of a hidden one. */
const describeToken = (t: TokenType) => `${t.name} ${String(t.PATTERN)} ${String(t.GROUP ?? '')}`;

describe.each(grammars)('%s grammar', (_name, grammar) => {
    test("grammarContents gives streamAllContents's nodes in its order, for the grammar and each rule", () => {
        expect(grammarContents(grammar)).toEqual(AstUtils.streamAllContents(grammar).toArray());
        for (const rule of grammar.rules) expect(grammarContents(rule)).toEqual(AstUtils.streamAllContents(rule).toArray());
    });

    test("reachableRules gives getAllReachableRules's rules in the grammar's order", () => {
        expect(reachableRules(grammar).map(r => r.name)).toEqual([...GrammarUtils.getAllReachableRules(grammar, false)].map(r => r.name));
    });

    test("the hand-lexed token builder gives Langium's token types in Langium's order (without longer alternatives)", () => {
        const mine = new HandLexedTokenBuilder().buildTokens(grammar, { caseInsensitive: false }) as TokenType[];
        const langium = new DefaultTokenBuilder().buildTokens(grammar, { caseInsensitive: false }) as TokenType[];
        expect(mine.map(describeToken)).toEqual(langium.map(describeToken));
        expect(mine.filter(t => ((t.LONGER_ALT as TokenType[] | undefined)?.length ?? 0) > 0).map(t => t.name)).toEqual([]);
    });
});
