/**
 * Seeded pseudo-random generators for the fuzz and robustness tests: the same seed gives the same
 * sequence on every run, so a failure can be replayed.
 */

/** A 32-bit linear congruential generator (Numerical Recipes constants); values in [0, 1). */
export function lcg(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
        s = (s * 1664525 + 1013904223) >>> 0;
        return s / 2 ** 32;
    };
}

/** mulberry32: a small generator with better low bits than the LCG; values in [0, 1). */
export function mulberry32(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}
