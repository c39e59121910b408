/**
 * The catalogue as a service: what the language server injects so completion, hover and validation can ask
 * about the system without reading it themselves. Every member degrades to "unknown" (undefined / empty);
 * the empty catalogue is what tests and a browser get.
 */
import type { BinarySource } from './catalogue-binary-types.js';
import type { CatalogueNotice, KernelSymbolSource, KernelTypeSource } from './catalogue-kernel-types.js';
import { probeFamilies, type ProbeFamily } from './catalogue-probe-families.js';
import type { TapsetIndex } from './catalogue-tapset-index.js';

export interface SystemCatalogue {
    /** The tapset library index for the current settings (cached; cheap after the first call). */
    tapsets(): Promise<TapsetIndex | undefined>;
    /** Kernel C types and prototypes from BTF; undefined when the kernel has no BTF. */
    kernelTypes(): Promise<KernelTypeSource | undefined>;
    readonly kernelSymbols: KernelSymbolSource;
    readonly binaries: BinarySource;
    /** Built-in probe families (static). */
    families(language?: ProbeFamily['language']): readonly ProbeFamily[];
    /** What could not be read, each at most once. */
    notices(): CatalogueNotice[];
}

/** A catalogue that knows only the built-in families. */
export const EmptySystemCatalogue: SystemCatalogue = {
    tapsets: async () => undefined,
    kernelTypes: async () => undefined,
    kernelSymbols: {
        kallsymsFunctions: async () => undefined,
        traceableFunctions: async () => undefined,
        kernelFunctions: async () => undefined,
        tracepoints: async () => undefined,
        tracepointFormat: async () => undefined,
        notices: () => [],
    },
    binaries: { resolve: async () => undefined, read: async () => undefined },
    families: probeFamilies,
    notices: () => [],
};
