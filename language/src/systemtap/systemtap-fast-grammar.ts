import type { TokenType } from 'chevrotain';
import { GrammarAST, type Grammar } from 'langium';
import { grammarContents } from '../common/grammar-contents.js';

/**
 * What the hand-written SystemTap parser (systemtap-fast-parser.ts) needs of the grammar: the
 * token kinds it switches on, and the grammar elements its CST nodes point to (`grammarSource`),
 * the very objects of the Langium grammar, as the Langium parser sets them.
 */

type Element = GrammarAST.AbstractElement;

/** The terminals and keywords of systemtap.langium; a token's kind is its index here plus one (0: none). */
const NAMES = [
    'ID', 'NUMBER', 'STR', 'EMBEDDED', 'ARG', 'AT_WORD',
    'probe', 'global', 'private', 'function', 'if', 'else', 'for', 'foreach', 'in', 'limit', 'return', 'delete', 'while',
    'break', 'continue', 'next', 'string', 'long', 'try', 'catch',
    '=', '+=', ',', '{', '}', '.', '?', '!', '(', ')', '*', '-', ':', ';', '%', '[', ']', '+', '/',
    '<<<', '-=', '*=', '/=', '%=', '<<=', '>>=', '&=', '^=', '|=', '.=',
    '<<', '>>', '>>>', '<', '>', '<=', '>=', '==', '!=', '=~', '!~', '&', '^', '|', '&&', '||', '~', '++', '--', '$', '$$', '->',
    '@cast', '@var', '@entry', '@defined', '@probewrite', '@const', '@perf', '@kregister', '@uregister', '@kderef', '@uderef',
    '@enum', '@enumname', '@hist_linear', '@hist_log', '@sum', '@avg', '@min', '@max', '@count', '@variance',
] as const;

export type StapTokenName = typeof NAMES[number];

/** The kind of a terminal or keyword (1…); fixed, so the parser can name kinds as constants. */
export function stapKind(name: StapTokenName): number {
    return NAMES.indexOf(name) + 1;
}

/** Number of kinds (for tables indexed by kind). */
export const STAP_KINDS = NAMES.length + 1;

/** A table from kind to something, filled for the given names. */
export function kindTable<T>(entries: Iterable<readonly [StapTokenName, T]>): Array<T | undefined> {
    const table: Array<T | undefined> = new Array(STAP_KINDS).fill(undefined);
    for (const [name, value] of entries) table[stapKind(name)] = value;
    return table;
}

/** Kind of each token type, indexed by `tokenTypeIdx` (0 for the hidden terminals). */
export function kindsByTokenType(vocabulary: Record<string, TokenType>): Uint8Array {
    let max = 0;
    for (const t of Object.values(vocabulary)) max = Math.max(max, t.tokenTypeIdx ?? 0);
    const kinds = new Uint8Array(max + 1);
    for (const [key, type] of Object.entries(vocabulary)) {
        const name = key.endsWith(':KW') ? key.slice(0, -3) : key;
        const k = NAMES.indexOf(name as StapTokenName);
        if (k >= 0) kinds[type.tokenTypeIdx!] = k + 1;
        else if (!['WS', 'ML_COMMENT', 'SL_COMMENT', 'PP_HIDDEN'].includes(name)) throw new Error(`SystemTap fast parser: unknown token ${name}`);
    }
    return kinds;
}

/** The elements of one parser rule, found by what they are and their place among their like (document order). */
class RuleElements {
    /** The rule's elements of each type, in document order. */
    private readonly byType = new Map<string, Element[]>();

    constructor(readonly rule: GrammarAST.AbstractParserRule) {
        for (const e of grammarContents(rule) as readonly Element[]) {
            const list = this.byType.get(e.$type);
            if (list) list.push(e as Element);
            else this.byType.set(e.$type, [e as Element]);
        }
    }

    /**
     * The `n`th element of `type` that `matches` takes. Elements are found by their `$type`: none of the types asked
     * for (Keyword, RuleCall, Action, Assignment) has a subtype, and Langium's `is…` guards, which walk the type
     * hierarchy, made this table a few milliseconds of every process's first parse.
     */
    private nth<T extends Element>(what: string, type: string, matches: (e: T) => boolean, n: number): T {
        const found = ((this.byType.get(type) ?? []) as T[]).filter(matches);
        if (n >= found.length) throw new Error(`SystemTap fast parser: rule ${this.rule.name} has no ${what} #${n}`);
        return found[n];
    }

    /** The `n`th keyword `value`. */
    kw(value: StapTokenName, n = 0): GrammarAST.Keyword {
        return this.nth<GrammarAST.Keyword>(`'${value}'`, 'Keyword', e => e.value === value, n);
    }

