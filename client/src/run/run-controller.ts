import * as vscode from 'vscode';
import { RunRegistry } from '../../../server/src/run/run-registry.js';
import type { RunListener, RunSession } from '../../../server/src/run/run-session.js';
import type { RunRequest, RunResult, StapPassEvent } from '../../../server/src/run/run-types.js';
import { nodePrivilegeProbe } from '../../../server/src/run/run-privilege.js';
import { runTitle } from '../../../server/src/run/run-host.js';
import { RunSlots, runKey } from './run-slots.js';
import { RunChartPanel } from './run-chart-panel.js';
import { RunDiagnostics } from './run-diagnostics.js';
import { RunOutputViews, type RunOutputView } from './run-output-view.js';
import { RunStatusBar } from './run-status-bar.js';

/** What the VS Code face keeps per run: live, then finished (with its result) until its script runs again. */
interface LiveRun {
    session: RunSession;
    script: vscode.Uri;
    view: RunOutputView;
    charts?: RunChartPanel;
    result?: RunResult;
}

/**
 * The VS Code face of the run core: starts runs, wires their events to output channels, progress, diagnostics,
 * charts and the status bar, and stops them. All process handling stays in the core.
 */
export class RunController implements vscode.Disposable {
    readonly registry = new RunRegistry();
    private readonly views = new RunOutputViews();
    private readonly diagnostics = new RunDiagnostics();
    private readonly status: RunStatusBar;
    /** One panel, one live run and one finished run per script and host. */
    private readonly slots = new RunSlots<LiveRun>();

    constructor(private readonly context: vscode.ExtensionContext) {
        this.status = new RunStatusBar(() => this.slots.lives().map(l => l.session));
    }

    /**
     * Start a run of `script` and show it; `extra` also receives the throttled output (a task's terminal). A script
     * that is running on the same host is not started a second time (both runs would write to one panel): the user
     * may stop it and run again. Resolves to the new run, or undefined when none started.
     */
    async start(request: RunRequest, script: vscode.Uri, extra: Pick<RunListener, 'onOutput'> = {}): Promise<RunSession | undefined> {
        const key = runKey(script.toString(), request.host);
        const title = runTitle(request.scriptName ?? 'script', request.host);
        const running = this.slots.running(key);
        if (running) {
            const again = 'Stop and Run Again';
            const choice = await vscode.window.showWarningMessage(`${title} is still running; a second run would write into its panel.`, again);
            if (choice !== again) return undefined;
            await running.session.stop();
        }
        // Claimed before anything starts; still refused if another start took the slot while the user chose.
        const live = { script } as LiveRun;
        const claim = this.slots.start(key, live);
        if (!claim.started) {
            void vscode.window.showWarningMessage(`${title} is already running.`);
            return undefined;
        }
        claim.replaced?.session.output.dispose();
        const config = vscode.workspace.getConfiguration('probekit');
        this.diagnostics.clear(script);
        live.view = this.views.open(key, title);
        const view = live.view;
        const chartsMode = config.get<string>('run.charts', 'auto');
        const progress = request.tool === 'stap' ? this.stapProgress(title, () => live.session) : undefined;
        live.session = this.registry.start(request, {
            graceMs: config.get<number>('run.gracePeriodMs', 5000),
            output: { tailBytes: config.get<number>('run.outputTailMB', 4) * 1024 * 1024, spool: config.get<boolean>('run.keepFullOutput', true) },
            privilegeProbe: nodePrivilegeProbe(config.get<boolean>('run.allowPkexec', true)),
            listener: {
                onOutput: batches => {
                    view.append(batches, () => live.session.output.tail());
                    extra.onOutput?.(batches);
                },
                onProgress: e => progress?.report(e),
                onDiagnostic: d => this.diagnostics.add(script, d),
                onCharts: model => {
                    if (!live.session) return;
                    if (!live.charts && chartsMode === 'auto' && model.maps.length > 0) this.openCharts(live);
                    live.charts?.update(model);
                },
                onExit: result => {
                    progress?.done(result);
                    this.ended(key, live, result);
                },
            },
        });
        if (chartsMode === 'always') this.openCharts(live);
        this.status.update();
        return live.session;
    }

    /** Stop one run: the one given, the only one, or the one the user picks. */
    async stop(session?: RunSession): Promise<void> {
        const runs = this.registry.list();
        const target = session ?? (runs.length <= 1 ? runs[0] : await this.pick(runs, 'Stop which run?'));
        if (!target) {
            if (runs.length === 0) void vscode.window.showInformationMessage('No Probekit run is going.');
            return;
        }
        await target.stop();
    }

    async stopAll(): Promise<void> {
        await this.registry.stopAll();
    }

    /** Open (or reveal) the charts of a live run, or of the latest one. */
    async showCharts(): Promise<void> {
        const lives = this.slots.lives();
        const chosen = lives.length <= 1 ? lives[0] : await this.pickLive(lives);
        if (!chosen) {
            void vscode.window.showInformationMessage('Charts show while a run is going.');
            return;
        }
        if (chosen.charts) chosen.charts.reveal();
        else this.openCharts(chosen);
    }

