/** A small, strict command-line parser: `--flag`, `--opt VALUE`, `--opt=VALUE`, repeated options, `--`. */
export interface ArgSpec {
    flags: readonly string[];
    /** Options that take a value; the value of a repeated option accumulates. */
    values: readonly string[];
    repeated?: readonly string[];
}

export interface ParsedArgs {
    flags: Set<string>;
    values: Map<string, string[]>;
    positionals: string[];
}

/**
 * A mistake on the command line (exit code 2, one line, no stack trace). The dispatcher and each
 * command are separate bundles, each with its own copy of this class, so the dispatcher tells a
 * usage error by its name (isUsageError), not by `instanceof`.
 */
export class UsageError extends Error {
    override readonly name = 'UsageError';
}

export function isUsageError(e: unknown): e is UsageError {
    return e instanceof Error && e.name === 'UsageError';
}

export function parseArgs(argv: readonly string[], spec: ArgSpec): ParsedArgs {
    const parsed: ParsedArgs = { flags: new Set(), values: new Map(), positionals: [] };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === '--') {
            parsed.positionals.push(...argv.slice(i + 1));
            break;
        }
        if (!arg.startsWith('--') || arg === '-') {
            parsed.positionals.push(arg);
            continue;
        }
        const eq = arg.indexOf('=');
        const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
        if (spec.flags.includes(name)) {
            if (eq >= 0) throw new UsageError(`option --${name} takes no value`);
            parsed.flags.add(name);
        } else if (spec.values.includes(name)) {
            let value: string;
            if (eq >= 0) {
                value = arg.slice(eq + 1);
            } else {
                if (i + 1 >= argv.length) throw new UsageError(`option --${name} needs a value`);
                value = argv[++i];
            }
            const list = parsed.values.get(name) ?? [];
            if (list.length > 0 && !spec.repeated?.includes(name)) {
                throw new UsageError(`option --${name} given twice`);
            }
            list.push(value);
            parsed.values.set(name, list);
        } else {
            throw new UsageError(`unknown option --${name}`);
        }
    }
    return parsed;
}
