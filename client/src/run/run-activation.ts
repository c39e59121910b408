import * as vscode from 'vscode';
import { registerRunCommands } from '../commands/run-commands.js';
import { RunController } from './run-controller.js';
import { ProbeTaskProvider } from './run-task-provider.js';

let controller: RunController | undefined;

/** Wire the run commands, the task provider and the run status into the extension. */
export function activateRuns(context: vscode.ExtensionContext): void {
    controller = new RunController(context);
    context.subscriptions.push(controller);
    registerRunCommands(context, controller);
    ProbeTaskProvider.register(controller, context);
    // Not in the manifest (so not in the palette): lets tests in the extension host see what the runs did.
    const c = controller;
    context.subscriptions.push(vscode.commands.registerCommand('probekit.run._state', () => c.state()));
}

/** Deactivation stops every run (SIGINT first, then kill): nothing may outlive the extension host. */
export async function deactivateRuns(): Promise<void> {
    await controller?.shutdown();
    controller = undefined;
}
