/**
 * Reading BTF files: whole, once their `stat` shows a regular file of a size BTF can have; or a page at a time, as
 * their bytes are wanted ({@link BtfPages}: the bytes array has the file's size from the start, its memory untouched
 * and so not yet paid for, and a page is read the first time a range that covers it is asked for). Opening vmlinux
 * BTF a page at a time with its type table from the disk cache (catalogue-btf-table.ts) reads a few pages for a
 * prototype instead of 5.4 MB: sysfs gives BTF 4 KB a read, and a fresh process paid 10–15 ms for the whole of it
 * here, for the reads and for the memory they fill.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, readSync, statSync, type Stats } from 'node:fs';
import { BtfFormatError } from './catalogue-btf.js';

/** The unit read at a time: sysfs hands out no more than a page per read. */
const PAGE = 4096;

/** Larger than any BTF object (vmlinux's is 5–10 MB): a file this size is refused, not read. */
export const MAX_BTF_BYTES = 256 << 20;

/**
 * What a BTF file's `stat` says of it: refused (BtfFormatError) unless it is a regular file (sysfs's BTF files are) of a
 * size BTF can have, so that a device, a FIFO or a huge file given as BTF is a message, not a read without end.
 */
export function checkBtfFile(st: Stats): void {
    if (!st.isFile()) throw new BtfFormatError('not a regular file');
    if (st.size > MAX_BTF_BYTES) throw new BtfFormatError(`${Math.round(st.size / (1 << 20))} MB, larger than any BTF`);
}

/** A BTF file's bytes, read whole once {@link checkBtfFile} has passed it (opened without waiting on a FIFO's writer). */
export function readBtfFile(path: string, st: Stats = statSync(path)): Buffer {
    checkBtfFile(st);
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
        // Checked again on what was opened: the path may have been replaced in between.
        checkBtfFile(fstatSync(fd));
        return readFileSync(fd);
    } finally {
        closeSync(fd);
    }
}

export class BtfPages {
    readonly bytes: Uint8Array;
    private readonly loaded: Uint8Array;
    private missing: number;

    constructor(readonly path: string, readonly size: number) {
        this.bytes = new Uint8Array(size);
        this.loaded = new Uint8Array(Math.ceil(size / PAGE));
        this.missing = this.loaded.length;
    }

    /** Whether every page has been read. */
    get complete(): boolean {
        return this.missing === 0;
    }

    /** Makes `bytes[start..end)` hold the file's bytes (clamped to the file). Throws BtfFormatError if the file ends early. */
    need(start: number, end: number): void {
        if (this.missing === 0) return;
        const last = Math.ceil(Math.min(end, this.size) / PAGE);
        let page = Math.max(0, Math.floor(start / PAGE));
        while (page < last) {
            if (this.loaded[page]) {
                page++;
                continue;
            }
            // A run of pages not yet read, read in one go (sysfs still answers a page a read).
            let stop = page + 1;
            while (stop < last && !this.loaded[stop]) stop++;
            this.read(page, stop);
            page = stop;
        }
    }

    private read(first: number, stop: number): void {
        const end = Math.min(this.size, stop * PAGE);
        const fd = openSync(this.path, constants.O_RDONLY | constants.O_NONBLOCK);
        try {
            for (let pos = first * PAGE; pos < end;) {
                const n = readSync(fd, this.bytes, pos, end - pos, pos);
                if (n <= 0) throw new BtfFormatError(`${this.path} ended at byte ${pos}, not at ${this.size} as when its types were indexed`);
                pos += n;
            }
        } finally {
            closeSync(fd);
        }
        this.loaded.fill(1, first, stop);
        this.missing -= stop - first;
    }
}
