import * as vscode from 'vscode';
import type { OutputBatch } from '../../../server/src/run/run-output-buffer.js';

/** Past this many characters an output channel is reset to the run's in-memory tail, so it cannot grow without bound. */
const CHANNEL_LIMIT = 8 * 1024 * 1024;

/**
 * One output channel per script (and host), named after it, reused and cleared by the next run of the same script.
 * It receives the run core's throttled batches, never the raw stream.
 */
export class RunOutputViews implements vscode.Disposable {
    private readonly channels = new Map<string, { channel: vscode.OutputChannel; size: number }>();

    /** The channel for a run title, cleared and shown. */
    open(title: string): RunOutputView {
        let entry = this.channels.get(title);
        if (!entry) {
            entry = { channel: vscode.window.createOutputChannel(`Probekit: ${title}`), size: 0 };
            this.channels.set(title, entry);
        }
        entry.channel.clear();
        entry.size = 0;
        entry.channel.show(true);
        return new RunOutputView(entry);
    }

    dispose(): void {
        for (const { channel } of this.channels.values()) channel.dispose();
        this.channels.clear();
    }
}

export class RunOutputView {
    constructor(private readonly entry: { channel: vscode.OutputChannel; size: number }) {}

    /** Append a throttled batch; when the channel would pass its limit, replace it with the run's tail. */
    append(batches: OutputBatch[], tail: () => string): void {
        const text = batches.map(b => b.text).join('');
        if (this.entry.size + text.length > CHANNEL_LIMIT) {
            const kept = tail().slice(-CHANNEL_LIMIT / 2);
            this.entry.channel.replace(`[probekit] earlier output dropped from this panel ("Probekit: Save Full Output…" has all of it)\n${kept}`);
            this.entry.size = kept.length;
            return;
        }
        this.entry.channel.append(text);
        this.entry.size += text.length;
    }

    line(text: string): void {
        this.entry.channel.appendLine(text);
        this.entry.size += text.length + 1;
    }

    show(): void {
        this.entry.channel.show(true);
    }
}
