import * as vscode from 'vscode';
import type { OutputBatch } from '../../../server/src/run/run-output-buffer.js';
import { uniqueName } from './run-slots.js';

/** Past this many characters an output channel is reset to the run's in-memory tail, so it cannot grow without bound. */
const CHANNEL_LIMIT = 8 * 1024 * 1024;

/**
 * One output channel per script and host (the run key), named after the run, reused and cleared by the next run of
 * the same key (never while one runs: the controller refuses that). Two scripts with one file name get two channels.
 * It receives the run core's throttled batches, never the raw stream.
 */
export class RunOutputViews implements vscode.Disposable {
    private readonly channels = new Map<string, { channel: vscode.OutputChannel; name: string; size: number }>();

    /** The channel of a run key, cleared and shown. */
    open(key: string, title: string): RunOutputView {
        let entry = this.channels.get(key);
        if (!entry) {
            const name = uniqueName(`Probekit: ${title}`, new Set([...this.channels.values()].map(e => e.name)));
            entry = { channel: vscode.window.createOutputChannel(name), name, size: 0 };
            this.channels.set(key, entry);
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
