import { startLanguageServer } from 'langium/lsp';
import { NodeFileSystem } from 'langium/node';
import { URI } from 'langium';
import { fileURLToPath } from 'node:url';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node.js';
import { createProbekitServices } from '../../language/src/probekit-module.js';
import { applySettings } from '../../language/src/common/probekit-check.js';
import { readHostFacts } from './providers/node-host-facts.js';
import { readCheckOptions } from './server-settings.js';
import { ProbekitWorkspaceManager } from './server-workspace-manager.js';

// The client starts us over IPC (see client/src/language-client.ts).
const connection = createConnection(ProposedFeatures.all);
const services = createProbekitServices({
    connection,
    ...NodeFileSystem,
    sharedModule: { workspace: { WorkspaceManager: shared => new ProbekitWorkspaceManager(shared) } },
});
const { shared } = services;

// Asked while the client connects; the first build waits for it (the tool versions pick the targets).
const hostFacts = readHostFacts({ stap: true, bpftrace: true }).then(host => {
    connection.console.info(
        `Probekit language server: kernel ${host.kernelRelease ?? '?'} ${host.arch ?? '?'}, ` +
        `stap ${host.stapVersion ?? 'not installed'}, bpftrace ${host.bpftraceVersion ?? 'not installed'}`);
    return host;
});

async function applyEditorSettings(): Promise<void> {
    const folder = shared.workspace.WorkspaceManager.workspaceFolders?.[0];
    const root = folder && folder.uri.startsWith('file:') ? fileURLToPath(folder.uri) : undefined;
    const options = await readCheckOptions(shared.workspace.ConfigurationProvider, root);
    await applySettings(services, options, await hostFacts);
    connection.console.info(`Probekit settings: ${JSON.stringify(options)}`);
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
