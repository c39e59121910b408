import type { IParserConfig, IRecognitionException, IToken, TokenType, TokenTypeDictionary } from 'chevrotain';
import {
    LangiumParser, type AstNode, type AstReflection, type CstNode, type GrammarAST, type LexerResult,
    type ParseResult, type ParserOptions, type URI,
} from 'langium';
import { StapCstNodeBuilder } from './systemtap-cst-builder.js';
import { AstShapes } from './systemtap-ast-shapes.js';
import { defaultsOnlyReflection, linkContainers } from './systemtap-tree-links.js';
import { NO_ARGS, NO_ARGS_OPTIONS, buildStapParserRules } from './systemtap-parser-rules.js';
import { afterParameterComma, describeOpener } from './systemtap-error-messages.js';
import type { StapIToken, SystemtapLexer } from './systemtap-lexer.js';
import type { SystemtapServices } from './systemtap-module.js';
import type { StapPreprocessResult } from './systemtap-preprocessor.js';
import { STAP_CHECKED_TYPES, checkStapSyntax } from './systemtap-syntax-checks.js';
import { StapFastParser } from './systemtap-fast-parser.js';
import { firstAtOrAfter } from '../common/offset-search.js';
import { withShebang } from './systemtap-target.js';
import { StapCode } from './systemtap-diagnostic-codes.js';
import { STAP_DECLARATION_WORDS } from './systemtap-tokens.js';
import { lineOfOffset, lineStarts } from '../common/line-starts.js';
import { buildInfixTree, type InfixParts, type InfixPrecedence } from '../common/infix-tree.js';
import { cutAfterFailure, declarationAround, isStackOverflow, nestingAfterOverflow, type StapParseCut } from './systemtap-parse-recovery.js';

/** A parser error with its stable code. */
export type StapParserError = IRecognitionException & { stapCode?: string };

const NO_TOKENS: IToken[] = [];
/** Parses with a lower bracket depth after running out of stack, at most (each lowers it by a tenth or more). */
const MAX_ATTEMPTS = 8;

/** The parts of Langium's parser this one reaches into (private in Langium's typings). */
interface ParserInternals {
    /** Ours; a test puts a builder over Langium's own here to compare the trees. */
    nodeBuilder: Pick<StapCstNodeBuilder, 'buildRootNode' | 'addHiddenNodes' | 'removeNode' | 'buildCompositeNode' | 'adopt'>;
    lexerResult: LexerResult | undefined;
    wrapper: {
        input: IToken[];
        currIdx: number;
        errors: IRecognitionException[];
        invokeRuleCatch(e: unknown, resync: boolean, recoveryValue: unknown): unknown;
        subrule(idx: number, rule: unknown, options: { ARGS: unknown[] }): unknown;
        wrapSubrule(idx: number, rule: unknown, args: unknown): unknown;
    };
    mainRule: unknown;
    allRules: Map<string, unknown>;
    stack: object[];
    doParse(rule: unknown): AstNode;
    construct(): AstNode & { $cstNode?: CstNode };
    assign(operator: string, feature: string, value: unknown, cstNode: CstNode): void;
    extractHiddenTokens(token: IToken): IToken[];
    assignWithoutOverride(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown>;
    constructInfix(obj: InfixParts, precedence: ReadonlyMap<unknown, InfixPrecedence> | undefined): unknown;
    startImplementation($type: string | symbol | undefined, infixName: string | undefined, implementation: (args: unknown) => void): (args: unknown) => unknown;
    astReflection: AstReflection;
}

/** What a document keeps of its preprocessing (not the token arrays: they would double its memory). */
export type StapPreprocessRecord = Pick<StapPreprocessResult, 'inactiveRanges' | 'expansions' | 'macros'> & {
    /**
     * The words a declaration starts with, where stap reads on after an error (offsets, in order): kept only for a
     * document with several findings.
     */
    declarationStarts?: Array<{ offset: number }>;
};

const preprocessOf = new WeakMap<AstNode, StapPreprocessRecord>();

/**
 * What the preprocessor did for a parsed SystemTap document: inactive ranges (to dim), the
 * expansion map (to point into macros), the file's macros.
 */
export function stapPreprocessResult(root: AstNode | undefined): StapPreprocessRecord | undefined {
    return root ? preprocessOf.get(root) : undefined;
}

/** What Langium's parser constructor makes Chevrotain's parser of (the token types and the parser options). */
interface EngineArgs {
    tokens: TokenTypeDictionary;
    config: IParserConfig;
}

const deferredEngines = new WeakMap<object, EngineArgs>();

/**
 * The services, with the lexer's token types set aside while Langium's parser constructor runs: it then makes its
 * Chevrotain parser over no token types, which costs next to nothing, and {@link SystemtapParser.langiumRules} makes
 * the real one when a text first needs Langium's parser. Constructing Chevrotain's parser over the grammar's token
 * types took 8–11 ms of every process, whose library files the fast parser all takes. Not while Langium's profiler
 * is on (it makes a parser of its own kind).
 */
function deferringEngine(services: SystemtapServices): SystemtapServices {
    if (services.shared.profilers.LangiumProfiler?.isActive('parsing')) return services;
    const lexer = services.parser.Lexer as SystemtapLexer;
    const tokens = lexer.definition;
    deferredEngines.set(lexer, {
        tokens,
        config: { ...services.parser.ParserConfig, skipValidations: services.LanguageMetaData.mode === 'production', errorMessageProvider: services.parser.ParserErrorMessageProvider },
    });
    (lexer as { definition: TokenTypeDictionary }).definition = {};
    return services;
}

/**
 * The SystemTap parser: Langium's, plus the structural rules of stap's parser, better messages
 * for missing closers, and a guard that turns a stack overflow into a diagnostic.
 */
export class SystemtapParser extends LangiumParser {
    private readonly stapLexer: SystemtapLexer;
    private readonly services: SystemtapServices;
    /** The hidden tokens of the text being parsed, and the first not yet in the tree. */
    private hidden: IToken[] = NO_TOKENS;
    private hiddenCursor = 0;
    private readonly shapes = new AstShapes();
    /** The nodes of the last tree that the syntax checks look at, in depth-first order. */
    private checked: AstNode[] = [];
    /** The parser of token streams without syntax errors (systemtap-fast-parser.ts): Langium's tree, faster. Unset: Langium's only. */
    fast: StapFastParser | undefined;
    /** The line table of the text being parsed, made for its first error. */
    private errorLines: { text: string; starts: number[] } | undefined;
    /** Set when the parse ran out of stack (what reaches `parse` may be a later error the unwinding caused). */
    private overflowed = false;
    /** Whether Chevrotain is reading the tokens (an exception then has a position). */
    private reading = false;
    private rulesBuilt = false;

