/**
 * The tapset indexer over the SystemTap front end's lexer and preprocessor (`systemtap-tokens.ts`,
 * `systemtap-preprocessor.ts`): stap-exact macro and conditional semantics, the same declaration reader.
 * The catalogue's own scanner (`catalogue-tapset-scanner.ts`) is the faster path; both give the same index
 * on the installed library (see the tests), and the reader picks one.
 */
import { preprocessStap, readLibraryMacros, type StapMacro } from '../systemtap/systemtap-preprocessor.js';
import type { StapTarget } from '../systemtap/systemtap-target.js';
import type { StapToken } from '../systemtap/systemtap-tokens.js';
import { indexTokens } from './catalogue-tapset-indexer.js';
import type { MacroDef } from './catalogue-tapset-preprocess.js';
import { Tk, type ScanToken } from './catalogue-tapset-scanner.js';
import type { TapsetFileDecls, TapsetTarget } from './catalogue-tapset-types.js';

const PP: Record<string, Tk> = { '%(': Tk.PpOpen, '%?': Tk.PpThen, '%:': Tk.PpElse, '%)': Tk.PpClose };

function kindOf(t: StapToken): Tk {
    switch (t.kind) {
        case 'ident': case 'arg': return Tk.Ident;
        case 'at': return Tk.At;
        case 'number': return Tk.Number;
        case 'string': return Tk.String;
        case 'embedded': return Tk.Embedded;
        case 'pp': return PP[t.image] ?? Tk.Op;
        default: return Tk.Op;
    }
}

function toScan(tokens: readonly StapToken[]): ScanToken[] {
    return tokens.map(t => ({ kind: kindOf(t), text: t.image, offset: t.offset, macro: false }));
}

function toDef(m: StapMacro): MacroDef {
    return { name: m.name, params: [...m.params], body: toScan(m.body), offset: m.offset };
}

export function stapTargetOf(target: TapsetTarget): StapTarget {
    return {
        kernelRelease: target.kernelRelease, arch: target.arch, runtime: target.runtime, stapVersion: target.stapVersion,
        privilege: target.privilege ?? 'stapdev', guru: target.guru ?? false, kernelConfig: target.kernelConfig ?? new Map(),
        includeDirs: [], defines: new Map(),
    };
}

/** Library macros of one `.stpm` file, added to `into`; returns the file's index entries. */
export function indexMacroFileStap(file: string, text: string, target: StapTarget, into: Map<string, StapMacro>): TapsetFileDecls {
    const before = new Set(into.keys());
    const mine = new Map<string, StapMacro>();
    readLibraryMacros(text, target, mine, file);
    for (const [name, m] of mine) if (!before.has(name)) into.set(name, m);
    const docs = preprocessStap(text, target, new Map(), file).hidden.filter(t => t.kind === 'comment' && t.image.startsWith('/**')).map(t => t.image);
    return indexTokens(file, text, [], [...mine.values()].map(toDef), docs, true);
}

/** One `.stp` file through the front end's preprocessor. */
export function indexTapsetFileStap(file: string, text: string, target: StapTarget, library: ReadonlyMap<string, StapMacro>): TapsetFileDecls {
    const result = preprocessStap(text, target, library, file);
    const docs = result.hidden.filter(t => t.kind === 'comment' && t.image.startsWith('/**') && !t.image.startsWith('/**/')).map(t => t.image);
    return indexTokens(file, text, toScan(result.tokens), [...result.macros.values()].map(toDef), docs, false);
}
