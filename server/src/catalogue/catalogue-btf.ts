/**
 * A BTF reader (kernel `include/uapi/linux/btf.h` format): header, type section, string section, all kinds
 * up to ENUM64. Lazy: opening walks the type section once to record each type's offset, kind and name offset
 * (typed arrays, no objects); types are decoded only when asked for, names indexed on first lookup.
 * Split BTF (kernel modules) continues the base's type ids and string offsets.
 */

import type { BtfPages } from './catalogue-btf-pages.js';

export const BTF_MAGIC = 0xeb9f;

export enum BtfKind {
    Unknown = 0, Int = 1, Ptr = 2, Array = 3, Struct = 4, Union = 5, Enum = 6, Fwd = 7, Typedef = 8,
    Volatile = 9, Const = 10, Restrict = 11, Func = 12, FuncProto = 13, Var = 14, Datasec = 15, Float = 16,
    DeclTag = 17, TypeTag = 18, Enum64 = 19,
}

export class BtfFormatError extends Error {}

/**
 * What opening a BTF object learns by walking its type section, kept (catalogue-btf-table.ts) so that the next
 * process can open the same object without reading it whole: with {@link BtfPages}, only the pages a question
 * touches are read.
 */
export interface BtfTable {
    /** The header's words after the magic, version and flags: hdr_len, type_off, type_len, str_off, str_len. */
    header: readonly number[];
    offsets: Uint32Array;
    kinds: Uint8Array;
    nameOffs: Uint32Array;
    kindCounts: Uint32Array;
    /**
     * The functions' names as {@link Btf.nameLinesOfKind} gives them for `prefix`, with where each line starts and
     * the first function id of its name: names found without the string section.
     */
    functions?: { prefix: string; lines: Buffer; starts: Uint32Array; ids: Uint32Array };
    /** The iterator names (`bpf_iter__*` structs), as BtfTypeSource.iterNames gives them. */
    iters?: readonly string[];
}

/** Name lookups answered by searching the string section before the name index is built instead. */
const NAME_SEARCHES_BEFORE_INDEX = 64;
/** A search for at most this many names scans the name column once per name, natively (see searchNames). */
const FEW_NAMES = 32;
/** Past this many names decoded one by one, {@link Btf.str} decodes the whole string section once and slices it. */
const STR_CALLS_BEFORE_TEXT = 256;

/** How far {@link Btf.str} reads ahead for a name on a paged object (names are C identifiers, rarely past 128 bytes). */
const NAME_READ_AHEAD = 512;

/** Whether this host stores numbers little-endian (BTF's typed-array views and the cached tables depend on it). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** One raw type record, decoded. */
export interface BtfRawType {
    id: number;
    kind: BtfKind;
    name: string;
    vlen: number;
    kindFlag: boolean;
    /** `size` for INT/STRUCT/UNION/ENUM/DATASEC/FLOAT, else `type` (referenced type id). */
    sizeOrType: number;
    /** Offset of the kind-specific data that follows the 12-byte record. */
    dataOffset: number;
}

/** Extra bytes after the 12-byte record, by kind. */
function extraSize(kind: number, vlen: number): number {
    switch (kind) {
        case BtfKind.Int: case BtfKind.Var: case BtfKind.DeclTag: return 4;
        case BtfKind.Array: return 12;
        case BtfKind.Struct: case BtfKind.Union: case BtfKind.Datasec: case BtfKind.Enum64: return 12 * vlen;
        case BtfKind.Enum: case BtfKind.FuncProto: return 8 * vlen;
        default: return 0;
    }
}

/** `bytes[0..used)` in an array twice the size. */
function grown(bytes: Uint8Array, used: number): Uint8Array {
    const out = new Uint8Array(bytes.length * 2);
    out.set(bytes.subarray(0, used));
    return out;
}

export class Btf {
    /** First type id of this object (1 for vmlinux, base count + 1 for split BTF). */
    readonly firstId: number;
    /** Number of types in this object. */
    readonly count: number;
    private readonly view: DataView;
    private readonly typeStart: number;
    private readonly typeEnd: number;
    private readonly strStart: number;
    private readonly strLen: number;
    private readonly offsets: Uint32Array;
    private readonly kinds: Uint8Array;
    private readonly nameOffs: Uint32Array;
    /** How many types of each kind (by kind number) this object has. */
    private readonly kindCounts = new Uint32Array(32);
    private names?: Map<string, number[]>;
    private searches = 0;
    private readonly decoder = new TextDecoder('latin1');
    /** The string section decoded whole, once {@link str} has been asked often enough. */
    private strings?: string;
    private strCalls = 0;

