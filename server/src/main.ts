import { startLanguageServer } from 'langium/lsp';
import { NodeFileSystem } from 'langium/node';
import { URI } from 'langium';
import { fileURLToPath } from 'node:url';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node.js';
import { createProbekitServices } from '../../language/src/probekit-module.js';
import { applySettings } from '../../language/src/common/probekit-check.js';
import { hostFactsByToolPaths } from './providers/node-host-facts.js';
import { readCheckOptions, readToolPaths } from './server-settings.js';
import { ProbekitWorkspaceManager } from './server-workspace-manager.js';

// The client starts us over IPC (see client/src/language-client.ts).
const connection = createConnection(ProposedFeatures.all);
const services = createProbekitServices({
    connection,
    ...NodeFileSystem,
    sharedModule: { workspace: { WorkspaceManager: shared => new ProbekitWorkspaceManager(shared) } },
});
const { shared } = services;

// The machine and its tool versions (which pick the check targets), for the stap and bpftrace the path settings
// name. Asked while the client connects for the ones on PATH (the default settings); the first build waits for them.
const hostFactsFor = hostFactsByToolPaths();
void hostFactsFor({});

async function applyEditorSettings(): Promise<void> {
    const folder = shared.workspace.WorkspaceManager.workspaceFolders?.[0];
    const root = folder && folder.uri.startsWith('file:') ? fileURLToPath(folder.uri) : undefined;
    const config = shared.workspace.ConfigurationProvider;
    const options = await readCheckOptions(config, root);
    const paths = await readToolPaths(config);
    const host = await hostFactsFor(paths);
    await applySettings(services, options, host);
    connection.console.info(
        `Probekit language server: kernel ${host.kernelRelease ?? '?'} ${host.arch ?? '?'}, ` +
        `stap ${host.stapVersion ?? 'not installed'} (${paths.stap ?? 'stap'}), ` +
        `bpftrace ${host.bpftraceVersion ?? 'not installed'} (${paths.bpftrace ?? 'bpftrace'}); settings ${JSON.stringify(options)}`);
}

(shared.workspace.WorkspaceManager as ProbekitWorkspaceManager).beforeFirstBuild(applyEditorSettings);

// A changed setting can change how every document lexes (targets, macros, versions): re-parse them all.
shared.workspace.ConfigurationProvider.onConfigurationSectionUpdate(update => {
    if (update.section !== 'systemtap' && update.section !== 'bpftrace') return;
    void shared.workspace.WorkspaceLock.write(async token => {
        await applyEditorSettings();
        const uris: URI[] = shared.workspace.LangiumDocuments.all.map(d => d.uri).toArray();
        await shared.workspace.DocumentBuilder.update(uris, [], token);
    });
});

startLanguageServer(shared);
