import type { ConfigurationProvider } from 'langium';
import type { CheckOptions } from '../../language/src/common/check-options.js';
import type { ToolPaths } from './providers/node-host-facts.js';

/**
 * A directory from the settings with `${workspaceFolder}` expanded to the first workspace folder. A relative path
 * stays relative: the language layer takes it from `baseDir` (the workspace root, as VS Code's own path settings
 * are), not from the server's working directory.
 */
export function settingsDir(dir: string, workspaceRoot: string | undefined): string {
    return workspaceRoot ? dir.replaceAll('${workspaceFolder}', workspaceRoot) : dir;
}

/**
 * The stap and bpftrace executables the settings name (`systemtap.path`, `bpftrace.path`), which the server asks
 * for their version to pick the check targets. Both settings are restricted: in an untrusted workspace the client
 * leaves out the workspace's values, so only the user's own apply there.
 */
export async function readToolPaths(config: ConfigurationProvider): Promise<ToolPaths> {
    const path = async (language: string): Promise<string | undefined> => {
        const value = await config.getConfiguration(language, 'path');
        return typeof value === 'string' && value.trim() !== '' ? value : undefined;
    };
    return { stap: await path('systemtap'), bpftrace: await path('bpftrace') };
}

/** The editor settings (`systemtap.*`, `bpftrace.*`) as the options the languages check with. */
export async function readCheckOptions(config: ConfigurationProvider, workspaceRoot?: string): Promise<CheckOptions> {
    const get = async <T>(language: string, key: string): Promise<T | undefined> => {
        const value = await config.getConfiguration(language, key);
        return value === '' || value === null ? undefined : value as T;
    };
    const target = await get<{ kernelRelease?: string; arch?: string }>('systemtap', 'target');
    const tapsetDirs = await get<string[]>('systemtap', 'tapsetDirs');
    return {
        stapOptions: await get<string>('systemtap', 'stapOptions'),
        kernelRelease: target?.kernelRelease || undefined,
        arch: target?.arch || undefined,
        tapsetDirs: tapsetDirs && tapsetDirs.length ? tapsetDirs.map(d => settingsDir(d, workspaceRoot)) : undefined,
        bpftraceVersion: await get<string>('bpftrace', 'version'),
        // relative tapset directories and `-I dir` in systemtap.stapOptions are taken from the workspace
        baseDir: workspaceRoot,
    };
}
