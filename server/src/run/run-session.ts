import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { BpftraceDiagnosticParser, isHarmlessBpftraceLine } from './bpftrace-output-parse.js';
import { ChartCollector, type ChartModel } from './run-charts.js';
import { buildBpftraceCommand, buildStapPlan, stapModuleName, type CommandLine } from './run-argv.js';
import { explainFailure } from './run-failure-explain.js';
import { LineSplitter, OutputBuffer, type OutputBatch, type OutputBufferOptions } from './run-output-buffer.js';
import { choosePrivilege, nodePrivilegeProbe, tiedToUs, which, withPrivilege, type Privilege, type PrivilegeProbe } from './run-privilege.js';
import { commandName, isAlive, ownerUid, processTree, signalGroup, signalTree } from './run-process-tree.js';
import { runTitle } from './run-host.js';
import { remoteBpftraceCommand, shellQuote, writeSshShims } from './run-remote.js';
import { SUPERVISOR_PROGRAM } from './run-supervisor.js';
import { StapDiagnosticParser, endOfText, parseStapPassLine, type Position } from './stap-output-parse.js';
import { chooseKernelTree, kernelHasModules } from './stap-kernel-tree.js';
import type { OutputStream, RunDiagnostic, RunRequest, RunResult, StapPassEvent } from './run-types.js';

/** What a run tells its UI. All optional. */
export interface RunListener {
    /** Output for display, throttled and bounded. */
    onOutput?(batches: OutputBatch[]): void;
    /** Every byte as it arrives, unthrottled (the CLI passes it straight through). */
    onRaw?(stream: OutputStream, text: string): void;
    onProgress?(event: StapPassEvent): void;
    onDiagnostic?(diagnostic: RunDiagnostic): void;
    /** Chart data changed (sent with the throttled output). */
    onCharts?(model: ChartModel): void;
    /** A sentence from Probekit itself (stub kernel tree, privilege, stop). */
    onNotice?(text: string): void;
    onExit?(result: RunResult): void;
}

/** Milliseconds to wait after SIGINT, after SIGTERM, and after SIGKILL, in a stop. */
export interface StopSchedule {
    intMs: number;
    termMs: number;
    killMs: number;
}

export interface RunSessionOptions {
    listener?: RunListener;
    output?: OutputBufferOptions;
    /** How a local run gets root; default: the real machine, pkexec not allowed. */
    privilegeProbe?: PrivilegeProbe;
    /** Milliseconds between SIGINT and SIGTERM, and between SIGTERM and SIGKILL, on stop. Default 5000. */
    graceMs?: number;
    /** Collect chart data from stdout. Default true. */
    charts?: boolean;
    /** Cache folder for the stap kernel-tree stub. */
    cacheDir?: string;
}

let nextId = 1;

/**
 * One run of one script: builds the command lines, gets privileges, spawns without a shell in its own process group,
 * streams and parses output, and stops the whole process tree on request. `done` resolves once everything exited.
 */
export class RunSession {
    readonly id = nextId++;
    readonly title: string;
    readonly startedAt = Date.now();
    readonly output: OutputBuffer;
    readonly charts: ChartCollector;
    readonly done: Promise<RunResult>;
    /** The process currently running (compile, then load, in stap's two-step mode). */
    private child?: ChildProcess;
    private stopping = false;
    private stopped = false;
    /** The command line of the current process: how a stop reaches it. */
    private step?: CommandLine;
    private readonly diagnostics: RunDiagnostic[] = [];
    private stderrTail = '';
    private workDir?: string;
    private chartVersion = 0;
    private readonly listener: RunListener;
    private readonly graceMs: number;
    private stubKernelTree = false;
    /** Environment for the tool, when the run needs its own (ssh wrappers for stap --remote). */
    private env?: NodeJS.ProcessEnv;