    /** How to make Chevrotain's parser when first needed (see {@link deferringEngine}); unset once made. */
    private deferredEngine: EngineArgs | undefined;

    constructor(services: SystemtapServices) {
        super(deferringEngine(services));
        this.services = services;
        this.stapLexer = services.parser.Lexer as SystemtapLexer;
        this.deferredEngine = deferredEngines.get(this.stapLexer);
        if (this.deferredEngine) {
            deferredEngines.delete(this.stapLexer);
            (this.stapLexer as { definition: TokenTypeDictionary }).definition = this.deferredEngine.tokens;
        }
        this.fast = new StapFastParser(services.Grammar, this.stapLexer.definition as Record<string, TokenType>, STAP_CHECKED_TYPES, services.parser.StapComposites);
        const internals = this as unknown as ParserInternals;
        internals.nodeBuilder = new StapCstNodeBuilder();
        internals.astReflection = defaultsOnlyReflection(internals.astReflection);
        // Langium takes the hidden tokens before each token with `splice(0, i)` from the front of
        // the array: quadratic in the number of comments. A cursor moves over them instead.
        internals.extractHiddenTokens = token => {
            const hidden = this.hidden;
            const from = this.hiddenCursor;
            let k = from;
            while (k < hidden.length && hidden[k].startOffset <= token.startOffset) k++;
            this.hiddenCursor = k;
            return k === from ? NO_TOKENS : hidden.slice(from, k);
        };
        // Langium's `startImplementation` (it starts every rule's node), with nodes of a shape
        // per type (see systemtap-ast-shapes.ts); data type rules and infix parts as in Langium.
        internals.startImplementation = ($type, infixName, implementation) => args => {
            const createNode = !this.isRecording() && $type !== undefined;
            if (createNode) {
                let node: Record<string | symbol, unknown>;
                if (typeof $type === 'string' && infixName === undefined) node = this.shapes.make($type) as never;
                else {
                    node = { $type };
                    if (typeof $type !== 'string') node.value = '';
                    else node.$infixName = infixName;
                }
                internals.stack.push(node);
            }
            implementation(args);
            return createNode ? internals.construct() : undefined;
        };
        // Langium's `assignWithoutOverride` (a rule called without assignment hands its node the
        // properties of the node it replaces), with `for…in` instead of `Object.entries` pairs.
        internals.assignWithoutOverride = (target, source) => {
            for (const name in source) {
                const existingValue = source[name];
                const newValue = target[name];
                if (newValue === undefined) target[name] = existingValue;
                else if (Array.isArray(newValue) && Array.isArray(existingValue)) {
                    for (const item of newValue) existingValue.push(item);
                    target[name] = existingValue;
                }
            }
            const targetCstNode = target.$cstNode as { astNode: unknown } | undefined;
            if (targetCstNode) {
                targetCstNode.astNode = undefined;
                target.$cstNode = undefined;
            }
            return target;
        };
        // Langium's `constructInfix` recurses once per operand and copies the operand list each time.
        internals.constructInfix = buildInfixTree;
        if (!this.deferredEngine) this.adaptEngine();
    }

