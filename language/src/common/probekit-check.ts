import { URI, type LangiumDocument } from 'langium';
import { DiagnosticTag, type Diagnostic } from 'vscode-languageserver-types';
import type { ProbekitServices } from '../probekit-module.js';
import type { CheckOptions } from './check-options.js';
import type { HostFacts } from './host-facts.js';

/** Langium's code for unresolved references: semantic, not syntax. */
const LINKING_ERROR = 'linking-error';

export interface CheckedFile {
    uri: URI;
    languageId: string;
    diagnostics: Diagnostic[];
}

/**
 * Check documents given as text with the same services the language server uses.
 * The caller reads the files (so that an unreadable one is its concern, not the parser's).
 */
export async function checkTexts(
    services: ProbekitServices,
    files: ReadonlyArray<{ uri: URI; text: string }>,
    options: CheckOptions,
): Promise<CheckedFile[]> {
    const { shared } = services;
    const factory = shared.workspace.LangiumDocumentFactory;
    const documents = shared.workspace.LangiumDocuments;
    const docs: LangiumDocument[] = [];
    for (const file of files) {
        const doc = factory.fromString(file.text, file.uri);
        documents.addDocument(doc);
        docs.push(doc);
    }
    await shared.workspace.DocumentBuilder.build(docs, {
        validation: options.syntaxOnly ? { categories: ['built-in'] } : true,
    });
    return docs.map(doc => ({
        uri: doc.uri,
        languageId: doc.textDocument.languageId,
        // Hints tagged Unnecessary only tell an editor what to draw faded (branches not compiled for the target).
        diagnostics: (doc.diagnostics ?? []).filter(d => !d.tags?.includes(DiagnosticTag.Unnecessary)
            && (!options.syntaxOnly || (d.data as { code?: string } | undefined)?.code !== LINKING_ERROR)),
    }));
}

/** Tell both languages what to check for; documents built afterwards use it. */
export async function applySettings(services: ProbekitServices, options: CheckOptions, host: HostFacts): Promise<void> {
    await services.systemtap.settings.SystemtapSettings.apply(options, host);
    await services.bpftrace.settings.BpftraceSettings.apply(options, host);
}
