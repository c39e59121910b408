import { createLangiumParser, type AstNode, type LangiumCoreServices, type LangiumParser, type ParseResult } from 'langium';
import type { IRecognitionException, IToken } from 'chevrotain';

/**
 * Langium's parser with one safety net: the lexer already stops at absurd nesting, but should any
 * other shape still exhaust the stack, the document gets a diagnostic instead of crashing the server.
 */
export function createBpftraceParser(services: LangiumCoreServices): LangiumParser {
    const parser = createLangiumParser(services);
    const parse = parser.parse.bind(parser);
    parser.parse = (<T>(input: string, options?: Parameters<LangiumParser['parse']>[1]): ParseResult<T> => {
        try {
            return parse(input, options) as ParseResult<T>;
        } catch (err) {
            if (!(err instanceof RangeError)) throw err;
            return stackOverflowResult(input) as ParseResult<T>;
        }
    }) as LangiumParser['parse'];
    return parser;
}

function stackOverflowResult(input: string): ParseResult {
    const token = { image: '', startOffset: 0, endOffset: 0, startLine: 1, endLine: 1, startColumn: 1, endColumn: 1 } as IToken;
    const error = {
        name: 'NestingError',
        message: 'the program is nested too deeply to be checked',
        token,
        resyncedTokens: [],
        context: { ruleStack: [], ruleOccurrenceStack: [] },
    } as unknown as IRecognitionException;
    void input;
    return { value: { $type: 'BtProgram', items: [] } as AstNode, parserErrors: [error], lexerErrors: [] };
}
