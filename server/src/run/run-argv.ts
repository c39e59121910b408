import { checkHost } from './run-host.js';
import type { RunRequest, RunTool } from './run-types.js';

/** One process to start: an executable and its argv. Never a shell string. */
export interface CommandLine {
    command: string;
    args: string[];
    /** Text to write to the child's stdin first (a supervised remote bpftrace reads its script there). */
    stdin?: string;
    /**
     * How a stop reaches the tool: `group` (default) signals our child's process group and tree; `relay` signals our
     * child alone, which passes SIGINT and SIGTERM on to a tool we may not signal (sudo); `supervisor` writes each step
     * to the child's stdin, kept open for that (run-supervisor.ts).
     */
    control?: 'group' | 'relay' | 'supervisor';
}

/** What it takes to run a stap script: a compile step and a load step, or one command. */
export interface StapPlan {
    compile: CommandLine;
    /** Absent in one-go mode. */
    load?: CommandLine;
    /** The module name given with `-m` (two-step mode). */
    moduleName?: string;
}

/**
 * A module name stap accepts (`-m`): letters, digits and underscores, at most 55 characters
 * (stap refuses longer ones and the kernel truncates module names at 56).
 */
export function stapModuleName(scriptName: string, unique: string): string {
    const base = scriptName.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_]/g, '_').replace(/^_+/, '');
    const name = `probekit_${base || 'script'}`.slice(0, 40);
    return `${name}_${unique.replace(/[^A-Za-z0-9_]/g, '')}`.slice(0, 55);
}

/** The stap options every step shares, from the request. */
function stapCommonArgs(req: RunRequest, kernelBuildDir: string | undefined): string[] {
    const o = req.stap ?? {};
    const args: string[] = ['-v'];
    if (kernelBuildDir) args.push('-r', kernelBuildDir);
    if (o.runtime === 'bpf') args.push('--runtime=bpf');
    if (o.guru) args.push('-g');
    if (o.suppressTimeLimits) args.push('--suppress-time-limits');
    for (const d of o.defines ?? []) args.push('-D', d);
    for (const i of o.includeDirs ?? []) args.push('-I', i);
    if (req.targetCommand !== undefined) args.push('-c', req.targetCommand);
    if (req.targetPid !== undefined) args.push('-x', String(req.targetPid));
    args.push(...(o.extraArgs ?? []));
    return args;
}

/**
 * The script operand: `-- FILE`, or `-e TEXT --` for an unsaved buffer. stap (like bpftrace) permutes its argv with
 * getopt, so without `--` a file name or script argument starting with `-` would be read as an option.
 */
function scriptOperand(req: RunRequest): string[] {
    if (req.file !== undefined) return ['--', req.file];
    if (req.text !== undefined) return ['-e', req.text, '--'];
    throw new Error('a run needs a file or the script text');
}

/**
 * Build the stap command lines. Two-step: `stap -v -p4 -m NAME … FILE ARGS` in `cwd`, then `staprun NAME.ko ARGS`
 * (kernel runtime) or `stapbpf NAME.bo` (bpf runtime). One go: `stap -v … FILE ARGS`.
 * With `--remote`, stap compiles locally and loads remotely itself, so it runs in one go.
 */
export function buildStapPlan(req: RunRequest, opts: { kernelBuildDir?: string; moduleName: string }): StapPlan {
    const o = req.stap ?? {};
    const stap = o.stapPath ?? 'stap';
    const common = stapCommonArgs(req, opts.kernelBuildDir);
    const scriptArgs = req.args ?? [];
    const remote = req.host ? [`--remote=${stapRemoteUrl(req.host)}`] : [];
    if ((o.mode ?? 'twoStep') === 'oneGo' || req.host) {
        return { compile: { command: stap, args: [...common, ...remote, ...scriptOperand(req), ...scriptArgs] } };
    }
    const compile: CommandLine = {
        command: stap,
        args: [...common, '-p4', '-m', opts.moduleName, ...scriptOperand(req), ...scriptArgs],
    };
    let load: CommandLine;
    if (o.runtime === 'bpf') {
        // stapbpf takes the object only; script arguments were compiled in.
        load = { command: o.stapbpfPath ?? 'stapbpf', args: loaderTargetArgs(req, true).concat([`${opts.moduleName}.bo`]) };
    } else {
        load = { command: o.staprunPath ?? 'staprun', args: [...loaderTargetArgs(req, false), `${opts.moduleName}.ko`] };
    }
    return { compile, load, moduleName: opts.moduleName };
}

