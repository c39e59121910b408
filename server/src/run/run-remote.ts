import { writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { CommandLine } from './run-argv.js';
import { buildBpftraceArgs } from './run-argv.js';
import { sshDestination } from './run-host.js';
import { supervised } from './run-supervisor.js';
import type { RemoteHost, RunRequest } from './run-types.js';

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
 * Remote bpftrace under the supervisor (run-supervisor.ts), run by `sh` on the host: the script goes first on stdin
 * (`bpftrace -` reads it), then stdin stays open for the stop steps; when the connection ends for any reason, the
 * supervisor there stops bpftrace, even one that prints nothing. With `sudo`, sudo gets a session of its own through
 * `setsid`: it relays the supervisor's SIGINT and SIGTERM to bpftrace, and recent sudo releases relay nothing sent
 * from sudo's own process group, where the supervisor would otherwise sit.
 */
export function remoteBpftraceCommand(req: RunRequest, scriptText: string): CommandLine {
    const host = req.host!;
    const tool = [...(host.sudo ? ['setsid', 'sudo', '-n'] : []), req.bpftrace?.bpftracePath ?? 'bpftrace', ...buildBpftraceArgs(req, { stdin: true })];
    const remote = supervised({ command: tool[0], args: tool.slice(1) }, { script: scriptText });
    return { ...sshArgv(host, [remote.command, ...remote.args]), stdin: remote.stdin, control: 'supervisor' };
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
