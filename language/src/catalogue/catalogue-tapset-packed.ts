/**
 * The tapset index in its stored form, read without decoding every file. The first line is the name table (which
 * files declare each name, where each kerneldoc is, the counts, each record's length); then comes one line per
 * file, its declarations as JSON, in stap's order. A loaded index answers names, counts and completion lists from
 * the table alone and decodes a file's record the first time a query needs a declaration in it (a hover, the
 * context variables of an alias): a start with a warm cache reads and parses the table (308 KB for the installed
 * library), not the records (2.4 MB).
 */
import { asciiText } from '../common/ascii-text.js';
import type { KernelDoc, TapsetFileDecls } from './catalogue-tapset-types.js';

/** The named declarations of a file, by kind. */
export type TapsetDeclKind = 'aliases' | 'functions' | 'globals' | 'macros';
export const TAPSET_DECL_KINDS: readonly TapsetDeclKind[] = ['aliases', 'functions', 'globals', 'macros'];

/** Names and the files declaring each. */
export interface TapsetNames {
    /** Every name, in order of first declaration. */
    names: string[];
    /** For each name, the first file declaring it (an index into the table's files). */
    files: number[];
    /** For the names declared in more than one file: the name's position, then the other files, in order. */
    more: number[][];
    /** Each name's position, when the table was made in memory (a table read back makes it anew). */
    at?: Map<string, number>;
}

/** What the index knows before it reads any file's declarations. */
export interface TapsetNameTable {
    /** The files' paths, in stap's order. */
    files: string[];
    /** Per kind, every name and the files declaring it. */
    kinds: Record<TapsetDeclKind, TapsetNames>;
    /** Every kerneldoc key (`kind:name`) and the file whose block wins (the last one, in stap's order). */
    docs: { keys: string[]; files: number[]; byKey?: Map<string, number> };
    /** Declarations of each kind, overloads and repeated definitions included. */
    counts: Record<TapsetDeclKind, number>;
}

/** Where an index reads the files' declarations: already in memory, or decoded on demand. */
export interface TapsetIndexSource {
    table: TapsetNameTable;
    /** What the stored form was packed with to say which sources it indexes (see {@link packTapsetIndex}). */
    stamp?: string;
    /** The declarations of file `i` of the table. */
    decls(i: number): TapsetFileDecls;
}

/** The kerneldoc key of a block: hovers look docs up by kind and name. */
export const docKey = (doc: KernelDoc): string => `${doc.kind}:${doc.name}`;

/**
 * Each documented declaration's block, then the loose ones: the order in which a later block of a key wins. A
 * callback, not a generator: the name table walks every file with it once, cold, on every build.
 */
export function forEachDoc(f: TapsetFileDecls, visit: (doc: KernelDoc) => void): void {
    for (const d of f.aliases) if (d.doc) visit(d.doc);
    for (const d of f.functions) if (d.doc) visit(d.doc);
    for (const d of f.macros) if (d.doc) visit(d.doc);
    for (const d of f.looseDocs) visit(d);
}

/**
 * The name table of files' declarations. A name with a line break cannot be a stap identifier nor a probe point, and
 * is left out (the stored table keeps its names one per line).
 */