    constructor(readonly request: RunRequest, private readonly options: RunSessionOptions = {}) {
        this.listener = options.listener ?? {};
        this.graceMs = options.graceMs ?? 5000;
        const name = request.scriptName ?? (request.file ? basename(request.file) : 'untitled');
        this.title = runTitle(name, request.host);
        this.charts = new ChartCollector(request.tool, request.tool === 'bpftrace' && request.bpftrace?.json === true);
        this.output = new OutputBuffer(batches => this.flushed(batches), options.output);
        // Started on the next microtask: no listener is called before the constructor has returned the run.
        this.done = Promise.resolve().then(() => this.execute());
    }

    /** Is a process of this run alive? */
    get running(): boolean {
        return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
    }

    /** PID of the current top process (for tests and status). */
    get pid(): number | undefined {
        return this.child?.pid;
    }

    /**
     * Stop: SIGINT (so END/end probes run and maps print), then SIGTERM after `intMs`, then SIGKILL after `termMs`,
     * each to the whole process tree, or through what stands between us and the tool (sudo's relay, the supervisor's
     * input: see CommandLine.control). Resolves when the run has ended.
     */
    async stop(schedule: StopSchedule = { intMs: this.graceMs, termMs: this.graceMs, killMs: 2000 }): Promise<RunResult> {
        this.stopped = true;
        if (this.stopping) return this.done;
        this.stopping = true;
        const steps: [NodeJS.Signals, number][] = [['SIGINT', schedule.intMs], ['SIGTERM', schedule.termMs], ['SIGKILL', schedule.killMs]];
        for (const [sig, ms] of steps) {
            if (!this.running) break;
            await this.signal(sig);
            if (await this.exitedWithin(ms)) break;
        }
        // A supervisor that did not act on KILL in time: our side of it goes (ssh: the host then sees its input end).
        if (this.running && this.step?.control === 'supervisor') signalTree(this.child!.pid!, 'SIGKILL');
        return this.done;
    }

    /**
     * End the run now, synchronously (process exit, extension deactivation): SIGKILL to the tree; under sudo, SIGTERM
     * through its relay (sudo cannot relay SIGKILL, and killing sudo would leave the root tool running); a supervised
     * tool's input is closed, so the supervisor (on the host, or under pkexec) stops it.
     */
    killNow(): void {
        this.stopped = true;
        const child = this.child;
        const pid = child?.pid;
        if (!child || !pid || !this.running) return;
        switch (this.step?.control) {
            case 'relay':
                signalGroup(pid, 'SIGTERM');
                return;
            case 'supervisor':
                child.stdin?.destroy();
                signalTree(pid, 'SIGKILL');
                return;
            default:
                signalTree(pid, 'SIGKILL');
        }
    }

    private async signal(sig: NodeJS.Signals): Promise<void> {
        const child = this.child;
        const pid = child?.pid;
        if (!child || !pid) return;
        this.notice(`Sending ${sig} to ${this.title}${sig === 'SIGINT' ? ' (end probes run, maps print)' : ''}.`);
        switch (this.step?.control) {
            case 'supervisor':
                // The supervisor sends the step to the tool; after KILL nothing more is said, so its input ends.
                if (child.stdin?.writable) child.stdin.write(`${sig.slice(3)}\n`);
                if (sig === 'SIGKILL') child.stdin?.end();
                return;
            case 'relay': {
                // sudo relays SIGINT and SIGTERM to the tool, once each: our child (sudo, or its guardian) is signalled
                // alone. It cannot relay SIGKILL: that ends our own processes, and a root tool that ignored SIGTERM too
                // is beyond us (without root): say so, with its PID.
                if (sig !== 'SIGKILL') {
                    signalGroup(pid, sig);
                    return;
                }
                const tree = processTree(pid);
                signalTree(pid, 'SIGKILL');
                await new Promise(res => setTimeout(res, 200));
                const left = tree.filter(p => isAlive(p) && ownerUid(p) === 0);
                if (left.length > 0) {
                    this.notice(`${left.map(p => `${commandName(p)} (PID ${p})`).join(', ')} runs as root and did not stop on SIGINT or SIGTERM; `
                        + `Probekit cannot kill a root process without root. Stop it with: sudo kill -KILL ${left.join(' ')}`);
                }
                return;
            }
            default:
                if (sig === 'SIGINT') {
                    // Exactly what Ctrl-C in a terminal does: one SIGINT to the run's process group. A second SIGINT that
                    // lands while bpftrace drains its END output makes it stop reading, and the END lines are lost; the
                    // escalation reaches the whole tree.
                    if (!signalGroup(pid, sig)) signalTree(pid, sig);
                    return;
                }
                signalTree(pid, sig);
        }
    }

