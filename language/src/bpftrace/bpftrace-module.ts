import type { Module, PartialLangiumCoreServices } from 'langium';
import type { LangiumServices, PartialLangiumServices } from 'langium/lsp';
import { BpftraceValidator } from './bpftrace-validator.js';
import { BpftraceSettings } from './bpftrace-settings.js';

/** Services the bpftrace language adds to Langium's defaults. */
export type BpftraceAddedServices = {
    validation: {
        BpftraceValidator: BpftraceValidator;
    };
    settings: {
        BpftraceSettings: BpftraceSettings;
    };
};

export type BpftraceServices = LangiumServices & BpftraceAddedServices;
export type PartialBpftraceServices = PartialLangiumServices & Partial<BpftraceAddedServices>;

export const BpftraceModule: Module<BpftraceServices, PartialLangiumCoreServices & PartialLangiumServices & BpftraceAddedServices> = {
    validation: {
        BpftraceValidator: services => new BpftraceValidator(services),
    },
    settings: {
        BpftraceSettings: () => new BpftraceSettings(),
    },
};
