import * as vscode from 'vscode';
import type { RunSession } from '../../../server/src/run/run-session.js';

function clock(ms: number): string {
    const s = Math.floor(ms / 1000);
    const m = Math.floor(s / 60);
    return `${m}:${String(s % 60).padStart(2, '0')}`;
}

/** A status bar item: what runs and for how long; a click stops it (or offers the list when several run). */
export class RunStatusBar implements vscode.Disposable {
    private readonly item = vscode.window.createStatusBarItem('probekit.run', vscode.StatusBarAlignment.Left, 10);
    private timer?: NodeJS.Timeout;

    constructor(private readonly runs: () => RunSession[]) {
        this.item.name = 'Probekit runs';
        this.item.command = 'probekit.run.stop';
    }

    /** Recompute now, and every second while something runs. */
    update(): void {
        const live = this.runs();
        void vscode.commands.executeCommand('setContext', 'probekit.running', live.length > 0);
        if (live.length === 0) {
            this.item.hide();
            if (this.timer) clearInterval(this.timer);
            this.timer = undefined;
            return;
        }
        const first = live[0];
        const more = live.length > 1 ? ` +${live.length - 1}` : '';
        this.item.text = `$(debug-stop) ${first.title} ${clock(Date.now() - first.startedAt)}${more}`;
        this.item.tooltip = live.map(r => `${r.title}: running ${clock(Date.now() - r.startedAt)}`).join('\n') + '\nClick to stop';
        this.item.show();
        this.timer ??= setInterval(() => this.update(), 1000);
    }

    dispose(): void {
        if (this.timer) clearInterval(this.timer);
        this.item.dispose();
    }
}
