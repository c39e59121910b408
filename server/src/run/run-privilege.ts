import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { CommandLine } from './run-argv.js';
import type { RunTool } from './run-types.js';

/** How a run gets the privileges tracing needs. */
export type Privilege =
    | { kind: 'root' }
    | { kind: 'sudo' }
    | { kind: 'pkexec' }
    | { kind: 'none'; message: string };

/** The machine facts the choice depends on; injectable so the choice is testable for every case. */
export interface PrivilegeProbe {
    uid(): number;
    userName(): string;
    /** sudo runs `command` (a path) as root without asking for a password. */
    sudoWithoutPassword(command: string): boolean;
    /** pkexec exists and a graphical polkit agent can ask (the VS Code face allows it; the CLI does not). */
    pkexecUsable(): boolean;
}

/** Find an executable on PATH. */
export function which(name: string, path = process.env.PATH ?? ''): string | undefined {
    if (name.includes('/')) return name;
    for (const dir of path.split(delimiter)) {
        if (!dir) continue;
        const full = join(dir, name);
        try {
            accessSync(full, constants.X_OK);
            return full;
        } catch {
            // not here
        }
    }
    return undefined;
}

/** The real machine. `allowPkexec`: only where a polkit agent shows its own dialog (never a hidden prompt). */
export function nodePrivilegeProbe(allowPkexec: boolean): PrivilegeProbe {
    return {
        uid: () => process.getuid?.() ?? 0,
        userName: () => process.env.USER ?? process.env.LOGNAME ?? 'you',
        sudoWithoutPassword: command => {
            if (!which('sudo')) return false;
            // -n: never prompt; stdin closed so nothing can wait for a password. `-l CMD` answers for that command
            // alone, for sudoers lines that allow only the tracer.
            const quiet = { stdio: 'ignore' as const, timeout: 5000 };
            return spawnSync('sudo', ['-n', 'true'], quiet).status === 0
                || spawnSync('sudo', ['-n', '-l', command], quiet).status === 0;
        },
        pkexecUsable: () => allowPkexec && which('pkexec') !== undefined
            && (process.env.DISPLAY !== undefined || process.env.WAYLAND_DISPLAY !== undefined),
    };
}

/**
 * Root runs directly; else `sudo -n` when it needs no password for the tool; else pkexec; else a message with the fix.
 * @param command the tool's executable (as configured).
 */
export function choosePrivilege(tool: RunTool, probe: PrivilegeProbe, command: string = tool): Privilege {
    if (probe.uid() === 0) return { kind: 'root' };
    if (probe.sudoWithoutPassword(which(command) ?? command)) return { kind: 'sudo' };
    if (probe.pkexecUsable()) return { kind: 'pkexec' };
    return { kind: 'none', message: privilegeFix(tool, probe.userName()) };
}

/** Plain words: why the run cannot start, and the two usual fixes. */
export function privilegeFix(tool: RunTool, user: string): string {
    const tools = tool === 'stap' ? '/usr/bin/stap, /usr/bin/staprun, /usr/bin/stapbpf' : '/usr/bin/bpftrace';
    const groups = tool === 'stap'
        ? `For SystemTap you can instead join the stapusr and stapdev groups (stapusr loads modules, stapdev compiles them): sudo usermod -aG stapusr,stapdev ${user} (then log in again).\n`
        : '';
    return `${tool === 'stap' ? 'SystemTap' : 'bpftrace'} needs root to load probes, and Probekit found no way to get it without a password prompt: `
        + 'you are not root, `sudo -n` asks for a password, and pkexec is not available.\n'
        + groups
        + `To let sudo run the tracer without a password, add this line with \`sudo visudo -f /etc/sudoers.d/probekit\`:\n`
        + `    ${user} ALL=(root) NOPASSWD: ${tools}\n`;
}

/** Wrap a command line for the chosen privilege (argv stays an array). */
export function withPrivilege(cmd: CommandLine, privilege: Privilege): CommandLine {
    switch (privilege.kind) {
        case 'sudo':
            // --preserve-env is not used: the tool gets root's environment, as with a login.
            return { ...cmd, command: 'sudo', args: ['-n', '--', cmd.command, ...cmd.args] };
        case 'pkexec':
            return { ...cmd, command: 'pkexec', args: [which(cmd.command) ?? cmd.command, ...cmd.args] };
        default:
            return cmd;
    }
}

/**
 * Tie the tool's life to ours: `setpriv --pdeathsig SIG` makes the kernel signal the tool when the process that
 * started it dies, even by SIGKILL, where no exit handler runs. bpftrace gets SIGKILL: its probes are file
 * descriptors the kernel releases, and a SIGTERM that lands while it attaches can be lost. stap, staprun and ssh
 * get SIGTERM, so staprun unloads its module. The kernel drops this setting on exec of a setuid program, so it does
 * nothing for sudo/pkexec runs; without setpriv the command is returned unchanged.
 */
export function withParentDeathSignal(cmd: CommandLine, signal: 'KILL' | 'TERM', setpriv: string | undefined = setprivPath()): CommandLine {
    if (!setpriv) return cmd;
    return { ...cmd, command: setpriv, args: ['--pdeathsig', signal, '--', cmd.command, ...cmd.args] };
}

let setpriv: { path?: string } | undefined;

/** util-linux setpriv, looked up once. */
function setprivPath(): string | undefined {
    setpriv ??= { path: which('setpriv') };
    return setpriv.path;
}