    private exitedWithin(ms: number): Promise<boolean> {
        const child = this.child;
        if (!child || !this.running) return Promise.resolve(true);
        return new Promise(res => {
            const timer = setTimeout(() => { child.off('exit', onExit); res(false); }, ms);
            const onExit = (): void => { clearTimeout(timer); res(true); };
            child.once('exit', onExit);
        });
    }

    private notice(text: string): void {
        this.output.write('system', `[probekit] ${text}\n`);
        this.listener.onRaw?.('system', `[probekit] ${text}\n`);
        this.listener.onNotice?.(text);
    }

    private flushed(batches: OutputBatch[]): void {
        this.listener.onOutput?.(batches);
        if (this.charts.version !== this.chartVersion) {
            this.chartVersion = this.charts.version;
            this.listener.onCharts?.(this.charts.snapshot());
        }
    }

    private async execute(): Promise<RunResult> {
        let exitCode: number | null = null;
        let signal: NodeJS.Signals | null = null;
        try {
            const plan = this.plan();
            if ('message' in plan) {
                this.notice(plan.message);
                exitCode = 1;
            } else {
                for (const [i, cmd] of plan.steps.entries()) {
                    if (this.stopped) break;
                    if (i > 0 && this.request.tool === 'stap') {
                        // Two-step mode: the loader is stap's pass 5, though stap itself never prints it.
                        this.listener.onProgress?.({ pass: 5, name: 'run', text: `Pass 5: loading with ${basename(cmd.args.at(-1) ?? '')} (${basename(cmd.args.find(a => /\b(?:staprun|stapbpf)$/.test(a)) ?? cmd.command)})` });
                    }
                    ({ exitCode, signal } = await this.spawnStep(cmd, plan.cwd));
                    if (exitCode !== 0) break;
                }
            }
        } catch (e) {
            this.notice(`The run could not start: ${(e as Error).message}`);
            exitCode = exitCode ?? 1;
        }
        // A diagnostic the tool's last lines left open (a `parse error:` no place followed) is kept, not lost.
        this.report(this.parser().flush());
        const elapsedMs = Date.now() - this.startedAt;
        let explanation: string | undefined;
        if (!this.stopped && exitCode !== 0) {
            explanation = explainFailure(this.stderrTail, {
                tool: this.request.tool,
                runtime: this.request.stap?.runtime,
                stubKernelTree: this.stubKernelTree,
                kernelHasModules: this.request.tool === 'stap' ? kernelHasModules() : undefined,
                exitCode,
                host: this.request.host,
            });
            if (explanation) this.notice(explanation);
        }
        const result: RunResult = { exitCode, signal, elapsedMs, stopped: this.stopped, explanation, diagnostics: [...this.diagnostics] };
        const status = signal ? `killed by ${signal}` : `exit status ${exitCode}`;
        this.notice(`${this.title}: ${status}${this.stopped ? ' (stopped)' : ''}, ${(elapsedMs / 1000).toFixed(1)} s.`);
        this.output.flush();
        this.output.closeSpool();
        if (this.workDir) rmSync(this.workDir, { recursive: true, force: true });
        this.listener.onExit?.(result);
        return result;
    }

