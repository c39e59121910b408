import type { CheckOptions } from '../common/check-options.js';
import type { HostFacts } from '../common/host-facts.js';
import type { ProbekitLanguageSettings } from '../common/language-settings.js';

/** What bpftrace documents are checked for: the target bpftrace version. */
export class BpftraceSettings implements ProbekitLanguageSettings {
    options: CheckOptions = {};
    host: HostFacts = {};

    async apply(options: CheckOptions, host: HostFacts): Promise<void> {
        this.options = options;
        this.host = host;
    }
}