    /** Copy a run's full output (the spool file) where the user says. */
    async saveFullOutput(): Promise<void> {
        const sessions = [...this.registry.list(), ...this.slots.finishedRuns().map(f => f.session)];
        const chosen = sessions.length <= 1 ? sessions[0] : await this.pick(sessions, 'Save the output of which run?');
        if (!chosen) {
            void vscode.window.showInformationMessage('No run output to save.');
            return;
        }
        const spool = chosen.output.spoolFile;
        if (!spool) {
            void vscode.window.showWarningMessage('Full output is not kept (setting probekit.run.keepFullOutput is off).');
            return;
        }
        const target = await vscode.window.showSaveDialog({ saveLabel: 'Save Output', defaultUri: vscode.Uri.file(`${chosen.title.replace(/[^\w.@-]+/g, '_')}.txt`) });
        if (!target) return;
        await vscode.workspace.fs.copy(vscode.Uri.file(spool), target, { overwrite: true });
    }

    private openCharts(live: LiveRun): void {
        live.charts = new RunChartPanel(this.context.extensionUri, live.session.title, () => live.session.output.tail(), () => { live.charts = undefined; });
        live.charts.update(live.session.charts.snapshot());
    }

    private ended(key: string, live: LiveRun, result: RunResult): void {
        live.result = result;
        this.slots.end(key, live);
        this.status.update();
        const how = result.signal ? `killed by ${result.signal}` : `exit status ${result.exitCode}`;
        live.charts?.status(`${how}${result.stopped ? ' (stopped)' : ''}, ${(result.elapsedMs / 1000).toFixed(1)} s`);
        if (result.stopped || result.exitCode === 0) return;
        const errors = result.diagnostics.filter(d => d.severity === 'error').length;
        const message = result.explanation
            ?? (errors > 0 ? `${live.session.title}: ${errors} error${errors > 1 ? 's' : ''} (marked in the editor).` : `${live.session.title} failed (${how}).`);
        void vscode.window.showErrorMessage(message, 'Show Output').then(choice => {
            if (choice === 'Show Output') live.view.show();
        });
    }

    /** A progress notification naming stap's passes as they finish; cancelling it stops the run. */
    private stapProgress(title: string, session: () => RunSession | undefined): { report(e: StapPassEvent): void; done(r: RunResult): void } {
        let report: ((e: StapPassEvent) => void) | undefined;
        let finish: (() => void) | undefined;
        const queued: StapPassEvent[] = [];
        void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `stap ${title}`, cancellable: true }, (progress, token) => {
            token.onCancellationRequested(() => void session()?.stop());
            report = e => {
                const time = e.realMs !== undefined ? ` (${e.realMs} ms)` : '';
                progress.report({ message: `Pass ${e.pass}: ${e.name}${e.failed ? ' failed' : ''}${time}`, increment: e.failed ? 0 : 20 });
                if (e.pass === 5 && !e.failed) finish?.(); // loaded: the run is now the script's own business
            };
            queued.splice(0).forEach(e => report!(e));
            return new Promise<void>(resolve => { finish = resolve; });
        });
        return {
            report: e => (report ? report(e) : queued.push(e)),
            done: () => finish?.(),
        };
    }

    private async pick(runs: RunSession[], placeHolder: string): Promise<RunSession | undefined> {
        const item = await vscode.window.showQuickPick(runs.map(r => ({ label: r.title, description: r.running ? 'running' : 'ended', run: r })), { placeHolder });
        return item?.run;
    }

    private async pickLive(lives: LiveRun[]): Promise<LiveRun | undefined> {
        const s = await this.pick(lives.map(l => l.session), 'Charts of which run?');
        return lives.find(l => l.session === s);
    }

    /** A plain snapshot of the runs, for tests in the extension host (command `probekit.run._state`). */
    state(): { live: string[]; finished: { title: string; exitCode: number | null; stopped: boolean; explanation?: string; output: string }[]; charts: string[] } {
        return {
            live: this.slots.lives().map(l => l.session.title),
            finished: this.slots.finishedRuns().map(({ session: s, result: r }) => ({ title: s.title, exitCode: r!.exitCode, stopped: r!.stopped, explanation: r!.explanation, output: s.output.tail().slice(-20_000) })),
            charts: [...this.slots.lives(), ...this.slots.finishedRuns()].filter(l => l.charts).map(l => l.session.title),
        };
    }

    /**
     * Stop everything within VS Code's deactivation budget (about 5 s): SIGINT, SIGTERM, SIGKILL on the short
     * schedule; whatever is still going after 4.5 s (a run already stopping on the long one) is ended at once.
     */
    async shutdown(): Promise<void> {
        const all = this.registry.shutdown();
        const timeout = new Promise(res => setTimeout(res, 4500));
        await Promise.race([all, timeout]);
        this.registry.killAll();
    }

    dispose(): void {
        this.registry.killAll();
        for (const l of this.slots.lives()) l.charts?.dispose();
        for (const f of this.slots.finishedRuns()) f.session.output.dispose();
        this.views.dispose();
        this.diagnostics.dispose();
        this.status.dispose();
    }
}
