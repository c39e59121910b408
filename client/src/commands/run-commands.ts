import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { RunController } from '../run/run-controller.js';
import { askConsent } from '../run/run-consent.js';
import { RunDiagnostics } from '../run/run-diagnostics.js';
import { buildRunRequest, consentNeeded, hostsNamed, readHosts, splitArguments, toolOfLanguage, type RunChoices } from '../run/run-request.js';
import type { RemoteHost, RunRequest } from '../../../server/src/run/run-types.js';
import { hostAddress, hostLabel } from '../../../server/src/run/run-host.js';

const settingReader = <T>(section: string, key: string): T | undefined => vscode.workspace.getConfiguration(section).get<T>(key);

/** The script a command acts on: the URI from a menu, else the active editor's document. */
async function scriptDocument(uri?: vscode.Uri): Promise<vscode.TextDocument | undefined> {
    if (uri instanceof vscode.Uri) return vscode.workspace.openTextDocument(uri);
    const doc = vscode.window.activeTextEditor?.document;
    if (doc && toolOfLanguage(doc.languageId)) return doc;
    void vscode.window.showWarningMessage('Open a SystemTap (.stp) or bpftrace (.bt) script to run it.');
    return undefined;
}

/**
 * Everything that must hold before a run: a trusted workspace, the script saved, no errors from the language server
 * (unless the user says "Run Anyway"), and consent for guru mode / --unsafe.
 */
async function prepare(controller: RunController, context: vscode.ExtensionContext, uri: vscode.Uri | undefined, choices: RunChoices = {}, hosts: (RemoteHost | undefined)[] = [undefined]): Promise<void> {
    if (!vscode.workspace.isTrusted) {
        const manage = 'Manage Workspace Trust';
        const c = await vscode.window.showErrorMessage('Probekit does not run scripts in an untrusted workspace: running a probe needs root.', manage);
        if (c === manage) void vscode.commands.executeCommand('workbench.trust.manage');
        return;
    }
    const doc = await scriptDocument(uri);
    if (!doc) return;
    if (!toolOfLanguage(doc.languageId)) {
        void vscode.window.showWarningMessage(`${basename(doc.fileName)} is not a SystemTap or bpftrace script.`);
        return;
    }
    if (doc.isDirty && !doc.isUntitled && !(await doc.save())) return;
    const name = doc.isUntitled ? doc.uri.path : basename(doc.fileName);
    const errors = vscode.languages.getDiagnostics(doc.uri)
        .filter(d => d.severity === vscode.DiagnosticSeverity.Error && !RunDiagnostics.isRunDiagnostic(d));
    if (errors.length > 0) {
        const anyway = 'Run Anyway';
        const first = errors[0];
        const c = await vscode.window.showErrorMessage(
            `${name} has ${errors.length} error${errors.length > 1 ? 's' : ''} (line ${first.range.start.line + 1}: ${first.message}).`, anyway);
        if (c !== anyway) return;
    }
    let request: RunRequest;
    try {
        request = buildRunRequest({ languageId: doc.languageId, file: doc.isUntitled ? undefined : doc.fileName, text: doc.getText(), name }, settingReader, choices);
    } catch (e) {
        void vscode.window.showErrorMessage((e as Error).message);
        return;
    }
    const consent = consentNeeded(request, doc.getText());
    if (consent && !(await askConsent(context.workspaceState, consent, doc.uri, name))) return;
    // untitled buffers cannot go to stap --remote or to ssh stdin as a file: they go as text
    await Promise.all(hosts.map(host => controller.start({ ...request, host, text: request.text ?? (host ? doc.getText() : undefined) }, doc.uri)));
}

