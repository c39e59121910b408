import type { CheckOptions } from '../common/check-options.js';
import type { HostFacts } from '../common/host-facts.js';
import type { ProbekitLanguageSettings } from '../common/language-settings.js';

/** What SystemTap documents are checked for: the target and stap's own options. */
export class SystemtapSettings implements ProbekitLanguageSettings {
    options: CheckOptions = {};
    host: HostFacts = {};

    async apply(options: CheckOptions, host: HostFacts): Promise<void> {
        this.options = options;
        this.host = host;
    }
}
