import type { CancellationToken } from 'vscode-languageserver-protocol';
import { DefaultLangiumDocumentFactory, type AstNode, type ParseResult, type ParserOptions, type URI } from 'langium';

/** A parser that wants to know which document it parses (SystemTap: for the tapset tree's macros). */
interface UriAwareParser {
    parseFor<T extends AstNode>(uri: URI | undefined, text: string, options?: ParserOptions): ParseResult<T>;
}

function isUriAware(parser: unknown): parser is UriAwareParser {
    return typeof (parser as Partial<UriAwareParser>).parseFor === 'function';
}

/**
 * Langium's document factory, telling a language's parser the URI of the document it parses
 * when the parser asks for it (`parseFor`). Other languages parse as before.
 */
export class UriAwareDocumentFactory extends DefaultLangiumDocumentFactory {
    protected override parse<T extends AstNode>(uri: URI, text: string, options?: ParserOptions): ParseResult<T> {
        const parser = this.serviceRegistry.getServices(uri).parser.LangiumParser;
        return isUriAware(parser) ? parser.parseFor<T>(uri, text, options) : super.parse<T>(uri, text, options);
    }

    protected override parseAsync<T extends AstNode>(uri: URI, text: string, cancellationToken: CancellationToken): Promise<ParseResult<T>> {
        const parser = this.serviceRegistry.getServices(uri).parser.LangiumParser;
        // The main-thread async parser parses synchronously; parse here so the URI is known.
        return isUriAware(parser) ? Promise.resolve(parser.parseFor<T>(uri, text)) : super.parseAsync<T>(uri, text, cancellationToken);
    }
}
