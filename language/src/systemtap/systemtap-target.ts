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
    /** `stapusr` (`--unprivileged`), `stapsys` or `stapdev` (`--privilege=…`; `systemtap_privilege`). */
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

/** stap 4.8's short options that take a value (`x:` in its getopt string): `-p1`, `-I DIR`, `-DNAME=1`, … */
const SHORT_WITH_VALUE = new Set('acdelmoprsxBDEGIJLRST');

/**
 * stap 4.8's long options (its getopt_long table, checked with `stap --NAME`): those that take a
 * value, in the next word when it is not given with `=`, and those that take none or only one
 * given with `=`. getopt_long takes a unique prefix of a name for the name (`--priv=stapsys`).
 */
const LONG_WITH_VALUE = ['vp', 'compatible', 'remote', 'tmpdir', 'privilege', 'modinfo', 'rlimit-as', 'rlimit-cpu', 'rlimit-nproc',
    'rlimit-stack', 'rlimit-fsize', 'sysroot', 'sysenv', 'runtime', 'benchmark-sdt-loops', 'benchmark-sdt-threads', 'target-namespaces',
    'use-http-server'];
const LONG_WITHOUT_VALUE = ['skip-badvars', 'unprivileged', 'client-options', 'help', 'disable-cache', 'poison-cache', 'clean-cache',
    'ldd', 'use-server', 'list-servers', 'trust-servers', 'use-server-on-error', 'all-modules', 'remote-prefix', 'check-version',
    'version', 'download-debuginfo', 'dump-probe-types', 'dump-probe-aliases', 'dump-functions', 'suppress-handler-errors',
    'suppress-time-limits', 'dyninst', 'bpf', 'benchmark-sdt', 'color', 'colour', 'prologue-searching', 'save-uprobes', 'monitor',
    'interactive', 'example', 'no-global-var-display', 'sign-module'];
const LONG_OPTIONS = [...LONG_WITH_VALUE, ...LONG_WITHOUT_VALUE];

/** The long option a name stands for (itself, or the one option it is a prefix of), as getopt_long finds it. */
function longOption(name: string): string | undefined {
    if (LONG_OPTIONS.includes(name)) return name;
    const matches = LONG_OPTIONS.filter(o => o.startsWith(name));
    return matches.length === 1 ? matches[0] : undefined;
}

/** The privilege levels `--privilege` takes. */
const PRIVILEGES = new Set(['stapusr', 'stapsys', 'stapdev']);

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
    /** `--privilege=LEVEL` or `--unprivileged` (stapusr). */
    privilege?: string;
    compatible?: string;
    runtime?: string;
    /** `-a ARCH`. */
    arch?: string;
    /** `-r RELEASE` (not `-r DIR`, a kernel build tree, which only the host side can read). */
    kernelRelease?: string;
    includeDirs: string[];
    defines: Map<string, string>;
    /** Positional words (script arguments); undefined when there were none. */
    args?: string[];
}

/**
 * Read stap options (`-g --privilege=stapsys --compatible=4.0 -I dir -D X=1 --runtime=bpf arg1 …`)
 * as stap's getopt_long does: every option that takes a value takes it (the rest of the word, or
 * the next word), options may follow positional words, `--` ends them. A leading program word
 * (`stap`, `/usr/bin/env stap`) is skipped.
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
            const name = longOption(eq >= 0 ? w.slice(2, eq) : w.slice(2));
            let value = eq >= 0 ? w.slice(eq + 1) : undefined;
            if (name && value === undefined && LONG_WITH_VALUE.includes(name)) value = words[++i];
            if (name === 'compatible') out.compatible = value;
            else if (name === 'runtime') out.runtime = value;
            else if (name === 'bpf') out.runtime = 'bpf';
            else if (name === 'dyninst') out.runtime = 'dyninst';
            else if (name === 'unprivileged') out.privilege = 'stapusr';
            else if (name === 'privilege' && value !== undefined && PRIVILEGES.has(value)) out.privilege = value;
            continue;
        }
        if (w.startsWith('-') && w.length > 1) {
            for (let k = 1; k < w.length; k++) {
                const f = w[k];
                if (SHORT_WITH_VALUE.has(f)) {
                    const value = k + 1 < w.length ? w.slice(k + 1) : words[++i] ?? '';
                    if (f === 'I') out.includeDirs.push(value);
                    else if (f === 'a' && value) out.arch = value;
                    else if (f === 'r' && value && !value.includes('/')) out.kernelRelease = value;
                    else if (f === 'D') {
                        const eq = value.indexOf('=');
                        out.defines.set(eq >= 0 ? value.slice(0, eq) : value, eq >= 0 ? value.slice(eq + 1) : '');
                    }
                    break;
                }
                // (`-u` is "unoptimized translation", not unprivileged.)
                if (f === 'g') out.guru = true;
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
        privilege: cmd.privilege ?? target.privilege,
        stapVersion: cmd.compatible ?? target.stapVersion,
        runtime: cmd.runtime ?? target.runtime,
        arch: cmd.arch ?? target.arch,
        kernelRelease: cmd.kernelRelease ?? target.kernelRelease,
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
    if (!options.stapOptions) return base;
    // Probekit's own --arch and --kernel-release win over the same in the stap options.
    const target = withCommandLine(base, parseStapCommandLine(splitCommandLine(options.stapOptions)));
    return { ...target, arch: options.arch ?? target.arch, kernelRelease: options.kernelRelease ?? target.kernelRelease };
}

/** A file's own `#! stap -g …` line, read as stap options (its positional words dropped); undefined without one. */
export function shebangCommandLine(text: string): StapCommandLine | undefined {
    if (!text.startsWith('#!')) return undefined;
    const eol = text.indexOf('\n');
    const words = splitCommandLine(text.slice(2, eol < 0 ? text.length : eol));
    // `#!/usr/bin/env -S stap …`: env's own option.
    const s = words.indexOf('-S');
    if (s >= 0 && /(^|\/)env$/.test(words[s - 1] ?? '')) words.splice(s, 1);
    return { ...parseStapCommandLine(words), args: undefined };
}

/**
 * A file's own `#! stap -g …` line adds its options (not its positional words: the kernel passes
 * a shebang's arguments as one word, and scripts take arguments from the real command line).
 */
export function withShebang(target: StapTarget, text: string): StapTarget {
    const cmd = shebangCommandLine(text);
    if (!cmd || (!cmd.guru && !cmd.privilege && !cmd.compatible && !cmd.runtime && !cmd.arch && !cmd.kernelRelease && !cmd.includeDirs.length)) {
        return target;
    }
    return withCommandLine(target, cmd);
}
