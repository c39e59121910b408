import type { TokenType } from 'chevrotain';
import type { AstNode, Grammar, GrammarAST } from 'langium';
import type { StapCompositeCstNode } from './systemtap-cst-nodes.js';
import type { StapLexed } from './systemtap-lexer.js';
import type { StapToken } from './systemtap-tokens.js';
import * as ast from './systemtap-fast-ast.js';
import type { FastNode } from './systemtap-fast-ast.js';
import { StapFastCst, type STAP_FAST_MAX_DEPTH, type StapCompositeFactory } from './systemtap-fast-cst.js';
import { STAP_KINDS, kindsByTokenType, stapFastElements, stapKind as kind, type StapFastElements, type StapTokenName } from './systemtap-fast-grammar.js';

/**
 * A hand-written recursive-descent parser for SystemTap token streams without syntax errors: it
 * builds exactly the AST and CST that Langium's parser (systemtap-parser.ts, with its CST builder
 * and rule builder) builds for them — the same nodes, properties in the same order, the same CST
 * composites and leaves with the same grammar elements, hidden leaves in the same places — in a
 * fraction of the time. Its decisions are those of Chevrotain's LL(3) lookahead for this grammar
 * (every one is LL(1) but three: `private function` or `private global`, `v =` before foreach
 * keys, a call's `(`). On the first token it cannot take it gives up (`parse` returns undefined),
 * and the caller parses with Langium, which recovers and reports as before; so it does on a nest
 * deeper than Langium's parser can take ({@link STAP_FAST_MAX_DEPTH}), whose diagnostic stays.
 *
 * How Langium builds the tree, and so this parser: a rule called from another gets a composite
 * CST node and an AST node, which owns the composite when the rule ends (`construct`) and then
 * gets the defaults of its type (`[]` for lists, `false` for flags) in property order. A rule
 * called without assignment (`StapStatement: StapIf | …`) hands its node up: the inner composite
 * loses it, the outer one owns it. An assigned action (`{infer StapMember.receiver=current}`)
 * ends the node so far and moves its composite into a new one for the action. Infix operands
 * and operators are the children of one composite; the binary nodes, made when the rule ends,
 * all point to it (their root to the expression's composite).
 */

const ID = kind('ID'), NUMBER = kind('NUMBER'), STR = kind('STR'), EMBEDDED = kind('EMBEDDED'), ARG = kind('ARG'), AT_WORD = kind('AT_WORD');
const PROBE = kind('probe'), GLOBAL = kind('global'), PRIVATE = kind('private'), FUNCTION = kind('function'), IF = kind('if');
const ELSE = kind('else'), FOR = kind('for'), FOREACH = kind('foreach'), IN = kind('in'), LIMIT = kind('limit'), RETURN = kind('return');
const DELETE = kind('delete'), WHILE = kind('while'), BREAK = kind('break'), CONTINUE = kind('continue'), NEXT = kind('next');
const TRY = kind('try'), CATCH = kind('catch');
const EQ = kind('='), PLUS_EQ = kind('+='), COMMA = kind(','), LBRACE = kind('{'), RBRACE = kind('}'), DOT = kind('.');
const QUESTION = kind('?'), BANG = kind('!'), LPAREN = kind('('), RPAREN = kind(')'), STAR = kind('*'), MINUS = kind('-');
const COLON = kind(':'), SEMI = kind(';'), PERCENT = kind('%'), LBRACKET = kind('['), RBRACKET = kind(']'), PLUS = kind('+');
const ARROW = kind('->'), DOLLAR = kind('$'), DOLLARS = kind('$$'), INC = kind('++'), DEC = kind('--');

const AT_OPERATORS: StapTokenName[] = ['@cast', '@var', '@entry', '@defined', '@probewrite', '@const', '@perf', '@kregister', '@uregister',
    '@kderef', '@uderef', '@enum', '@enumname', '@hist_linear', '@hist_log', '@sum', '@avg', '@min', '@max', '@count', '@variance'];

function kindSet(names: readonly StapTokenName[]): Uint8Array {
    const set = new Uint8Array(STAP_KINDS);
    for (const n of names) set[kind(n)] = 1;
    return set;
}

const EXPRESSION_STARTS: StapTokenName[] = ['+', '-', '!', '~', '++', '--', '&', 'ID', 'ARG', '$', '$$', 'NUMBER', 'STR', 'EMBEDDED', '(', '[', 'AT_WORD',
    ...AT_OPERATORS];

