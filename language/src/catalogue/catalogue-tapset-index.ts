/**
 * The tapset library index: per-file declarations merged into lookups by name, with alias context variables
 * resolved through `=`/`+=` chains (including wildcard targets) on demand and memoised.
 */
import type {
    AliasVariable, KernelDoc, TapsetFileDecls, TapsetFunction, TapsetGlobal, TapsetMacro, TapsetProbeAlias,
} from './catalogue-tapset-types.js';

/** Plain data for caching: the files in the order stap reads them. */
export interface TapsetIndexData {
    files: TapsetFileDecls[];
}

const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !isArray(v);
const strings = (v: unknown): boolean => isArray(v) && v.every(x => typeof x === 'string');
const isDoc = (d: unknown): boolean => isRecord(d) && typeof d.kind === 'string' && typeof d.name === 'string' && typeof d.summary === 'string'
    && isArray(d.args) && d.args.every(a => isRecord(a) && typeof a.name === 'string' && typeof a.text === 'string') && isArray(d.sections);
/** Declarations: a name, where it is and an optional kerneldoc; `more` checks their own fields. */
const decls = (v: unknown, more: (d: Record<string, unknown>) => boolean = () => true): boolean =>
    isArray(v) && v.every(d => isRecord(d) && typeof d.name === 'string' && typeof d.file === 'string' && typeof d.line === 'number' && typeof d.character === 'number'
        && (d.doc === undefined || isDoc(d.doc)) && more(d));

/**
 * Whether parsed JSON (a cache file, say) is index data the index can be built from: every field the index
 * and its queries walk is checked, so a file of another shape is refused instead of throwing later.
 */
export function isTapsetIndexData(v: unknown): v is TapsetIndexData {
    return isRecord(v) && isArray(v.files) && v.files.every(f => isRecord(f) && typeof f.file === 'string'
        && decls(f.aliases, a => strings(a.targets) && strings(a.assigns) && (a.op === '=' || a.op === '+='))
        && decls(f.functions, fn => isArray(fn.params) && fn.params.every(p => isRecord(p) && typeof p.name === 'string') && strings(fn.markers))
        && decls(f.globals)
        && decls(f.macros, m => strings(m.params))
        && isArray(f.looseDocs) && f.looseDocs.every(isDoc));
}

/** What {@link TapsetIndex.describeAlias} gives. */
export interface TapsetAliasSummary {
    definitions: Array<{ op: '=' | '+='; targets: string[]; file: string; line: number }>;
    variables: AliasVariable[];
}

export interface TapsetCounts {
    files: number;
    aliases: number;
    aliasNames: number;
    functions: number;
    functionNames: number;
    globals: number;
    macros: number;
    docs: number;
}

/** Adds `items` to their names' lists in `map`. */
function group<T extends { name: string }>(map: Map<string, T[]>, items: readonly T[]): void {
    for (const item of items) {
        const list = map.get(item.name);
        if (list) list.push(item); else map.set(item.name, [item]);
    }
}

function componentsMatch(pattern: string[], name: string[]): boolean {
    if (pattern.length !== name.length) return false;
    for (let i = 0; i < pattern.length; i++) {
        const p = pattern[i];
        if (p === '*' || p === name[i]) continue;
        if (!p.includes('*')) return false;
        const re = new RegExp(`^${p.replace(/[.+^${}()|\\?[\]]/g, '\\$&').replace(/\*/g, '.*')}$`);
        if (!re.test(name[i])) return false;
    }
    return true;
}

/** Queries over the indexed tapset library. */
export class TapsetIndex {
    readonly aliases: ReadonlyMap<string, TapsetProbeAlias[]>;
    readonly functions: ReadonlyMap<string, TapsetFunction[]>;
    readonly globals: ReadonlyMap<string, TapsetGlobal[]>;
    readonly macros: ReadonlyMap<string, TapsetMacro[]>;
    private readonly docs = new Map<string, KernelDoc>();
    private readonly varCache = new Map<string, AliasVariable[]>();

