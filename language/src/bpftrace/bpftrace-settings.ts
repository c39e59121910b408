import type { CheckOptions } from '../common/check-options.js';
import type { HostFacts } from '../common/host-facts.js';
import type { ProbekitLanguageSettings } from '../common/language-settings.js';
import { LATEST, parseBtVersion, type BtVersion } from './bpftrace-versions.js';

/**
 * What bpftrace documents are checked for: the target bpftrace version. It comes from the
 * `--bpftrace-version` option / `bpftrace.version` setting, else the installed bpftrace, else
 * `latest`.
 */
export class BpftraceSettings implements ProbekitLanguageSettings {
    options: CheckOptions = {};
    host: HostFacts = {};
    /** The target version (minor number, or LATEST). */
    target: BtVersion = LATEST;
    /** Set when the requested version could not be understood (the target is then `latest`). */
    invalidVersion: string | undefined;

    async apply(options: CheckOptions, host: HostFacts): Promise<void> {
        this.options = options;
        this.host = host;
        this.invalidVersion = undefined;
        const requested = options.bpftraceVersion ?? host.bpftraceVersion;
        const parsed = parseBtVersion(requested);
        if (requested && parsed === undefined) this.invalidVersion = requested;
        this.target = parsed ?? LATEST;
    }
}
