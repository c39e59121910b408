import { EOF, type TokenType, type TokenVocabulary } from 'chevrotain';
import { GrammarAST, GrammarUtils, type CstNode, type Grammar, type LangiumParser } from 'langium';

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

/**
 * The entry points of Chevrotain's parsing methods. Langium's `alternatives`, `optional`, `many`
 * and `atLeastOne` reach them through two calls more each (`wrapOr`, then `or`): three stack
 * frames at every level of nesting, where the stack bounds how deep a text can nest. In
 * Chevrotain's recording phase (its grammar analysis) only the public methods work.
 */
interface Engine {
    RECORDING_PHASE: boolean;
    subruleInternal(rule: unknown, idx: number, options: unknown): unknown;
    orInternal(alts: unknown, idx: number): unknown;
    optionInternal(def: unknown, idx: number): unknown;
    manyInternal(idx: number, def: unknown): unknown;
    atLeastOneInternal(idx: number, def: unknown): unknown;
}

interface Ctx {
    parser: LangiumParser;
    engine: Engine;
    tokens: Record<string, TokenType>;
    consume: number;
    optional: number;
    subrule: number;
    many: number;
    or: number;
}

/** What Langium passes as rule arguments when there are none (an empty object). */
export const NO_ARGS = Object.freeze({});
/** Chevrotain's options for a rule call with {@link NO_ARGS}. */
export const NO_ARGS_OPTIONS = Object.freeze({ ARGS: Object.freeze([NO_ARGS]) as unknown as unknown[] });

/** The parts of Langium's parser a rule call uses (private in Langium's typings). */
interface RuleCallInternals {
    nodeBuilder: { buildCompositeNode(feature: GrammarAST.AbstractElement): CstNode };
    construct(): unknown;
    performSubruleAssignment(result: unknown, feature: GrammarAST.AbstractElement, cstNode: CstNode): void;
}

/**
 * A call of rule `name` at occurrence `idx` from grammar element `feature`: Langium's `subrule`
 * (a composite CST node for the call, Chevrotain's rule call, the result assigned to the caller
 * even after a syntax error) in the method itself. Langium's `subrule` reaches Chevrotain's
 * entry point through `wrapSubrule` and `subrule`: three frames per rule, where the stack bounds
 * how deep a text can nest.
 */
function ruleCall(parser: LangiumParser, engine: Engine, idx: number, name: string, fragment: boolean, feature: GrammarAST.AbstractElement): Method {
    const langium = parser as unknown as RuleCallInternals;
    let rule: unknown;
    return () => {
        rule ??= parser.getRule(name);
        if (!rule) throw new Error(`Rule "${name}" not found."`);
        if (engine.RECORDING_PHASE) {
            parser.subrule(idx, rule as never, fragment, feature, NO_ARGS);
            return;
        }
        const cstNode = fragment ? undefined : langium.nodeBuilder.buildCompositeNode(feature);
        let result: unknown;
        try {
            result = engine.subruleInternal(rule, idx, NO_ARGS_OPTIONS);
        } finally {
            // As Langium: after a syntax error the rule gave no result, and its node is finished here.
            if (result === undefined && !fragment) result = langium.construct();
            if (result !== undefined && cstNode && cstNode.length > 0) langium.performSubruleAssignment(result, feature, cstNode);
        }
    };
}

/** Define every reachable rule of `grammar` on `parser` (as Langium's `createParser`). */
export function buildStapParserRules(grammar: Grammar, parser: LangiumParser, tokens: TokenVocabulary): LangiumParser {
    const reachable = GrammarUtils.getAllReachableRules(grammar, false);
    const vocabulary = tokens as Record<string, TokenType>;
    const engine = (parser as unknown as { wrapper: Engine }).wrapper;
    for (const rule of grammar.rules) {
        if (!GrammarAST.isParserRule(rule) || !reachable.has(rule)) continue;
        if (rule.parameters.length > 0) throw new Error(`SystemTap rule builder: rule ${rule.name} has parameters`);
        const ctx: Ctx = { parser, engine, tokens: vocabulary, consume: 1, optional: 1, subrule: 1, many: 1, or: 1 };
        // The method itself (it takes no arguments): a closure around it would be one frame more per rule.
        parser.rule(rule, buildElement(ctx, rule.definition));
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
    const engine = (parser as unknown as { wrapper: Engine }).wrapper;
    const part1 = ruleCall(parser, engine, 0, expressionRule.name, false, part1Assignment as unknown as GrammarAST.AbstractElement);
    const part2 = ruleCall(parser, engine, 1, expressionRule.name, false, part2Assignment as unknown as GrammarAST.AbstractElement);
    const loop = {
        DEF: () => {
            if (engine.RECORDING_PHASE) parser.alternatives(0, orAlts);
            else engine.orInternal(orAlts, 0);
            part2();
        },
    };
    return () => {
        part1();
        if (engine.RECORDING_PHASE) parser.many(0, loop);
        else engine.manyInternal(0, loop);
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

function buildRuleCall(ctx: Ctx, call: GrammarAST.RuleCall): Method {
    const rule = call.rule.ref;
    if (GrammarAST.isAbstractParserRule(rule)) {
        if (call.arguments.length > 0) throw new Error('SystemTap rule builder: rule arguments are not supported');
        const fragment = GrammarAST.isParserRule(rule) && rule.fragment;
        return ruleCall(ctx.parser, ctx.engine, ctx.subrule++, rule.name, fragment, call);
    }
    if (GrammarAST.isTerminalRule(rule)) {
        const idx = ctx.consume++;
        const token = ctx.tokens[rule.name];
        if (!token) throw new Error(`Token "${rule.name}" not found."`);
        return () => ctx.parser.consume(idx, token, call);
    }
    throw new Error(`Undefined rule: ${call.rule.$refText}`);
}

function buildAlternatives(ctx: Ctx, alternatives: GrammarAST.Alternatives): Method {
    if (alternatives.elements.length === 1) return buildElement(ctx, alternatives.elements[0]);
    const alts = alternatives.elements.map(element => {
        if (GrammarAST.isGroup(element) && element.guardCondition) throw new Error('SystemTap rule builder: guard conditions are not supported');
        return { ALT: buildElement(ctx, element) };
    });
    const idx = ctx.or++;
    const engine = ctx.engine;
    return () => {
        if (engine.RECORDING_PHASE) ctx.parser.alternatives(idx, alts);
        else engine.orInternal(alts, idx);
    };
}

/** Langium's `wrap` without guards: the cardinality, with Chevrotain's argument made once. */
function wrap(ctx: Ctx, method: Method, cardinality: GrammarAST.AbstractElement['cardinality']): Method {
    if (!cardinality) return method;
    const { engine, parser } = ctx;
    if (cardinality === '*') {
        const idx = ctx.many++;
        const def = { DEF: method, GATE: undefined };
        return () => {
            if (engine.RECORDING_PHASE) parser.many(idx, def);
            else engine.manyInternal(idx, def);
        };
    }
    if (cardinality === '+') {
        const idx = ctx.many++;
        const def = { DEF: method };
        return () => {
            if (engine.RECORDING_PHASE) parser.atLeastOne(idx, def);
            else engine.atLeastOneInternal(idx, def);
        };
    }
    const idx = ctx.optional++;
    const def = { DEF: method, GATE: undefined };
    return () => {
        if (engine.RECORDING_PHASE) parser.optional(idx, def);
        else engine.optionInternal(def, idx);
    };
}