    /** The file read page by page, when opened from a table: every read of `data` asks it for its bytes first. */
    readonly pages?: BtfPages;
    /** The table this object was opened from, when it was. */
    readonly table?: BtfTable;

    /**
     * Parses `data`; `base` is vmlinux BTF when `data` is a module's split BTF. With `opened`, `data` is `opened.pages`'s
     * bytes, read as wanted, and the type table is `opened.table`'s instead of a walk of the type section (refused with
     * BtfFormatError when the file's header is not the table's). Throws BtfFormatError.
     */
    constructor(readonly data: Uint8Array, readonly base?: Btf, opened?: { table: BtfTable; pages: BtfPages }) {
        opened?.pages.need(0, 24);
        if (data.byteLength < 24) throw new BtfFormatError('BTF too short for its header');
        this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
        const magic = this.view.getUint16(0, true);
        if (magic !== BTF_MAGIC) throw new BtfFormatError(`bad BTF magic 0x${magic.toString(16)}`);
        const hdrLen = this.view.getUint32(4, true);
        const typeOff = this.view.getUint32(8, true);
        const typeLen = this.view.getUint32(12, true);
        const strOff = this.view.getUint32(16, true);
        this.strLen = this.view.getUint32(20, true);
        this.typeStart = hdrLen + typeOff;
        this.strStart = hdrLen + strOff;
        const typeEnd = this.typeStart + typeLen;
        this.typeEnd = typeEnd;
        if (typeEnd > data.byteLength || this.strStart + this.strLen > data.byteLength) {
            throw new BtfFormatError('BTF sections run past the end of the data');
        }
        this.firstId = base ? base.firstId + base.count : 1;
        if (opened) {
            const { table, pages } = opened;
            const header = [hdrLen, typeOff, typeLen, strOff, this.strLen];
            if (header.some((w, i) => w !== table.header[i]) || table.offsets.length !== table.kinds.length || table.offsets.length !== table.nameOffs.length) {
                throw new BtfFormatError('the type table kept for this BTF is not for these bytes');
            }
            this.pages = pages;
            this.table = table;
            this.count = table.offsets.length;
            this.offsets = table.offsets;
            this.kinds = table.kinds;
            this.nameOffs = table.nameOffs;
            this.kindCounts.set(table.kindCounts.subarray(0, 32));
            return;
        }
        // Upper bound on the number of types: every record is at least 12 bytes.
        const max = Math.floor(typeLen / 12);
        const offsets = new Uint32Array(max);
        const kinds = new Uint8Array(max);
        const nameOffs = new Uint32Array(max);
        const counts = this.kindCounts;
        let n = 0;
        let p = this.typeStart;
        // Records are 4-byte aligned: on a little-endian host with an aligned section, read them as 32-bit words
        // (one load each, where DataView calls cost more while the walk still runs unoptimised).
        const words = LITTLE_ENDIAN && (data.byteOffset + this.typeStart) % 4 === 0
            ? new Uint32Array(data.buffer, data.byteOffset + this.typeStart, typeLen >>> 2) : undefined;
        if (words) {
            const nWords = words.length;
            let w = 0;
            while (w < nWords) {
                if (w + 3 > nWords) throw new BtfFormatError(`truncated type record at offset ${this.typeStart + 4 * w}`);
                const info = words[w + 1];
                const kind = (info >>> 24) & 0x1f;
                offsets[n] = this.typeStart + 4 * w;
                kinds[n] = kind;
                counts[kind]++;
                nameOffs[n] = words[w];
                n++;
                w += 3 + (extraSize(kind, info & 0xffff) >>> 2);
            }
            p = this.typeStart + 4 * w;
            if (typeLen % 4 !== 0) p = typeEnd + 1;
        } else {
            while (p < typeEnd) {
                if (p + 12 > typeEnd) throw new BtfFormatError(`truncated type record at offset ${p}`);
                const info = this.view.getUint32(p + 4, true);
                const kind = (info >>> 24) & 0x1f;
                const vlen = info & 0xffff;
                offsets[n] = p;
                kinds[n] = kind;
                counts[kind]++;
                nameOffs[n] = this.view.getUint32(p, true);
                n++;
                p += 12 + extraSize(kind, vlen);
            }
        }
        if (p !== typeEnd) throw new BtfFormatError('type section does not end on a record boundary');
        this.count = n;
        this.offsets = offsets.subarray(0, n);
        this.kinds = kinds.subarray(0, n);
        this.nameOffs = nameOffs.subarray(0, n);
    }

