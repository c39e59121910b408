import type { CheckOptions } from '../common/check-options.js';
import type { HostFacts } from '../common/host-facts.js';
import type { ProbekitLanguageSettings } from '../common/language-settings.js';
import { formatBtVersion, LATEST, NEWEST_RELEASE, OLDEST_VERSION, parseBtVersion, type BtVersion } from './bpftrace-versions.js';

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
    /**
     * Set when the requested version is not one the front end checks for: not a version (the
     * target is then `latest`), or older than the oldest supported one (the target is that one).
     */
    versionWarning: string | undefined;

    async apply(options: CheckOptions, host: HostFacts): Promise<void> {
        this.options = options;
        this.host = host;
        this.versionWarning = undefined;
        const requested = options.bpftraceVersion ?? host.bpftraceVersion;
        const parsed = parseBtVersion(requested);
        const supported = `0.${OLDEST_VERSION} … 0.${NEWEST_RELEASE} or latest`;
        if (requested && parsed === undefined) {
            this.versionWarning = `unknown bpftrace version '${requested}' (use ${supported}): checking for latest`;
        } else if (parsed !== undefined && parsed < OLDEST_VERSION) {
            this.versionWarning = `bpftrace ${formatBtVersion(parsed)} is not supported (use ${supported}): checking for ${formatBtVersion(OLDEST_VERSION)}`;
        }
        this.target = parsed === undefined ? LATEST : Math.max(parsed, OLDEST_VERSION);
    }
}
