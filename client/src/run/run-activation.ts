import type * as vscode from 'vscode';
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
}

/** Deactivation stops every run (SIGINT first, then kill): nothing may outlive the extension host. */
export async function deactivateRuns(): Promise<void> {
    await controller?.shutdown();
    controller = undefined;
}
