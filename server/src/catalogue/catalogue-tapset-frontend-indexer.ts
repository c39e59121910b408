/**
 * The tapset indexer over the SystemTap front end's lexer and preprocessor: the same index as the fast one, by
 * the front end's means. Its own module so that only who asks for it (`probekit index --front-end`, the tests)
 * loads the front end.
 */
import { indexMacroFileStap, indexTapsetFileStap, stapTargetOf } from '../../../language/src/catalogue/catalogue-tapset-frontend.js';
import type { StapMacro } from '../../../language/src/systemtap/systemtap-preprocessor.js';
import type { TapsetIndexer } from './catalogue-tapset-reader.js';

export const frontendTapsetIndexer: TapsetIndexer = {
    name: 'frontend',
    index(macros, scripts, target, readText) {
        const st = stapTargetOf(target);
        const lib = new Map<string, StapMacro>();
        const files = macros.map(m => indexMacroFileStap(m, readText(m), st, lib));
        for (const s of scripts) files.push(indexTapsetFileStap(s, readText(s), st, lib));
        return { files };
    },
};
