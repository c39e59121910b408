import type { ConfigurationProvider } from 'langium';
import type { CheckOptions } from '../../language/src/common/check-options.js';

/** The editor settings (`systemtap.*`, `bpftrace.*`) as the options the languages check with. */
export async function readCheckOptions(config: ConfigurationProvider): Promise<CheckOptions> {
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
        tapsetDirs: tapsetDirs && tapsetDirs.length ? tapsetDirs : undefined,
        bpftraceVersion: await get<string>('bpftrace', 'version'),
    };
}
