import { extname, resolve } from 'node:path';
import { RunRegistry } from '../run/run-registry.js';
import { hostLabel, parseHostSpec } from '../run/run-host.js';
import type { RemoteHost, RunRequest, RunResult, RunTool } from '../run/run-types.js';
import { parseArgs, UsageError } from './cli-args.js';
import { RUN_USAGE } from './cli-usage.js';


function toolOf(file: string, given: string | undefined): RunTool {
    if (given === 'stap' || given === 'bpftrace') return given;
    if (given !== undefined) throw new UsageError(`--tool must be stap or bpftrace, not ${given}`);
    const ext = extname(file);
    if (ext === '.stp') return 'stap';
    if (ext === '.bt') return 'bpftrace';
    throw new UsageError(`cannot tell the tool from '${file}': use --tool stap|bpftrace`);
}

function intOption(value: string | undefined, name: string): number | undefined {
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) throw new UsageError(`--${name} needs a number, not ${value}`);
    return Number(value);
}

/** `probekit run`: the tool's exit status (128+N when killed by signal N); 2 for usage errors. */
export async function runRun(argv: readonly string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
    const args = parseArgs(argv, {
        flags: ['help', 'one-go', 'guru', 'suppress-time-limits', 'json', 'unsafe'],
        values: ['tool', 'target-command', 'target-pid', 'runtime', 'define', 'include', 'kernel-tree', 'tool-arg', 'host', 'grace', 'identity', 'ssh-option'],
        repeated: ['define', 'include', 'tool-arg', 'host', 'ssh-option'],
    });
    if (args.flags.has('help')) {
        out(RUN_USAGE + '\n');
        return 0;
    }
    const [file, ...scriptArgs] = args.positionals;
    if (!file) throw new UsageError('no FILE to run');
    const value = (n: string): string | undefined => args.values.get(n)?.[0];
    const tool = toolOf(file, value('tool'));
    const runtime = value('runtime');
    if (runtime !== undefined && runtime !== 'kernel' && runtime !== 'bpf') throw new UsageError('--runtime must be kernel or bpf');
    const extra = args.values.get('tool-arg') ?? [];
    const base: RunRequest = {
        tool,
        file: resolve(file),
        args: scriptArgs,
        targetCommand: value('target-command'),
        targetPid: intOption(value('target-pid'), 'target-pid'),
        stap: {
            runtime: runtime as 'kernel' | 'bpf' | undefined,
            mode: args.flags.has('one-go') ? 'oneGo' : 'twoStep',
            guru: args.flags.has('guru'),
            suppressTimeLimits: args.flags.has('suppress-time-limits'),
            defines: args.values.get('define'),
            includeDirs: tool === 'stap' ? args.values.get('include') : undefined,
            kernelBuildDir: value('kernel-tree'),
            extraArgs: tool === 'stap' ? extra : undefined,
        },
        bpftrace: {
            json: args.flags.has('json'),
            unsafe: args.flags.has('unsafe'),
            includeDirs: tool === 'bpftrace' ? args.values.get('include') : undefined,
            extraArgs: tool === 'bpftrace' ? extra : undefined,
        },
    };
    let hosts: (RemoteHost | undefined)[];
    try {
        hosts = (args.values.get('host') ?? []).map(spec => ({
            ...parseHostSpec(spec), identityFile: value('identity'), sshOptions: args.values.get('ssh-option'),
        }));
    } catch (e) {
        throw new UsageError((e as Error).message);
    }
    if (hosts.length === 0) hosts = [undefined];
    const graceMs = intOption(value('grace'), 'grace');

    const registry = new RunRegistry();
    const runs = hosts.map(host => registry.start({ ...base, host }, {
        graceMs,
        charts: false,
        listener: { onRaw: hostPrefixer(hosts.length > 1 && host ? `[${hostLabel(host)}] ` : '', out, err) },
    }));
    // Ctrl-C: stop gracefully (the tools print their end-of-run output); a second Ctrl-C kills at once.
    let interrupts = 0;
    const onSignal = (): void => {
        interrupts++;
        if (interrupts === 1) void registry.stopAll();
        else registry.killAll();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let results: RunResult[];
    try {
        results = await Promise.all(runs.map(r => r.done));
    } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await registry.dispose();
    }
    const worst = results.find(r => r.exitCode !== 0 || r.signal) ?? results[0];
    if (worst.signal) return 128 + (signalNumber(worst.signal) ?? 1);
    return worst.exitCode ?? 1;
}

/** With several hosts, every line of output starts with its host; chunks may end mid-line. */
function hostPrefixer(prefix: string, out: (s: string) => void, err: (s: string) => void): (stream: string, text: string) => void {
    const atLineStart: Record<string, boolean> = {};
    return (stream, text) => {
        const write = stream === 'stdout' ? out : err;
        if (!prefix) return write(text);
        let result = '';
        for (const piece of text.split(/(?<=\n)/)) {
            if (atLineStart[stream] !== false) result += prefix;
            result += piece;
            atLineStart[stream] = piece.endsWith('\n');
        }
        write(result);
    };
}

function signalNumber(sig: NodeJS.Signals): number | undefined {
    return ({ SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[sig];
}
