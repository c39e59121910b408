/**
 * Brackets left open by the thousand (`f(p f(p f(p …` to the end of a file): each one is a syntax error, and the
 * parser's recovery from each costs as much as the depth of the rules open around it, so a file with 20,000 took 13 s
 * and one with 100,000 four minutes. stap reports the first and skips to the next declaration. Here the nest is
 * read up to {@link MAX_UNCLOSED} open brackets, and what follows is left out up to the next top-level keyword (as
 * stap resynchronises), with a warning there; the parser's errors before it stand.
 */
import { startsDeclaration, type StapToken } from './systemtap-tokens.js';
import { closers } from './systemtap-bracket-pairs.js';

/** Brackets left open that the parser reads; past them the rest of the declaration is left out. */
export const MAX_UNCLOSED = 200;

/** A run of tokens left out: from the bracket that opens one too many to the next top-level keyword (exclusive). */
export interface StapUnclosedRun {
    from: number;
    to: number;
}

/**
 * The runs to leave out of `tokens`, in order (none in a stream with fewer open brackets than the limit). `open`: how
 * many brackets the stream leaves open, where known (the preprocessor counts them: see StapPreprocessResult).
 */
export function unclosedRuns(tokens: readonly StapToken[], open?: number, max = MAX_UNCLOSED): StapUnclosedRun[] {
    // How many are left open, first (a count: every file is checked, few have any left open).
    if (open === undefined) {
        open = 0;
        for (const t of tokens) {
            if (t.kind !== 'operator') continue;
            const o = t.image;
            if (o === '(' || o === '[' || o === '{') open++;
            else if ((o === ')' || o === ']' || o === '}') && open > 0) open--;
        }
    }
    if (open <= max) return [];
    const match = closers(tokens);
    // Past the limit, in one declaration, a run starts at the bracket and ends at the next top-level keyword.
    const runs: StapUnclosedRun[] = [];
    let unclosed = 0;
    for (let k = 0; k < tokens.length; k++) {
        const t = tokens[k];
        if (t.kind === 'ident' && startsDeclaration(tokens, k)) unclosed = 0;
        if (t.kind !== 'operator' || match[k] >= 0 || !(t.image === '(' || t.image === '[' || t.image === '{')) continue;
        if (++unclosed <= max) continue;
        let to = k + 1;
        while (to < tokens.length && !(tokens[to].kind === 'ident' && startsDeclaration(tokens, to))) to++;
        runs.push({ from: k, to });
        k = to - 1;
        unclosed = 0;
    }
    return runs;
}