    /** The last type id this object (or its base) defines. */
    get lastId(): number {
        return this.firstId + this.count - 1;
    }

    /** A string by offset; split BTF strings continue after the base's. */
    str(off: number): string {
        if (this.base) {
            if (off < this.base.strLen) return this.base.str(off);
            off -= this.base.strLen;
        }
        if (off >= this.strLen) return '';
        if (this.strings === undefined && ++this.strCalls > STR_CALLS_BEFORE_TEXT) {
            // Many names wanted (a name index, a list): the whole string section as one string, names sliced from it.
            this.needStrings();
            this.strings = this.decoder.decode(this.data.subarray(this.strStart, this.strStart + this.strLen));
        }
        if (this.strings !== undefined) {
            const end = this.strings.indexOf('\0', off);
            return this.strings.slice(off, end < 0 ? this.strLen : end);
        }
        const start = this.strStart + off;
        let end = start;
        const d = this.data;
        const stop = this.strStart + this.strLen;
        if (this.pages) {
            this.pages.need(start, start + NAME_READ_AHEAD);
            while (end < stop && d[end] !== 0) if (++end % NAME_READ_AHEAD === 0) this.pages.need(end, end + NAME_READ_AHEAD);
        } else {
            while (end < stop && d[end] !== 0) end++;
        }
        return this.decoder.decode(d.subarray(start, end));
    }

    /** The object holding a type id (this one or the base chain). */
    private owner(id: number): Btf | undefined {
        if (id >= this.firstId) return id <= this.lastId ? this : undefined;
        return this.base?.owner(id);
    }

    kindOf(id: number): BtfKind {
        const o = this.owner(id);
        return o ? o.kinds[id - o.firstId] as BtfKind : BtfKind.Unknown;
    }

    nameOf(id: number): string {
        const o = this.owner(id);
        return o ? this.str(o.nameOffs[id - o.firstId]) : '';
    }

    /** Decodes one type record (id 0 is `void`: undefined). */
    type(id: number): BtfRawType | undefined {
        const o = this.owner(id);
        if (!o || id === 0) return undefined;
        const p = o.offsets[id - o.firstId];
        o.readable(p, 12);
        const info = o.view.getUint32(p + 4, true);
        return {
            id, kind: (info >>> 24) & 0x1f, name: this.str(o.view.getUint32(p, true)), vlen: info & 0xffff,
            kindFlag: (info >>> 31) === 1, sizeOrType: o.view.getUint32(p + 8, true), dataOffset: p + 12,
        };
    }

    /** Reads a u32 / s32 in the data of the object that owns `id`. */
    u32(id: number, offset: number): number {
        const o = this.owner(id)!;
        o.readable(offset, 4);
        return o.view.getUint32(offset, true);
    }

    i32(id: number, offset: number): number {
        const o = this.owner(id)!;
        o.readable(offset, 4);
        return o.view.getInt32(offset, true);
    }

    /**
     * Makes `length` bytes of the type section at `offset` readable: read from the file when paged, and refused outside
     * the section. A walk of the section never asks for such a read; a type table from the disk cache that is not what
     * was written could, and it is then a BtfFormatError, not a RangeError from the DataView.
     */
    private readable(offset: number, length: number): void {
        if (!(offset >= this.typeStart && offset + length <= this.typeEnd)) throw new BtfFormatError(`a read at ${offset} outside the type section`);
        this.pages?.need(offset, offset + length);
    }

    /** Makes the whole string section readable (read from the file when paged). */
    private needStrings(): void {
        this.pages?.need(this.strStart, this.strStart + this.strLen);
    }

