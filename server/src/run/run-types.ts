/**
 * Plain data shared by the run core, the CLI and the VS Code face: what to run, and what a run reports.
 * No behaviour lives here.
 */

/** The two tracers Probekit can run. */
export type RunTool = 'stap' | 'bpftrace';

/** An SSH target for "Run on Hosts…". */
export interface RemoteHost {
    /** Display name (panel title); defaults to `host` or `host:port`. */
    name?: string;
    /** Host name or address given to ssh. */
    host: string;
    user?: string;
    port?: number;
    /** `ssh -i FILE`. */
    identityFile?: string;
    /** Extra ssh options, each a separate argv element (e.g. `['-o', 'UserKnownHostsFile=/x']`). */
    sshOptions?: string[];
    /** Run the tracer through `sudo -n` on the remote side (the remote user is not root). */
    sudo?: boolean;
    /** ssh executable; default `ssh`. */
    sshPath?: string;
}

/** SystemTap-specific run options. */
export interface StapRunOptions {
    /** `--runtime=bpf` (stapbpf) instead of the kernel-module runtime. */
    runtime?: 'kernel' | 'bpf';
    /** Compile with `-p4 -m NAME`, then load with `staprun`/`stapbpf` (default), or run `stap` in one go. */
    mode?: 'twoStep' | 'oneGo';
    /** `-g`: guru mode (needs consent in the UI). */
    guru?: boolean;
    suppressTimeLimits?: boolean;
    /** `-D NAME=VALUE` macros. */
    defines?: string[];
    /** `-I DIR` tapset directories. */
    includeDirs?: string[];
    /** `-r DIR`: kernel build tree; default: the machine's, or a stub made in the cache when it is missing. */
    kernelBuildDir?: string;
    /** Other stap options, passed verbatim as argv elements. */
    extraArgs?: string[];
    /** stap executable; default `stap`. */
    stapPath?: string;
    /** staprun / stapbpf executables for the two-step mode. */
    staprunPath?: string;
    stapbpfPath?: string;
}

/** bpftrace-specific run options. */
export interface BpftraceRunOptions {
    /** `-f json`. */
    json?: boolean;
    /** `--unsafe` (needs consent in the UI). */
    unsafe?: boolean;
    includeDirs?: string[];
    extraArgs?: string[];
    /** bpftrace executable; default `bpftrace`. */
    bpftracePath?: string;
}

/** Everything needed to start one run. */
export interface RunRequest {
    tool: RunTool;
    /** The script on disk. Either `file` or `text` is given. */
    file?: string;
    /** The script text of an unsaved buffer (`-e`), or for a remote bpftrace run when there is no file. */
    text?: string;
    /** Name shown in panels and status (usually the file's base name). */
    scriptName?: string;
    /** Script arguments (`$1`, `@1`, …). */
    args?: string[];
    /** `-c CMD`: a command to run and trace. */
    targetCommand?: string;
    /** `-x PID` (stap) / `-p PID` (bpftrace). */
    targetPid?: number;
    stap?: StapRunOptions;
    bpftrace?: BpftraceRunOptions;
    /** Run on this host over SSH instead of locally. */
    host?: RemoteHost;
    /** Working directory for the tool; default: a fresh temp directory for stap, the script's folder otherwise. */
    cwd?: string;
    env?: NodeJS.ProcessEnv;
}

/** A diagnostic a tool reported, with a 0-based LSP range (end exclusive). */
export interface RunDiagnostic {
    /** The file as the tool named it (resolved against the run's cwd when relative); `undefined` for `stdin`/`-e`. */
    file?: string;
    severity: 'error' | 'warning' | 'info';
    message: string;
    range: { start: { line: number; character: number }; end: { line: number; character: number } };
    /** Where it came from: 'stap' or 'bpftrace'. */
    source: RunTool;
}

/** One stap pass as reported by `stap -v`. */
export interface StapPassEvent {
    pass: number;
    /** Short name: parse, elaborate, translate, compile, run. */
    name: string;
    /** The full line stap printed. */
    text: string;
    /** Real milliseconds stap reported for the pass, when it did. */
    realMs?: number;
    failed?: boolean;
}

export type OutputStream = 'stdout' | 'stderr' | 'system';

/** The outcome of a run. */
export interface RunResult {
    exitCode: number | null;
    signal: NodeJS.Signals | null;
    elapsedMs: number;
    /** True when the run was stopped by the user (stop / stop all). */
    stopped: boolean;
    /** A plain-words explanation of why the run failed, with what to do, when Probekit recognises the failure. */
    explanation?: string;
    diagnostics: RunDiagnostic[];
}