    /** The `n`th call of rule or terminal `name`. */
    call(name: string, n = 0): GrammarAST.RuleCall {
        return this.nth<GrammarAST.RuleCall>(name, 'RuleCall', e => e.rule.ref?.name === name, n);
    }

    /** The action making a `type`. */
    action(type: string): GrammarAST.Action {
        return this.nth<GrammarAST.Action>(`{${type}}`, 'Action', e => (e.inferredType?.name ?? e.type?.ref?.name) === type, 0);
    }

    /** The keywords and terminal calls of the alternatives assigned to `feature` (the `n`th such assignment), by kind. */
    choices(feature: string, n = 0): Array<Element | undefined> {
        const assignment = this.nth<GrammarAST.Assignment>(feature, 'Assignment', e => e.feature === feature, n);
        const terminal = assignment.terminal;
        const options = terminal.$type === 'Alternatives' ? (terminal as GrammarAST.Alternatives).elements : [terminal];
        return kindTable(options.map((e): [StapTokenName, Element] => {
            if (e.$type === 'Keyword') return [(e as GrammarAST.Keyword).value as StapTokenName, e];
            const call = e as GrammarAST.RuleCall;
            if (e.$type === 'RuleCall' && call.rule.ref?.$type === 'TerminalRule') return [call.rule.ref.name as StapTokenName, e];
            throw new Error(`SystemTap fast parser: ${this.rule.name}.${feature} is not a choice of tokens`);
        }));
    }
}

/**
 * Langium's synthetic grammar elements of an infix rule (its `buildInfixRule`): the operands are
 * `parts+=` assignments, the first in an outer group, the others in the repeated inner group
 * with the `operators+=` assignment, which is what an operator's leaf points to.
 */
function infixElements(rule: GrammarAST.InfixRule): { part1: Element; part2: Element; operator: Element } {
    const allKeywords = rule.operators.precedences.flatMap(e => e.operators);
    const outerGroup = { $type: 'Group', elements: [] as unknown[] };
    const part1 = { $container: outerGroup, $type: 'Assignment', feature: 'parts', operator: '+=', terminal: rule.call };
    const innerGroup = { $container: outerGroup, $type: 'Group', elements: [] as unknown[], cardinality: '*' };
    outerGroup.elements.push(part1, innerGroup);
    const alternatives = { $type: 'Alternatives', elements: allKeywords };
    const operator = { $container: innerGroup, $type: 'Assignment', feature: 'operators', operator: '+=', terminal: alternatives };
    const part2 = { ...part1, $container: innerGroup };
    innerGroup.elements.push(operator, part2);
    return { part1: part1 as unknown as Element, part2: part2 as unknown as Element, operator: operator as unknown as Element };
}

/** Binding strength of each infix operator of `rule` by kind: 1 for the first (tightest) level and so on; 0 for none. */
function infixPrecedence(rule: GrammarAST.InfixRule): Uint8Array {
    const table = new Uint8Array(STAP_KINDS);
    rule.operators.precedences.forEach((level, i) => {
        if (level.associativity === 'right') throw new Error('SystemTap fast parser: right-associative operators are not supported');
        for (const op of level.operators) table[stapKind(op.value as StapTokenName)] = i + 1;
    });
    return table;
}

