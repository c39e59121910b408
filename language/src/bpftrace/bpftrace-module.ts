import type { Module, PartialLangiumCoreServices } from 'langium';
import type { LangiumServices, PartialLangiumServices } from 'langium/lsp';
import { BpftraceDocumentValidator, BpftraceValidator } from './bpftrace-validator.js';
import { BpftraceSettings } from './bpftrace-settings.js';
import { BpftraceLexer } from './bpftrace-lexer.js';
import { createBpftraceParser } from './bpftrace-parser.js';
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
        Lexer: services => new BpftraceLexer(services),
        LangiumParser: services => createBpftraceParser(services),
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
