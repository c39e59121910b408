import { startLanguageServer } from 'langium/lsp';
import { DocumentState, URI } from 'langium';
import { fileURLToPath } from 'node:url';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node.js';
import { createNodeProbekitServices } from './server-services.js';
import { applySettings } from '../../language/src/common/probekit-check.js';
import { hostFactsByToolPaths } from './providers/node-host-facts.js';
import { readCheckOptions, readToolPaths } from './server-settings.js';
import { ProbekitWorkspaceManager } from './server-workspace-manager.js';
import { ParserPrewarm } from './server-prewarm.js';

// The client starts us over IPC (see client/src/language-client.ts).
const connection = createConnection(ProposedFeatures.all);
const services = createNodeProbekitServices({
    connection,
    sharedModule: { workspace: { WorkspaceManager: shared => new ProbekitWorkspaceManager(shared) } },
});
const { shared } = services;

// The machine and its tool versions (which pick the check targets), for the stap and bpftrace the path settings
// name. Asked while the client connects for the ones on PATH (the default settings); the first build waits for them.
const hostFactsFor = hostFactsByToolPaths();
void hostFactsFor({});

/** The settings last applied (the check options and tool paths, as JSON). */
let applied: string | undefined;

/** Applies the editor settings; false when they are the ones already applied (nothing to do). */
async function applyEditorSettings(): Promise<boolean> {
    const folder = shared.workspace.WorkspaceManager.workspaceFolders?.[0];
    const root = folder && folder.uri.startsWith('file:') ? fileURLToPath(folder.uri) : undefined;
    const config = shared.workspace.ConfigurationProvider;
    const options = await readCheckOptions(config, root);
    const paths = await readToolPaths(config);
    const settings = JSON.stringify([options, paths]);
    if (settings === applied) return false;
    const host = await hostFactsFor(paths);
    await applySettings(services, options, host);
    applied = settings;
    connection.console.info(
        `Probekit language server: kernel ${host.kernelRelease ?? '?'} ${host.arch ?? '?'}, ` +
        `stap ${host.stapVersion ?? 'not installed'} (${paths.stap ?? 'stap'}), ` +
        `bpftrace ${host.bpftraceVersion ?? 'not installed'} (${paths.bpftrace ?? 'bpftrace'}); settings ${JSON.stringify(options)}`);
    return true;
}

(shared.workspace.WorkspaceManager as ProbekitWorkspaceManager).beforeFirstBuild(applyEditorSettings);

/**
 * Set when settings have been applied and the documents not yet rebuilt with them: a rebuild is cancelled by the next
 * write to the workspace, which may be the report of the other section of the same change.
 */
let rebuildPending = false;

// A changed setting can change how every document lexes (targets, macros, versions): re-parse them all. The client
// reports each section (both once when it starts, as it registers for changes, with nothing changed: every open
// document was then parsed three times before its first diagnostics).
shared.workspace.ConfigurationProvider.onConfigurationSectionUpdate(update => {
    if (update.section !== 'systemtap' && update.section !== 'bpftrace') return;
    void shared.workspace.WorkspaceLock.write(async token => {
        if (await applyEditorSettings()) rebuildPending = true;
        if (!rebuildPending) return;
        const uris: URI[] = shared.workspace.LangiumDocuments.all.map(d => d.uri).toArray();
        await shared.workspace.DocumentBuilder.update(uris, [], token);
        rebuildPending = false;
    });
});

// A while after the first document of a language is parsed: the parsers its first syntax error and completion need.
const prewarm = new ParserPrewarm(services);
shared.workspace.DocumentBuilder.onBuildPhase(DocumentState.Parsed, documents => {
    for (const d of documents) prewarm.seen(d.textDocument.languageId);
});

startLanguageServer(shared);
