import {
    DefaultLinker, DefaultReferenceDescriptionProvider, DefaultScopeComputation, GrammarAST, MultiMap, type Grammar,
    type LangiumCoreServices, type LangiumDocument, type LocalSymbols, type ReferenceDescription,
} from 'langium';
import type { Cancellation } from 'langium';
import { grammarContents } from './grammar-contents.js';

/**
 * For a grammar without cross-references (`[Type:ID]`): Langium's document builder still walks
 * every document's whole AST three times to link references, record them for the index and
 * collect the local symbols references resolve against: a third of checking a large file, for
 * nothing. These services skip those walks when the grammar has no cross-reference, and do
 * Langium's work when it has (exported symbols, which workspace symbols use, stay as they are).
 */

const crossReferences = new WeakMap<Grammar, boolean>();

/**
 * Whether a grammar holds a cross-reference: found once per grammar, when first asked (a walk over the whole
 * grammar; the parser's linker is made with the parser, and a parse never links).
 */
export function hasCrossReferences(grammar: Grammar): boolean {
    let has = crossReferences.get(grammar);
    if (has === undefined) {
        has = grammarContents(grammar).some(n => n.$type === GrammarAST.CrossReference.$type);
        crossReferences.set(grammar, has);
    }
    return has;
}

export class UnreferencedLinker extends DefaultLinker {
    private readonly grammar: Grammar;

    constructor(services: LangiumCoreServices) {
        super(services);
        this.grammar = services.Grammar;
    }

    override async link(document: LangiumDocument, cancelToken?: Cancellation.CancellationToken): Promise<void> {
        if (hasCrossReferences(this.grammar)) await super.link(document, cancelToken);
    }
}

export class UnreferencedScopeComputation extends DefaultScopeComputation {
    private readonly grammar: Grammar;

    constructor(services: LangiumCoreServices) {
        super(services);
        this.grammar = services.Grammar;
    }

    override async collectLocalSymbols(document: LangiumDocument, cancelToken?: Cancellation.CancellationToken): Promise<LocalSymbols> {
        return hasCrossReferences(this.grammar) ? super.collectLocalSymbols(document, cancelToken) : new MultiMap();
    }
}

export class UnreferencedReferenceDescriptionProvider extends DefaultReferenceDescriptionProvider {
    private readonly grammar: Grammar;

    constructor(services: LangiumCoreServices) {
        super(services);
        this.grammar = services.Grammar;
    }

    override async createDescriptions(document: LangiumDocument, cancelToken?: Cancellation.CancellationToken): Promise<ReferenceDescription[]> {
        return hasCrossReferences(this.grammar) ? super.createDescriptions(document, cancelToken) : [];
    }
}
