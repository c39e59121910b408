import { indexMacroFile, indexTapsetFile } from '../../src/catalogue/catalogue-tapset-indexer.js';
import type { MacroDef } from '../../src/catalogue/catalogue-tapset-preprocess.js';
import type { TapsetFileDecls, TapsetTarget } from '../../src/catalogue/catalogue-tapset-types.js';

/** Indexes `files` (name → text, as `/t/NAME`) in stap's order, the `.stpm` files first as library macros. */
export function declsOf(files: Record<string, string>, target: TapsetTarget): TapsetFileDecls[] {
    const library = new Map<string, MacroDef>();
    const decls: TapsetFileDecls[] = [];
    for (const [name, text] of Object.entries(files).filter(([n]) => n.endsWith('.stpm'))) {
        const r = indexMacroFile(`/t/${name}`, text, target);
        for (const d of r.defs) library.set(`@${d.name}`, d);
        decls.push(r.decls);
    }
    for (const [name, text] of Object.entries(files).filter(([n]) => n.endsWith('.stp'))) decls.push(indexTapsetFile(`/t/${name}`, text, target, library));
    return decls;
}
