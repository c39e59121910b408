import { RunSession, type RunSessionOptions, type StopSchedule } from './run-session.js';

/**
 * The stop steps when the owner is going away (window closing, extension deactivating): SIGINT, 2 s, SIGTERM, 1 s,
 * SIGKILL, 1 s — within VS Code's deactivation budget of about 5 s.
 */
export const SHUTDOWN_STOP: StopSchedule = { intMs: 2000, termMs: 1000, killMs: 1000 };
import type { RunRequest, RunResult } from './run-types.js';

/**
 * The live runs of this process. "Stop all" stops each; when the process exits (window closed, extension host or CLI
 * ending) every run's process tree is killed synchronously, so no tracer outlives its owner.
 */
export class RunRegistry {
    private readonly runs = new Set<RunSession>();
    private readonly onExit = (): void => this.killAll();
    private hooked = false;

    /** Start a run and track it until it ends. */
    start(request: RunRequest, options?: RunSessionOptions): RunSession {
        this.hook();
        const run = new RunSession(request, options);
        this.runs.add(run);
        void run.done.finally(() => this.runs.delete(run));
        return run;
    }

    /** Runs still going, oldest first. */
    list(): RunSession[] {
        return [...this.runs];
    }

    /** Stop every run gracefully (SIGINT → SIGTERM → SIGKILL); resolves when all have ended. */
    stopAll(): Promise<RunResult[]> {
        return Promise.all(this.list().map(r => r.stop()));
    }

    /** Stop every run on the short schedule of a shutdown; resolves when all have ended. */
    shutdown(): Promise<RunResult[]> {
        return Promise.all(this.list().map(r => r.stop(SHUTDOWN_STOP)));
    }

    /** Kill every run's tree now (synchronous: safe in an `exit` handler). */
    killAll(): void {
        for (const r of this.runs) r.killNow();
    }

    /** Stop everything and forget the exit hook. */
    async dispose(): Promise<void> {
        await this.stopAll();
        if (this.hooked) process.off('exit', this.onExit);
        this.hooked = false;
    }

    private hook(): void {
        if (this.hooked) return;
        this.hooked = true;
        process.on('exit', this.onExit);
    }
}