    /** The command lines to run, in order, or why none can run. */
    private plan(): { steps: CommandLine[]; cwd?: string } | { message: string } {
        const req = this.request;
        if (req.host) {
            if (req.tool === 'bpftrace') {
                const text = req.text ?? readFileSync(req.file!, 'utf8');
                return { steps: [remoteBpftraceCommand(req, text)], cwd: req.cwd };
            }
            // stap compiles here and loads on the host itself (--remote): local privileges are not needed to compile.
            const { workDir, file } = this.stapWorkDir();
            const ssh = which(req.host.sshPath ?? 'ssh');
            const scp = which('scp');
            if (ssh && scp) this.env = writeSshShims(req.host, workDir, ssh, scp);
            return { steps: [buildStapPlan({ ...req, file }, { kernelBuildDir: this.kernelTree(), moduleName: 'unused' }).compile], cwd: req.cwd ?? workDir };
        }
        const command = req.tool === 'stap' ? req.stap?.stapPath ?? 'stap' : req.bpftrace?.bpftracePath ?? 'bpftrace';
        const privilege: Privilege = choosePrivilege(req.tool, this.options.privilegeProbe ?? nodePrivilegeProbe(false), command);
        if (privilege.kind === 'none') return { message: privilege.message };
        if (req.tool === 'bpftrace') {
            const cwd = req.cwd ?? (req.file ? dirname(resolve(req.file)) : undefined);
            return { steps: [withPrivilege(buildBpftraceCommand(req), privilege, cwd)], cwd };
        }
        const { workDir, file } = this.stapWorkDir();
        const plan = buildStapPlan({ ...req, file }, {
            kernelBuildDir: this.kernelTree(),
            moduleName: stapModuleName(req.scriptName ?? (file ? basename(file) : 'script'), `${process.pid}_${this.id}`),
        });
        const cwd = req.cwd ?? workDir;
        const steps = [plan.compile, ...(plan.load ? [plan.load] : [])].map(c => withPrivilege(c, privilege, cwd));
        return { steps, cwd };
    }

    /** A working directory of this run's own (stap writes the module into it) and the script's absolute path. */
    private stapWorkDir(): { workDir: string; file?: string } {
        this.workDir = mkdtempSync(`${tmpdir()}/probekit-stap-`);
        return { workDir: this.workDir, file: this.request.file !== undefined ? resolve(this.request.file) : undefined };
    }

    private kernelTree(): string | undefined {
        const choice = chooseKernelTree({ explicit: this.request.stap?.kernelBuildDir, cacheDir: this.options.cacheDir });
        this.stubKernelTree = choice.stub;
        if (choice.notice) this.notice(choice.notice);
        return choice.dir;
    }

