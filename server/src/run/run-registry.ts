import { RunSession, type RunSessionOptions } from './run-session.js';
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