/** The grammar elements of every rule, named by rule and role. */
export function stapFastElements(grammar: Grammar) {
    const keywords = new Set<string>();
    for (const rule of grammar.rules) {
        for (const e of grammarContents(rule)) if (e.$type === 'Keyword') keywords.add((e as GrammarAST.Keyword).value);
    }
    const known = new Set<string>(NAMES.slice(6));
    if (keywords.size !== known.size || [...keywords].some(k => !known.has(k))) {
        throw new Error('SystemTap fast parser: the grammar\'s keywords are not the ones it knows');
    }
    const byName = new Map(grammar.rules.map(r => [r.name, r]));
    const rule = (name: string) => {
        const r = byName.get(name);
        if (!r || !GrammarAST.isParserRule(r)) throw new Error(`SystemTap fast parser: no parser rule ${name}`);
        return new RuleElements(r);
    };
    const binary = byName.get('StapBinary');
    if (!binary || !GrammarAST.isInfixRule(binary)) throw new Error('SystemTap fast parser: no infix rule StapBinary');
    const script = rule('StapScript');
    const top = rule('StapTopLevel');
    const emb = rule('StapTopEmbedded');
    const probe = rule('StapProbe');
    const pl = rule('StapPointList');
    const pp = rule('StapProbePoint');
    const comp = rule('StapComponent');
    const lit = rule('StapLiteralArg');
    const fn = rule('StapFunction');
    const param = rule('StapParam');
    const gl = rule('StapGlobal');
    const gv = rule('StapGlobalVar');
    const st = rule('StapStatement');
    const block = rule('StapBlock');
    const sif = rule('StapIf');
    const swhile = rule('StapWhile');
    const sfor = rule('StapFor');
    const fe = rule('StapForeach');
    const fk = rule('StapForeachKey');
    const fa = rule('StapForeachArray');
    const far = rule('StapForeachArrayRef');
    const ret = rule('StapReturn');
    const del = rule('StapDelete');
    const next = rule('StapNext');
    const brk = rule('StapBreak');
    const cont = rule('StapContinue');
    const tr = rule('StapTry');
    const empty = rule('StapEmpty');
    const es = rule('StapExpressionStatement');
    const expr = rule('StapExpr');
    const un = rule('StapUnary');
    const ia = rule('StapIndexArg');
    const at = rule('StapAtOperator');
    const infix = infixElements(binary);
    return {
        precedence: infixPrecedence(binary),
        script: { items: script.call('StapTopLevel') },
        top: { probe: top.call('StapProbe'), function: top.call('StapFunction'), global: top.call('StapGlobal'), embedded: top.call('StapTopEmbedded') },
        topEmbedded: { code: emb.call('EMBEDDED') },
        probe: {
            probe: probe.kw('probe'), groups1: probe.call('StapPointList', 0), alias: probe.choices('aliasOps'), groups2: probe.call('StapPointList', 1),
            body: probe.call('StapBlock', 0), comma: probe.kw(','), epilogue: probe.call('StapBlock', 1),
        },
        pointList: { points1: pl.call('StapProbePoint', 0), comma: pl.kw(','), points2: pl.call('StapProbePoint', 1) },
        point: {
            components1: pp.call('StapComponent', 0), dot: pp.kw('.'), components2: pp.call('StapComponent', 1), question: pp.kw('?'), bang: pp.kw('!'),
            if: pp.kw('if'), lparen: pp.kw('('), condition: pp.call('StapExpr'), rparen: pp.kw(')'),
        },
        component: {
            firstPart: comp.choices('parts', 0), parts: comp.choices('parts', 1), lparen: comp.kw('('), arg: comp.call('StapLiteralArg'), rparen: comp.kw(')'),
            lbrace: comp.kw('{'), points1: comp.call('StapProbePoint', 0), comma: comp.kw(','), points2: comp.call('StapProbePoint', 1), rbrace: comp.kw('}'),
        },
        literal: { minus: lit.kw('-'), number: lit.call('NUMBER'), strings: lit.call('STR'), arg: lit.call('ARG') },
        function: {
            private: fn.kw('private'), function: fn.kw('function'), name: fn.choices('name'), colon1: fn.kw(':', 0), returnType: fn.choices('returnType'),
            lparen: fn.kw('('), params1: fn.call('StapParam', 0), comma: fn.kw(',', 0), params2: fn.call('StapParam', 1), lastComma: fn.kw(',', 1),
            rparen: fn.kw(')'),
            colon2: fn.kw(':', 1), priority: fn.call('StapLiteralArg'), body: fn.call('StapBlock'), embedded: fn.call('EMBEDDED'),
        },
        param: { name: param.choices('name'), colon: param.kw(':'), type: param.choices('type') },
        global: {
            private: gl.kw('private'), global1: gl.kw('global', 0), global2: gl.kw('global', 1), vars1: gl.call('StapGlobalVar', 0),
            comma: gl.kw(','), vars2: gl.call('StapGlobalVar', 1), semi: gl.kw(';'),
        },
        globalVar: {
            name: gv.choices('name'), percent: gv.kw('%'), lbracket: gv.kw('['), size: gv.call('StapLiteralArg', 0), rbracket: gv.kw(']'),
            eq: gv.kw('='), init: gv.call('StapLiteralArg', 1),
        },
        statement: {
            block: st.call('StapBlock'), if: st.call('StapIf'), while: st.call('StapWhile'), for: st.call('StapFor'), foreach: st.call('StapForeach'),
            return: st.call('StapReturn'), delete: st.call('StapDelete'), next: st.call('StapNext'), break: st.call('StapBreak'),
            continue: st.call('StapContinue'), try: st.call('StapTry'), empty: st.call('StapEmpty'), expression: st.call('StapExpressionStatement'),
        },
        block: { lbrace: block.kw('{'), statements: block.call('StapStatement'), rbrace: block.kw('}') },
        if: {
            if: sif.kw('if'), lparen: sif.kw('('), condition: sif.call('StapExpr'), rparen: sif.kw(')'), then: sif.call('StapStatement', 0),
            else: sif.kw('else'), elseStatement: sif.call('StapStatement', 1),
        },
        while: { while: swhile.kw('while'), lparen: swhile.kw('('), condition: swhile.call('StapExpr'), rparen: swhile.kw(')'), body: swhile.call('StapStatement') },
        for: {
            for: sfor.kw('for'), lparen: sfor.kw('('), init: sfor.call('StapExpr', 0), semi1: sfor.kw(';', 0), condition: sfor.call('StapExpr', 1),
            semi2: sfor.kw(';', 1), step: sfor.call('StapExpr', 2), rparen: sfor.kw(')'), body: sfor.call('StapStatement'),
        },
        foreach: {
            foreach: fe.kw('foreach'), lparen: fe.kw('('), value: fe.choices('value'), valueSort: fe.choices('valueSort'), eq: fe.kw('='),
            keys1: fe.call('StapForeachKey', 0), lbracket: fe.kw('['), keys2: fe.call('StapForeachKey', 1), comma: fe.kw(','),
            keys3: fe.call('StapForeachKey', 2), rbracket: fe.kw(']'), in: fe.kw('in'), array: fe.call('StapForeachArray'),
            aggregate: fe.choices('aggregate'), arraySort: fe.choices('arraySort'), limitKw: fe.kw('limit'), limit: fe.call('StapExpr'),
            rparen: fe.kw(')'), body: fe.call('StapStatement'),
        },
        foreachKey: { name: fk.choices('name'), sort: fk.choices('sort') },
        foreachArray: { ref: fa.call('StapForeachArrayRef'), at: fa.call('StapAtOperator') },
        foreachArrayRef: {
            array: far.choices('array'), lbracket: far.kw('['), slice1: far.call('StapIndexArg', 0), comma: far.kw(','), slice2: far.call('StapIndexArg', 1),
            rbracket: far.kw(']'),
        },
        return: { return: ret.kw('return'), value: ret.call('StapExpr'), semi: ret.kw(';') },
        delete: { delete: del.kw('delete'), target: del.call('StapExpr'), semi: del.kw(';') },
        next: { keyword: next.kw('next'), semi: next.kw(';') },
        break: { keyword: brk.kw('break'), semi: brk.kw(';') },
        continue: { keyword: cont.kw('continue'), semi: cont.kw(';') },
        try: {
            try: tr.kw('try'), body: tr.call('StapBlock', 0), catch: tr.kw('catch'), lparen: tr.kw('('), variable: tr.choices('variable'), rparen: tr.kw(')'),
            handler: tr.call('StapBlock', 1),
        },
        empty: { semi: empty.kw(';') },
        expressionStatement: { expression: es.call('StapExpr'), semi: es.kw(';') },
        expr: {
            binary: expr.call('StapBinary'), conditional: expr.action('StapConditional'), question: expr.kw('?'), then: expr.call('StapExpr', 0),
            colon: expr.kw(':'), else: expr.call('StapExpr', 1), assignment: expr.action('StapAssignment'), operator: expr.choices('operator'),
            value: expr.call('StapExpr', 2),
        },
        infix,
        unary: {
            prefix: un.choices('operator', 0), operand: un.call('StapUnary'),
            function: un.choices('function'), callLparen: un.kw('(', 0), args1: un.call('StapExpr', 0), callComma: un.kw(',', 0),
            args2: un.call('StapExpr', 1), callRparen: un.kw(')', 0),
            variable: un.choices('variable'), number: un.call('NUMBER'), strings: un.call('STR'), arg: un.call('ARG', 1),
            embedded: un.call('EMBEDDED'), parensLparen: un.kw('(', 1), expression: un.call('StapExpr', 2), parensRparen: un.kw(')', 1),
            tupleLbracket: un.kw('[', 0), items1: un.call('StapIndexArg', 0), tupleComma: un.kw(',', 1), items2: un.call('StapIndexArg', 1),
            tupleRbracket: un.kw(']', 0), at: un.call('StapAtOperator'),
            unknown: un.call('AT_WORD'), unknownLparen: un.kw('(', 2), unknownArgs1: un.call('StapExpr', 3), unknownComma: un.kw(',', 2),
            unknownArgs2: un.call('StapExpr', 4), unknownRparen: un.kw(')', 2),
            member: un.action('StapMember'), arrow: un.kw('->'), memberName: un.choices('member'),
            index: un.action('StapIndex'), indexLbracket: un.kw('[', 1), indexes1: un.call('StapIndexArg', 2), indexComma: un.kw(',', 3),
            indexes2: un.call('StapIndexArg', 3), indexRbracket: un.kw(']', 1),
            pretty: un.action('StapPretty'), prettyArrow: un.kw('->', 1), prettyOp: un.choices('pretty'),
            postIncrement: un.action('StapPostIncrement'), postOp: un.choices('operator', 2),
        },
        indexArg: { star: ia.kw('*'), value: ia.call('StapExpr') },
        atOperator: {
            operator: at.choices('operator'), lparen: at.kw('('), args1: at.call('StapIndexArg', 0), comma: at.kw(','), args2: at.call('StapIndexArg', 1),
            rparen: at.kw(')'),
        },
    };
}

export type StapFastElements = ReturnType<typeof stapFastElements>;
