// Pure: settings and choices → a RunRequest for the run core. No `vscode` import, so it is unit-tested directly.
import type { RemoteHost, RunRequest, RunTool } from '../../../server/src/run/run-types.js';
import { checkHost, hostLabel, parseHostSpec } from '../../../server/src/run/run-host.js';
import { consentModeOfRequest } from '../../../server/src/run/run-argv.js';

/** Reads one setting: `get('systemtap', 'run.runtime')`. */
export type SettingReader = <T>(section: string, key: string) => T | undefined;

/** What the user chose for this run on top of the settings ("Run Script with Options…"). */
export interface RunChoices {
    args?: string[];
    targetCommand?: string;
    targetPid?: number;
    runtime?: 'kernel' | 'bpf';
    mode?: 'twoStep' | 'oneGo';
    guru?: boolean;
    suppressTimeLimits?: boolean;
    json?: boolean;
    unsafe?: boolean;
}

/** The script to run: a saved file, or the text of an unsaved buffer. */
export interface ScriptSource {
    languageId: string;
    file?: string;
    text?: string;
    name: string;
}

export function toolOfLanguage(languageId: string): RunTool | undefined {
    if (languageId === 'systemtap') return 'stap';
    if (languageId === 'bpftrace') return 'bpftrace';
    return undefined;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Build the request from the settings, overridden by the choices. */
export function buildRunRequest(source: ScriptSource, get: SettingReader, choices: RunChoices = {}): RunRequest {
    const tool = toolOfLanguage(source.languageId);
    if (!tool) throw new Error(`${source.name} is neither a SystemTap nor a bpftrace script`);
    const section = tool === 'stap' ? 'systemtap' : 'bpftrace';
    const request: RunRequest = {
        tool,
        file: source.file,
        text: source.file === undefined ? source.text : undefined,
        scriptName: source.name,
        args: choices.args ?? strings(get(section, 'run.arguments')),
        targetCommand: choices.targetCommand || undefined,
        targetPid: choices.targetPid,
    };
    if (tool === 'stap') {
        const runtime = choices.runtime ?? get<string>('systemtap', 'run.runtime');
        request.stap = {
            runtime: runtime === 'bpf' ? 'bpf' : 'kernel',
            mode: (choices.mode ?? get<string>('systemtap', 'run.mode')) === 'oneGo' ? 'oneGo' : 'twoStep',
            guru: choices.guru ?? get<boolean>('systemtap', 'run.guru') ?? false,
            suppressTimeLimits: choices.suppressTimeLimits ?? get<boolean>('systemtap', 'run.suppressTimeLimits') ?? false,
            defines: strings(get('systemtap', 'run.defines')),
            includeDirs: strings(get('systemtap', 'tapsetDirs')),
            kernelBuildDir: get<string>('systemtap', 'run.kernelBuildDir') || undefined,
            extraArgs: strings(get('systemtap', 'run.extraArgs')),
            stapPath: get<string>('systemtap', 'path') || undefined,
        };
    } else {
        request.bpftrace = {
            json: choices.json ?? get<boolean>('bpftrace', 'run.json') ?? false,
            unsafe: choices.unsafe ?? get<boolean>('bpftrace', 'run.unsafe') ?? false,
            extraArgs: strings(get('bpftrace', 'run.extraArgs')),
            bpftracePath: get<string>('bpftrace', 'path') || undefined,
        };
    }
    return request;
}

/**
 * The hosts of `probekit.run.hosts`: strings (`[user@]host[:port]`) or objects; bad entries are reported, not thrown.
 * Each host has its own label (its name, else user@host:port): a second host with a label already taken is reported,
 * since runs, panels and finished output are told apart by it.
 */
export function readHosts(value: unknown): { hosts: RemoteHost[]; problems: string[] } {
    const hosts: RemoteHost[] = [];
    const problems: string[] = [];
    for (const entry of Array.isArray(value) ? value : []) {
        let host: RemoteHost;
        try {
            if (typeof entry === 'string') host = parseHostSpec(entry);
            else if (entry && typeof entry === 'object' && typeof (entry as RemoteHost).host === 'string') {
                const e = entry as RemoteHost;
                host = checkHost({
                    name: typeof e.name === 'string' && e.name !== '' ? e.name : undefined, host: e.host,
                    user: typeof e.user === 'string' ? e.user : undefined, port: typeof e.port === 'number' ? e.port : undefined,
                    identityFile: e.identityFile, sshOptions: strings(e.sshOptions), sudo: e.sudo === true,
                });
            } else {
                problems.push(`not a host: ${JSON.stringify(entry)}`);
                continue;
            }
        } catch (e) {
            problems.push((e as Error).message);
            continue;
        }
        if (hosts.some(h => hostLabel(h) === hostLabel(host))) problems.push(`two hosts are called ${hostLabel(host)}: give each its own name`);
        else hosts.push(host);
    }
    return { hosts, problems };
}

/**
 * The hosts a command argument names (keybindings and tasks: `"args": ["web", "db"]`): each entry is a host's label
 * (its name, else its address as in the setting); a label the setting does not hold is reported, not guessed.
 * Undefined when the argument is not a list of strings: the command then asks.
 */
export function hostsNamed(hosts: RemoteHost[], names: unknown): { hosts: RemoteHost[]; unknown: string[] } | undefined {
    if (!Array.isArray(names) || names.length === 0 || !names.every(n => typeof n === 'string')) return undefined;
    const chosen = names.map(n => hosts.find(h => hostLabel(h) === n));
    return { hosts: chosen.filter((h): h is RemoteHost => h !== undefined), unknown: names.filter((_, i) => !chosen[i]) };
}

/**
 * Why a run needs consent: the tool options of its final argv (settings, choices and extra arguments alike: `-g`,
 * `-vg`, `--unsafe`, …), else the script text: embedded C, or unsafe builtins.
 */
export function consentNeeded(request: RunRequest, text: string): 'guru' | 'unsafe' | undefined {
    const byOptions = consentModeOfRequest(request);
    if (byOptions) return byOptions;
    if (request.tool === 'stap') {
        // Embedded C (`%{ … %}`) only compiles in guru mode: ask once instead of failing in pass 2.
        if (/%\{/.test(text)) {
            request.stap = { ...request.stap, guru: true };
            return 'guru';
        }
        return undefined;
    }
    if (/\b(?:system|signal|override)\s*\(/.test(text)) {
        request.bpftrace = { ...request.bpftrace, unsafe: true };
        return 'unsafe';
    }
    return undefined;
}

/** Split an argument line on spaces, honouring "double" and 'single' quotes. No expansion of any kind. */
export function splitArguments(line: string): string[] {
    const out: string[] = [];
    const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
    for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] ?? m[2] ?? m[3]);
    return out;
}
