import {
    AstUtils, DefaultLinker, DefaultReferenceDescriptionProvider, DefaultScopeComputation, GrammarAST, MultiMap, type Grammar,
    type LangiumCoreServices, type LangiumDocument, type LocalSymbols, type ReferenceDescription,
} from 'langium';
import type { Cancellation } from 'langium';

/**
 * For a grammar without cross-references (`[Type:ID]`): Langium's document builder still walks
 * every document's whole AST three times to link references, record them for the index and
 * collect the local symbols references resolve against: a third of checking a large file, for
 * nothing. These services skip those walks when the grammar has no cross-reference, and do
 * Langium's work when it has (exported symbols, which workspace symbols use, stay as they are).
 */

/** Whether a grammar holds a cross-reference. */
export function hasCrossReferences(grammar: Grammar): boolean {
    return AstUtils.streamAllContents(grammar).some(GrammarAST.isCrossReference);
}

export class UnreferencedLinker extends DefaultLinker {
    private readonly linking: boolean;

    constructor(services: LangiumCoreServices) {
        super(services);
        this.linking = hasCrossReferences(services.Grammar);
    }

    override async link(document: LangiumDocument, cancelToken?: Cancellation.CancellationToken): Promise<void> {
        if (this.linking) await super.link(document, cancelToken);
    }
}

export class UnreferencedScopeComputation extends DefaultScopeComputation {
    private readonly linking: boolean;

    constructor(services: LangiumCoreServices) {
        super(services);
        this.linking = hasCrossReferences(services.Grammar);
    }

    override async collectLocalSymbols(document: LangiumDocument, cancelToken?: Cancellation.CancellationToken): Promise<LocalSymbols> {
        return this.linking ? super.collectLocalSymbols(document, cancelToken) : new MultiMap();
    }
}

export class UnreferencedReferenceDescriptionProvider extends DefaultReferenceDescriptionProvider {
    private readonly linking: boolean;

    constructor(services: LangiumCoreServices) {
        super(services);
        this.linking = hasCrossReferences(services.Grammar);
    }

    override async createDescriptions(document: LangiumDocument, cancelToken?: Cancellation.CancellationToken): Promise<ReferenceDescription[]> {
        return this.linking ? super.createDescriptions(document, cancelToken) : [];
    }
}