    /**
     * Chevrotain's parser (Langium's wrapper of it), made now if it was deferred ({@link deferringEngine}), and
     * adapted: Langium's rules are defined on it, so call this before defining them.
     */
    chevrotainEngine(): void {
        const args = this.deferredEngine;
        if (!args) return;
        this.deferredEngine = undefined;
        const internals = this as unknown as ParserInternals;
        const Engine = internals.wrapper.constructor as new (tokens: TokenTypeDictionary, config: IParserConfig) => ParserInternals['wrapper'];
        internals.wrapper = new Engine(args.tokens, args.config);
        this.adaptEngine();
    }

    private adaptEngine(): void {
        const wrapper = (this as unknown as ParserInternals).wrapper;
        // Langium's wrapper makes Chevrotain's `{ ARGS: [args] }` at every rule call; the
        // arguments are always the same empty object here (see systemtap-parser-rules.ts).
        wrapper.wrapSubrule = (idx, rule, args) => wrapper.subrule(idx, rule, args === NO_ARGS ? NO_ARGS_OPTIONS : { ARGS: [args] });
        // Every exception passes through Chevrotain's catch of the rule it leaves: note a stack
        // overflow there, before Langium's clean-up on an unbalanced stack throws something else.
        const invokeRuleCatch = wrapper.invokeRuleCatch;
        wrapper.invokeRuleCatch = (e, resync, recoveryValue) => {
            // Nothing more than `instanceof` here: the stack is all but full.
            if (e instanceof RangeError) this.overflowed = true;
            return invokeRuleCatch.call(wrapper, e, resync, recoveryValue);
        };
    }

    /**
     * Langium's `parse`: lex; the fast parser's tree if it takes the tokens, else Langium's parser over them as
     * Chevrotain tokens, with the hidden-token cursor (run the main rule, add the hidden tokens after the last one,
     * link the AST nodes to their containers and note the nodes the syntax checks want on the way).
     */
    private parseTree(input: string, options: ParserOptions): ParseResult<AstNode> {
        const internals = this as unknown as ParserInternals;
        const builder = internals.nodeBuilder;
        builder.buildRootNode(input);
        const lexed = this.stapLexer.lex(input);
        const report = { diagnostics: lexed.diagnostics };
        // A stream without syntax errors gets the fast parser's tree; Langium's parser reads the others, as
        // Chevrotain's tokens (made only then).
        const fast = options.rule ? undefined : this.fast?.parse(input, lexed);
        let value: AstNode;
        try {
            if (fast) {
                value = fast.value;
            } else {
                const lexerResult: LexerResult = { ...this.stapLexer.chevrotainTokens(input, lexed), errors: [], report };
                this.hidden = lexerResult.hidden;
                this.hiddenCursor = 0;
                this.langiumRules();
                internals.lexerResult = lexerResult;
                internals.wrapper.input = lexerResult.tokens;
                const ruleMethod = options.rule ? internals.allRules.get(options.rule) : internals.mainRule;
                if (!ruleMethod) throw new Error(options.rule ? `No rule found with name '${options.rule}'` : 'No main rule available.');
                this.reading = true;
                value = internals.doParse(ruleMethod);
                this.reading = false;
                builder.addHiddenNodes(this.hidden.slice(this.hiddenCursor));
            }
        } finally {
            this.hidden = NO_TOKENS;
            this.hiddenCursor = 0;
            this.unorderedGroups.clear();
            internals.lexerResult = undefined;
        }
        this.checked = fast?.checked ?? linkContainers(value, STAP_CHECKED_TYPES);
        // The fast parser takes only streams without syntax errors.
        return { value, lexerErrors: [], lexerReport: report, parserErrors: fast ? [] : internals.wrapper.errors };
    }

    /** Whether {@link langiumRules} has made them. */
    get hasLangiumRules(): boolean {
        return this.rulesBuilt;
    }

