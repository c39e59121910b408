import * as vscode from 'vscode';
import { basename, isAbsolute, join } from 'node:path';
import type { RunController } from './run-controller.js';
import { askConsent } from './run-consent.js';
import { buildRunRequest, consentNeeded, readHosts, type RunChoices } from './run-request.js';
import type { RunSession } from '../../../server/src/run/run-session.js';
import { hostLabel } from '../../../server/src/run/run-host.js';


/** A `systemtap` or `bpftrace` task in tasks.json. */
export interface ProbeTaskDefinition extends vscode.TaskDefinition {
    type: 'systemtap' | 'bpftrace';
    /** The script, relative to the workspace folder or absolute. */
    file: string;
    args?: string[];
    targetCommand?: string;
    targetPid?: number;
    /** systemtap only. */
    runtime?: 'kernel' | 'bpf';
    guru?: boolean;
    /** bpftrace only. */
    json?: boolean;
    unsafe?: boolean;
    /** A host of probekit.run.hosts by its label (its name, else user@host:port), or any `[user@]host[:port]`. */
    host?: string;
}

const MATCHERS = { systemtap: ['$stap', '$stap-parse'], bpftrace: ['$bpftrace'] } as const;

/**
 * Tasks that run scripts through the run core in a pseudoterminal: Ctrl-C in the terminal stops the run with SIGINT
 * (end probes run, maps print), and the problem matchers `$stap` / `$bpftrace` read the tool's errors.
 */
export class ProbeTaskProvider implements vscode.TaskProvider {
    /** One provider per task type: VS Code rejects tasks of another type than the provider was registered for. */
    constructor(private readonly type: 'systemtap' | 'bpftrace', private readonly controller: RunController, private readonly context: vscode.ExtensionContext) {}

    static register(controller: RunController, context: vscode.ExtensionContext): void {
        context.subscriptions.push(
            vscode.tasks.registerTaskProvider('systemtap', new ProbeTaskProvider('systemtap', controller, context)),
            vscode.tasks.registerTaskProvider('bpftrace', new ProbeTaskProvider('bpftrace', controller, context)),
        );
    }

    async provideTasks(): Promise<vscode.Task[]> {
        // Keep the list short: the scripts of the workspace, up to 50.
        const files = await vscode.workspace.findFiles(this.type === 'systemtap' ? '**/*.stp' : '**/*.bt', '**/node_modules/**', 50);
        const scripts = files.map(uri => {
            const folder = vscode.workspace.getWorkspaceFolder(uri);
            return { folder, file: folder ? vscode.workspace.asRelativePath(uri, false) : uri.fsPath };
        });
        // Two scripts with the same file name (bt/hello.bt, run/hello.bt) get their relative paths as task names.
        const count = new Map<string, number>();
        for (const s of scripts) count.set(basename(s.file), (count.get(basename(s.file)) ?? 0) + 1);
        return scripts.map(({ folder, file }) => this.build({ type: this.type, file }, folder ?? vscode.TaskScope.Workspace,
            count.get(basename(file))! > 1 ? `run ${file}` : undefined));
    }

    resolveTask(task: vscode.Task): vscode.Task | undefined {
        const def = task.definition as ProbeTaskDefinition;
        if (def.type !== this.type || typeof def.file !== 'string') return undefined;
        return this.build(def, task.scope ?? vscode.TaskScope.Workspace, task.name);
    }

    private build(def: ProbeTaskDefinition, scope: vscode.WorkspaceFolder | vscode.TaskScope, name?: string): vscode.Task {
        const task = new vscode.Task(def, scope, name ?? `run ${basename(def.file)}`, def.type,
            new vscode.CustomExecution(async resolved => new ProbeTerminal(this.controller, this.context, resolved as ProbeTaskDefinition, scope)),
            [...MATCHERS[def.type]]);
        task.presentationOptions = { panel: vscode.TaskPanelKind.Dedicated, clear: true, echo: true };
        task.detail = `${def.type === 'systemtap' ? 'stap' : 'bpftrace'} ${def.file}`;
        return task;
    }
}

/** A pseudoterminal over one run: buffers until open, `\n` → `\r\n`, Ctrl-C → stop. */
class ProbeTerminal implements vscode.Pseudoterminal {
    private readonly write = new vscode.EventEmitter<string>();
    private readonly closed = new vscode.EventEmitter<number>();
    readonly onDidWrite = this.write.event;
    readonly onDidClose = this.closed.event;
    private session?: RunSession;

    constructor(
        private readonly controller: RunController,
        private readonly context: vscode.ExtensionContext,
        private readonly def: ProbeTaskDefinition,
        private readonly scope: vscode.WorkspaceFolder | vscode.TaskScope,
    ) {}

    async open(): Promise<void> {
        const folder = typeof this.scope === 'object' ? this.scope.uri.fsPath : vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
        const file = isAbsolute(this.def.file) || !folder ? this.def.file : join(folder, this.def.file);
        const uri = vscode.Uri.file(file);
        let text: string;
        try {
            text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
        } catch {
            this.out(`Cannot read ${file}\n`);
            this.closed.fire(2);
            return;
        }
        const get = <T>(section: string, key: string): T | undefined => vscode.workspace.getConfiguration(section, uri).get<T>(key);
        const choices: RunChoices = {
            args: this.def.args, targetCommand: this.def.targetCommand, targetPid: this.def.targetPid,
            runtime: this.def.runtime, guru: this.def.guru, json: this.def.json, unsafe: this.def.unsafe,
        };
        const request = buildRunRequest({ languageId: this.def.type, file, name: basename(file) }, get, choices);
        const consent = consentNeeded(request, text);
        if (consent && !(await askConsent(this.context.workspaceState, consent, uri, basename(file)))) {
            this.out('Not run: no consent.\n');
            this.closed.fire(1);
            return;
        }
        if (this.def.host) {
            const { hosts } = readHosts(vscode.workspace.getConfiguration('probekit').get('run.hosts'));
            request.host = hosts.find(h => hostLabel(h) === this.def.host) ?? readHosts([this.def.host]).hosts[0];
        }
        // The terminal shows the run's throttled output (the output channel has it too).
        this.session = await this.controller.start(request, uri, { onOutput: batches => this.out(batches.map(b => b.text).join('')) });
        if (!this.session) {
            this.out(`Not run: ${basename(file)} is already running${request.host ? ' on that host' : ''}.\n`);
            this.closed.fire(1);
            return;
        }
        void this.session.done.then(r => this.closed.fire(r.exitCode ?? 1));
    }

    handleInput(data: string): void {
        if (data === '\x03') void this.session?.stop();
    }

    close(): void {
        void this.session?.stop();
    }

    private out(text: string): void {
        this.write.fire(text.replace(/\r?\n/g, '\r\n'));
    }
}
