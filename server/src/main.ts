import { startLanguageServer } from 'langium/lsp';
import { NodeFileSystem } from 'langium/node';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node.js';
import { createProbekitServices } from '../../language/src/probekit-module.js';
import { applySettings } from '../../language/src/common/probekit-check.js';
import { readHostFacts } from './providers/node-host-facts.js';

// The client starts us over IPC (see client/src/language-client.ts).
const connection = createConnection(ProposedFeatures.all);
const services = createProbekitServices({ connection, ...NodeFileSystem });

const host = readHostFacts({ stap: true, bpftrace: true });
connection.console.info(
    `Probekit language server: kernel ${host.kernelRelease ?? '?'} ${host.arch ?? '?'}, ` +
    `stap ${host.stapVersion ?? 'not installed'}, bpftrace ${host.bpftraceVersion ?? 'not installed'}`);
void applySettings(services, {}, host);

startLanguageServer(services.shared);