    private spawnStep(cmd: CommandLine, cwd: string | undefined): Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }> {
        this.notice(`$ ${[cmd.command, ...cmd.args].map(shownArg).map(a => (a.length > 200 ? `${shellQuote(a.slice(0, 200))}…` : shellQuote(a))).join(' ')}`);
        // The tool ends when we do, even when we are killed outright (run-privilege.ts, tiedToUs).
        const launch = tiedToUs(cmd, this.request.tool === 'bpftrace' && !this.request.host ? 'KILL' : 'TERM');
        const supervised = cmd.control === 'supervisor';
        const child = spawn(launch.command, launch.args, {
            cwd,
            env: this.env ?? this.request.env ?? process.env,
            // Own process group: a stop signals the group and the tree, never the editor.
            detached: true,
            stdio: [cmd.stdin !== undefined || supervised ? 'pipe' : 'ignore', 'pipe', 'pipe'],
        });
        this.child = child;
        this.step = cmd;
        child.stdin?.on('error', () => { /* the tool exited before reading: its stderr says why */ });
        // A supervisor's input stays open for the stop steps: its end means "stop".
        if (supervised) child.stdin?.write(cmd.stdin ?? '');
        else if (cmd.stdin !== undefined) child.stdin?.end(cmd.stdin);
        // stdout is split into lines only for the charts.
        const stdoutLines = this.options.charts !== false ? new LineSplitter(line => this.charts.push(line)) : undefined;
        const stderrLines = new LineSplitter(line => this.stderrLine(line));
        child.stdout!.setEncoding('utf8');
        child.stderr!.setEncoding('utf8');
        child.stdout!.on('data', (text: string) => {
            this.output.write('stdout', text);
            this.listener.onRaw?.('stdout', text);
            if (stdoutLines && this.charts.interested(text)) stdoutLines.push(text);
            else stdoutLines?.skip(text);
        });
        child.stderr!.on('data', (text: string) => stderrLines.push(text));
        return new Promise(res => {
            let settled = false;
            const finish = (exitCode: number | null, signal: NodeJS.Signals | null): void => {
                if (settled) return;
                settled = true;
                stdoutLines?.end();
                stderrLines.end();
                // Nothing of the run may outlive it (e.g. a -c target the tool did not reap).
                if (child.pid && isAlive(child.pid) === false) signalTree(child.pid, 'SIGKILL');
                child.stdin?.destroy();
                res({ exitCode, signal });
            };
            child.on('error', err => {
                const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
                this.notice(missing ? `${cmd.command} is not installed or not on PATH.` : `${cmd.command}: ${err.message}`);
                finish(127, null);
            });
            child.on('close', (code, sig) => finish(code, sig));
            child.on('exit', (code, sig) => {
                // A descendant may hold stdout open after the tool exited; do not wait for it forever.
                setTimeout(() => {
                    child.stdout?.destroy();
                    child.stderr?.destroy();
                    finish(code, sig);
                }, 2000).unref();
            });
        });
    }

    /** One stderr line: progress, diagnostics, noise; then shown. */
    private stderrLine(line: string): void {
        if (this.stderrTail.length > 64 * 1024) this.stderrTail = this.stderrTail.slice(-32 * 1024);
        this.stderrTail += `${line}\n`;
        if (this.request.tool === 'bpftrace' && isHarmlessBpftraceLine(line)) return; // noise on this kernel, not an error
        this.output.write('stderr', `${line}\n`);
        this.listener.onRaw?.('stderr', `${line}\n`);
        if (this.request.tool === 'stap') {
            const pass = parseStapPassLine(line);
            if (pass) this.listener.onProgress?.(pass);
        }
        this.report(this.parser().push(line));
    }

    private report(diagnostics: RunDiagnostic[]): void {
        for (const d of diagnostics) {
            this.diagnostics.push(d);
            this.listener.onDiagnostic?.(d);
        }
    }

    private diagnosticParser?: StapDiagnosticParser | BpftraceDiagnosticParser;

    private parser(): StapDiagnosticParser | BpftraceDiagnosticParser {
        if (!this.diagnosticParser) {
            const req = this.request;
            const base = req.cwd ?? (req.file ? dirname(resolve(req.file)) : process.cwd());
            const own = req.file !== undefined ? resolve(req.file) : undefined;
            const resolveName = (name: string | undefined): string | undefined => {
                if (name === undefined || name === '-') return own;
                if (req.host) return own; // the remote side only ever names stdin or our own file
                const full = isAbsolute(name) ? name : resolve(base, name);
                return full;
            };
            const endOf = (file: string | undefined): Position | undefined => {
                try {
                    const path = file ?? own;
                    return endOfText(path === own && req.text !== undefined ? req.text : readFileSync(path ?? '', 'utf8'));
                } catch {
                    return undefined;
                }
            };
            this.diagnosticParser = req.tool === 'stap'
                ? new StapDiagnosticParser(resolveName, endOf)
                : new BpftraceDiagnosticParser(resolveName);
        }
        return this.diagnosticParser;
    }
}

/** An argument as the run shows it: the supervisor's program (alone, or quoted inside an ssh command) by name. */
function shownArg(arg: string): string {
    return arg === SUPERVISOR_PROGRAM ? '<supervisor>' : arg.replace(shellQuote(SUPERVISOR_PROGRAM), '<supervisor>');
}