/** What an expression (StapExpr, StapUnary) can start with. */
const FIRST_EXPR = kindSet(EXPRESSION_STARTS);
/** What an index argument can start with: an expression or `*`. */
const FIRST_INDEX_ARG = kindSet(['*', ...EXPRESSION_STARTS]);
/** What a statement can start with. */
const FIRST_STATEMENT = kindSet(['{', 'if', 'while', 'for', 'foreach', 'return', 'delete', 'next', 'break', 'continue', 'try', ';', ...EXPRESSION_STARTS]);
/** What a top-level item can start with. */
const FIRST_TOP = kindSet(['probe', 'private', 'function', 'global', 'EMBEDDED']);
const IS_AT_OPERATOR = kindSet(AT_OPERATORS);

/** Thrown on the first token the parser cannot take. */
const GIVE_UP = { fastParser: 'give up' };

type Node = FastNode;
type Element = GrammarAST.AbstractElement;
/** The grammar element of a rule's call (its composite's `grammarSource`). */
type Feature = Element;

/** A parse of a token stream: the tree, and its nodes the syntax checks look at (as `linkContainers` returns them). */
export interface StapFastParse {
    value: AstNode;
    checked: AstNode[];
}

export class StapFastParser {
    private readonly g: StapFastElements;
    private readonly kinds: Uint8Array;
    private readonly cst: StapFastCst;
    private tokens: readonly StapToken[] = [];
    /** The token type of each token. */
    private types: readonly TokenType[] = [];
    private pos = 0;
    /** Kind of the current token (0 after the last). */
    private k = 0;
    /**
     * The items of the lists being read, and the operands of the infix expressions being read:
     * each reader uses the part above where it started. A list becomes an array of its exact
     * length when complete.
     */
    private readonly stack: unknown[] = [];
    private top = 0;
    /** For each operand on {@link stack} (same index), the number of nodes {@link picked} before it was read. */
    private readonly operandMarks: number[] = [];
    /**
     * The nodes of the types the syntax checks look at, each when it is made (after its descendants), and for each the
     * number of such nodes made before its subtree began: {@link ast.preorder} turns them into `linkContainers`'s order.
     */
    private picked: Node[] = [];
    private pickedMarks: number[] = [];
    /** For each open composite (by depth), the number of nodes picked when it was opened. */
    private readonly marks: number[] = [];
    private readonly pickBinary: boolean;
    /** Operators of the infix expressions being read, and their binding strength. */
    private readonly operators: string[] = [];
    private readonly strengths: number[] = [];
    private opTop = 0;

    /** `composites` makes the tree's composites (see {@link StapCompositeFactory}). */
    constructor(grammar: Grammar, vocabulary: Record<string, TokenType>, private readonly checkedTypes: ReadonlySet<string>, composites?: StapCompositeFactory) {
        this.cst = new StapFastCst(composites);
        this.g = stapFastElements(grammar);
        this.pickBinary = checkedTypes.has('StapBinary');
        this.kinds = kindsByTokenType(vocabulary);
    }

    /**
     * The tree of a token stream (the SystemTap lexer's tokens and hidden tokens for `input`),
     * its container links set, or undefined at the first syntax error.
     */
    parse(input: string, lexed: StapLexed): StapFastParse | undefined {
        const tokens = lexed.tokens;
        this.tokens = tokens;
        this.types = lexed.types;
        this.pos = 0;
        this.k = tokens.length > 0 ? this.kinds[lexed.types[0].tokenTypeIdx!] : 0;
        this.top = this.opTop = 0;
        const root = this.cst.start(input, lexed.hidden, lexed.hiddenTypes, lexed.tokens.length);
        try {
            const base = this.top;
            while (FIRST_TOP[this.k]) this.push(this.topLevel());
            if (this.pos < tokens.length) return undefined;
            const value = ast.script(this.list(base) as Node[]);
            root.astNode = value as unknown as AstNode;
            value.$cstNode = root;
            this.cst.finish();
            root.finish(false);
            return { value: value as unknown as AstNode, checked: ast.preorder(this.picked as unknown as AstNode[], this.pickedMarks) };
        } catch {
            // The first syntax error, or a nest deeper than Langium's parser can take (or than the
            // stack holds): Langium's parser takes over, and reports as it does.
            return undefined;
        } finally {
            this.tokens = this.types = [];
            this.stack.length = this.operandMarks.length = this.operators.length = this.strengths.length = 0;
            this.picked = [];
            this.pickedMarks = [];
            this.cst.clear();
        }
    }

