import type { CheckOptions } from '../common/check-options.js';
import type { HostFacts } from '../common/host-facts.js';

/**
 * What a SystemTap script is checked for: the facts `%( … %? … %)` conditions test, and the
 * command-line facts that change what the parser accepts.
 */
export interface StapTarget {
    /** Full kernel release (`kernel_vr`), e.g. `6.1.0-18-amd64`. */
    kernelRelease: string;
    /** stap's architecture name (`arch`). */
    arch: string;
    /** `kernel`, `dyninst` or `bpf` (`runtime`). */
    runtime: string;
    /** `systemtap_v`: the `--compatible` version, else the stap version. */
    stapVersion: string;
    /** `stapusr` (`-u`), `stapsys` or `stapdev` (`systemtap_privilege`). */
    privilege: string;
    /** `-g` (`guru_mode`). */
    guru: boolean;
    /** Kernel configuration `CONFIG_X` → value; unset options read as empty. */
    kernelConfig: ReadonlyMap<string, string>;
    /**
     * Script arguments for `$1…`/`@1…`/`$#`/`@#`. Undefined when none were given: then they are
     * placeholders (an editor does not know them), never errors.
     */
    args?: readonly string[];
    /** `-I DIR` tapset directories added on the command line. */
    includeDirs: readonly string[];
    /** `-D NAME=VAL` definitions (they matter to embedded C only; kept for completeness). */
    defines: ReadonlyMap<string, string>;
}

/**
 * Defaults when the host is unknown (tests, a browser): x86_64, a Debian bookworm kernel
 * (`6.1.0`), stap 4.8 (Debian bookworm's), the kernel runtime, privilege `stapdev` (root), no guru
 * mode, an empty kernel configuration.
 */
export const DEFAULT_STAP_TARGET: StapTarget = {
    kernelRelease: '6.1.0',
    arch: 'x86_64',
    runtime: 'kernel',
    stapVersion: '4.8',
    privilege: 'stapdev',
    guru: false,
    kernelConfig: new Map(),
    includeDirs: [],
    defines: new Map(),
};

/** stap short options that take a value (`-I DIR`, `-DNAME=1`, `-p1`, …). */
const SHORT_WITH_VALUE = new Set('pIeEoRramcxDsldLSBTW'.split('').filter(c => c !== 'W'));

/** Split a command line the way a POSIX shell would (quotes and backslashes), without expansion. */
export function splitCommandLine(line: string): string[] {
    const words: string[] = [];
    let cur = '';
    let has = false;
    let quote: string | undefined;
    for (let i = 0; i < line.length; i++) {
        const c = line[i];
        if (quote) {
            if (c === quote) quote = undefined;
            else if (c === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
            else cur += c;
        } else if (c === '\'' || c === '"') {
            quote = c;
            has = true;
        } else if (c === '\\' && i + 1 < line.length) {
            cur += line[++i];
            has = true;
        } else if (/\s/.test(c)) {
            if (has) words.push(cur);
            cur = '';
            has = false;
        } else {
            cur += c;
            has = true;
        }
    }
    if (has) words.push(cur);
    return words;
}

/** The parts of a stap command line that matter for checking. */
export interface StapCommandLine {
    guru?: boolean;
    unprivileged?: boolean;
    compatible?: string;
    runtime?: string;
    includeDirs: string[];
    defines: Map<string, string>;
    /** Positional words (script arguments); undefined when there were none. */
    args?: string[];
}

/**
 * Read stap options (`-g -u --compatible=4.0 -I dir -D X=1 --runtime=bpf arg1 …`). A leading
 * program word (`stap`, `/usr/bin/env stap`) is skipped.
 */
export function parseStapCommandLine(words: readonly string[]): StapCommandLine {
    const out: StapCommandLine = { includeDirs: [], defines: new Map() };
    let i = 0;
    while (i < words.length && !words[i].startsWith('-') && /(^|\/)(env|stap)$/.test(words[i])) i++;
    const args: string[] = [];
    for (; i < words.length; i++) {
        const w = words[i];
        if (w === '--') {
            args.push(...words.slice(i + 1));
            break;
        }
        if (w.startsWith('--')) {
            const eq = w.indexOf('=');
            const name = eq >= 0 ? w.slice(2, eq) : w.slice(2);
            const value = eq >= 0 ? w.slice(eq + 1) : undefined;
            if (name === 'compatible') out.compatible = value ?? words[++i];
            else if (name === 'runtime') out.runtime = value ?? words[++i];
            else if (name === 'bpf') out.runtime = 'bpf';
            else if (name === 'dyninst') out.runtime = 'dyninst';
            else if (name === 'unprivileged' || name === 'privilege' && value === 'stapusr') out.unprivileged = true;
            continue;
        }
        if (w.startsWith('-') && w.length > 1) {
            for (let k = 1; k < w.length; k++) {
                const f = w[k];
                if (SHORT_WITH_VALUE.has(f)) {
                    const value = k + 1 < w.length ? w.slice(k + 1) : words[++i] ?? '';
                    if (f === 'I') out.includeDirs.push(value);
                    else if (f === 'D') {
                        const eq = value.indexOf('=');
                        out.defines.set(eq >= 0 ? value.slice(0, eq) : value, eq >= 0 ? value.slice(eq + 1) : '');
                    }
                    break;
                }
                if (f === 'g') out.guru = true;
                else if (f === 'u') out.unprivileged = true;
            }
            continue;
        }
        args.push(w);
    }
    if (args.length) out.args = args;
    return out;
}

/** Apply a command line on top of a target. */
export function withCommandLine(target: StapTarget, cmd: StapCommandLine): StapTarget {
    return {
        ...target,
        guru: target.guru || !!cmd.guru,
        privilege: cmd.unprivileged ? 'stapusr' : target.privilege,
        stapVersion: cmd.compatible ?? target.stapVersion,
        runtime: cmd.runtime ?? target.runtime,
        includeDirs: [...target.includeDirs, ...cmd.includeDirs],
        defines: new Map([...target.defines, ...cmd.defines]),
        args: cmd.args ?? target.args,
    };
}

/** The target for `probekit check` options on a host; unknown facts take {@link DEFAULT_STAP_TARGET}'s. */
export function stapTargetOf(options: CheckOptions, host: HostFacts): StapTarget {
    const base: StapTarget = {
        ...DEFAULT_STAP_TARGET,
        kernelRelease: options.kernelRelease ?? host.kernelRelease ?? DEFAULT_STAP_TARGET.kernelRelease,
        arch: options.arch ?? host.arch ?? DEFAULT_STAP_TARGET.arch,
        stapVersion: host.stapVersion ?? DEFAULT_STAP_TARGET.stapVersion,
        kernelConfig: host.kernelConfig ?? DEFAULT_STAP_TARGET.kernelConfig,
    };
    return options.stapOptions ? withCommandLine(base, parseStapCommandLine(splitCommandLine(options.stapOptions))) : base;
}

/**
 * A file's own `#! stap -g …` line adds its options (not its positional words: the kernel
 * passes a shebang's arguments as one word, and scripts take arguments from the real command line).
 */
export function withShebang(target: StapTarget, text: string): StapTarget {
    if (!text.startsWith('#!')) return target;
    const eol = text.indexOf('\n');
    const line = text.slice(2, eol < 0 ? text.length : eol);
    const cmd = parseStapCommandLine(splitCommandLine(line));
    if (!cmd.guru && !cmd.unprivileged && !cmd.compatible && !cmd.runtime && !cmd.includeDirs.length) return target;
    return withCommandLine(target, { ...cmd, args: undefined });
}
