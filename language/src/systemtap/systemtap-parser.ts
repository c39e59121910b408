import type { IRecognitionException, IToken } from 'chevrotain';
import {
    CstNodeBuilder, LangiumParser, LeafCstNodeImpl, createParser, type AstNode, type LangiumCoreServices, type LeafCstNode,
    type ParseResult, type ParserOptions, type RootCstNode, type URI,
} from 'langium';
import type { Range } from 'vscode-languageserver-types';
import type { StapScript } from './generated/ast.js';
import { describeOpener } from './systemtap-error-messages.js';
import type { StapIToken, SystemtapLexer } from './systemtap-lexer.js';
import type { SystemtapServices } from './systemtap-module.js';
import type { StapPreprocessResult } from './systemtap-preprocessor.js';
import { checkStapSyntax } from './systemtap-syntax-checks.js';
import { withShebang } from './systemtap-target.js';
import { StapCode } from './systemtap-diagnostic-codes.js';

/** A parser error with its stable code. */
export type StapParserError = IRecognitionException & { stapCode?: string };

/**
 * A leaf that keeps its position as four numbers and builds its range when asked: Langium's
 * leaf holds three objects for it, a third of a large document's memory.
 */
class StapLeafCstNode extends LeafCstNodeImpl {
    private readonly sl: number;
    private readonly sc: number;
    private readonly el: number;
    private readonly ec: number;

    constructor(token: IToken, length: number, hidden: boolean) {
        super(token.startOffset, length, undefined as unknown as Range, token.tokenType, hidden);
        this.sl = token.startLine! - 1;
        this.sc = token.startColumn! - 1;
        this.el = token.endLine! - 1;
        this.ec = token.endColumn!;
    }

    override get range(): Range {
        return { start: { line: this.sl, character: this.sc }, end: { line: this.el, character: this.ec } };
    }
}

/** Leaves of expanded tokens span the whole invocation (Langium would size them by the image). */
class StapCstNodeBuilder extends CstNodeBuilder {
    override buildLeafNode(token: IToken, feature: Parameters<CstNodeBuilder['buildLeafNode']>[1]): LeafCstNode {
        const leaf = new StapLeafCstNode(token, (token as StapIToken).stapSpan ?? token.image.length, !feature);
        leaf.grammarSource = feature;
        leaf.root = (this as unknown as { rootNode: RootCstNode }).rootNode;
        this.current.content.push(leaf);
        return leaf;
    }
}

/** What a document keeps of its preprocessing (not the token arrays: they would double its memory). */
export type StapPreprocessRecord = Pick<StapPreprocessResult, 'inactiveRanges' | 'expansions' | 'macros'>;

const preprocessOf = new WeakMap<AstNode, StapPreprocessRecord>();

/**
 * What the preprocessor did for a parsed SystemTap document: inactive ranges (to dim), the
 * expansion map (to point into macros), the file's macros.
 */
export function stapPreprocessResult(root: AstNode | undefined): StapPreprocessRecord | undefined {
    return root ? preprocessOf.get(root) : undefined;
}

/**
 * The SystemTap parser: Langium's, plus the structural rules of stap's parser, better messages
 * for missing closers, and a guard that turns a stack overflow into a diagnostic.
 */
export class SystemtapParser extends LangiumParser {
    private readonly stapLexer: SystemtapLexer;
    private readonly services: SystemtapServices;

    constructor(services: SystemtapServices) {
        super(services);
        this.services = services;
        this.stapLexer = services.parser.Lexer as SystemtapLexer;
        (this as unknown as { nodeBuilder: CstNodeBuilder }).nodeBuilder = new StapCstNodeBuilder();
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
        let result: ParseResult<T>;
        try {
            result = super.parse<T>(input, options);
        } catch (e) {
            if (!(e instanceof RangeError)) throw e;
            // The nesting guard should prevent this; if a shape it does not know still recurses
            // too deep, report it and give an empty tree rather than crash the server.
            (this as unknown as { stack: unknown[] }).stack.length = 0;
            result = super.parse<T>('', options);
            const err = this.error(0, 0, 'the parser ran out of stack on this file (nesting too deep)', input, StapCode.LexTooDeep);
            result.parserErrors.push(err);
            return result;
        }
        const pp = this.stapLexer.lastPreprocess;
        if (!pp) return result;
        preprocessOf.set(result.value, { inactiveRanges: pp.inactiveRanges, expansions: pp.expansions, macros: pp.macros });
        const pos = lineColumn(input);
        // After a nest too deep to parse (reported by the lexer), the parser's complaints about
        // the hole it left are noise.
        const tooDeep = pp.diagnostics.find(d => d.code === StapCode.LexTooDeep);
        if (tooDeep) {
            result.parserErrors.splice(0, result.parserErrors.length,
                ...result.parserErrors.filter(e => !(e.token.startOffset >= tooDeep.offset) && !isNaN(e.token.startOffset)));
        }
        for (const err of result.parserErrors as StapParserError[]) {
            err.stapCode ??= StapCode.ParseExpected;
            const m = /^expected `([)\]}])`/.exec(err.message);
            if (m) {
                const index = isNaN(err.token.startOffset) ? pp.tokens.length : (err.token as StapIToken).stapIndex ?? pp.tokens.length;
                const where = describeOpener(pp.tokens, index, m[1], pos);
                if (where) err.message = err.message.replace(/^(expected `[)\]}]`)/, `$1 ${where},`);
            }
        }
        this.stapLexer.lastPreprocess = undefined;
        {
            const target = withShebang(this.services.settings.SystemtapSettings.target, input);
            for (const p of checkStapSyntax(result.value as unknown as StapScript, target, pp.tokens)) {
                result.parserErrors.push(this.error(p.offset, p.end, p.message, input, StapCode.ParseRule));
            }
        }
        return result;
    }

    private error(offset: number, end: number, message: string, input: string, code: string): StapParserError {
        const [startLine, startColumn] = lineColumnOf(input, offset);
        const [endLine, endColumn] = lineColumnOf(input, Math.max(offset, end - 1));
        const token = {
            image: input.slice(offset, end), startOffset: offset, endOffset: Math.max(offset, end - 1),
            startLine, startColumn, endLine, endColumn, tokenTypeIdx: 0,
        } as unknown as IToken;
        return { name: 'StapSyntaxRule', message, token, resyncedTokens: [], context: { ruleStack: [], ruleOccurrenceStack: [] }, stapCode: code };
    }
}

function lineColumnOf(text: string, offset: number): [number, number] {
    let line = 1;
    let start = 0;
    for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
        line++;
        start = i + 1;
    }
    return [line, offset - start + 1];
}

function lineColumn(text: string): (offset: number) => string {
    return offset => {
        const [l, c] = lineColumnOf(text, offset);
        return `${l}:${c}`;
    };
}

/** Build the SystemTap parser (Langium's `createLangiumParser`, with our subclass). */
export function createSystemtapParser(services: SystemtapServices): SystemtapParser {
    const parser = new SystemtapParser(services);
    createParser(services.Grammar, parser, (services as LangiumCoreServices).parser.Lexer.definition);
    parser.finalize();
    return parser;
}