    /** The type table, to be kept for opening these bytes again without walking them (see {@link BtfTable}). */
    tableOf(): BtfTable {
        const v = this.view;
        return {
            header: [4, 8, 12, 16, 20].map(at => v.getUint32(at, true)), offsets: this.offsets, kinds: this.kinds, nameOffs: this.nameOffs,
            kindCounts: this.kindCounts,
        };
    }

    /** Type ids with this name (this object only, not the base), any kind. Built on first use. */
    idsNamed(name: string): number[] {
        if (!this.names) {
            const names = new Map<string, number[]>();
            for (let i = 0; i < this.count; i++) {
                if (this.nameOffs[i] === 0) continue;
                const nm = this.str(this.nameOffs[i]);
                const list = names.get(nm);
                if (list) list.push(this.firstId + i); else names.set(nm, [this.firstId + i]);
            }
            this.names = names;
        }
        return this.names.get(name) ?? [];
    }

    /**
     * Finds ids by name without building the whole name index: searches the string section for `name`,
     * then the name-offset column. Much cheaper for one-off lookups in a fresh process.
     */
    findNamed(name: string, kind?: BtfKind): number[] {
        const fns = this.table?.functions;
        if (fns && kind === BtfKind.Func && !this.names) return this.functionsNamed(fns, name);
        // Past a few dozen lookups the whole name index (built once) is cheaper than searching the strings each time.
        if (this.names || ++this.searches > NAME_SEARCHES_BEFORE_INDEX) return this.idsNamed(name).filter(id => kind === undefined || this.kindOf(id) === kind);
        return this.searchNames(name, true, kind);
    }

    /**
     * Ids of the types of a kind whose names start with `prefix` (this object only), found like
     * {@link findNamed}: a search of the string section, then of the name-offset column.
     */
    findPrefixed(prefix: string, kind: BtfKind): number[] {
        return this.searchNames(prefix, false, kind);
    }

    /**
     * The functions named `name`, found in the table's name lines: the line, then every function with its name's
     * offset in the name column (equal names share an offset).
     */
    private functionsNamed(fns: NonNullable<BtfTable['functions']>, name: string): number[] {
        // Names are C identifiers: one that could span lines, or is no byte string, is no function's.
        if (/[\n\0\u0100-\uffff]/.test(name)) return [];
        const needle = Buffer.from(`\n${fns.prefix}${name}\n`, 'latin1');
        const lines = fns.lines;
        // The first line has no newline before it.
        const first = lines.length >= needle.length - 1 && lines.subarray(0, needle.length - 1).equals(needle.subarray(1));
        const at = first ? 0 : lines.indexOf(needle) + 1;
        if (at === 0 && !first) return [];
        // The line starting at `at`, by a binary search of the line starts.
        let lo = 0;
        let hi = fns.starts.length - 1;
        while (lo < hi) {
            const mid = (lo + hi + 1) >>> 1;
            if (fns.starts[mid] <= at) lo = mid; else hi = mid - 1;
        }
        if (fns.starts[lo] !== at) return [];
        const off = this.nameOffs[fns.ids[lo] - this.firstId];
        const out: number[] = [];
        for (let i = this.nameOffs.indexOf(off); i >= 0; i = this.nameOffs.indexOf(off, i + 1)) {
            if (this.kinds[i] === BtfKind.Func) out.push(this.firstId + i);
        }
        return out;
    }

    /** Ids (this object only) whose names are `text` (`whole`) or start with it, of `kind` if given. */
    private searchNames(text: string, whole: boolean, kind?: BtfKind): number[] {
        this.needStrings();
        // A NUL before the text and, for a whole name, one after it.
        const needle = new Uint8Array(text.length + (whole ? 2 : 1));
        for (let i = 0; i < text.length; i++) needle[i + 1] = text.charCodeAt(i) & 0xff;
        // The section starts with the empty string, so every name at offset ≥ 1 is preceded by a NUL in it.
        const buf = Buffer.from(this.data.buffer, this.data.byteOffset + this.strStart, this.strLen);
        const offs = new Set<number>();
        const shift = this.base ? this.base.strLen : 0;
        for (let at = buf.indexOf(needle); at >= 0; at = buf.indexOf(needle, at + 1)) offs.add(at + 1 + shift);
        // The first string (offset 0) is always empty, so a name never starts at 0.
        const out: number[] = [];
        if (offs.size === 0) return out;
        const names = this.nameOffs;
        const kinds = this.kinds;
        if (offs.size <= FEW_NAMES) {
            // A few names (a whole name, mostly): the name column searched by the typed array's own indexOf, once per
            // name, instead of a loop over every type (125,000 in vmlinux) that a fresh process runs before it is
            // compiled.
            for (const off of offs) {
                for (let i = names.indexOf(off); i >= 0; i = names.indexOf(off, i + 1)) {
                    if (kind === undefined || kinds[i] === kind) out.push(this.firstId + i);
                }
            }
            return offs.size === 1 ? out : out.sort((a, b) => a - b);
        }
        // The kind first, a number compared, then the set.
        for (let i = 0; i < this.count; i++) {
            if (kind !== undefined && kinds[i] !== kind) continue;
            if (offs.has(names[i])) out.push(this.firstId + i);
        }
        return out;
    }

