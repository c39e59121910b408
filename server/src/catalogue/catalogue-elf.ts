/**
 * An ELF reader for uprobe/USDT targets: section headers, `.symtab`/`.dynsym` function symbols, `.note.stapsdt`
 * markers and the GNU build id. ELF32/ELF64, either byte order. Reads only the sections it needs (positioned
 * reads), so large binaries cost what their symbol tables cost.
 */
import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { lazyFsPromises } from '../node-lazy.js';
import type { BinaryInfo, BinarySource, UsdtMarker } from '../../../language/src/catalogue/catalogue-binary-types.js';

const SHT_SYMTAB = 2;
const SHT_NOTE = 7;
const SHT_DYNSYM = 11;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;
const MACHINES: Record<number, string> = { 3: 'i386', 40: 'arm', 62: 'x86-64', 183: 'aarch64', 243: 'riscv', 21: 'ppc64', 22: 's390' };

interface Section {
    name: string;
    type: number;
    offset: number;
    size: number;
    link: number;
    entsize: number;
}

class Reader {
    constructor(readonly buf: Buffer, readonly le: boolean, readonly is64: boolean) {}
    u16(o: number): number { return this.le ? this.buf.readUInt16LE(o) : this.buf.readUInt16BE(o); }
    u32(o: number): number { return this.le ? this.buf.readUInt32LE(o) : this.buf.readUInt32BE(o); }
    u64(o: number): number {
        const v = this.le ? this.buf.readBigUInt64LE(o) : this.buf.readBigUInt64BE(o);
        return Number(v);
    }
    addr(o: number): number { return this.is64 ? this.u64(o) : this.u32(o); }
}

/** Thrown for offsets or sizes that point outside the file: the file is not a sane ELF file. */
class ElfRangeError extends Error {}

async function readAt(fh: FileHandle, offset: number, size: number, fileSize = Number.MAX_SAFE_INTEGER): Promise<Buffer> {
    // Corrupt headers give any 64-bit value; never allocate or seek outside the file (Node asserts on that).
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset < 0 || size < 0 || offset + size > fileSize) {
        throw new ElfRangeError(`range ${offset}+${size} outside the file`);
    }
    const buf = Buffer.alloc(size);
    const { bytesRead } = await fh.read(buf, 0, size, offset);
    return bytesRead === size ? buf : buf.subarray(0, bytesRead);
}

function cstr(buf: Buffer, off: number): string {
    if (off >= buf.length) return '';
    const end = buf.indexOf(0, off);
    return buf.toString('latin1', off, end < 0 ? buf.length : end);
}

/** Walks ELF notes (4-byte aligned name and desc): a `.note.*` section's, or the kernel's /sys/kernel/notes. */
export function* elfNotes(data: Buffer, le: boolean): Generator<{ owner: string; type: number; desc: Buffer }> {
    const r = new Reader(data, le, false);
    let p = 0;
    while (p + 12 <= data.length) {
        const namesz = r.u32(p);
        const descsz = r.u32(p + 4);
        const type = r.u32(p + 8);
        const nameAt = p + 12;
        const descAt = nameAt + ((namesz + 3) & ~3);
        const next = descAt + ((descsz + 3) & ~3);
        if (next > data.length || next <= p) return;
        yield { owner: data.toString('latin1', nameAt, nameAt + Math.max(0, namesz - 1)), type, desc: data.subarray(descAt, descAt + descsz) };
        p = next;
    }
}

/** Decodes `.note.stapsdt` (owner `stapsdt`, type 3): pc, base, semaphore, then provider, name, args. */
export function parseStapsdt(data: Buffer, le: boolean, is64: boolean): UsdtMarker[] {
    const out: UsdtMarker[] = [];
    const width = is64 ? 8 : 4;
    for (const n of elfNotes(data, le)) {
        if (n.owner !== 'stapsdt' || n.type !== 3 || n.desc.length < 3 * width) continue;
        const r = new Reader(n.desc, le, is64);
        const semaphore = r.addr(2 * width) !== 0;
        let p = 3 * width;
        const provider = cstr(n.desc, p);
        p += provider.length + 1;
        const name = cstr(n.desc, p);
        p += name.length + 1;
        const args = cstr(n.desc, p).trim();
        out.push({ provider, name, args, argCount: args ? args.split(/\s+/).length : 0, semaphore });
    }
    return out;
}

/** An open ELF file's header facts and named sections; undefined when it is not ELF. */
async function readSections(fh: FileHandle, fileSize: number): Promise<{ le: boolean; is64: boolean; machine: number; sections: Section[] } | undefined> {
    const ident = await readAt(fh, 0, Math.min(64, fileSize), fileSize);
    if (ident.length < 52 || ident.readUInt32BE(0) !== 0x7f454c46) return undefined;
    const is64 = ident[4] === 2;
    const le = ident[5] !== 2;
    const h = new Reader(ident, le, is64);
    const shoff = is64 ? h.u64(0x28) : h.u32(0x20);
    const shentsize = h.u16(is64 ? 0x3a : 0x2e);
    const shnum = h.u16(is64 ? 0x3c : 0x30);
    const shstrndx = h.u16(is64 ? 0x3e : 0x32);
    const machine = h.u16(0x12);
    if (!shoff || !shnum || shentsize < (is64 ? 64 : 40)) return undefined;
    const shdrs = new Reader(await readAt(fh, shoff, shnum * shentsize, fileSize), le, is64);
    const raw: Array<Omit<Section, 'name'> & { nameOff: number }> = [];
    for (let i = 0; i < shnum; i++) {
        const b = i * shentsize;
        if (b + shentsize > shdrs.buf.length) break;
        raw.push(is64
            ? { nameOff: shdrs.u32(b), type: shdrs.u32(b + 4), offset: shdrs.u64(b + 24), size: shdrs.u64(b + 32), link: shdrs.u32(b + 40), entsize: shdrs.u64(b + 56) }
            : { nameOff: shdrs.u32(b), type: shdrs.u32(b + 4), offset: shdrs.u32(b + 16), size: shdrs.u32(b + 20), link: shdrs.u32(b + 24), entsize: shdrs.u32(b + 36) });
    }
    const names = raw[shstrndx] ? await readAt(fh, raw[shstrndx].offset, raw[shstrndx].size, fileSize) : Buffer.alloc(0);
    return { le, is64, machine, sections: raw.map(s => ({ ...s, name: cstr(names, s.nameOff) })) };
}