    // ------------------------------------------------------------------ tokens, lists, tree

    private advance(): void {
        const t = this.types[++this.pos];
        this.k = t === undefined ? 0 : this.kinds[t.tokenTypeIdx!];
    }

    private peek(n: number): number {
        const t = this.types[this.pos + n];
        return t === undefined ? 0 : this.kinds[t.tokenTypeIdx!];
    }

    /** Take the current token as a leaf of `feature` (none: not a token the rule takes here); its image. */
    private take(feature: Element | undefined): string {
        if (feature === undefined) throw GIVE_UP;
        const t = this.tokens[this.pos];
        this.cst.leaf(t, this.types[this.pos], feature);
        this.advance();
        return t.image;
    }

    /** Take the current token if it is of kind `k`, else give up. */
    private expect(k: number, feature: Element): string {
        if (this.k !== k) throw GIVE_UP;
        return this.take(feature);
    }

    private push(item: unknown): void {
        this.stack[this.top++] = item;
    }

    /** The items pushed since `base`, as an array of their number, off the stack. */
    private list(base: number): unknown[] {
        const s = this.stack;
        const n = this.top - base;
        this.top = base;
        switch (n) {
            case 0: return [];
            case 1: return [s[base]];
            case 2: return [s[base], s[base + 1]];
            case 3: return [s[base], s[base + 1], s[base + 2]];
            default: return s.slice(base, base + n);
        }
    }

    /** The items of `first (',' item)*` as an array: `first` is read, `read(feature)` reads the others. */
    private commaList(first: Node, comma: Element, read: (this: StapFastParser, f: Feature) => Node, feature: Feature): Node[] {
        if (this.k !== COMMA) return [first];
        const base = this.top;
        this.push(first);
        do {
            this.take(comma);
            this.push(read.call(this, feature));
        } while (this.k === COMMA);
        return this.list(base) as Node[];
    }

    /** Start a rule: a composite for it, and the mark of its subtree (see {@link picked}). */
    private open(f: Feature): StapCompositeCstNode {
        const c = this.cst.open(f);
        this.marks[this.cst.depth] = this.picked.length;
        return c;
    }

    /**
     * End a rule: its composite gets its node; a node the syntax checks look at is picked, once (a rule called without
     * assignment, or whose node an action then takes, ends again with the node it ended with).
     */
    private done(node: Node): Node {
        const mark = this.marks[this.cst.depth];
        const c = this.cst.close();
        c.astNode = node as unknown as AstNode;
        node.$cstNode = c;
        if (this.checkedTypes.has(node.$type)) {
            const n = this.picked.length;
            if (n === 0 || this.picked[n - 1] !== node) {
                this.picked.push(node);
                this.pickedMarks.push(mark);
            }
        }
        return node;
    }

    /** End a rule that called another without assignment: its node is the inner rule's, which gives up its composite. */
    private doneWith(node: Node): Node {
        unown(node);
        return this.done(node);
    }

    /** Langium's assigned action: end the node so far in the current composite, move that into one for `action`. */
    private act(node: Node, action: Element): void {
        this.cst.reparent(this.done(node).$cstNode as StapCompositeCstNode, action);
    }

    // ------------------------------------------------------------------ top level

    private topLevel(): Node {
        this.open(this.g.script.items);
        const g = this.g.top;
        switch (this.k) {
            case PROBE: return this.doneWith(this.probe(g.probe));
            case FUNCTION: return this.doneWith(this.function(g.function));
            case GLOBAL: return this.doneWith(this.global(g.global));
            case EMBEDDED: return this.doneWith(this.topEmbedded(g.embedded));
            case PRIVATE: {
                const k2 = this.peek(1);
                if (k2 === FUNCTION) return this.doneWith(this.function(g.function));
                if (k2 === GLOBAL || k2 === ID) return this.doneWith(this.global(g.global));
                throw GIVE_UP;
            }
            default: throw GIVE_UP;
        }
    }

    private topEmbedded(f: Feature): Node {
        this.open(f);
        const code = this.expect(EMBEDDED, this.g.topEmbedded.code);
        return this.done(ast.topEmbedded(code));
    }