export function tapsetNameTable(files: readonly TapsetFileDecls[]): TapsetNameTable {
    const kinds = {} as TapsetNameTable['kinds'];
    const counts = {} as TapsetNameTable['counts'];
    for (const kind of TAPSET_DECL_KINDS) {
        const at = new Map<string, number>();
        const names: string[] = [];
        const first: number[] = [];
        const more = new Map<number, number[]>();
        let count = 0;
        for (let i = 0; i < files.length; i++) {
            const decls = files[i][kind];
            count += decls.length;
            for (const d of decls) {
                const k = at.get(d.name);
                if (k === undefined) {
                    if (d.name.includes('\n')) continue;
                    at.set(d.name, names.length);
                    names.push(d.name);
                    first.push(i);
                    continue;
                }
                const extra = more.get(k);
                const last = extra ? extra[extra.length - 1] : first[k];
                if (last === i) continue;
                if (extra) extra.push(i);
                else more.set(k, [k, i]);
            }
        }
        kinds[kind] = { names, files: first, more: [...more.values()], at };
        counts[kind] = count;
    }
    const byKey = new Map<string, number>();
    for (let i = 0; i < files.length; i++) {
        forEachDoc(files[i], doc => {
            if (!doc.name.includes('\n')) byKey.set(docKey(doc), i);
        });
    }
    return { files: files.map(f => f.file), kinds, docs: { keys: [...byKey.keys()], files: [...byKey.values()], byKey }, counts };
}

/** The table as stored: names one per line in a string each (JSON.parse reads a long string faster than many). */
interface StoredTable {
    stamp: string;
    files: string[];
    /** Each record's length, its newline included. */
    lengths: number[];
    kinds: Record<TapsetDeclKind, { names: string; files: number[]; more: number[][] }>;
    docs: { keys: string; files: number[] };
    counts: Record<TapsetDeclKind, number>;
}

/**
 * The stored form: the name table, then a line per file. JSON escapes every line break, so lines are records; and
 * the text is ASCII, so a record's length in characters is its length in bytes. `stamp` is kept as it is, for the
 * reader to tell which sources the index is of.
 */
export function packTapsetIndex(files: readonly TapsetFileDecls[], stamp: string, table: TapsetNameTable = tapsetNameTable(files)): string {
    const records = files.map(f => asciiText(JSON.stringify(f)) + '\n');
    const kinds = {} as StoredTable['kinds'];
    for (const kind of TAPSET_DECL_KINDS) {
        const k = table.kinds[kind];
        kinds[kind] = { names: k.names.join('\n'), files: k.files, more: k.more };
    }
    const stored: StoredTable = {
        stamp, files: table.files, lengths: records.map(r => r.length), kinds, docs: { keys: table.docs.keys.join('\n'), files: table.docs.files }, counts: table.counts,
    };
    return `${asciiText(JSON.stringify(stored))}\n${records.join('')}`;
}

const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
/** An array of file indexes, each in range. */
const fileIndexes = (v: unknown, files: number): v is number[] => isArray(v) && v.every(i => isCount(i) && i < files);
/** Lines of a stored string, `count` of them ('' holds none). */
const linesOf = (v: string, count: number): string[] | undefined => {
    const lines = count === 0 && v === '' ? [] : v.split('\n');
    return lines.length === count ? lines : undefined;
};

/** The name table of a stored one, or undefined when it is not one (another shape, a file index out of range). */
function tableOf(v: unknown): { table: TapsetNameTable; lengths: number[]; stamp: string } | undefined {
    if (!isRecord(v) || typeof v.stamp !== 'string' || !isArray(v.files) || !v.files.every(f => typeof f === 'string') || !isRecord(v.kinds) || !isRecord(v.counts) || !isRecord(v.docs)) return undefined;
    const n = v.files.length;
    const { lengths, docs } = v;
    if (!isArray(lengths) || lengths.length !== n || !lengths.every(l => isCount(l) && l > 0)) return undefined;
    const kinds = {} as TapsetNameTable['kinds'];
    const counts = {} as TapsetNameTable['counts'];
    for (const kind of TAPSET_DECL_KINDS) {
        const k = v.kinds[kind];
        const count = v.counts[kind];
        if (!isRecord(k) || typeof k.names !== 'string' || !fileIndexes(k.files, n) || !isCount(count)) return undefined;
        const names = linesOf(k.names, k.files.length);
        if (!names || !isArray(k.more) || !k.more.every(m => isArray(m) && m.length >= 2 && isCount(m[0]) && m[0] < names.length && fileIndexes(m.slice(1), n))) return undefined;
        kinds[kind] = { names, files: k.files, more: k.more as number[][] };
        counts[kind] = count;
    }
    if (typeof docs.keys !== 'string' || !fileIndexes(docs.files, n)) return undefined;
    const keys = linesOf(docs.keys, docs.files.length);
    if (!keys) return undefined;
    return { table: { files: v.files as string[], kinds, docs: { keys, files: docs.files }, counts }, lengths: lengths as number[], stamp: v.stamp };
}

