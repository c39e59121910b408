import { createLangiumParser, CstUtils, LeafCstNodeImpl, type AstNode, type CstNode, type LangiumCoreServices, type LangiumParser, type LexingReport, type ParseResult } from 'langium';
import type { IRecognitionException, IToken } from 'chevrotain';
import type { BpftraceParserErrorMessageProvider } from './bpftrace-parser-messages.js';

/** The parts of Langium's parser internals this file adjusts (not in its public typings). */
interface ParserInternals {
    stack: unknown[];
    nodeBuilder: {
        current: CstNode & { content: CstNode[] };
        rootNode: CstNode & { content: CstNode[] };
        addHiddenNodes(tokens: IToken[]): void;
    };
    constructInfix(obj: InfixParts, precedence: Map<string, OperatorPrecedence>): unknown;
}

/** What an infix rule collects: its operands and the operators between them. */
interface InfixParts {
    $type: string;
    $cstNode?: CstNode;
    parts?: unknown[];
    operators?: string[];
}

interface OperatorPrecedence {
    /** Higher binds looser. */
    precedence: number;
    rightAssoc: boolean;
}

/**
 * Langium's parser with three adjustments:
 * - a safety net: the lexer already leaves out items nested too deeply, but should any other shape still
 *   exhaust the stack (or the parser fail otherwise), the document gets a diagnostic instead of
 *   crashing the server, and the parser is reset for the next document;
 * - Langium's CST builder, for every token that opens a node, searched the parent's children
 *   linearly (even when there were no comments to place), which is quadratic in the number of
 *   top-level items; the builder now returns at once when there is nothing to add, and looks at
 *   the last child first, which is where the node being built always is;
 * - operator chains become trees in linear time and without recursion (constructInfix).
 */
export function createBpftraceParser(services: LangiumCoreServices): LangiumParser {
    const parser = createLangiumParser(services);
    const internals = parser as unknown as ParserInternals;
    patchHiddenNodes(internals);
    internals.constructInfix = constructInfix;
    const parse = parser.parse.bind(parser);
    const messages = services.parser.ParserErrorMessageProvider as BpftraceParserErrorMessageProvider;
    parser.parse = (<T>(input: string, options?: Parameters<LangiumParser['parse']>[1]): ParseResult<T> => {
        try {
            const result = parse(input, options) as ParseResult<T>;
            result.parserErrors = placedErrors(result.parserErrors, messages);
            return result;
        } catch (err) {
            // A stack overflow can also surface later as a TypeError from the half-built AST, so
            // every failure is turned into a diagnostic, and the parser's stack is reset.
            internals.stack.length = 0;
            const message = err instanceof RangeError
                ? 'the program is nested too deeply to be checked'
                : `internal parser error: ${err instanceof Error ? err.message : String(err)}`;
            return failedResult(message, services.parser.Lexer.tokenize(input).report) as ParseResult<T>;
        }
    }) as LangiumParser['parse'];
    return parser;
}

/**
 * The tree of an operator chain (`a || b || …`), built in one pass with operand and operator
 * stacks. Langium splits the chain at its loosest operator and recurses into both halves, which is
 * quadratic in the chain's length and as deep as the chain (a 600-term predicate took a second).
 * The result is the same: left-associative unless the grammar says otherwise, and every node has
 * the chain's CST node.
 */
function constructInfix(obj: InfixParts, precedence: Map<string, OperatorPrecedence>): unknown {
    const parts = obj.parts;
    if (!Array.isArray(parts) || parts.length === 0) return undefined;
    const operators = obj.operators;
    if (!Array.isArray(operators) || parts.length < 2) return parts[0];
    const rank = (op: string): OperatorPrecedence => precedence.get(op) ?? { precedence: Infinity, rightAssoc: false };
    const operands: unknown[] = [parts[0]];
    const pending: string[] = [];
    const reduce = (): void => {
        const right = operands.pop();
        const left = operands.pop();
        operands.push({ $type: obj.$type, $cstNode: obj.$cstNode, left, operator: pending.pop(), right });
    };
    for (let i = 0; i < operators.length; i++) {
        const op = rank(operators[i]);
        while (pending.length > 0) {
            const top = rank(pending[pending.length - 1]).precedence;
            if (top < op.precedence || (top === op.precedence && !op.rightAssoc)) reduce();
            else break;
        }
        pending.push(operators[i]);
        operands.push(parts[i + 1]);
    }
    while (pending.length > 0) reduce();
    return operands[0];
}

function patchHiddenNodes(internals: ParserInternals): void {
    const builder = internals.nodeBuilder;
    const original = builder.addHiddenNodes.bind(builder);
    builder.addHiddenNodes = (tokens: IToken[]): void => {
        if (tokens.length === 0) return;
        let current = builder.current;
        if (current.content.length > 0) {
            original(tokens);
            return;
        }
        const nodes: CstNode[] = tokens.map(token => {
            const leaf = new LeafCstNodeImpl(token.startOffset, token.image.length, CstUtils.tokenToRange(token), token.tokenType, true);
            leaf.root = builder.rootNode as unknown as LeafCstNodeImpl['root'];
            return leaf;
        });
        // As Langium: before the first ancestor that is not its parent's first child; but look at
        // the last position before searching the siblings.
        while (current.container) {
            const siblings = (current.container as CstNode & { content: CstNode[] }).content;
            const last = siblings.length - 1;
            const index = siblings[last] === current ? last : siblings.indexOf(current);
            if (index > 0) {
                siblings.splice(index, 0, ...nodes);
                return;
            }
            current = current.container as CstNode & { content: CstNode[] };
        }
        builder.rootNode.content.unshift(...nodes);
    };
}

/**
 * Each error once (recovery may meet one again), a no-viable-alternative one at the token it is about (see
 * BpftraceParserErrorMessageProvider.deeper).
 */
function placedErrors(errors: IRecognitionException[], messages: BpftraceParserErrorMessageProvider): IRecognitionException[] {
    const seen = new Set<string>();
    const out: IRecognitionException[] = [];
    /** Tokens an error was moved away from: the recovery after it meets them again, and says no more. */
    const movedFrom = new Set<IToken>();
    for (const e of errors) {
        if (movedFrom.has(e.token)) continue;
        const at = e.name === 'NoViableAltException' ? messages.deeper?.get(e.token) : undefined;
        if (at) {
            movedFrom.add(e.token);
            e.token = at;
        }
        const key = `${e.token.startOffset}:${e.message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(e);
    }
    return out;
}

function failedResult(message: string, lexerReport: LexingReport | undefined): ParseResult {
    const token = { image: '', startOffset: 0, endOffset: 0, startLine: 1, endLine: 1, startColumn: 1, endColumn: 1 } as IToken;
    const error = {
        name: 'NestingError',
        message,
        token,
        resyncedTokens: [],
        context: { ruleStack: [], ruleOccurrenceStack: [] },
    } as unknown as IRecognitionException;
    return { value: { $type: 'BtProgram', items: [] } as AstNode, parserErrors: [error], lexerErrors: [], lexerReport };
}