    private probe(f: Feature): Node {
        this.open(f);
        const g = this.g.probe;
        this.take(g.probe);
        let groups: Node[];
        let ops: string[] | undefined;
        const first = this.pointList(g.groups1);
        if (this.k === EQ || this.k === PLUS_EQ) {
            const base = this.top;
            const opBase = this.opTop;
            this.push(first);
            do {
                this.operators[this.opTop++] = this.take(g.alias[this.k]);
                this.push(this.pointList(g.groups2));
            } while (this.k === EQ || this.k === PLUS_EQ);
            groups = this.list(base) as Node[];
            ops = this.operators.slice(opBase, this.opTop);
            this.opTop = opBase;
        } else {
            groups = [first];
        }
        const body = this.block(g.body);
        let epilogue: Node | undefined;
        if (this.k === COMMA) {
            this.take(g.comma);
            epilogue = this.block(g.epilogue);
        }
        return this.done(ast.probe(groups, ops, body, epilogue));
    }

    private pointList(f: Feature): Node {
        this.open(f);
        const g = this.g.pointList;
        const points = this.commaList(this.probePoint(g.points1), g.comma, this.probePoint, g.points2);
        return this.done(ast.pointList(points));
    }

    private probePoint(f: Feature): Node {
        this.open(f);
        const g = this.g.point;
        let components: Node[];
        const first = this.component(g.components1);
        if (this.k === DOT) {
            const base = this.top;
            this.push(first);
            do {
                this.take(g.dot);
                this.push(this.component(g.components2));
            } while (this.k === DOT);
            components = this.list(base) as Node[];
        } else {
            components = [first];
        }
        let flag: 'optional' | 'sufficient' | undefined;
        if (this.k === QUESTION) {
            this.take(g.question);
            flag = 'optional';
        } else if (this.k === BANG) {
            this.take(g.bang);
            flag = 'sufficient';
        }
        let condition: Node | undefined;
        if (this.k === IF) {
            this.take(g.if);
            this.expect(LPAREN, g.lparen);
            condition = this.expr(g.condition);
            this.expect(RPAREN, g.rparen);
        }
        return this.done(ast.probePoint(components, flag, condition));
    }

    private component(f: Feature): Node {
        this.open(f);
        const g = this.g.component;
        if (this.k === LBRACE) {
            this.take(g.lbrace);
            const points = this.commaList(this.probePoint(g.points1), g.comma, this.probePoint, g.points2);
            this.expect(RBRACE, g.rbrace);
            return this.done(ast.braceComponent(points));
        }
        const parts = g.parts;
        const first = this.take(g.firstPart[this.k]);
        let list: string[];
        if (parts[this.k] !== undefined) {
            const base = this.top;
            this.push(first);
            do this.push(this.take(parts[this.k])); while (parts[this.k] !== undefined);
            list = this.list(base) as string[];
        } else {
            list = [first];
        }
        let arg: Node | undefined;
        if (this.k === LPAREN) {
            this.take(g.lparen);
            arg = this.literalArg(g.arg);
            this.expect(RPAREN, g.rparen);
        }
        return this.done(ast.namedComponent(list, arg));
    }

    private literalArg(f: Feature): Node {
        this.open(f);
        const g = this.g.literal;
        switch (this.k) {
            case MINUS: {
                this.take(g.minus);
                return this.done(ast.negativeNumberArg(this.expect(NUMBER, g.number)));
            }
            case NUMBER: return this.done(ast.numberArg(this.take(g.number)));
            case STR: {
                const base = this.top;
                do this.push(this.take(g.strings)); while (this.k === STR);
                return this.done(ast.stringsArg(this.list(base) as string[]));
            }
            case ARG: return this.done(ast.scriptArgArg(this.take(g.arg)));
            default: throw GIVE_UP;
        }
    }

    private function(f: Feature): Node {
        this.open(f);
        const g = this.g.function;
        const n = ast.node('StapFunction');
        if (this.k === PRIVATE) {
            this.take(g.private);
            n.private = true;
        }
        this.expect(FUNCTION, g.function);
        n.name = this.take(g.name[this.k]);
        if (this.k === COLON) {
            this.take(g.colon1);
            n.returnType = this.take(g.returnType[this.k]);
        }
        this.expect(LPAREN, g.lparen);
        if (this.g.param.name[this.k] !== undefined) {
            const base = this.top;
            this.push(this.param(g.params1));
            while (this.k === COMMA) {
                if (this.peek(1) === RPAREN) {
                    this.take(g.lastComma);
                    break;
                }
                this.take(g.comma);
                this.push(this.param(g.params2));
            }
            n.params = this.list(base);
        }
        this.expect(RPAREN, g.rparen);
        if (this.k === COLON) {
            this.take(g.colon2);
            n.priority = this.literalArg(g.priority);
        }
        if (this.k === LBRACE) n.body = this.block(g.body);
        else n.embedded = this.expect(EMBEDDED, g.embedded);
        if (n.params === undefined) n.params = [];
        if (n.private === undefined) n.private = false;
        return this.done(ast.linkChildren(n));
    }

