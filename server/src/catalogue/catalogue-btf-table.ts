/**
 * BTF type tables in the disk cache: what opening a BTF file learns by walking it (each type's offset, kind and name
 * offset; the functions' names as lines, with where each starts and its id; the iterator names), kept as one binary
 * entry keyed by the file (path, size, and its modification time or, for the running kernel's, its build id). The next
 * process opens the file with the table and reads only the pages its questions touch (catalogue-btf-pages.ts): names,
 * counts and the `--list` lines need none, one prototype a few.
 *
 * Entry: a JSON line (format, header words, counts, the line prefix, the iterator names), then, from the next multiple
 * of 4, the arrays one after another in this host's byte order: offsets, name offsets (u32 a type), kind counts
 * (u32 × 32), line starts and ids (u32 a line), kinds (u8 a type), the lines. Anything else is a miss.
 */
import { statSync } from 'node:fs';
import { Btf, BtfFormatError, BtfKind, LITTLE_ENDIAN, type BtfTable } from './catalogue-btf.js';
import { BtfPages, checkBtfFile, readBtfFile } from './catalogue-btf-pages.js';
import { iterNamesOf } from './catalogue-btf-types.js';
import { cacheKey, type CatalogueCache } from './catalogue-cache.js';

const KIND = 'btftable';
const FORMAT = 1;
/** The lines kept: what `probekit index --list` prints for BTF's functions. */
export const FUNCTION_LINE_PREFIX = 'kfunc:';

interface TableHead {
    format: number;
    header: number[];
    count: number;
    lines: number;
    linesBytes: number;
    prefix: string;
    iters: string[];
}

function isHead(v: unknown): v is TableHead {
    const h = v as TableHead;
    const whole = (n: unknown): boolean => Number.isInteger(n) && (n as number) >= 0;
    return typeof v === 'object' && v !== null && h.format === FORMAT && Array.isArray(h.header) && h.header.length === 5 && h.header.every(whole)
        && whole(h.count) && whole(h.lines) && whole(h.linesBytes) && typeof h.prefix === 'string'
        && Array.isArray(h.iters) && h.iters.every(i => typeof i === 'string');
}

/** The entry for `btf` (its table, function lines and iterator names) as the parts of one file. */
export function encodeTable(btf: Btf): Uint8Array[] {
    const table = btf.tableOf();
    const index = { starts: [] as number[], ids: [] as number[] };
    const lines = btf.nameLinesOfKind(BtfKind.Func, FUNCTION_LINE_PREFIX, index);
    const head: TableHead = {
        format: FORMAT, header: [...table.header], count: table.offsets.length, lines: index.starts.length, linesBytes: lines.byteLength,
        prefix: FUNCTION_LINE_PREFIX, iters: iterNamesOf(btf),
    };
    const text = JSON.stringify(head) + '\n';
    const headBytes = Buffer.alloc((text.length + 3) & ~3);
    headBytes.write(text, 'latin1');
    const bytes = (a: Uint32Array | Uint8Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    return [headBytes, bytes(table.offsets), bytes(table.nameOffs), bytes(table.kindCounts), bytes(Uint32Array.from(index.starts)),
        bytes(Uint32Array.from(index.ids)), bytes(table.kinds), lines];
}

/** The table in an entry's bytes; undefined when they are not one. */
export function decodeTable(data: Uint8Array | undefined): BtfTable | undefined {
    if (!data) return undefined;
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const nl = buf.indexOf(10);
    if (nl < 0 || nl > 1 << 20) return undefined;
    let head: unknown;
    try {
        head = JSON.parse(buf.toString('latin1', 0, nl));
    } catch {
        return undefined;
    }
    if (!isHead(head)) return undefined;
    const start = (nl + 1 + 3) & ~3;
    const { count, lines, linesBytes } = head;
    if (buf.length !== start + 4 * (2 * count + 32 + 2 * lines) + count + linesBytes) return undefined;
    // Views need their start aligned for u32: a copy when the bytes were not handed over so.
    const body = (buf.byteOffset + start) % 4 === 0 ? buf.subarray(start) : new Uint8Array(buf.subarray(start));
    let at = body.byteOffset;
    const u32 = (n: number): Uint32Array => {
        const a = new Uint32Array(body.buffer, at, n);
        at += 4 * n;
        return a;
    };
    const u8 = (n: number): Buffer => {
        const a = Buffer.from(body.buffer, at, n);
        at += n;
        return a;
    };
    const offsets = u32(count);
    const nameOffs = u32(count);
    const kindCounts = u32(32);
    const starts = u32(lines);
    const ids = u32(lines);
    const kinds = u8(count);
    return { header: head.header, offsets, nameOffs, kindCounts, kinds, functions: { prefix: head.prefix, lines: u8(linesBytes), starts, ids }, iters: head.iters };
}

/**
 * vmlinux BTF at `path`: through the table kept in `cache`, reading pages as wanted, when there is one for this
 * file (its path, size and modification time; for the running kernel's own BTF, `kernel`, its build id, instead of the
 * time); else read whole and walked, and its table kept.
 * Throws what reading the file throws, and BtfFormatError (also for a file that is no regular file, or too large: see
 * checkBtfFile).
 */
export function openBtf(path: string, cache?: CatalogueCache, kernel?: string): Btf {
    const st = statSync(path);
    checkBtfFile(st);
    if (!cache) return new Btf(readBtfFile(path, st));
    // The running kernel's BTF is part of its image: its build id names it. Not sysfs's modification time, which is
    // when the file's inode was last made in memory (it moved on this machine without a reboot).
    const key = cacheKey([KIND, path, st.size, kernel ?? st.mtimeMs, LITTLE_ENDIAN]);
    const table = decodeTable(cache.readBytes(KIND, key));
    if (table) {
        const pages = new BtfPages(path, st.size);
        try {
            return new Btf(pages.bytes, undefined, { table, pages });
        } catch (e) {
            if (!(e instanceof BtfFormatError)) throw e;
            cache.discard(KIND, key, 'bin');
        }
    }
    const btf = new Btf(readBtfFile(path, st));
    cache.writeBytes(KIND, key, encodeTable(btf));
    return btf;
}
