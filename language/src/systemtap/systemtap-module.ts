import { createCompletionParser, type Module, type PartialLangiumCoreServices } from 'langium';
import type { LangiumServices, PartialLangiumServices } from 'langium/lsp';
import { SystemtapValidator } from './systemtap-validator.js';
import { SystemtapSettings } from './systemtap-settings.js';
import { SystemtapLexer } from './systemtap-lexer.js';
import { HandLexedTokenBuilder } from '../common/hand-lexed-token-builder.js';
import { createSystemtapParser } from './systemtap-parser.js';
import { lazyService } from '../common/lazy-service.js';
import { SystemtapParserErrorMessageProvider } from './systemtap-error-messages.js';
import { SystemtapDocumentValidator } from './systemtap-document-validator.js';
import { literalComposites, type StapCompositeFactory } from './systemtap-fast-cst.js';
import { UnreferencedLinker, UnreferencedReferenceDescriptionProvider, UnreferencedScopeComputation } from '../common/unreferenced-grammar.js';

/** Services the SystemTap language adds to Langium's defaults. */
export type SystemtapAddedServices = {
    parser: {
        /** Makes the composites of the hand-written parser's trees (a platform may have a faster way: see the type). */
        StapComposites: StapCompositeFactory;
    };
    validation: {
        SystemtapValidator: SystemtapValidator;
    };
    settings: {
        SystemtapSettings: SystemtapSettings;
    };
};

export type SystemtapServices = LangiumServices & SystemtapAddedServices;
export type PartialSystemtapServices = PartialLangiumServices & Partial<SystemtapAddedServices>;

export const SystemtapModule: Module<SystemtapServices, PartialLangiumCoreServices & PartialLangiumServices & SystemtapAddedServices> = {
    parser: {
        Lexer: services => new SystemtapLexer(services),
        TokenBuilder: () => new HandLexedTokenBuilder(),
        // Built when the first document of the language is parsed, or the first completion asked for.
        LangiumParser: services => lazyService(() => createSystemtapParser(services)),
        CompletionParser: services => lazyService(() => createCompletionParser(services)),
        ParserErrorMessageProvider: () => new SystemtapParserErrorMessageProvider(),
        StapComposites: () => literalComposites,
    },
    validation: {
        SystemtapValidator: services => new SystemtapValidator(services),
        DocumentValidator: services => new SystemtapDocumentValidator(services),
    },
    // The grammar has no cross-references: no walks of the whole tree to link or index them.
    references: {
        Linker: services => new UnreferencedLinker(services),
        ScopeComputation: services => new UnreferencedScopeComputation(services),
    },
    workspace: {
        ReferenceDescriptionProvider: services => new UnreferencedReferenceDescriptionProvider(services),
    },
    settings: {
        SystemtapSettings: services => new SystemtapSettings(() => services.shared.workspace.FileSystemProvider),
    },
};
