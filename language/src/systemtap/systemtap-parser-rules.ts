import { EOF, type TokenType, type TokenVocabulary } from 'chevrotain';
import { GrammarAST, GrammarUtils, type Grammar, type LangiumParser } from 'langium';

/**
 * Langium's `createParser` (parser-builder-base.js) for the SystemTap grammar: the same rules,
 * built from the same grammar elements in the same order (so the same occurrence indices), but
 * with the arguments Chevrotain's `or`/`many`/`option` take made once per grammar element
 * instead of at every call. Langium maps every alternative to a new `{ ALT }` object and closure
 * each time an alternative is chosen, and makes a `{ DEF, GATE }` object for every repetition
 * and option: two fifths of all the memory a parse allocates, which the collector then clears.
 *
 * That is sound only because the grammar has no rule parameters and no guard conditions (then
 * the `args` Langium threads through every call are always empty); a grammar element this
 * builder does not know (parameters, guards, unordered groups, cross-references) is an error.
 */

type Method = () => void;

interface Ctx {
    parser: LangiumParser;
    tokens: Record<string, TokenType>;
    consume: number;
    optional: number;
    subrule: number;
    many: number;
    or: number;
}

/** What Langium passes as rule arguments when there are none (an empty object). */
export const NO_ARGS = Object.freeze({});

/** Define every reachable rule of `grammar` on `parser` (as Langium's `createParser`). */
export function buildStapParserRules(grammar: Grammar, parser: LangiumParser, tokens: TokenVocabulary): LangiumParser {
    const reachable = GrammarUtils.getAllReachableRules(grammar, false);
    const vocabulary = tokens as Record<string, TokenType>;
    for (const rule of grammar.rules) {
        if (!GrammarAST.isParserRule(rule) || !reachable.has(rule)) continue;
        if (rule.parameters.length > 0) throw new Error(`SystemTap rule builder: rule ${rule.name} has parameters`);
        const ctx: Ctx = { parser, tokens: vocabulary, consume: 1, optional: 1, subrule: 1, many: 1, or: 1 };
        const method = buildElement(ctx, rule.definition);
        parser.rule(rule, () => method());
    }
    for (const rule of grammar.rules) {
        if (!GrammarAST.isInfixRule(rule) || !reachable.has(rule)) continue;
        parser.rule(rule, buildInfixRule(parser, vocabulary, rule));
    }
    return parser;
}

/** Langium's `buildInfixRule`, with its operator alternatives and loop body made once. */
function buildInfixRule(parser: LangiumParser, tokens: Record<string, TokenType>, rule: GrammarAST.InfixRule): () => void {
    const expressionRule = rule.call.rule.ref;
    if (!expressionRule) throw new Error('Could not resolve reference to infix operator rule: ' + rule.call.rule.$refText);
    if (GrammarAST.isTerminalRule(expressionRule)) throw new Error('Cannot use terminal rule in infix expression');
    // The synthetic grammar elements Langium makes, so that the CST looks the same.
    const allKeywords = rule.operators.precedences.flatMap(e => e.operators);
    const outerGroup = { $type: 'Group', elements: [] as unknown[] };
    const part1Assignment = { $container: outerGroup, $type: 'Assignment', feature: 'parts', operator: '+=', terminal: rule.call };
    const innerGroup = { $container: outerGroup, $type: 'Group', elements: [] as unknown[], cardinality: '*' };
    outerGroup.elements.push(part1Assignment, innerGroup);
    const alternatives = { $type: 'Alternatives', elements: allKeywords };
    const operatorAssignment = { $container: innerGroup, $type: 'Assignment', feature: 'operators', operator: '+=', terminal: alternatives };
    const part2Assignment = { ...part1Assignment, $container: innerGroup };
    innerGroup.elements.push(operatorAssignment, part2Assignment);
    const orAlts = allKeywords.map((e, index) => ({
        ALT: () => parser.consume(index, tokens[e.value], operatorAssignment as unknown as GrammarAST.AbstractElement),
    }));
    let subrule: unknown;
    const ruleOf = () => (subrule ??= parser.getRule(expressionRule.name));
    const part1 = part1Assignment as unknown as GrammarAST.AbstractElement;
    const part2 = part2Assignment as unknown as GrammarAST.AbstractElement;
    const loop = {
        DEF: () => {
            parser.alternatives(0, orAlts);
            parser.subrule(1, ruleOf() as never, false, part2, NO_ARGS);
        },
    };
    return () => {
        parser.subrule(0, ruleOf() as never, false, part1, NO_ARGS);
        parser.many(0, loop);
    };
}