/** `-c`/`-x` for staprun and stapbpf (they take the same letters as stap). */
function loaderTargetArgs(req: RunRequest, _bpf: boolean): string[] {
    const args: string[] = [];
    if (req.targetCommand !== undefined) args.push('-c', req.targetCommand);
    if (req.targetPid !== undefined) args.push('-x', String(req.targetPid));
    return args;
}

/** `ssh://[user@]host[:port]` for `stap --remote`. */
export function stapRemoteUrl(host: NonNullable<RunRequest['host']>): string {
    checkHost(host);
    const user = host.user ? `${host.user}@` : '';
    const port = host.port ? `:${host.port}` : '';
    return `ssh://${user}${host.host}${port}`;
}

/** The bpftrace options, then the program (file, `-e TEXT`, or `-` for stdin), then the positional arguments. */
export function buildBpftraceArgs(req: RunRequest, program: { stdin?: boolean } = {}): string[] {
    const o = req.bpftrace ?? {};
    const args: string[] = [];
    if (o.json) args.push('-f', 'json');
    if (o.unsafe) args.push('--unsafe');
    for (const i of o.includeDirs ?? []) args.push('-I', i);
    if (req.targetCommand !== undefined) args.push('-c', req.targetCommand);
    if (req.targetPid !== undefined) args.push('-p', String(req.targetPid));
    args.push(...(o.extraArgs ?? []));
    // bpftrace permutes its argv (getopt): `--` keeps a program file or an argument starting with `-` an operand.
    if (program.stdin) {
        args.push('--', '-');
    } else if (req.file !== undefined) {
        args.push('--', req.file);
    } else if (req.text !== undefined) {
        args.push('-e', req.text, '--');
    } else {
        throw new Error('a run needs a file or the script text');
    }
    args.push(...(req.args ?? []));
    return args;
}

/** The local bpftrace command line. */
export function buildBpftraceCommand(req: RunRequest): CommandLine {
    return { command: req.bpftrace?.bpftracePath ?? 'bpftrace', args: buildBpftraceArgs(req) };
}

/** stap's short options that take a value (its getopt string): `-vg` is -v -g, but in `-Dg=1` the g is the value. */
const STAP_VALUE_LETTERS = new Set('peEIoRramcxDsldLSBJGT');

/**
 * What an argv switches on that needs the user's consent: stap's guru mode (`-g`, alone or in a cluster such as `-vg`,
 * or `--guru-mode`) or bpftrace's `--unsafe` (or a prefix getopt takes for it: `--un`, `--uns`, …). Only options
 * count, so the scan stops at `--`; it does not skip option values, so a value that looks like one of these asks too.
 */
export function consentModeOf(tool: RunTool, args: readonly string[]): 'guru' | 'unsafe' | undefined {
    for (const arg of args) {
        if (arg === '--') break;
        if (tool === 'bpftrace') {
            if (/^--un(?:s(?:a(?:fe?)?)?)?(?:=|$)/.test(arg)) return 'unsafe';
            continue;
        }
        if (/^--guru(?:-(?:m(?:o(?:de?)?)?)?)?(?:=|$)/.test(arg)) return 'guru';
        if (!/^-[^-]/.test(arg)) continue;
        for (const letter of arg.slice(1)) {
            if (letter === 'g') return 'guru';
            if (STAP_VALUE_LETTERS.has(letter)) break;
        }
    }
    return undefined;
}

/** The consent a request needs by its tool options alone (settings, choices, extra arguments), from its final argv. */
export function consentModeOfRequest(req: RunRequest): 'guru' | 'unsafe' | undefined {
    // The program operand does not matter here, only the options before it: a placeholder keeps script text out.
    const probe: RunRequest = { ...req, file: '-', text: undefined };
    const args = req.tool === 'stap' ? buildStapPlan(probe, { moduleName: 'consent' }).compile.args : buildBpftraceArgs(probe);
    return consentModeOf(req.tool, args);
}