    private param(f: Feature): Node {
        this.open(f);
        const g = this.g.param;
        const name = this.take(g.name[this.k]);
        let type: string | undefined;
        if (this.k === COLON) {
            this.take(g.colon);
            type = this.take(g.type[this.k]);
        }
        return this.done(ast.param(name, type));
    }

    private global(f: Feature): Node {
        this.open(f);
        const g = this.g.global;
        const n = ast.node('StapGlobal');
        if (this.k === PRIVATE) {
            this.take(g.private);
            n.private = true;
            if (this.k === GLOBAL) this.take(g.global1);
        } else {
            this.expect(GLOBAL, g.global2);
        }
        n.vars = this.commaList(this.globalVar(g.vars1), g.comma, this.globalVar, g.vars2);
        if (this.k === SEMI) this.take(g.semi);
        if (n.private === undefined) n.private = false;
        return this.done(ast.linkChildren(n));
    }

    private globalVar(f: Feature): Node {
        this.open(f);
        const g = this.g.globalVar;
        const n = ast.node('StapGlobalVar');
        n.name = this.take(g.name[this.k]);
        if (this.k === PERCENT) {
            this.take(g.percent);
            n.wrap = true;
        }
        if (this.k === LBRACKET) {
            this.take(g.lbracket);
            n.size = this.literalArg(g.size);
            this.expect(RBRACKET, g.rbracket);
        }
        if (this.k === EQ) {
            this.take(g.eq);
            n.init = this.literalArg(g.init);
        }
        if (n.wrap === undefined) n.wrap = false;
        return this.done(ast.linkChildren(n));
    }

    // ------------------------------------------------------------------ statements

    private statement(f: Feature): Node {
        this.open(f);
        const g = this.g.statement;
        switch (this.k) {
            case LBRACE: return this.doneWith(this.block(g.block));
            case IF: return this.doneWith(this.ifStatement(g.if));
            case WHILE: return this.doneWith(this.whileStatement(g.while));
            case FOR: return this.doneWith(this.forStatement(g.for));
            case FOREACH: return this.doneWith(this.foreach(g.foreach));
            case RETURN: return this.doneWith(this.returnStatement(g.return));
            case DELETE: return this.doneWith(this.deleteStatement(g.delete));
            case NEXT: return this.doneWith(this.keywordStatement(g.next, this.g.next, ast.nextStatement));
            case BREAK: return this.doneWith(this.keywordStatement(g.break, this.g.break, ast.breakStatement));
            case CONTINUE: return this.doneWith(this.keywordStatement(g.continue, this.g.continue, ast.continueStatement));
            case TRY: return this.doneWith(this.tryStatement(g.try));
            case SEMI: return this.doneWith(this.emptyStatement(g.empty));
            default:
                if (!FIRST_EXPR[this.k]) throw GIVE_UP;
                return this.doneWith(this.expressionStatement(g.expression));
        }
    }

    private block(f: Feature): Node {
        this.open(f);
        const g = this.g.block;
        this.expect(LBRACE, g.lbrace);
        const base = this.top;
        while (FIRST_STATEMENT[this.k]) this.push(this.statement(g.statements));
        const statements = this.list(base) as Node[];
        this.expect(RBRACE, g.rbrace);
        return this.done(ast.block(statements));
    }

    private ifStatement(f: Feature): Node {
        this.open(f);
        const g = this.g.if;
        this.take(g.if);
        this.expect(LPAREN, g.lparen);
        const condition = this.expr(g.condition);
        this.expect(RPAREN, g.rparen);
        const then = this.statement(g.then);
        let otherwise: Node | undefined;
        if (this.k === ELSE) {
            this.take(g.else);
            otherwise = this.statement(g.elseStatement);
        }
        return this.done(ast.ifStatement(condition, then, otherwise));
    }

    private whileStatement(f: Feature): Node {
        this.open(f);
        const g = this.g.while;
        this.take(g.while);
        this.expect(LPAREN, g.lparen);
        const condition = this.expr(g.condition);
        this.expect(RPAREN, g.rparen);
        return this.done(ast.whileStatement(condition, this.statement(g.body)));
    }

