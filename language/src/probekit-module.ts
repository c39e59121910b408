import { inject, type Module } from 'langium';
import {
    createDefaultModule, createDefaultSharedModule,
    type DefaultSharedModuleContext, type LangiumSharedServices, type PartialLangiumSharedServices,
} from 'langium/lsp';
import { ProbekitAstReflection } from './common/probekit-ast-reflection.js';
import { UriAwareDocumentFactory } from './systemtap/systemtap-document-factory.js';
import { SystemtapGeneratedModule } from './systemtap/generated/module.js';
import { BpftraceGeneratedModule } from './bpftrace/generated/module.js';
import { SystemtapModule, type SystemtapServices, type PartialSystemtapServices } from './systemtap/systemtap-module.js';
import { BpftraceModule, type BpftraceServices, type PartialBpftraceServices } from './bpftrace/bpftrace-module.js';

export type ProbekitSharedServices = LangiumSharedServices;

/**
 * What the embedder (language server, CLI, tests) may add: system facts and overrides are
 * injected here, so that `language/` itself never touches the machine.
 */
export interface ProbekitModuleContext extends DefaultSharedModuleContext {
    sharedModule?: Module<ProbekitSharedServices, PartialLangiumSharedServices>;
    systemtapModule?: Module<SystemtapServices, PartialSystemtapServices>;
    bpftraceModule?: Module<BpftraceServices, PartialBpftraceServices>;
}

export const ProbekitGeneratedSharedModule: Module<ProbekitSharedServices, PartialLangiumSharedServices> = {
    AstReflection: () => new ProbekitAstReflection(),
    workspace: {
        // Lets a language's parser know the document it parses (SystemTap: its tapset tree's macros).
        LangiumDocumentFactory: services => new UriAwareDocumentFactory(services),
    },
};

/**
 * Create the full set of services for both languages in one registry:
 * `{ shared, systemtap, bpftrace }`.
 */
export interface ProbekitServices {
    shared: ProbekitSharedServices;
    systemtap: SystemtapServices;
    bpftrace: BpftraceServices;
}

export function createProbekitServices(context: ProbekitModuleContext): ProbekitServices {
    const shared = inject(
        createDefaultSharedModule(context),
        ProbekitGeneratedSharedModule,
        context.sharedModule,
    );
    const systemtap = inject(
        createDefaultModule({ shared }),
        SystemtapGeneratedModule,
        SystemtapModule,
        context.systemtapModule,
    );
    const bpftrace = inject(
        createDefaultModule({ shared }),
        BpftraceGeneratedModule,
        BpftraceModule,
        context.bpftraceModule,
    );
    shared.ServiceRegistry.register(systemtap);
    shared.ServiceRegistry.register(bpftrace);
    systemtap.validation.SystemtapValidator.register();
    bpftrace.validation.BpftraceValidator.register();
    if (!context.connection) {
        // Not inside a language server: nobody will send configuration, so settle it now.
        shared.workspace.ConfigurationProvider.initialized({});
    }
    return { shared, systemtap, bpftrace };
}
