import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { CommandLine } from './run-argv.js';
import { buildBpftraceArgs } from './run-argv.js';
import { sshDestination } from './run-host.js';
import type { RemoteHost, RunRequest } from './run-types.js';

/** The line the remote shell prints (on stderr) before it execs the tracer, so a stop can signal it by PID. */
export const REMOTE_PID_MARKER = 'PROBEKIT_REMOTE_PID=';

/** Quote one word for a POSIX shell: ssh joins its arguments into a command line for the remote shell. */
export function shellQuote(word: string): string {
    if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
    return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * `ssh [-p PORT] [-i KEY] -o BatchMode=yes [OPTIONS] -T [USER@]HOST -- COMMAND`. BatchMode: ssh never asks for a
 * password or passphrase (it fails instead), so nothing can wait on a prompt nobody sees.
 */
export function sshArgv(host: RemoteHost, remoteWords: string[]): CommandLine {
    const args: string[] = [];
    if (host.port) args.push('-p', String(host.port));
    if (host.identityFile) args.push('-i', host.identityFile);
    args.push('-o', 'BatchMode=yes', ...(host.sshOptions ?? []), '-T');
    args.push(sshDestination(host));
    // Every word is quoted here: the remote shell sees exactly these words, nothing it could expand.
    args.push('--', remoteWords.map(shellQuote).join(' '));
    return { command: host.sshPath ?? 'ssh', args };
}

/**
 * Remote bpftrace: the script goes to `bpftrace -` on stdin; the remote shell first reports its PID, then execs
 * bpftrace in its place (same PID), so stop can send SIGINT to exactly that process.
 */
export function remoteBpftraceCommand(req: RunRequest, scriptText: string): CommandLine {
    const host = req.host!;
    const tool = [...(host.sudo ? ['sudo', '-n'] : []), req.bpftrace?.bpftracePath ?? 'bpftrace', ...buildBpftraceArgs(req, { stdin: true })];
    const words = tool.map(shellQuote).join(' ');
    const args: string[] = [];
    if (host.port) args.push('-p', String(host.port));
    if (host.identityFile) args.push('-i', host.identityFile);
    args.push('-o', 'BatchMode=yes', ...(host.sshOptions ?? []), '-T');
    args.push(sshDestination(host));
    args.push('--', `echo ${REMOTE_PID_MARKER}$$ >&2; exec ${words}`);
    return { command: host.sshPath ?? 'ssh', args, stdin: scriptText };
}

/** Send a signal to a process on the host over a second ssh connection; resolves when ssh is done (or after 10 s). */
export function remoteKill(host: RemoteHost, pid: number, signal: 'INT' | 'TERM' | 'KILL'): Promise<boolean> {
    const words = [...(host.sudo ? ['sudo', '-n'] : []), 'kill', `-${signal}`, String(pid)];
    const cmd = sshArgv(host, words);
    return new Promise(resolve => {
        const child = spawn(cmd.command, cmd.args, { stdio: 'ignore' });
        const timer = setTimeout(() => { child.kill('SIGKILL'); resolve(false); }, 10_000);
        child.on('error', () => { clearTimeout(timer); resolve(false); });
        child.on('exit', code => { clearTimeout(timer); resolve(code === 0); });
    });
}

/**
 * `stap --remote` runs `ssh` and `scp` itself, found on PATH, with no way to pass a key, a port file or options.
 * For a host with such settings, write two tiny wrappers (every option single-quoted; BatchMode so nothing prompts)
 * into `dir` and put that first on PATH for the stap process.
 */
export function writeSshShims(host: RemoteHost, dir: string, realSsh: string, realScp: string): NodeJS.ProcessEnv {
    const options = ['-o', 'BatchMode=yes', ...(host.identityFile ? ['-i', host.identityFile] : []), ...(host.sshOptions ?? [])];
    const quoted = options.map(shellQuote).join(' ');
    writeFileSync(join(dir, 'ssh'), `#!/bin/sh\nexec ${shellQuote(realSsh)} ${quoted} "$@"\n`, { mode: 0o755 });
    writeFileSync(join(dir, 'scp'), `#!/bin/sh\nexec ${shellQuote(realScp)} ${quoted} "$@"\n`, { mode: 0o755 });
    return { ...process.env, PATH: `${dir}${delimiter}${process.env.PATH ?? ''}` };
}
