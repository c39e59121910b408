/** Bracket pairs of a token stream, as stap's nesting goes: any closing bracket closes the innermost open one. */
import type { StapToken } from './systemtap-tokens.js';

/** For each opening bracket, the index of the bracket that closes it, or -1 (left open); -1 for other tokens too. */
export function closers(tokens: readonly StapToken[]): Int32Array {
    const match = new Int32Array(tokens.length).fill(-1);
    const open: number[] = [];
    for (let k = 0; k < tokens.length; k++) {
        const t = tokens[k];
        if (t.kind !== 'operator') continue;
        if (t.image === '(' || t.image === '[' || t.image === '{') open.push(k);
        else if ((t.image === ')' || t.image === ']' || t.image === '}') && open.length) match[open.pop()!] = k;
    }
    return match;
}
