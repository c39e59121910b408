/**
 * The tapset library index: per-file declarations merged into lookups by name, with alias context variables
 * resolved through `=`/`+=` chains (including wildcard targets) on demand and memoised. Names come from the name
 * table (catalogue-tapset-packed.ts); a name's declarations are read from its files when first asked for.
 */
import type {
    AliasVariable, KernelDoc, TapsetFileDecls, TapsetFunction, TapsetGlobal, TapsetMacro, TapsetProbeAlias,
} from './catalogue-tapset-types.js';
import {
    docKey, forEachDoc, tapsetNameTable, type TapsetDeclKind, type TapsetIndexSource, type TapsetNames,
} from './catalogue-tapset-packed.js';

/** Every file's declarations, in the order stap reads the files. */
export interface TapsetIndexData {
    files: TapsetFileDecls[];
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

/** Declarations of one kind by name, read from the files that declare each name when first asked for. */
export class TapsetDecls<T extends { name: string }> {
    /** Each name's position in the table, and the files after the first of the names declared in several: made on the first question. */
    private positions?: Map<string, number>;
    private moreFiles?: Map<number, number[]>;
    private readonly memo = new Map<string, T[]>();

    constructor(private readonly names: TapsetNames, private readonly kind: TapsetDeclKind, private readonly source: TapsetIndexSource) {
        this.positions = names.at;
    }

    private get at(): Map<string, number> {
        if (!this.positions) {
            this.positions = new Map();
            for (let k = 0; k < this.names.names.length; k++) this.positions.set(this.names.names[k], k);
        }
        return this.positions;
    }

    private get more(): Map<number, number[]> {
        if (!this.moreFiles) {
            this.moreFiles = new Map();
            for (const m of this.names.more) this.moreFiles.set(m[0], m.slice(1));
        }
        return this.moreFiles;
    }

    /** How many names (each is in the table once). */
    get size(): number {
        return this.names.names.length;
    }

    has(name: string): boolean {
        return this.at.has(name);
    }

    /** Every name, in order of first declaration. */
    keys(): IterableIterator<string> {
        return this.names.names[Symbol.iterator]();
    }

    /** The declarations of `name`, in stap's order (files, then their order in a file). */
    get(name: string): T[] | undefined {
        const known = this.memo.get(name);
        if (known) return known;
        const k = this.at.get(name);
        if (k === undefined) return undefined;
        const found: T[] = [];
        for (const i of [this.names.files[k], ...(this.more.get(k) ?? [])]) {
            for (const d of this.source.decls(i)[this.kind] as unknown as T[]) if (d.name === name) found.push(d);
        }
        this.memo.set(name, found);
        return found;
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
    readonly aliases: TapsetDecls<TapsetProbeAlias>;
    readonly functions: TapsetDecls<TapsetFunction>;
    readonly globals: TapsetDecls<TapsetGlobal>;
    readonly macros: TapsetDecls<TapsetMacro>;
    private readonly source: TapsetIndexSource;
    /** Which file holds the block of each kerneldoc key (`kind:name`). */
    private readonly docFiles: Map<string, number>;
    private readonly varCache = new Map<string, AliasVariable[]>();

    /** An index over index data in memory, or over a source that reads the files' declarations on demand. */
    constructor(from: TapsetIndexData | TapsetIndexSource) {
        const source: TapsetIndexSource = 'table' in from ? from : { table: tapsetNameTable(from.files), decls: i => from.files[i] };
        const { kinds, docs } = source.table;
        this.source = source;
        this.aliases = new TapsetDecls(kinds.aliases, 'aliases', source);
        this.functions = new TapsetDecls(kinds.functions, 'functions', source);
        this.globals = new TapsetDecls(kinds.globals, 'globals', source);
        this.macros = new TapsetDecls(kinds.macros, 'macros', source);
        this.docFiles = docs.byKey ?? new Map();
        if (!docs.byKey) for (let k = 0; k < docs.keys.length; k++) this.docFiles.set(docs.keys[k], docs.files[k]);
    }

    /** Every file's declarations, in stap's order (all of them read). */
    get data(): TapsetIndexData {
        return { files: this.source.table.files.map((_, i) => this.source.decls(i)) };
    }

    /** The kerneldoc for a function, probe alias or macro name. */
    doc(kind: KernelDoc['kind'], name: string): KernelDoc | undefined {
        const key = `${kind}:${name}`;
        const i = this.docFiles.get(key);
        if (i === undefined) return undefined;
        let found: KernelDoc | undefined;
        forEachDoc(this.source.decls(i), doc => {
            if (docKey(doc) === key) found = doc;
        });
        return found;
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
        const { counts, files, docs } = this.source.table;
        return {
            files: files.length, aliases: counts.aliases, aliasNames: this.aliases.size, functions: counts.functions,
            functionNames: this.functions.size, globals: counts.globals, macros: counts.macros, docs: docs.keys.length,
        };
    }
}
