import type { CommandLine } from './run-argv.js';

/**
 * A small POSIX sh program that runs the tool where our own signals cannot reach it: as root under pkexec (pkexec
 * becomes the program it starts, so nothing of it stays to relay a signal, and a root process takes none from us),
 * and on a host over ssh (`ssh -T` has no terminal to carry signals, and a remote tool that prints nothing never
 * notices the connection is gone). It talks over its stdin instead:
 * - first, when asked (`NBYTES` > 0), the script text: exactly NBYTES bytes, piped to the tool (`bpftrace -`);
 * - then one line per stop step, `INT`, `TERM` or `KILL`, which it sends to the tool;
 * - end of input (we stopped, were killed, or the connection dropped): the tool gets SIGTERM each second (one that
 *   lands while bpftrace attaches its probes can go unheeded), then SIGKILL after 5 s. Under sudo that SIGKILL ends
 *   only sudo: a root tool that ignored SIGTERM for 5 s is beyond a user's reach.
 * It exits with the tool's status once the tool is gone. Arguments: DIR (cd there first; empty: stay), NBYTES, the
 * tool's argv. No backslashes, so it survives any quoting a login shell applies.
 */
export const SUPERVISOR_PROGRAM = [
    'd=$1; n=$2; shift 2',
    'if [ -n "$d" ]; then cd "$d" || exit 125; fi',
    'exec 3<&0',
    'if [ "$n" -gt 0 ]; then s=$(head -c "$n") || exit 125; { printf %s "$s"; echo; } | "$@" & else "$@" </dev/null & fi',
    'p=$!',
    '{ while read -r c; do case $c in INT|TERM|KILL) kill -s "$c" "$p";; esac; done; for i in 1 2 3 4 5; do kill -s TERM "$p" || exit; sleep 1; done; kill -s KILL "$p"; } <&3 >/dev/null 2>&1 &',
    'w=$!',
    'exec 3<&-',
    'wait "$p"; s=$?',
    'kill "$w" 2>/dev/null',
    'exit "$s"',
].join('\n');

/** The signals a supervised tool can be sent, as the lines the supervisor reads. */
export type SupervisorSignal = 'INT' | 'TERM' | 'KILL';

/**
 * `SH -c PROGRAM probekit-run DIR NBYTES TOOL ARGS…`, with the script text (if any) as what to write first on stdin.
 * The caller keeps stdin open for the stop lines; closing it stops the tool.
 */
export function supervised(tool: CommandLine, opts: { sh?: string; dir?: string; script?: string } = {}): CommandLine {
    const bytes = opts.script !== undefined ? Buffer.byteLength(opts.script, 'utf8') : 0;
    return {
        command: opts.sh ?? 'sh',
        args: ['-c', SUPERVISOR_PROGRAM, 'probekit-run', opts.dir ?? '', String(bytes), tool.command, ...tool.args],
        stdin: opts.script,
        control: 'supervisor',
    };
}
