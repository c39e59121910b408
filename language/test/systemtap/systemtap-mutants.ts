import { lexStap } from '../../src/systemtap/systemtap-tokens.js';

/** What a mutation inserts before a token. */
const INSERTS = ['probe', '{', '}', '(', ')', '[', ']', ';', ',', '%(', '%?', '%:', '%)', '@define', '@cast', 'if', 'else',
    'foreach', 'in', '"', '/*', '%{', '->', '<<<', '$1', '@1', '?', ':', '.', '*', 'function', 'global', 'return', '0x'];

/**
 * One seeded mutation of a SystemTap text, at the level of its tokens: a token deleted, doubled or swapped with
 * another, a word or operator inserted, the text cut, or random bytes put in.
 */
export function stapMutant(text: string, rnd: () => number): string {
    const tokens = lexStap(text).tokens;
    const pick = () => tokens[Math.floor(rnd() * tokens.length)];
    const kind = Math.floor(rnd() * 6);
    if (tokens.length === 0 || kind === 5) {
        // random bytes at a random place
        const at = Math.floor(rnd() * text.length);
        const junk = String.fromCharCode(...Array.from({ length: 1 + Math.floor(rnd() * 64) }, () => Math.floor(rnd() * 256)));
        return text.slice(0, at) + junk + text.slice(at);
    }
    const t = pick();
    switch (kind) {
        case 0: return text.slice(0, t.offset) + text.slice(t.end);
        case 1: return text.slice(0, t.end) + ' ' + t.image + text.slice(t.end);
        case 2: {
            const u = pick();
            const [a, b] = t.offset < u.offset ? [t, u] : [u, t];
            if (a.end > b.offset) return text;
            return text.slice(0, a.offset) + b.image + text.slice(a.end, b.offset) + a.image + text.slice(b.end);
        }
        case 3: return text.slice(0, t.offset) + INSERTS[Math.floor(rnd() * INSERTS.length)] + ' ' + text.slice(t.offset);
        default: return text.slice(0, Math.floor(rnd() * text.length));
    }
}
