import { join } from 'node:path';
import { loadBundle } from '../code-cache.js';
import { isUsageError } from './cli-args.js';
import { writeAll, writerTo } from './cli-output.js';
import { CHECK_USAGE, RUN_USAGE } from './cli-usage.js';

const USAGE = `usage: probekit <command> [options]

commands:
  check    check .stp, .stpm and .bt files like a compiler
  run      run a script through the Probekit run backend
  index    index what this machine can be probed at
  doctor   report what this machine offers and lacks for SystemTap and bpftrace

${CHECK_USAGE}

${RUN_USAGE}
`;

type Command = (argv: readonly string[], out: (s: string | Uint8Array) => void, err: (s: string) => void) => Promise<number>;

/**
 * A command's own bundle (out/cli-<name>.cjs, next to this one), loaded with V8's code cache (code-cache.ts):
 * `check` carries the whole front end (1.5 MB), which otherwise compiles anew in every process.
 */
function command<T>(name: string): T {
    return loadBundle(join(__dirname, `cli-${name}.cjs`)) as T;
}

/**
 * Commands that stream a script's output for as long as it runs: through node's streams, which never block the event
 * loop (a paused terminal must not hold up the SIGINT that stops the script). The others write at once
 * (cli-output.ts).
 */
const STREAMING: ReadonlySet<string> = new Set(['run']);

const COMMANDS: Record<string, Command> = {
    // Each command is loaded on demand: only `check` needs the language services, and `index` is timed
    // from a cold process.
    check: async (argv, out, err) => command<typeof import('./cli-check.js')>('check').runCheck(argv, out, err),
    run: async (argv, out, err) => command<typeof import('./cli-run.js')>('run').runRun(argv, out, err),
    index: async (argv, out, err) => command<typeof import('./cli-index.js')>('index').runIndex(argv, out, err),
    doctor: async (argv, out, err) => command<typeof import('./cli-doctor.js')>('doctor').runDoctor(argv, out, err),
};

async function main(argv: string[]): Promise<number> {
    const [command, ...rest] = argv;
    if (!command || command === '--help' || command === '-h' || command === 'help') {
        writeAll(1, USAGE);
        return command ? 0 : 2;
    }
    const run = COMMANDS[command];
    if (!run) {
        writeAll(2, `probekit: unknown command '${command}'\n\n${USAGE}`);
        return 2;
    }
    try {
        return STREAMING.has(command) ? await run(rest, s => { process.stdout.write(s); }, s => { process.stderr.write(s); })
            : await run(rest, writerTo(1), writerTo(2));
    } catch (e) {
        if (isUsageError(e)) {
            writeAll(2, `probekit ${command}: ${e.message} (see probekit ${command} --help)\n`);
            return 2;
        }
        writeAll(2, `probekit ${command}: internal error: ${(e as Error).stack ?? e}\n`);
        return 2;
    }
}

/**
 * Exit as soon as the command's output is out, not when the event loop runs dry: a command has awaited all its work
 * when it returns, and a natural exit would first run V8's pending collector tasks (measured: 15–20 ms of a cold
 * `probekit index --only tapsets`). Written at once (cli-output.ts), or, for `run`, once stdout and stderr have taken
 * everything written to them (each write's callback runs after the ones before it).
 */
function exitWhenFlushed(code: number, streamed: boolean): void {
    if (!streamed) process.exit(code);
    process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

const argv = process.argv.slice(2);
main(argv).then(code => exitWhenFlushed(code, STREAMING.has(argv[0])));
