/**
 * The language services as the language server and `probekit` run them on Node: files from disk (Langium's Node file
 * system) and the SystemTap parser's composites from their own realm (systemtap-composite-realm.ts).
 */
import { NodeFileSystem } from 'langium/node';
import { createProbekitServices, type ProbekitModuleContext, type ProbekitServices } from '../../language/src/probekit-module.js';
import { realmComposites } from './systemtap-composite-realm.js';

export function createNodeProbekitServices(context: Omit<ProbekitModuleContext, 'fileSystemProvider' | 'systemtapModule'> = {}): ProbekitServices {
    return createProbekitServices({
        ...NodeFileSystem,
        ...context,
        systemtapModule: { parser: { StapComposites: () => realmComposites() } },
    });
}
