// Pure: which runs the VS Code face holds. No `vscode` import, so it is unit-tested directly.
import { hostLabel } from '../../../server/src/run/run-host.js';
import type { RemoteHost } from '../../../server/src/run/run-types.js';

/** A script (its URI) on a host (by its label), or locally: one panel and at most one live run each. */
export function runKey(script: string, host: RemoteHost | undefined): string {
    return `${script}\n${host ? hostLabel(host) : ''}`;
}

/** `wanted`, or `wanted (2)`, `wanted (3)`, … when another holder has it (two scripts with one file name). */
export function uniqueName(wanted: string, taken: ReadonlySet<string>): string {
    let name = wanted;
    for (let n = 2; taken.has(name); n++) name = `${wanted} (${n})`;
    return name;
}

/**
 * The runs of each key: at most one live run, and the last finished one (kept for "Save Full Output…" until the key
 * runs again). A second run of a key while one is live is refused, so a panel only ever receives one run's output.
 */
export class RunSlots<T> {
    private readonly live = new Map<string, T>();
    private readonly finished = new Map<string, T>();

    /** The live run of the key, if any. */
    running(key: string): T | undefined {
        return this.live.get(key);
    }

    /**
     * Start a run of the key. Refused while one is live (`running` says which); else the key's finished run, now
     * replaced, is handed back for disposal.
     */
    start(key: string, run: T): { started: true; replaced?: T } | { started: false; running: T } {
        const running = this.live.get(key);
        if (running !== undefined) return { started: false, running };
        const replaced = this.finished.get(key);
        this.finished.delete(key);
        this.live.set(key, run);
        return { started: true, replaced };
    }

    /** The run ended: it becomes the key's finished run. */
    end(key: string, run: T): void {
        if (this.live.get(key) === run) this.live.delete(key);
        this.finished.set(key, run);
    }

    lives(): T[] {
        return [...this.live.values()];
    }

    finishedRuns(): T[] {
        return [...this.finished.values()];
    }
}