    constructor(readonly data: TapsetIndexData) {
        const aliases = new Map<string, TapsetProbeAlias[]>();
        const functions = new Map<string, TapsetFunction[]>();
        const globals = new Map<string, TapsetGlobal[]>();
        const macros = new Map<string, TapsetMacro[]>();
        // One pass over the files, in stap's order: the lists, then the docs (a later one of a name wins).
        for (const f of data.files) {
            group(aliases, f.aliases);
            group(functions, f.functions);
            group(globals, f.globals);
            group(macros, f.macros);
            this.addDocs(f.aliases);
            this.addDocs(f.functions);
            this.addDocs(f.macros);
            for (const d of f.looseDocs) this.docs.set(`${d.kind}:${d.name}`, d);
        }
        this.aliases = aliases;
        this.functions = functions;
        this.globals = globals;
        this.macros = macros;
    }

    private addDocs(decls: ReadonlyArray<{ doc?: KernelDoc }>): void {
        for (const d of decls) if (d.doc) this.docs.set(`${d.doc.kind}:${d.doc.name}`, d.doc);
    }

    /** The kerneldoc for a function, probe alias or macro name. */
    doc(kind: KernelDoc['kind'], name: string): KernelDoc | undefined {
        return this.docs.get(`${kind}:${name}`);
    }

    /** Alias names matching a probe point written with `*` components (`syscall.*`, `nfs.fop.*`). */
    matchAliases(point: string): string[] {
        if (!point.includes('*')) return this.aliases.has(point) ? [point] : [];
        const pattern = point.split('.');
        return [...this.aliases.keys()].filter(n => componentsMatch(pattern, n.split('.')));
    }

    /**
     * The variables a probe on `name` sees: what the alias bodies assign, then, through the chain, what the
     * aliases it expands to assign (union over alternatives; first assignment wins).
     */
    contextVariables(name: string): AliasVariable[] {
        const cached = this.varCache.get(name);
        if (cached) return cached;
        const result: AliasVariable[] = [];
        this.collectVars(name, new Set(), result, new Set());
        this.varCache.set(name, result);
        return result;
    }

    private collectVars(name: string, seen: Set<string>, out: AliasVariable[], have: Set<string>): void {
        if (seen.has(name)) return;
        seen.add(name);
        const defs = this.aliases.get(name);
        if (!defs) return;
        for (const def of defs) {
            const argDocs = def.doc ?? this.doc('probe', name);
            for (const v of def.assigns) {
                if (have.has(v) || this.isGlobal(v, def.file)) continue;
                have.add(v);
                const doc = argDocs?.args.find(a => a.name === v)?.text;
                out.push({ name: v, from: name, ...(def.op === '+=' ? { epilogue: true } : {}), ...(doc ? { doc } : {}) });
            }
        }
        for (const def of defs) {
            for (const target of def.targets) {
                for (const next of this.matchAliases(target)) this.collectVars(next, seen, out, have);
            }
        }
    }

    /** An alias as a plain record: its definitions (1-based lines) and the context variables a probe on it sees. */
    describeAlias(name: string): TapsetAliasSummary | undefined {
        const defs = this.aliases.get(name);
        if (!defs) return undefined;
        return {
            definitions: defs.map(d => ({ op: d.op, targets: d.targets, file: d.file, line: d.line + 1 })),
            variables: this.contextVariables(name),
        };
    }

    private isGlobal(name: string, file: string): boolean {
        const globals = this.globals.get(name);
        return !!globals?.some(g => !g.private || g.file === file);
    }

    counts(): TapsetCounts {
        let aliases = 0;
        let functions = 0;
        let globals = 0;
        let macros = 0;
        // Every definition and overload: what each file declares.
        for (const f of this.data.files) {
            aliases += f.aliases.length;
            functions += f.functions.length;
            globals += f.globals.length;
            macros += f.macros.length;
        }
        return {
            files: this.data.files.length, aliases, aliasNames: this.aliases.size, functions,
            functionNames: this.functions.size, globals, macros, docs: this.docs.size,
        };
    }
}
