/** The index of the first item at or after `offset` in items sorted by offset (`items.length` when none is). */
export function firstAtOrAfter(items: readonly { readonly offset: number }[], offset: number): number {
    let lo = 0;
    let hi = items.length;
    while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (items[mid].offset < offset) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}
