import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node.js';
import { startLanguageClient } from './language-client.js';
import { activateRuns, deactivateRuns } from './run/run-activation.js';

let client: LanguageClient | undefined;

export function activate(context: vscode.ExtensionContext): void {
    const output = vscode.window.createOutputChannel('Probekit', { log: true });
    context.subscriptions.push(output);
    output.info('Probekit activated');
    client = startLanguageClient(context, output);
    context.subscriptions.push(
        vscode.commands.registerCommand('probekit.showServerLog', () => output.show(true)),
    );
    activateRuns(context);
}

export async function deactivate(): Promise<void> {
    await deactivateRuns();
    await client?.stop();
    client = undefined;
}