const isDoc = (d: unknown): boolean => isRecord(d) && typeof d.kind === 'string' && typeof d.name === 'string' && typeof d.summary === 'string'
    && isArray(d.args) && d.args.every(a => isRecord(a) && typeof a.name === 'string' && typeof a.text === 'string') && isArray(d.sections);
const strings = (v: unknown): boolean => isArray(v) && v.every(x => typeof x === 'string');
/** Declarations: a name, where it is and an optional kerneldoc; `more` checks their own fields. */
const decls = (v: unknown, more: (d: Record<string, unknown>) => boolean = () => true): boolean =>
    isArray(v) && v.every(d => isRecord(d) && typeof d.name === 'string' && typeof d.file === 'string' && typeof d.line === 'number'
        && typeof d.character === 'number' && (d.doc === undefined || isDoc(d.doc)) && more(d));

/**
 * Whether parsed JSON is one file's declarations the index can use: every field the index and its queries walk
 * is checked, so a record of another shape is refused instead of throwing later.
 */
export function isTapsetFileDecls(f: unknown): f is TapsetFileDecls {
    return isRecord(f) && typeof f.file === 'string'
        && decls(f.aliases, a => strings(a.targets) && strings(a.assigns) && (a.op === '=' || a.op === '+='))
        && decls(f.functions, fn => isArray(fn.params) && fn.params.every(p => isRecord(p) && typeof p.name === 'string') && strings(fn.markers))
        && decls(f.globals)
        && decls(f.macros, m => strings(m.params))
        && isArray(f.looseDocs) && f.looseDocs.every(isDoc);
}

/** A file with nothing in it: what a record that cannot be read stands for. */
const emptyFile = (file: string): TapsetFileDecls => ({ file, aliases: [], functions: [], globals: [], macros: [], looseDocs: [] });

/**
 * The index source of a stored form, from its first line (`head`, without the line break) and, read only when a
 * record is first needed, the text after that line (`records`: undefined when it can no longer be read). Undefined
 * when the head is not a table. A record that is not JSON or not of the shape, or records that cannot be read or are
 * not the lengths the table gives, stand for empty files, and `onBadRecord` is told (the stored form should then be
 * dropped).
 */
export function unpackTapsetIndex(head: string, records: () => string | undefined, onBadRecord?: () => void): TapsetIndexSource | undefined {
    let parsed: ReturnType<typeof tableOf>;
    try {
        parsed = tableOf(JSON.parse(head));
    } catch {
        return undefined;
    }
    if (!parsed) return undefined;
    const { table, lengths, stamp } = parsed;
    const starts = new Array<number>(lengths.length + 1);
    starts[0] = 0;
    for (let i = 0; i < lengths.length; i++) starts[i + 1] = starts[i] + lengths[i];
    let text: string | undefined | null = null;
    const decoded: Array<TapsetFileDecls | undefined> = new Array(lengths.length);
    const decode = (i: number): TapsetFileDecls => {
        if (text === null) {
            text = records();
            if (text !== undefined && text.length !== starts[lengths.length]) text = undefined;
        }
        let f: unknown;
        try {
            f = text === undefined ? undefined : JSON.parse(text.slice(starts[i], starts[i + 1] - 1));
        } catch {
            f = undefined;
        }
        if (isTapsetFileDecls(f) && f.file === table.files[i]) return f;
        onBadRecord?.();
        return emptyFile(table.files[i]);
    };
    return { table, stamp, decls: i => (decoded[i] ??= decode(i)) };
}