function buildElement(ctx: Ctx, element: GrammarAST.AbstractElement): Method {
    let method: Method;
    if (GrammarAST.isKeyword(element)) {
        const idx = ctx.consume++;
        const token = ctx.tokens[element.value];
        if (!token) throw new Error('Could not find token for keyword: ' + element.value);
        method = () => ctx.parser.consume(idx, token, element);
    } else if (GrammarAST.isAction(element)) {
        const actionType = GrammarUtils.getTypeName(element);
        method = () => ctx.parser.action(actionType, element);
    } else if (GrammarAST.isAssignment(element)) {
        method = buildElement(ctx, element.terminal);
    } else if (GrammarAST.isRuleCall(element)) {
        method = buildRuleCall(ctx, element);
    } else if (GrammarAST.isAlternatives(element)) {
        method = buildAlternatives(ctx, element);
    } else if (GrammarAST.isGroup(element) && !GrammarAST.isUnorderedGroup(element)) {
        if (element.guardCondition) throw new Error('SystemTap rule builder: guard conditions are not supported');
        const methods = element.elements.map(e => buildElement(ctx, e));
        method = () => {
            for (const m of methods) m();
        };
    } else if (GrammarAST.isEndOfFile(element)) {
        const idx = ctx.consume++;
        method = () => ctx.parser.consume(idx, EOF, element);
    } else {
        throw new Error(`SystemTap rule builder: unsupported grammar element ${element.$type}`);
    }
    return wrap(ctx, method, element.cardinality);
}

function buildRuleCall(ctx: Ctx, ruleCall: GrammarAST.RuleCall): Method {
    const rule = ruleCall.rule.ref;
    if (GrammarAST.isAbstractParserRule(rule)) {
        if (ruleCall.arguments.length > 0) throw new Error('SystemTap rule builder: rule arguments are not supported');
        const idx = ctx.subrule++;
        const fragment = GrammarAST.isParserRule(rule) && rule.fragment;
        let subrule: unknown;
        return () => {
            subrule ??= ctx.parser.getRule(rule.name);
            if (!subrule) throw new Error(`Rule "${rule.name}" not found."`);
            ctx.parser.subrule(idx, subrule as never, fragment, ruleCall, NO_ARGS);
        };
    }
    if (GrammarAST.isTerminalRule(rule)) {
        const idx = ctx.consume++;
        const token = ctx.tokens[rule.name];
        if (!token) throw new Error(`Token "${rule.name}" not found."`);
        return () => ctx.parser.consume(idx, token, ruleCall);
    }
    throw new Error(`Undefined rule: ${ruleCall.rule.$refText}`);
}

function buildAlternatives(ctx: Ctx, alternatives: GrammarAST.Alternatives): Method {
    if (alternatives.elements.length === 1) return buildElement(ctx, alternatives.elements[0]);
    const alts = alternatives.elements.map(element => {
        if (GrammarAST.isGroup(element) && element.guardCondition) throw new Error('SystemTap rule builder: guard conditions are not supported');
        return { ALT: buildElement(ctx, element) };
    });
    const idx = ctx.or++;
    return () => ctx.parser.alternatives(idx, alts);
}

/** Langium's `wrap` without guards: the cardinality, with Chevrotain's argument made once. */
function wrap(ctx: Ctx, method: Method, cardinality: GrammarAST.AbstractElement['cardinality']): Method {
    if (!cardinality) return method;
    if (cardinality === '*') {
        const idx = ctx.many++;
        const def = { DEF: method, GATE: undefined };
        return () => ctx.parser.many(idx, def);
    }
    if (cardinality === '+') {
        const idx = ctx.many++;
        const def = { DEF: method };
        return () => ctx.parser.atLeastOne(idx, def);
    }
    const idx = ctx.optional++;
    const def = { DEF: method, GATE: undefined };
    return () => ctx.parser.optional(idx, def);
}
