import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node.js';
import { serverNodeFlags } from '../../server/src/server-node-flags.js';

/**
 * Start the Probekit language server over IPC for both languages: out/server.cjs, through out/server-boot.cjs (which
 * loads it with V8's code cache) except when debugging.
 */
export function startLanguageClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel): LanguageClient {
    const serverModule = context.asAbsolutePath('out/server.cjs');
    const flags = serverNodeFlags();
    const serverOptions: ServerOptions = {
        run: { module: context.asAbsolutePath('out/server-boot.cjs'), transport: TransportKind.ipc, options: { execArgv: flags } },
        debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: [...flags, '--nolazy', '--inspect=6009'] } },
    };
    const clientOptions: LanguageClientOptions = {
        documentSelector: [
            { scheme: 'file', language: 'systemtap' },
            { scheme: 'file', language: 'bpftrace' },
            { scheme: 'untitled', language: 'systemtap' },
            { scheme: 'untitled', language: 'bpftrace' },
        ],
        outputChannel: output,
        synchronize: {
            fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{stp,stpm,bt}'),
        },
    };
    const client = new LanguageClient('probekit', 'Probekit Language Server', serverOptions, clientOptions);
    void client.start();
    return client;
}