/** "Run Script with Options…": target, arguments, and the tool's switches, asked in a few quick steps. */
async function askChoices(doc: vscode.TextDocument): Promise<RunChoices | undefined> {
    const tool = toolOfLanguage(doc.languageId);
    const choices: RunChoices = {};
    type Flag = vscode.QuickPickItem & { set: (c: RunChoices) => void };
    const flags: Flag[] = tool === 'stap'
        ? [
            { label: 'BPF runtime', description: '--runtime=bpf', set: c => { c.runtime = 'bpf'; } },
            { label: 'In one go', description: 'stap compiles and loads in one command', set: c => { c.mode = 'oneGo'; } },
            { label: 'Guru mode', description: '-g (asks for consent)', set: c => { c.guru = true; } },
            { label: 'No time limits', description: '--suppress-time-limits', set: c => { c.suppressTimeLimits = true; } },
        ]
        : [
            { label: 'JSON output', description: '-f json', set: c => { c.json = true; } },
            { label: 'Unsafe builtins', description: '--unsafe (asks for consent)', set: c => { c.unsafe = true; } },
        ];
    const picked = await vscode.window.showQuickPick(flags, { canPickMany: true, title: 'Run options (1/3)', placeHolder: 'Options for this run (none: the settings)' });
    if (!picked) return undefined;
    picked.forEach(f => f.set(choices));
    const target = await vscode.window.showQuickPick(
        [{ label: 'No target', id: 'none' }, { label: 'Run a command', description: '-c CMD', id: 'cmd' }, { label: 'Attach to a process', description: tool === 'stap' ? '-x PID' : '-p PID', id: 'pid' }],
        { title: 'Run options (2/3)', placeHolder: 'Target' });
    if (!target) return undefined;
    if (target.id === 'cmd') {
        const cmd = await vscode.window.showInputBox({ title: 'Command to run and trace (-c)', prompt: 'The tool starts it and stops when it exits' });
        if (cmd === undefined) return undefined;
        choices.targetCommand = cmd;
    } else if (target.id === 'pid') {
        const pid = await vscode.window.showInputBox({ title: 'Process id', validateInput: v => (/^\d+$/.test(v) ? undefined : 'a process id (digits)') });
        if (pid === undefined) return undefined;
        choices.targetPid = Number(pid);
    }
    const args = await vscode.window.showInputBox({ title: 'Run options (3/3): script arguments', prompt: 'Separated by spaces; quote an argument with spaces as "a b"' });
    if (args === undefined) return undefined;
    choices.args = splitArguments(args);
    return choices;
}

/**
 * "Run on Hosts…": hosts from `probekit.run.hosts`; one run and one panel per host. With `names` (a list of host
 * labels: a host's `name`, else its address as written in the setting) those hosts run without asking; a label the
 * setting lacks is an error and nothing runs. Otherwise the user picks in a multi-select quick pick.
 */
async function askHosts(names?: unknown): Promise<RemoteHost[] | undefined> {
    const { hosts, problems } = readHosts(vscode.workspace.getConfiguration('probekit').get('run.hosts'));
    if (problems.length > 0) void vscode.window.showWarningMessage(`probekit.run.hosts: ${problems.join('; ')}`);
    if (hosts.length === 0) {
        const open = 'Open Settings';
        const c = await vscode.window.showInformationMessage('No SSH hosts configured: add them to the setting probekit.run.hosts.', open);
        if (c === open) void vscode.commands.executeCommand('workbench.action.openSettings', 'probekit.run.hosts');
        return undefined;
    }
    const named = hostsNamed(hosts, names);
    if (named) {
        if (named.unknown.length === 0) return named.hosts;
        void vscode.window.showErrorMessage(`Run on Hosts: no host called ${named.unknown.join(', ')} in probekit.run.hosts.`);
        return undefined;
    }
    const items = hosts.map(h => ({ label: hostLabel(h), description: h.name ? hostAddress(h) : undefined, host: h }));
    const picked = await vscode.window.showQuickPick(items, { canPickMany: true, placeHolder: 'Run on which hosts?' });
    return picked && picked.length > 0 ? picked.map(p => p.host) : undefined;
}

/** Register the run commands. */
export function registerRunCommands(context: vscode.ExtensionContext, controller: RunController): void {
    context.subscriptions.push(
        vscode.commands.registerCommand('probekit.run.start', (uri?: vscode.Uri) => prepare(controller, context, uri)),
        vscode.commands.registerCommand('probekit.run.startWithOptions', async (uri?: vscode.Uri) => {
            const doc = await scriptDocument(uri);
            if (!doc) return;
            const choices = await askChoices(doc);
            if (choices) await prepare(controller, context, doc.uri, choices);
        }),
        // Arguments: (uri?, hostLabels?). From the palette: none (the active editor; the hosts are asked for); from a
        // menu: the script's URI; from a keybinding or a task (`{"command": "probekit.run.onHosts", "args": ["web",
        // "db"]}`), whose `args` arrive as the first argument: the host labels, run on the active editor's script.
        // Anything else in either place (a menu's own context object) is ignored.
        vscode.commands.registerCommand('probekit.run.onHosts', async (target?: unknown, hostLabels?: unknown) => {
            const uri = target instanceof vscode.Uri ? target : undefined;
            const names = Array.isArray(target) ? target : Array.isArray(hostLabels) ? hostLabels : undefined;
            const hosts = await askHosts(names);
            if (hosts) await prepare(controller, context, uri, {}, hosts);
        }),
        vscode.commands.registerCommand('probekit.run.stop', () => controller.stop()),
        vscode.commands.registerCommand('probekit.run.stopAll', () => controller.stopAll()),
        vscode.commands.registerCommand('probekit.run.showCharts', () => controller.showCharts()),
        vscode.commands.registerCommand('probekit.run.saveOutput', () => controller.saveFullOutput()),
    );
}