    private forStatement(f: Feature): Node {
        this.open(f);
        const g = this.g.for;
        const n = ast.node('StapFor');
        this.take(g.for);
        this.expect(LPAREN, g.lparen);
        if (FIRST_EXPR[this.k]) n.init = this.expr(g.init);
        this.expect(SEMI, g.semi1);
        if (FIRST_EXPR[this.k]) n.condition = this.expr(g.condition);
        this.expect(SEMI, g.semi2);
        if (FIRST_EXPR[this.k]) n.step = this.expr(g.step);
        this.expect(RPAREN, g.rparen);
        n.body = this.statement(g.body);
        return this.done(ast.linkChildren(n));
    }

    private foreach(f: Feature): Node {
        this.open(f);
        const g = this.g.foreach;
        const n = ast.node('StapForeach');
        this.take(g.foreach);
        this.expect(LPAREN, g.lparen);
        if (g.value[this.k] !== undefined) {
            const k2 = this.peek(1);
            if (k2 === EQ || ((k2 === PLUS || k2 === MINUS) && this.peek(2) === EQ)) {
                n.value = this.take(g.value[this.k]);
                if (this.k !== EQ) n.valueSort = this.take(g.valueSort[this.k]);
                this.take(g.eq);
            }
        }
        if (this.g.foreachKey.name[this.k] !== undefined) {
            n.keys = [this.foreachKey(g.keys1)];
        } else {
            this.expect(LBRACKET, g.lbracket);
            n.keys = this.commaList(this.foreachKey(g.keys2), g.comma, this.foreachKey, g.keys3);
            this.expect(RBRACKET, g.rbracket);
        }
        this.expect(IN, g.in);
        n.array = this.foreachArray(g.array);
        if (g.aggregate[this.k] !== undefined) n.aggregate = this.take(g.aggregate[this.k]);
        if (g.arraySort[this.k] !== undefined) n.arraySort = this.take(g.arraySort[this.k]);
        if (this.k === LIMIT) {
            this.take(g.limitKw);
            n.limit = this.expr(g.limit);
        }
        this.expect(RPAREN, g.rparen);
        n.body = this.statement(g.body);
        return this.done(ast.linkChildren(n));
    }

    private foreachKey(f: Feature): Node {
        this.open(f);
        const g = this.g.foreachKey;
        const name = this.take(g.name[this.k]);
        const sort = g.sort[this.k] !== undefined ? this.take(g.sort[this.k]) : undefined;
        return this.done(ast.foreachKey(name, sort));
    }

    private foreachArray(f: Feature): Node {
        this.open(f);
        const g = this.g.foreachArray;
        const k = this.k;
        // What the array's name may be (the grammar's choice); an @-operator is one only where no `(` follows.
        if (this.g.foreachArrayRef.array[k] !== undefined && (!IS_AT_OPERATOR[k] || this.peek(1) !== LPAREN)) return this.doneWith(this.foreachArrayRef(g.ref));
        if (IS_AT_OPERATOR[k]) return this.doneWith(this.atOperator(g.at));
        throw GIVE_UP;
    }

    private foreachArrayRef(f: Feature): Node {
        this.open(f);
        const g = this.g.foreachArrayRef;
        const array = this.take(g.array[this.k]!);
        let slice: Node[] = [];
        if (this.k === LBRACKET) {
            this.take(g.lbracket);
            slice = this.commaList(this.indexArg(g.slice1), g.comma, this.indexArg, g.slice2);
            this.expect(RBRACKET, g.rbracket);
        }
        return this.done(ast.foreachArrayRef(array, slice));
    }

    private returnStatement(f: Feature): Node {
        this.open(f);
        const g = this.g.return;
        this.take(g.return);
        const value = FIRST_EXPR[this.k] ? this.expr(g.value) : undefined;
        if (this.k === SEMI) this.take(g.semi);
        return this.done(ast.returnStatement(value));
    }

    private deleteStatement(f: Feature): Node {
        this.open(f);
        const g = this.g.delete;
        this.take(g.delete);
        const target = this.expr(g.target);
        if (this.k === SEMI) this.take(g.semi);
        return this.done(ast.deleteStatement(target));
    }

    /** `next`, `break`, `continue`: the keyword and an optional `;`. */
    private keywordStatement(f: Feature, g: { keyword: Element; semi: Element }, make: () => Node): Node {
        this.open(f);
        this.take(g.keyword);
        if (this.k === SEMI) this.take(g.semi);
        return this.done(make());
    }

