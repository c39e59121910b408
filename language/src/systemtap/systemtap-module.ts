import type { Module, PartialLangiumCoreServices } from 'langium';
import type { LangiumServices, PartialLangiumServices } from 'langium/lsp';
import { SystemtapValidator } from './systemtap-validator.js';
import { SystemtapSettings } from './systemtap-settings.js';

/** Services the SystemTap language adds to Langium's defaults. */
export type SystemtapAddedServices = {
    validation: {
        SystemtapValidator: SystemtapValidator;
    };
    settings: {
        SystemtapSettings: SystemtapSettings;
    };
};

export type SystemtapServices = LangiumServices & SystemtapAddedServices;
export type PartialSystemtapServices = PartialLangiumServices & Partial<SystemtapAddedServices>;

export const SystemtapModule: Module<SystemtapServices, PartialLangiumCoreServices & PartialLangiumServices & SystemtapAddedServices> = {
    validation: {
        SystemtapValidator: services => new SystemtapValidator(services),
    },
    settings: {
        SystemtapSettings: () => new SystemtapSettings(),
    },
};