/** The GNU build id in an ELF file's note sections. */
async function buildIdOf(fh: FileHandle, fileSize: number, le: boolean, sections: readonly Section[]): Promise<string | undefined> {
    let buildId: string | undefined;
    for (const s of sections) {
        if (s.type !== SHT_NOTE) continue;
        const data = await readAt(fh, s.offset, s.size, fileSize);
        for (const n of elfNotes(data, le)) if (n.owner === 'GNU' && n.type === 3) buildId = n.desc.toString('hex');
    }
    return buildId;
}

type ElfSections = NonNullable<Awaited<ReturnType<typeof readSections>>>;

/** Opens an ELF file and reads from it with its section table; undefined for non-ELF or unreadable files. */
async function withElf<T>(path: string, read: (fh: FileHandle, fileSize: number, elf: ElfSections) => Promise<T>): Promise<T | undefined> {
    let fh: FileHandle | undefined;
    try {
        // Only a regular file: opening a FIFO to read would wait for a writer, holding one of libuv's few threads.
        if (!(await lazyFsPromises().stat(path)).isFile()) return undefined;
        fh = await lazyFsPromises().open(path, constants.O_RDONLY | constants.O_NONBLOCK);
        const st = await fh.stat();
        if (!st.isFile()) return undefined;
        const fileSize = st.size;
        const elf = await readSections(fh, fileSize);
        return elf ? await read(fh, fileSize, elf) : undefined;
    } catch {
        return undefined;
    } finally {
        await fh?.close();
    }
}

/** An ELF file's section names and build id, without reading any symbols; undefined for non-ELF or unreadable files. */
export function readElfSections(path: string): Promise<{ sections: string[]; buildId?: string } | undefined> {
    return withElf(path, async (fh, fileSize, elf) => {
        const buildId = await buildIdOf(fh, fileSize, elf.le, elf.sections);
        return { sections: elf.sections.map(s => s.name), ...(buildId ? { buildId } : {}) };
    });
}

/** Reads an ELF file's function symbols, SDT markers and build id. Undefined for non-ELF or unreadable files. */
export function readElf(path: string): Promise<BinaryInfo | undefined> {
    return withElf(path, async (fh, fileSize, elf) => {
        const { le, is64, machine, sections } = elf;
        const functions = new Set<string>();
        let hasSymtab = false;
        for (const s of sections) {
            if (s.type !== SHT_SYMTAB && s.type !== SHT_DYNSYM) continue;
            if (s.type === SHT_SYMTAB) hasSymtab = true;
            const strs = sections[s.link];
            if (!strs) continue;
            const symData = new Reader(await readAt(fh, s.offset, s.size, fileSize), le, is64);
            const strData = await readAt(fh, strs.offset, strs.size, fileSize);
            const size = s.entsize || (is64 ? 24 : 16);
            for (let p = size; p + size <= symData.buf.length; p += size) {
                const info = symData.buf[is64 ? p + 4 : p + 12];
                const shndx = symData.u16(is64 ? p + 6 : p + 14);
                const kind = info & 0xf;
                if ((kind !== STT_FUNC && kind !== STT_GNU_IFUNC) || shndx === 0) continue;
                const name = cstr(strData, symData.u32(p));
                if (name) functions.add(name);
            }
        }
        const markers: UsdtMarker[] = [];
        for (const s of sections) {
            if (s.type === SHT_NOTE && s.name === '.note.stapsdt') markers.push(...parseStapsdt(await readAt(fh, s.offset, s.size, fileSize), le, is64));
        }
        const buildId = await buildIdOf(fh, fileSize, le, sections);
        return {
            path, format: `ELF${is64 ? 64 : 32} ${MACHINES[machine] ?? `machine ${machine}`}`,
            functions: [...functions].sort(), hasSymtab, markers, ...(buildId ? { buildId } : {}),
        };
    });
}

/** Where shared libraries are looked for when a name has no slash and ends in `.so…`. */
export const LIBRARY_DIRS = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', '/usr/lib64', '/lib', '/usr/lib',
    '/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/local/lib'];

/** BinarySource over the local file system; PATH from the given environment. */
export class NodeBinarySource implements BinarySource {
    constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

    async resolve(name: string): Promise<string | undefined> {
        if (name.includes('/')) {
            try {
                return (await lazyFsPromises().stat(name)).isFile() ? name : undefined;
            } catch {
                return undefined;
            }
        }
        const isLib = /\.so(\.|$)/.test(name);
        const dirs = isLib ? LIBRARY_DIRS : (this.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter).filter(Boolean);
        for (const dir of dirs) {
            const p = join(dir, name);
            try {
                await lazyFsPromises().access(p, isLib ? constants.R_OK : constants.X_OK);
                if ((await lazyFsPromises().stat(p)).isFile()) return p;
            } catch {
                // not here
            }
        }
        return undefined;
    }

    read(path: string): Promise<BinaryInfo | undefined> {
        return readElf(path);
    }
}