    private tryStatement(f: Feature): Node {
        this.open(f);
        const g = this.g.try;
        this.take(g.try);
        const body = this.block(g.body);
        this.expect(CATCH, g.catch);
        let variable: string | undefined;
        if (this.k === LPAREN) {
            this.take(g.lparen);
            variable = this.take(g.variable[this.k]);
            this.expect(RPAREN, g.rparen);
        }
        return this.done(ast.tryStatement(body, variable, this.block(g.handler)));
    }

    private emptyStatement(f: Feature): Node {
        this.open(f);
        this.take(this.g.empty.semi);
        return this.done(ast.emptyStatement());
    }

    private expressionStatement(f: Feature): Node {
        this.open(f);
        const g = this.g.expressionStatement;
        const expression = this.expr(g.expression);
        if (this.k === SEMI) this.take(g.semi);
        return this.done(ast.expressionStatement(expression));
    }

    // ------------------------------------------------------------------ expressions

    private expr(f: Feature): Node {
        this.open(f);
        const g = this.g.expr;
        const x = this.binary(g.binary);
        // StapExpr calls StapBinary without assignment: it takes the operand's (or the binary
        // node's) properties; a binary node, made by the infix rule as a plain literal, gets
        // the `$` properties of the StapExpr node it replaces.
        unown(x);
        if (x.$type === 'StapBinary') {
            x.$container = undefined;
            x.$containerProperty = undefined;
            x.$containerIndex = undefined;
        }
        if (this.k === QUESTION) {
            this.act(x, g.conditional);
            this.take(g.question);
            const then = this.expr(g.then);
            this.expect(COLON, g.colon);
            return this.done(ast.conditional(x, then, this.expr(g.else)));
        }
        const op = g.operator[this.k];
        if (op !== undefined) {
            this.act(x, g.assignment);
            const operator = this.take(op);
            return this.done(ast.assignment(x, operator, this.expr(g.value)));
        }
        return this.done(x);
    }

    /**
     * The infix rule: operands and operators in one composite, then the tree Langium's
     * `constructInfix` makes of them (left-associative, by precedence), built here with stacks
     * instead of its recursion (a flat expression of 10,000 terms is fine).
     */
    private binary(f: Feature): Node {
        const g = this.g.infix;
        const firstMark = this.picked.length;
        this.cst.unbuilt++;
        const first = this.unary(g.part1);
        this.cst.unbuilt--;
        const precedence = this.g.precedence;
        let p = precedence[this.k];
        // A lone operand is the expression: no composite for the rule around it (see StapCstNodeBuilder.construct).
        if (p === 0) return first;
        // Else the composite for the rule takes the operand's place, and the operand into it, as for an action (the
        // operand's mark, made when its composite opened at this depth, stays the mark of the rule's subtree).
        const c = this.cst.reparent(first.$cstNode as StapCompositeCstNode, f);
        const stack = this.stack;
        const operators = this.operators;
        const strengths = this.strengths;
        const opBase = this.opTop;
        const operandMarks = this.operandMarks;
        operandMarks[this.top] = firstMark;
        this.push(first);
        while (p !== 0) {
            const op = this.take(g.operator);
            // Operators on the stack that bind as tight or tighter are below this one in the tree.
            while (this.opTop > opBase && strengths[this.opTop - 1] <= p) this.reduce(c);
            operators[this.opTop] = op;
            strengths[this.opTop++] = p;
            const mark = this.picked.length;
            const operand = this.unary(g.part2);
            operandMarks[this.top] = mark;
            this.push(operand);
            p = precedence[this.k];
        }
        while (this.opTop > opBase) this.reduce(c);
        this.cst.close();
        return stack[--this.top] as Node;
    }

    /** The top two operands and the top operator become a binary node (its subtree starts where its left operand's does). */
    private reduce(c: StapCompositeCstNode): void {
        const stack = this.stack;
        const right = stack[--this.top] as Node;
        const at = this.top - 1;
        const b = ast.binary(c, stack[at] as Node, this.operators[--this.opTop], right);
        stack[at] = b;
        if (this.pickBinary) {
            this.picked.push(b);
            this.pickedMarks.push(this.operandMarks[at]);
        }
    }

