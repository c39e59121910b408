import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { NodeBinarySource, readElf } from '../../src/catalogue/catalogue-elf.js';
import { hasTool, runTool, tempDir } from './catalogue-test-kit.js';

const canRoot = process.getuid?.() === 0 && hasTool('bpftrace');

describe('this machine\'s /bin/bash', () => {
    test('has a readline function symbol, and lists what bpftrace lists', async () => {
        const source = new NodeBinarySource();
        const bash = await source.resolve('bash');
        expect(bash).toMatch(/\/bash$/);
        const info = (await source.read(bash!))!;
        expect(info.functions).toContain('readline');
        expect(info.format).toMatch(/^ELF64 /);
        if (canRoot) {
            const listed = runTool('bpftrace', ['-l', `uprobe:${bash}:*`]).split('\n').filter(l => l.startsWith('uprobe:'));
            expect(new Set(info.functions)).toEqual(new Set(listed.map(l => l.slice(l.lastIndexOf(':') + 1))));
        }
    });
});

const SOURCE = `
#include <sys/sdt.h>
int fire_sem(void);
__attribute__((noinline)) static int helper(int x) { return x * 2; }
int exported_fn(int a, const char *s) {
    DTRACE_PROBE2(myprov, start, a, s);
    return helper(a);
}
int main(int argc, char **argv) {
    STAP_PROBE(myprov, nothing);
    STAP_PROBE3(other, three, argc, argv, 3);
    return exported_fn(argc, argv[0]) + fire_sem();
}
`;
// Semaphores are all-or-nothing per translation unit, so the probe that has one lives in its own file.
const SEMAPHORE_SOURCE = `
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>
unsigned short semprov_fire_semaphore __attribute__((unused)) __attribute__((section(".probes")));
int fire_sem(void) { if (semprov_fire_semaphore) STAP_PROBE(semprov, fire); return 0; }
`;

describe.runIf(hasTool('cc'))('ELF files made here', () => {
    let dir: string;
    let exe: string;
    let lib: string;
    let stripped: string;
    beforeAll(() => {
        dir = tempDir();
        writeFileSync(join(dir, 'usdt.c'), SOURCE);
        writeFileSync(join(dir, 'sem.c'), SEMAPHORE_SOURCE);
        exe = join(dir, 'usdt');
        lib = join(dir, 'libusdt.so');
        stripped = join(dir, 'usdt-stripped');
        const out = runTool('cc', ['-O1', '-o', exe, join(dir, 'usdt.c'), join(dir, 'sem.c')])
            + runTool('cc', ['-O1', '-shared', '-fPIC', '-o', lib, join(dir, 'usdt.c'), join(dir, 'sem.c')]);
        copyFileSync(exe, stripped);
        runTool('strip', [stripped]);
        expect(out).not.toMatch(/error/);
    });

    test('function symbols from .symtab, local ones included', async () => {
        const info = (await readElf(exe))!;
        expect(info.hasSymtab).toBe(true);
        expect(info.functions).toEqual(expect.arrayContaining(['main', 'exported_fn', 'helper']));
        expect(info.buildId).toMatch(/^[0-9a-f]{40}$/);
    });

    test('SDT markers: provider, name, argument count, semaphore', async () => {
        const info = (await readElf(exe))!;
        const markers = info.markers.map(m => `${m.provider}:${m.name}/${m.argCount}${m.semaphore ? ' sem' : ''}`).sort();
        expect(markers).toEqual(['myprov:nothing/0', 'myprov:start/2', 'other:three/3', 'semprov:fire/0 sem']);
        if (canRoot) {
            const listed = runTool('bpftrace', ['-l', `usdt:${exe}:*`]).split('\n').filter(l => l.startsWith('usdt:'));
            expect(listed.map(l => l.split(':').slice(2).join(':')).sort()).toEqual(info.markers.map(m => `${m.provider}:${m.name}`).sort());
        }
    });

    test('a stripped binary keeps only dynamic symbols, and its markers', async () => {
        const info = (await readElf(stripped))!;
        expect(info.hasSymtab).toBe(false);
        expect(info.functions).not.toContain('helper');
        expect(info.markers.length).toBe(4);
    });

    test('a shared library exports its functions', async () => {
        const info = (await readElf(lib))!;
        expect(info.functions).toContain('exported_fn');
        expect(info.markers.map(m => m.name)).toContain('start');
    });

    test('resolving names through PATH', async () => {
        const source = new NodeBinarySource({ PATH: `/nonexistent:${dir}` });
        expect(await source.resolve('usdt')).toBe(exe);
        expect(await source.resolve('usdt.c')).toBeUndefined(); // not executable
        expect(await source.resolve(exe)).toBe(exe);
        expect(await source.resolve(join(dir, 'missing'))).toBeUndefined();
        expect(await new NodeBinarySource().resolve('libc.so.6')).toMatch(/libc\.so\.6$/);
    });

    test.each([
        ['not ELF', (p: string) => writeFileSync(p, '#!/bin/sh\necho hi\n')],
        ['empty', (p: string) => writeFileSync(p, '')],
        ['truncated ELF', (p: string) => writeFileSync(p, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]))],
        ['garbage section table', (p: string) => {
            const b = Buffer.alloc(128, 0xff);
            b.writeUInt32BE(0x7f454c46, 0);
            b[4] = 2; b[5] = 1;
            writeFileSync(p, b);
        }],
        ['a FIFO without a writer (opening it to read would wait)', (p: string) => execFileSync('mkfifo', [p])],
        ['a directory', (p: string) => mkdirSync(p)],
    ])('%s: undefined, no throw', async (_label, make) => {
        const p = join(dir, `bad-${Math.random().toString(36).slice(2)}`);
        make(p);
        expect(await readElf(p)).toBeUndefined();
    });
    test('a device: undefined, at once', async () => {
        expect(await readElf('/dev/zero')).toBeUndefined();
    });
});
