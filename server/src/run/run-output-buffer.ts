import { closeSync, openSync, writeSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutputStream } from './run-types.js';

/** A batch of output handed to the UI: at most `maxFlushBytes` of text, with what was skipped. */
export interface OutputBatch {
    stream: OutputStream;
    text: string;
}

export interface OutputBufferOptions {
    /** Bytes of the most recent output kept in memory (the "tail"). Default 4 MB. */
    tailBytes?: number;
    /** Longest pause between UI flushes, in ms. Default 100. */
    flushIntervalMs?: number;
    /** Most text one flush hands to the UI; the rest of a burst is elided with a marker. Default 256 KB. */
    maxFlushBytes?: number;
    /** Also write everything to a temp file (for "save full output"). */
    spool?: boolean;
}

/**
 * Output of a run, bounded: the last `tailBytes` in memory, everything (optionally) in a spool file, and a throttled
 * feed for the UI that never hands over more than `maxFlushBytes` per interval. A 100 MB flood thus costs at most a
 * few MB of memory and a handful of UI updates per second.
 */
export class OutputBuffer {
    private readonly chunks: string[] = [];
    private tailSize = 0;
    private pending: OutputBatch[] = [];
    private pendingSize = 0;
    private skipped = 0;
    private timer?: NodeJS.Timeout;
    private spoolFd?: number;
    private spoolDir?: string;
    /** Total bytes ever received. */
    totalBytes = 0;
    readonly spoolFile?: string;
    private readonly tailLimit: number;
    private readonly interval: number;
    private readonly maxFlush: number;

    constructor(private readonly onFlush: (batches: OutputBatch[]) => void, options: OutputBufferOptions = {}) {
        this.tailLimit = options.tailBytes ?? 4 * 1024 * 1024;
        this.interval = options.flushIntervalMs ?? 100;
        this.maxFlush = options.maxFlushBytes ?? 256 * 1024;
        if (options.spool) {
            this.spoolDir = mkdtempSync(join(tmpdir(), 'probekit-output-'));
            this.spoolFile = join(this.spoolDir, 'output.txt');
            this.spoolFd = openSync(this.spoolFile, 'w');
        }
    }

    /** Add output. Cheap: no UI work happens here. */
    write(stream: OutputStream, text: string): void {
        if (!text) return;
        this.totalBytes += text.length;
        if (this.spoolFd !== undefined) writeSync(this.spoolFd, text);
        this.chunks.push(text);
        this.tailSize += text.length;
        while (this.tailSize - this.chunks[0].length >= this.tailLimit && this.chunks.length > 1) {
            this.tailSize -= this.chunks.shift()!.length;
        }
        if (this.tailSize > this.tailLimit * 2) {
            // one huge chunk: cut it to the limit
            const joined = this.chunks.join('').slice(-this.tailLimit);
            this.chunks.length = 0;
            this.chunks.push(joined);
            this.tailSize = joined.length;
        }
        this.pending.push({ stream, text });
        this.pendingSize += text.length;
        while (this.pendingSize > this.maxFlush && this.pending.length > 1) {
            const dropped = this.pending.shift()!;
            this.pendingSize -= dropped.text.length;
            this.skipped += dropped.text.length;
        }
        if (this.pendingSize > this.maxFlush) {
            const only = this.pending[0];
            const cut = only.text.length - this.maxFlush;
            this.skipped += cut;
            this.pending[0] = { stream: only.stream, text: only.text.slice(cut) };
            this.pendingSize = this.maxFlush;
        }
        this.timer ??= setTimeout(() => this.flush(), this.interval);
    }

    /** Hand everything pending to the UI now (at the end of a run). */
    flush(): void {
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
        if (this.pending.length === 0 && this.skipped === 0) return;
        const batches = this.pending;
        if (this.skipped > 0) {
            const where = this.spoolFile ? ` (all of it is in ${this.spoolFile})` : '';
            batches.unshift({ stream: 'system', text: `\n[… ${formatBytes(this.skipped)} of output skipped to keep up${where} …]\n` });
        }
        this.pending = [];
        this.pendingSize = 0;
        this.skipped = 0;
        this.onFlush(mergeBatches(batches));
    }

    /** The most recent output kept in memory. */
    tail(): string {
        return this.chunks.join('');
    }

    /** Bytes held in memory (tail plus pending UI batch). */
    memoryBytes(): number {
        return this.tailSize + this.pendingSize;
    }

    /** Stop spooling (the file stays until `dispose`). */
    closeSpool(): void {
        if (this.spoolFd !== undefined) closeSync(this.spoolFd);
        this.spoolFd = undefined;
    }

    /** Flush, close and delete the spool file. */
    dispose(): void {
        this.flush();
        this.closeSpool();
        if (this.spoolDir) rmSync(this.spoolDir, { recursive: true, force: true });
    }
}

function mergeBatches(batches: OutputBatch[]): OutputBatch[] {
    const out: OutputBatch[] = [];
    for (const b of batches) {
        const last = out[out.length - 1];
        if (last && last.stream === b.stream) last.text += b.text;
        else out.push({ ...b });
    }
    return out;
}

export function formatBytes(n: number): string {
    if (n < 1024) return `${n} B`;
    if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
    return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * Splits a stream into lines for the parsers, with a cap on the unfinished line so output without newlines cannot
 * grow memory: past `maxLine` characters the unfinished line is handed over as a line of its own.
 */
export class LineSplitter {
    private partial = '';

    constructor(private readonly onLine: (line: string) => void, private readonly maxLine = 64 * 1024) {}

    push(text: string): void {
        let start = 0;
        for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
            const line = this.partial + text.slice(start, nl);
            this.partial = '';
            this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
            start = nl + 1;
        }
        this.partial += text.slice(start);
        if (this.partial.length > this.maxLine) {
            const line = this.partial;
            this.partial = '';
            // hand it over whole: it is at most one chunk longer than the cap
            this.onLine(line);
        }
    }

    /**
     * Consume a chunk without splitting it: only the line the previous chunk left open is finished. The caller knows
     * nothing in this chunk matters (see ChartCollector.interested).
     */
    skip(text: string): void {
        const first = text.indexOf('\n');
        if (first < 0) {
            if (this.partial) this.push(text);
            return;
        }
        if (this.partial) this.push(text.slice(0, first + 1));
        const last = text.lastIndexOf('\n');
        // the unfinished last line may still turn out to matter
        this.partial = text.slice(last + 1).slice(-this.maxLine);
    }

    end(): void {
        if (this.partial) this.onLine(this.partial);
        this.partial = '';
    }
}
