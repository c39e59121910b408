import { createCompletionParser, type Module, type PartialLangiumCoreServices } from 'langium';
import type { LangiumServices, PartialLangiumServices } from 'langium/lsp';
import { BpftraceDocumentValidator, BpftraceValidator } from './bpftrace-validator.js';
import { BpftraceSettings } from './bpftrace-settings.js';
import { BpftraceLexer } from './bpftrace-lexer.js';
import { HandLexedTokenBuilder } from '../common/hand-lexed-token-builder.js';
import { createBpftraceParser } from './bpftrace-parser.js';
import { lazyService } from '../common/lazy-service.js';
import { BpftraceParserErrorMessageProvider } from './bpftrace-parser-messages.js';

/** Services the bpftrace language adds to Langium's defaults. */
export type BpftraceAddedServices = {
    validation: {
        BpftraceValidator: BpftraceValidator;
    };
    settings: {
        BpftraceSettings: BpftraceSettings;
    };
};

export type BpftraceServices = LangiumServices & BpftraceAddedServices;
export type PartialBpftraceServices = PartialLangiumServices & Partial<BpftraceAddedServices>;

export const BpftraceModule: Module<BpftraceServices, PartialLangiumCoreServices & PartialLangiumServices & BpftraceAddedServices> = {
    parser: {
        TokenBuilder: () => new HandLexedTokenBuilder(),
        Lexer: services => new BpftraceLexer(services),
        // Built when the first document of the language is parsed, or the first completion asked for.
        LangiumParser: services => lazyService(() => createBpftraceParser(services)),
        CompletionParser: services => lazyService(() => createCompletionParser(services)),
        ParserErrorMessageProvider: () => new BpftraceParserErrorMessageProvider(),
    },
    validation: {
        BpftraceValidator: services => new BpftraceValidator(services),
        DocumentValidator: services => new BpftraceDocumentValidator(services),
    },
    settings: {
        BpftraceSettings: () => new BpftraceSettings(),
    },
};