    /**
     * Langium's rules and Chevrotain's analysis of them (50–75 ms in a fresh process), made for the first text the
     * fast parser does not take (a library of error-free files never needs them), unless rules were given already.
     */
    langiumRules(): void {
        if (this.rulesBuilt) return;
        this.rulesBuilt = true;
        this.chevrotainEngine();
        if (this.allRules.size > 0) return;
        buildStapParserRules(this.services.Grammar, this, this.stapLexer.definition);
        this.finalize();
    }

    /** Langium's `action`; a node re-parented by an assigned action gets its `container` here. */
    override action($type: string, action: GrammarAST.Action): void {
        if (this.isRecording() || !action.feature || !action.operator) {
            super.action($type, action);
            return;
        }
        const internals = this as unknown as ParserInternals;
        const builder = internals.nodeBuilder;
        const last = internals.construct();
        builder.removeNode(last.$cstNode!);
        const node = builder.buildCompositeNode(action);
        builder.adopt(node, last.$cstNode!);
        internals.stack.push(this.shapes.make($type));
        internals.assign(action.operator, action.feature, last, last.$cstNode!);
    }

    /** Parse for a document (the lexer then uses its tapset tree's macros). */
    parseFor<T extends AstNode = AstNode>(uri: URI | undefined, input: string, options?: ParserOptions): ParseResult<T> {
        const previous = this.stapLexer.documentUri;
        this.stapLexer.documentUri = uri;
        try {
            return this.parse<T>(input, options);
        } finally {
            this.stapLexer.documentUri = previous;
        }
    }

    override parse<T extends AstNode = AstNode>(input: string, options: ParserOptions = {}): ParseResult<T> {
        const cuts: StapParseCut[] = [];
        const result = this.parseAround(input, options, cuts) as ParseResult<T>;
        const pp = this.stapLexer.lastPreprocess;
        if (!pp) return result;
        preprocessOf.set(result.value, { inactiveRanges: pp.inactiveRanges, expansions: pp.expansions, macros: pp.macros });
        const pos = (offset: number) => {
            const [l, c] = this.lineColumnOf(input, offset);
            return `${l}:${c}`;
        };
        // After a nest too deep to parse (reported by the lexer), the parser's complaints about
        // the hole it left in its declaration are noise. So are those after a macro invocation stap stops at (one
        // without its arguments, or not as many as the macro takes): stap goes on at the next declaration.
        for (const d of pp.diagnostics) {
            const invocation = d.code === StapCode.PpMacroInvocation && d.severity === 'error';
            if (d.code !== StapCode.LexTooDeep && !invocation) continue;
            let k = 0;
            while (k < pp.tokens.length && pp.tokens[k].offset < d.offset) k++;
            const [from, to] = declarationAround(pp.tokens, k);
            const start = invocation ? d.end : pp.tokens[from]?.offset ?? 0;
            const end = pp.tokens[to]?.offset ?? Infinity;
            const errors = result.parserErrors;
            let kept = 0;
            for (const e of errors) {
                const at = isNaN(e.token.startOffset) ? input.length : e.token.startOffset;
                if (at < start || at >= end) errors[kept++] = e;
            }
            errors.length = kept;
        }
        for (const cut of cuts) result.parserErrors.push(this.error(cut.at, cut.atEnd, cut.message, input, cut.code));
        for (const err of result.parserErrors as StapParserError[]) {
            err.stapCode ??= StapCode.ParseExpected;
            const m = /^expected `([)\]}])`/.exec(err.message);
            if (m) {
                const index = isNaN(err.token.startOffset) ? pp.tokens.length : (err.token as StapIToken).stapIndex ?? pp.tokens.length;
                const where = describeOpener(pp.tokens, index, m[1], pos);
                if (m[1] === ')' && afterParameterComma(pp.tokens, index)) err.message = err.message.replace(/^expected `\)`/, 'expected an identifier');
                else if (where) err.message = err.message.replace(/^(expected `[)\]}]`)/, `$1 ${where},`);
            }
        }
        this.stapLexer.lastPreprocess = undefined;
        const target = withShebang(this.services.settings.SystemtapSettings.target, input);
        const checked = this.checked;
        this.checked = [];
        try {
            // A rule broken where the parser stopped already (`printf(,` left the call without arguments) is the
            // same error: the parser's says where and why.
            // And one stap finds broken only later (see StapSyntaxProblem.detectedAt) is not reached after an error
            // stap stops at on the way: the parser's, the preprocessor's or lexer's (a condition it cannot read), or a
            // rule broken as soon as stap reads its token (most are).
            const stops = result.parserErrors.map(e => ({ offset: isNaN(e.token.startOffset) ? input.length : e.token.startOffset }))
                .sort((a, b) => a.offset - b.offset);
            const problems = checkStapSyntax(target, pp.tokens, checked);
            const earlier = [...pp.diagnostics.filter(d => d.severity === 'error'), ...problems.filter(q => q.detectedAt === undefined)];
            for (const p of problems) {
                const stop = stops[firstAtOrAfter(stops, p.offset)];
                if (stop && stop.offset <= (p.detectedAt ?? p.offset)) continue;
                if (p.detectedAt !== undefined && earlier.some(d => d.offset >= p.offset && d.offset <= p.detectedAt!)) continue;
                result.parserErrors.push(this.error(p.offset, p.end, p.message, input, StapCode.ParseRule));
            }
        } catch (e) {
            result.parserErrors.push(this.error(0, Math.min(1, input.length), `the syntax checks failed on this file: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`,
                input, StapCode.ParseFailed));
        }
        // Where stap goes on after an error (see the validator's firstErrorPerDeclaration): only where it matters.
        if (result.parserErrors.length + pp.diagnostics.length > 1) {
            preprocessOf.get(result.value)!.declarationStarts = pp.tokens.filter(t => t.kind === 'ident' && STAP_DECLARATION_WORDS.has(t.image))
                .map(t => ({ offset: t.offset }));
        }
        this.errorLines = undefined;
        return result;
    }

