import type { CheckOptions } from './check-options.js';
import type { HostFacts } from './host-facts.js';

/**
 * How the embedder tells a language what it checks for: the CLI from its flags, the server from
 * settings. `apply` may load library files (tapset macros) through the FileSystemProvider, so it is
 * async; documents built afterwards see the new settings.
 */
export interface ProbekitLanguageSettings {
    apply(options: CheckOptions, host: HostFacts): Promise<void>;
}
