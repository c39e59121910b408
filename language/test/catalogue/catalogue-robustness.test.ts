/** Seeded random inputs: the indexer never throws and always finishes, whatever the text. */
import { describe, expect, test } from 'vitest';
import { indexMacroFile, indexTapsetFile } from '../../src/catalogue/catalogue-tapset-indexer.js';
import type { TapsetTarget } from '../../src/catalogue/catalogue-tapset-types.js';
import { mulberry32 } from '../seeded-random.js';

const TARGET: TapsetTarget = { kernelRelease: '6.1.0', arch: 'x86_64', runtime: 'kernel', stapVersion: '4.8' };
const PIECES = ['probe', 'function', 'global', 'private', '@define', '@M', '@M(', '%(', '%?', '%:', '%)', '%{', '%}', '{', '}', '(', ')',
    '[', ']', ',', '=', '+=', '.', ':', 'x', 'long', 'string', '"s"', '"', '/*', '*/', '/**\n * sfunction x - y\n */', '#', '\n', '1',
    'arch == "x86_64"', 'kernel_v >= "2.6"', '$v', '->', '?', '!', 'if', ';', 'syscall.x', 'kernel.function("f").return'];

describe('random token soup', () => {
    test.each(Array.from({ length: 40 }, (_, i) => i + 1))('seed %i', seed => {
        const r = mulberry32(seed);
        const text = Array.from({ length: 300 }, () => PIECES[Math.floor(r() * PIECES.length)]).join(r() < 0.5 ? ' ' : '');
        const library = new Map(indexMacroFile('/t/lib.stpm', '@define M %( @M x = 1 %)\n' + text, TARGET).defs.map(d => [`@${d.name}`, d]));
        const decls = indexTapsetFile('/t/soup.stp', text, TARGET, library);
        for (const d of [...decls.aliases, ...decls.functions, ...decls.globals, ...decls.macros]) {
            expect(d.line).toBeGreaterThanOrEqual(0);
            expect(d.character).toBeGreaterThanOrEqual(0);
        }
    });
});