    /**
     * Parse; when the parse throws (out of stack, or a bug), parse again with fewer bracket levels
     * or without the declaration it failed in (see systemtap-parse-recovery.ts), noting the
     * declarations left out in `cuts`.
     */
    private parseAround(input: string, options: ParserOptions, cuts: StapParseCut[]): ParseResult<AstNode> {
        const internals = this as unknown as ParserInternals;
        let maxNesting = Infinity;
        for (let attempt = 0; ; attempt++) {
            this.overflowed = false;
            this.reading = false;
            this.stapLexer.skipRanges = cuts;
            this.stapLexer.maxNesting = maxNesting;
            try {
                return this.parseTree(input, options);
            } catch (e) {
                internals.stack.length = 0;
                const wrapper = internals.wrapper;
                const overflow = this.overflowed || isStackOverflow(e);
                const nesting = this.reading && overflow && attempt < MAX_ATTEMPTS ? nestingAfterOverflow(wrapper.input, wrapper.currIdx + 1, maxNesting) : undefined;
                if (nesting !== undefined) {
                    maxNesting = nesting;
                    continue;
                }
                const cut = this.reading ? cutAfterFailure(wrapper.input, wrapper.currIdx + 1, input.length, overflow, e, cuts.length) : undefined;
                if (!cut) {
                    // Failed outside the token stream (lexer, tree links): report it with an empty tree.
                    this.stapLexer.skipRanges = [];
                    const result = this.parseTree('', options);
                    result.parserErrors.push(this.error(0, Math.min(1, input.length), `this file could not be checked: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`,
                        input, StapCode.ParseFailed));
                    return result;
                }
                cuts.push(cut);
            } finally {
                this.stapLexer.skipRanges = [];
                this.stapLexer.maxNesting = Infinity;
                this.reading = false;
            }
        }
    }

    /** 1-based line and column of an offset in `input` (the line table is made once per parse, on the first error). */
    private lineColumnOf(input: string, offset: number): [number, number] {
        if (this.errorLines?.text !== input) this.errorLines = { text: input, starts: lineStarts(input) };
        const line = lineOfOffset(this.errorLines.starts, offset);
        return [line + 1, offset - this.errorLines.starts[line] + 1];
    }

    private error(offset: number, end: number, message: string, input: string, code: string): StapParserError {
        const [startLine, startColumn] = this.lineColumnOf(input, offset);
        const [endLine, endColumn] = this.lineColumnOf(input, Math.max(offset, end - 1));
        const token = {
            image: input.slice(offset, end), startOffset: offset, endOffset: Math.max(offset, end - 1),
            startLine, startColumn, endLine, endColumn, tokenTypeIdx: 0,
        } as unknown as IToken;
        return { name: 'StapSyntaxRule', message, token, resyncedTokens: [], context: { ruleStack: [], ruleOccurrenceStack: [] }, stapCode: code };
    }
}

/** The SystemTap parser (Langium's `createLangiumParser` with our subclass; its rules are built on first need). */
export function createSystemtapParser(services: SystemtapServices): SystemtapParser {
    return new SystemtapParser(services);
}