    /** Ids of all types of a kind in this object. */
    idsOfKind(kind: BtfKind): number[] {
        const out: number[] = [];
        for (let i = 0; i < this.count; i++) if (this.kinds[i] === kind) out.push(this.firstId + i);
        return out;
    }

    /** Number of types of a kind in this object. */
    countOfKind(kind: BtfKind): number {
        return this.kindCounts[kind] ?? 0;
    }

    /**
     * The names of all types of a kind as text, each once, a line apiece: `prefix` + name + newline, copied byte for
     * byte from the string section (BTF names are ASCII C identifiers). No string is made per name: listing the
     * kernel's 55,000 functions as strings, joined and encoded, took two thirds of a `probekit index --list`.
     */
    nameLinesOfKind(kind: BtfKind, prefix: string, index?: { starts: number[]; ids: number[] }): Uint8Array {
        const fns = this.table?.functions;
        if (fns && kind === BtfKind.Func && fns.prefix === prefix && !index) return fns.lines;
        this.base?.needStrings();
        this.needStrings();
        const head = Buffer.from(prefix, 'latin1');
        const baseLen = this.base?.strLen ?? 0;
        const seen = new Uint8Array(baseLen + this.strLen);
        // Sized for names of 32 characters on average, grown when they are longer.
        let out: Uint8Array = new Uint8Array(Math.max(64, this.countOfKind(kind) * (head.length + 33)));
        let p = 0;
        for (let i = 0; i < this.count; i++) {
            if (this.kinds[i] !== kind) continue;
            const off = this.nameOffs[i];
            if (seen[off]) continue;
            seen[off] = 1;
            const o: Btf = off < baseLen ? this.base! : this;
            const src = o.data;
            const stop = o.strStart + o.strLen;
            let q = o.strStart + (off < baseLen ? off : off - baseLen);
            if (p + head.length + 257 > out.length) out = grown(out, p);
            if (index) {
                index.starts.push(p);
                index.ids.push(this.firstId + i);
            }
            for (let k = 0; k < head.length; k++) out[p++] = head[k];
            // Byte by byte up to the NUL: a call per name (Buffer's copy, indexOf) cost more than the copying.
            for (let c; q < stop && (c = src[q]) !== 0; q++) {
                if (p + 1 >= out.length) out = grown(out, p);
                out[p++] = c;
            }
            out[p++] = 10;
        }
        return out.subarray(0, p);
    }

    /**
     * Names of all types of a kind, without decoding the records; `unique`: each name once (BTF keeps every string
     * once in its section, so equal names have equal offsets).
     */
    namesOfKind(kind: BtfKind, unique = false): string[] {
        const fns = this.table?.functions;
        if (fns && kind === BtfKind.Func && unique) {
            // From the table's lines, without the string section: each line is the prefix, a name and a newline.
            const text = fns.lines.toString('latin1');
            return text.split('\n').slice(0, -1).map(line => line.slice(fns.prefix.length));
        }
        const out: string[] = [];
        const seen = unique ? new Uint8Array(this.strLen + (this.base?.strLen ?? 0)) : undefined;
        for (let i = 0; i < this.count; i++) {
            if (this.kinds[i] !== kind) continue;
            const off = this.nameOffs[i];
            if (seen) {
                if (seen[off]) continue;
                seen[off] = 1;
            }
            out.push(this.str(off));
        }
        return out;
    }
}
