import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { CommandLine } from './run-argv.js';
import { supervised } from './run-supervisor.js';
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
    return { kind: 'none', message: privilegeFix(tool, probe.userName(), command) };
}

/**
 * The executables sudo must run for a tool, as full paths (the sudoers line names exactly these).
 * @param command the tool's executable as configured (stap also loads with staprun or stapbpf).
 */
export function toolExecutables(tool: RunTool, command: string = tool): string[] {
    return [command, ...(tool === 'stap' ? ['staprun', 'stapbpf'] : [])].map(c => which(c) ?? (c.includes('/') ? c : `/usr/bin/${c}`));
}

/**
 * Plain words: why the run cannot start, and the two usual fixes. The sudoers line names the tool's executables and
 * nothing else: a stop reaches the tool through sudo itself (sudo passes SIGINT and SIGTERM on), so no `kill` is needed.
 */
export function privilegeFix(tool: RunTool, user: string, command?: string): string {
    const groups = tool === 'stap'
        ? `For SystemTap you can instead join the stapusr and stapdev groups (stapusr loads modules, stapdev compiles them): sudo usermod -aG stapusr,stapdev ${user} (then log in again).\n`
        : '';
    return `${tool === 'stap' ? 'SystemTap' : 'bpftrace'} needs root to load probes, and Probekit found no way to get it without a password prompt: `
        + 'you are not root, `sudo -n` asks for a password, and pkexec is not available.\n'
        + groups
        + `To let sudo run the tracer without a password, add this line with \`sudo visudo -f /etc/sudoers.d/probekit\`:\n`
        + `    ${sudoersLine(tool, user, command)}\n`;
}

/** `USER ALL=(root) NOPASSWD: /usr/bin/bpftrace`: all a run under sudo needs, stop included. */
export function sudoersLine(tool: RunTool, user: string, command?: string): string {
    return `${user} ALL=(root) NOPASSWD: ${toolExecutables(tool, command).join(', ')}`;
}

/**
 * Wrap a command line for the chosen privilege (argv stays an array). `dir`: the working directory the tool needs
 * (pkexec starts programs in root's home).
 * - sudo stays between us and the tool and relays SIGINT and SIGTERM to it: a stop signals sudo alone (`relay`).
 * - pkexec becomes the program it starts, and a root process takes no signal from us: it starts the supervisor
 *   (run-supervisor.ts), which runs the tool and takes the stop steps on its stdin. One authorisation per command.
 */
export function withPrivilege(cmd: CommandLine, privilege: Privilege, dir?: string): CommandLine {
    switch (privilege.kind) {
        case 'sudo':
            // --preserve-env is not used: the tool gets root's environment, as with a login.
            return { ...cmd, command: 'sudo', args: ['-n', '--', cmd.command, ...cmd.args], control: 'relay' };
        case 'pkexec': {
            const sup = supervised({ command: which(cmd.command) ?? cmd.command, args: cmd.args }, { sh: which('sh') ?? '/bin/sh', dir });
            return { ...sup, command: 'pkexec', args: [sup.command, ...sup.args] };
        }
        default:
            return cmd;
    }
}

/**
 * The command as spawned, tied to our life so the tool ends when we do, even when we are killed outright:
 * - `setpriv --pdeathsig SIG` makes the kernel signal the process when its parent (we) dies. bpftrace gets SIGKILL:
 *   its probes are file descriptors the kernel releases, and a SIGTERM that lands while it attaches can be lost. stap,
 *   staprun and ssh get SIGTERM, so staprun unloads its module (and the remote supervisor sees its input end).
 * - sudo is setuid, and the kernel drops that setting when it starts, so a guardian holds it instead: `timeout
 *   --foreground 0` (no time limit) passes every SIGINT or SIGTERM it gets, ours or the kernel's, to sudo, which relays
 *   it to the tool. Recent sudo releases relay nothing sent from sudo's own process group, so `setsid` gives sudo a
 *   new one.
 * - pkexec (also setuid) runs the supervisor, which stops the tool when its input ends: our death closes it.
 * Without setpriv (or timeout and setsid) the command is returned unchanged.
 */
export function tiedToUs(cmd: CommandLine, signal: 'KILL' | 'TERM', tools: SystemTools = systemTools()): CommandLine {
    if (!tools.setpriv) return cmd;
    let inner = cmd;
    if (cmd.control === 'relay') {
        if (!tools.timeout || !tools.setsid) return cmd;
        inner = { ...cmd, command: tools.timeout, args: ['--foreground', '0', tools.setsid, '-w', cmd.command, ...cmd.args] };
        signal = 'TERM';
    }
    return { ...inner, command: tools.setpriv, args: ['--pdeathsig', signal, '--', inner.command, ...inner.args] };
}

/** util-linux setpriv and setsid, coreutils timeout: their paths, where found. */
export interface SystemTools {
    setpriv?: string;
    timeout?: string;
    setsid?: string;
}

let tools: SystemTools | undefined;

/** The system tools, looked up once. */
function systemTools(): SystemTools {
    tools ??= { setpriv: which('setpriv'), timeout: which('timeout'), setsid: which('setsid') };
    return tools;
}