    private unary(f: Feature): Node {
        this.open(f);
        const g = this.g.unary;
        const op = g.prefix[this.k];
        if (op !== undefined) {
            const operator = this.take(op);
            return this.done(ast.prefix(operator, this.unary(g.operand)));
        }
        let x = this.primary(g);
        while (this.k === ARROW || this.k === LBRACKET) {
            if (this.k === ARROW) {
                const k2 = this.peek(1);
                if (k2 === DOLLAR || k2 === DOLLARS) break;
                this.act(x, g.member);
                this.take(g.arrow);
                x = ast.member(x, this.take(g.memberName[this.k]));
            } else {
                this.act(x, g.index);
                this.take(g.indexLbracket);
                const indexes = this.commaList(this.indexArg(g.indexes1), g.indexComma, this.indexArg, g.indexes2);
                this.expect(RBRACKET, g.indexRbracket);
                x = ast.index(x, indexes);
            }
        }
        if (this.k === DOLLAR || this.k === DOLLARS || this.k === ARROW) {
            // `$p$`, `$p->$$` (the loop above leaves `->` only before `$` or `$$`)
            this.act(x, g.pretty);
            if (this.k === ARROW) this.take(g.prettyArrow);
            x = ast.pretty(x, this.take(g.prettyOp[this.k]));
        }
        if (this.k === INC || this.k === DEC) {
            this.act(x, g.postIncrement);
            x = ast.postIncrement(x, this.take(g.postOp[this.k]));
        }
        return this.done(x);
    }

    /** The primary of StapUnary, read in its composite. */
    private primary(g: StapFastElements['unary']): Node {
        const k = this.k;
        if ((k === ID || k === ARG) && this.peek(1) === LPAREN) {
            const fn = this.take(g.function[k]);
            this.take(g.callLparen);
            const args = FIRST_EXPR[this.k] ? this.commaList(this.expr(g.args1), g.callComma, this.expr, g.args2) : [];
            this.expect(RPAREN, g.callRparen);
            return ast.call(fn, args);
        }
        switch (k) {
            case ID: case DOLLAR: case DOLLARS: return ast.variable(this.take(g.variable[k]));
            case NUMBER: return ast.numberLiteral(this.take(g.number));
            case STR: {
                const first = this.take(g.strings);
                if (this.k !== STR) return ast.stringLiteral([first]);
                const base = this.top;
                this.push(first);
                do this.push(this.take(g.strings)); while (this.k === STR);
                return ast.stringLiteral(this.list(base) as string[]);
            }
            case ARG: return ast.scriptArg(this.take(g.arg));
            case EMBEDDED: return ast.embedded(this.take(g.embedded));
            case LPAREN: {
                this.take(g.parensLparen);
                const expression = this.expr(g.expression);
                this.expect(RPAREN, g.parensRparen);
                return ast.parens(expression);
            }
            case LBRACKET: {
                this.take(g.tupleLbracket);
                const items = this.commaList(this.indexArg(g.items1), g.tupleComma, this.indexArg, g.items2);
                this.expect(RBRACKET, g.tupleRbracket);
                return ast.tuple(items);
            }
            case AT_WORD: {
                const operator = this.take(g.unknown);
                let args: Node[] = [];
                if (this.k === LPAREN) {
                    this.take(g.unknownLparen);
                    if (FIRST_EXPR[this.k]) args = this.commaList(this.expr(g.unknownArgs1), g.unknownComma, this.expr, g.unknownArgs2);
                    this.expect(RPAREN, g.unknownRparen);
                }
                return ast.unknownOperator(operator, args);
            }
            default: {
                if (!IS_AT_OPERATOR[k]) throw GIVE_UP;
                // Called without assignment: the @-operator's node is StapUnary's.
                const n = this.atOperator(g.at);
                unown(n);
                return n;
            }
        }
    }

    private indexArg(f: Feature): Node {
        this.open(f);
        const g = this.g.indexArg;
        if (this.k === STAR) {
            this.take(g.star);
            return this.done(ast.wildcard());
        }
        return this.done(ast.indexArg(this.expr(g.value)));
    }

    private atOperator(f: Feature): Node {
        this.open(f);
        const g = this.g.atOperator;
        const operator = this.take(g.operator[this.k]);
        this.expect(LPAREN, g.lparen);
        const args = FIRST_INDEX_ARG[this.k] ? this.commaList(this.indexArg(g.args1), g.comma, this.indexArg, g.args2) : [];
        this.expect(RPAREN, g.rparen);
        return this.done(ast.atOperator(operator, args));
    }
}

/** Langium's `assignWithoutOverride` on a node whose rule was called without assignment: its composite no longer owns it. */
function unown(node: Node): void {
    (node.$cstNode as unknown as { astNode: unknown }).astNode = undefined;
    node.$cstNode = undefined;
}
