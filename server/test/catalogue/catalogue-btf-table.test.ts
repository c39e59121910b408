/**
 * BTF opened through its type table in the disk cache (catalogue-btf-table.ts) answers every question as BTF read
 * whole does, reads only the pages it needs, and falls back to reading the file whole when the table is not for it.
 * Fixture files are made in the test; this machine's vmlinux BTF where it has one.
 */
import { existsSync, readdirSync, readFileSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { TapsetTarget } from '../../../language/src/catalogue/catalogue-tapset-types.js';
import { Btf, BtfFormatError, BtfKind } from '../../src/catalogue/catalogue-btf.js';
import { BtfPages } from '../../src/catalogue/catalogue-btf-pages.js';
import { decodeTable, encodeTable, openBtf } from '../../src/catalogue/catalogue-btf-table.js';
import { BtfTypeSource, typeText } from '../../src/catalogue/catalogue-btf-types.js';
import { CatalogueCache } from '../../src/catalogue/catalogue-cache.js';
import { NodeSystemCatalogue } from '../../src/catalogue/catalogue-system.js';
import { hasKprobeEventSource } from '../../src/providers/node-host-facts.js';
import { btfFixture } from './catalogue-btf-builder.js';
import { tempDir } from './catalogue-test-kit.js';

const VMLINUX = '/sys/kernel/btf/vmlinux';

/** A BTF file and an empty cache folder, made for one test. */
function fixtureFile(blob: Uint8Array = btfFixture().blob): { path: string; cache: CatalogueCache } {
    const dir = tempDir();
    const path = join(dir, 'vmlinux');
    writeFileSync(path, blob);
    return { path, cache: new CatalogueCache(join(dir, 'cache')) };
}

/** The same object opened twice through the cache: the first reads it whole and keeps its table, the second opens it with the table. */
function openedTwice(path: string, cache: CatalogueCache, kernel?: string): { whole: Btf; paged: Btf } {
    const whole = openBtf(path, cache, kernel);
    const paged = openBtf(path, cache, kernel);
    return { whole, paged };
}

/** Questions a catalogue asks of BTF, each answered as JSON text (so that any difference shows). */
const QUESTIONS: Array<[string, (src: BtfTypeSource, btf: Btf) => unknown]> = [
    ['func vfs_read', src => src.func('vfs_read')],
    ['func printk (varargs)', src => src.func('printk')],
    ['func missing', src => src.func('no_such_function')],
    ['func with a newline in its name', src => src.func('vfs_read\nkfunc:printk')],
    ['func with a character beyond latin1', src => src.func('vfs_read\u0100')],
    ['func, empty name', src => src.func('')],
    ['struct file', src => src.type('struct file')],
    ['typedef size_t', src => src.type('size_t')],
    ['enum state', src => src.type('enum state')],
    ['aggregateOf cfile_t *', src => src.aggregateOf('cfile_t *')],
    ['iterNames', src => src.iterNames()],
    ['iterArgs task_file', src => src.iterArgs('task_file')],
    ['rawTracepointArgs sched_switch', src => src.rawTracepointArgs('sched_switch')],
    ['tracepointFields sched_switch', src => src.tracepointFields('sched_switch')],
    ['functionNames', src => src.functionNames()],
    ['functionCount', src => src.functionCount()],
    ['functionNameLines kfunc:', src => Buffer.from(src.functionNameLines('kfunc:')).toString('latin1')],
    ['functionNameLines with another prefix', src => Buffer.from(src.functionNameLines('fentry:')).toString('latin1')],
    ['typeCount', src => src.typeCount],
    ['findNamed, every kind', (_src, btf) => ['vfs_read', 'file', 'size_t', 'jiffies', 'nope'].map(n => btf.findNamed(n))],
    ['findNamed, functions', (_src, btf) => ['vfs_read', 'printk', '__probestub_sched_switch', 'file', 'nope'].map(n => btf.findNamed(n, BtfKind.Func))],
    ['type text of every id', (_src, btf) => Array.from({ length: btf.count }, (_, i) => typeText(btf, i + 1))],
];

describe('a fixture BTF file opened through its kept type table', () => {
    test.each(QUESTIONS)('%s: the same answer as from the file read whole', (_name, ask) => {
        const { path, cache } = fixtureFile();
        const { whole, paged } = openedTwice(path, cache);
        expect(whole.table).toBeUndefined();
        expect(paged.table).toBeDefined();
        expect(JSON.stringify(ask(new BtfTypeSource(paged), paged))).toBe(JSON.stringify(ask(new BtfTypeSource(whole), whole)));
    });
    test('the table survives its encoding', () => {
        const btf = new Btf(btfFixture().blob);
        const table = decodeTable(Buffer.concat(encodeTable(btf)))!;
        expect(table.header).toEqual(btf.tableOf().header);
        expect([...table.offsets]).toEqual([...btf.tableOf().offsets]);
        expect(table.iters).toEqual(['task_file']);
    });
    test.each([
        ['empty', Buffer.alloc(0)],
        ['no first line', Buffer.from('{"format":1}')],
        ['not JSON', Buffer.from('{format\n')],
        ['another format', Buffer.from('{"format":0}\n')],
        ['cut short', Buffer.concat(encodeTable(new Btf(btfFixture().blob))).subarray(0, -1)],
        ['one byte too many', Buffer.concat([...encodeTable(new Btf(btfFixture().blob)), Buffer.alloc(1)])],
    ])('an entry that is no table (%s) is a miss', (_name, bytes) => {
        expect(decodeTable(bytes)).toBeUndefined();
    });
    test('an entry at an odd offset is copied, not misread', () => {
        const bytes = Buffer.concat(encodeTable(new Btf(btfFixture().blob)));
        const odd = Buffer.alloc(bytes.length + 1);
        bytes.copy(odd, 1);
        expect([...decodeTable(odd.subarray(1))!.nameOffs]).toEqual([...decodeTable(bytes)!.nameOffs]);
    });
    test('a table whose header is not the file\'s is put aside: the file is read whole and its own table kept', () => {
        const { blob } = btfFixture();
        const { path, cache } = fixtureFile(blob);
        const before = openBtf(path, cache);
        // The same size and modification time, the last type record moved into the string section: the key is the same,
        // the header is not.
        const st = statSync(path);
        const changed = Buffer.from(blob);
        changed.writeUInt32LE(changed.readUInt32LE(12) - 12, 12);
        changed.writeUInt32LE(changed.readUInt32LE(16) - 12, 16);
        changed.writeUInt32LE(changed.readUInt32LE(20) + 12, 20);
        writeFileSync(path, changed);
        utimesSync(path, st.atime, st.mtime);
        const after = openBtf(path, cache);
        expect(after.table).toBeUndefined();
        expect(after.count).toBe(before.count - 1);
        expect(openBtf(path, cache).table?.header).toEqual(after.tableOf().header);
    });
    test('a file cut short after its table was kept: a new key (its size), read whole', () => {
        const { path, cache } = fixtureFile();
        openBtf(path, cache);
        truncateSync(path, 100);
        expect(() => openBtf(path, cache)).toThrow(BtfFormatError);
    });
    test('a file cut short while opened through its table: the pages it lacks are a BtfFormatError, not zeros', () => {
        // Types at the end of a file larger than a page, which the first read (its header page) does not cover.
        const big = btfFixture().blob;
        const padded = Buffer.alloc(big.length + 10_000);
        big.copy(padded);
        // The string section grows by the padding: the last 10,000 bytes are empty strings.
        padded.writeUInt32LE(padded.readUInt32LE(20) + 10_000, 20);
        const { path, cache } = fixtureFile(padded);
        const { paged } = openedTwice(path, cache);
        truncateSync(path, 4096);
        expect(() => paged.str(big.length + 5000 - 24 - paged.tableOf().header[3])).toThrow(BtfFormatError);
    });
    test.each(Array.from({ length: 20 }, (_, i) => i + 1))('a table with random bytes changed (seed %i) answers or says BtfFormatError, never anything else', seed => {
        let r = seed;
        const next = (): number => (r = (Math.imul(r, 1103515245) + 12345) >>> 0) / 4294967296;
        const { path, cache } = fixtureFile();
        const bytes = Buffer.concat(encodeTable(openBtf(path, cache)));
        const body = bytes.indexOf(10) + 4;
        for (let k = 0; k < 8; k++) bytes[body + Math.floor(next() * (bytes.length - body))] = Math.floor(next() * 256);
        const table = decodeTable(bytes)!;
        let btf: Btf;
        try {
            const pages = new BtfPages(path, statSync(path).size);
            btf = new Btf(pages.bytes, undefined, { table, pages });
        } catch (e) {
            expect(e).toBeInstanceOf(BtfFormatError);
            return;
        }
        for (const [name, ask] of QUESTIONS) {
            try {
                ask(new BtfTypeSource(btf), btf);
            } catch (e) {
                expect(e, name).toBeInstanceOf(BtfFormatError);
            }
        }
    });
    test('the entry is one file in the cache folder, named for its kind', () => {
        const { path, cache } = fixtureFile();
        openBtf(path, cache);
        expect(readdirSync(cache.dir).filter(n => n.startsWith('btftable-') && n.endsWith('.bin'))).toHaveLength(1);
    });
});

describe.runIf(existsSync(VMLINUX))('this machine\'s vmlinux BTF through its kept type table', () => {
    const { cache } = fixtureFile();
    const { whole, paged } = openedTwice(VMLINUX, cache, 'test-kernel');
    const wholeSrc = new BtfTypeSource(whole);
    const pagedSrc = new BtfTypeSource(paged);
    test('a prototype, the function names and the --list lines read a few pages, not the file', () => {
        expect(pagedSrc.func('vfs_read')).toEqual(wholeSrc.func('vfs_read'));
        expect(pagedSrc.functionCount()).toBe(wholeSrc.functionCount());
        expect(pagedSrc.functionNames()).toEqual(wholeSrc.functionNames());
        expect(Buffer.from(pagedSrc.functionNameLines('kfunc:'))).toEqual(Buffer.from(wholeSrc.functionNameLines('kfunc:')));
        expect(paged.pages?.complete).toBe(false);
    });
    test.each([
        ['the --list lines', (s: BtfTypeSource) => Buffer.from(s.functionNameLines('kfunc:')).toString('latin1')],
        ['iterators', (s: BtfTypeSource) => s.iterNames()],
        ['struct path through a pointer', (s: BtfTypeSource) => s.aggregateOf('struct path *')],
        ['a tracepoint class (struct names, from the string section)', (s: BtfTypeSource) => s.tracepointClass('sched_wakeup')],
        ['raw tracepoint arguments', (s: BtfTypeSource) => s.rawTracepointArgs('sched_switch')],
        ['every function name', (s: BtfTypeSource) => s.functionNames()],
    ])('%s: the same as from the file read whole', (_name, ask) => {
        expect(JSON.stringify(ask(pagedSrc))).toBe(JSON.stringify(ask(wholeSrc)));
    });
    test('another kernel build id is another entry', () => {
        expect(openBtf(VMLINUX, cache, 'another-kernel').table).toBeUndefined();
        expect(openBtf(VMLINUX, cache, 'another-kernel').table).toBeDefined();
    });
});

describe('the kernel\'s kprobes answer in the cache', () => {
    const TARGET: TapsetTarget = { kernelRelease: release(), arch: 'x86_64', runtime: 'kernel', stapVersion: '4.8' };
    // Where the kprobe event source exists, the kernel is not asked at all (nothing is kept); the configuration is read
    // only where it does not.
    test.runIf(!hasKprobeEventSource())('is kept under the build id and read back instead of the configuration', async () => {
        const dir = tempDir();
        const cache = new CatalogueCache(dir);
        const first = new NodeSystemCatalogue({ tapsetRoots: [], target: TARGET, stapVersion: '4.8', cache });
        const answer = await first.kernelSymbols.kernelFunctions();
        const kept = readdirSync(dir).find(n => n.startsWith('kprobes-'));
        if (first.kernelIdentity.startsWith('release:')) {
            // No build id: nothing to key it by, nothing kept.
            expect(kept).toBeUndefined();
            return;
        }
        expect(kept).toBeDefined();
        const said = JSON.parse(readFileSync(join(dir, kept!), 'latin1')) as { kprobes: boolean | null };
        expect(typeof said.kprobes === 'boolean' || said.kprobes === null).toBe(true);
        // What the entry says is what the next catalogue believes: turned round, the answer turns round.
        writeFileSync(join(dir, kept!), JSON.stringify({ kprobes: !said.kprobes }));
        const second = new NodeSystemCatalogue({ tapsetRoots: [], target: TARGET, stapVersion: '4.8', cache });
        const again = await second.kernelSymbols.kernelFunctions();
        expect(again === undefined || again.names.length === 0).toBe(!!said.kprobes);
        expect(answer === undefined || answer.names.length === 0).toBe(!said.kprobes);
    });
});
