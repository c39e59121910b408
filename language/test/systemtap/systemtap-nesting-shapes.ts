/** Deeply nested SystemTap texts of a given depth, for the nesting tests (and their child process). */
export const NESTING_SHAPES: Record<string, (n: number) => string> = {
    parentheses: n => `probe begin { x = ${'('.repeat(n)}1${')'.repeat(n)} }`,
    blocks: n => `probe begin ${'{'.repeat(n)}${'}'.repeat(n)}`,
    'index brackets': n => `probe begin { x = ${'a['.repeat(n)}1${']'.repeat(n)} }`,
    'else if branches': n => `probe begin { if (x == 0) y = 0 ${Array.from({ length: n - 1 }, (_, i) => `else if (x == ${i + 1}) y = ${i + 1}`).join(' ')} }`,
    'nested ifs': n => `probe begin { ${'if (x) '.repeat(n)}y = 1 }`,
    'chained assignments': n => `probe begin { ${'x = '.repeat(n)}1 }`,
};
