/** Offsets at which the lines of `text` start (the first is 0): the table for offset → line/column. */
export function lineStarts(text: string): number[] {
    const starts = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    return starts;
}

/**
 * 0-based line holding `offset`, by binary search in `starts` (from {@link lineStarts}). `from` is a line known
 * to start at or before the offset, which narrows the search when offsets come in order.
 */
export function lineOfOffset(starts: readonly number[], offset: number, from = 0): number {
    let lo = from;
    let hi = starts.length - 1;
    while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid] <= offset) lo = mid;
        else hi = mid - 1;
    }
    return lo;
}
