import { V017, type BtVersion } from './bpftrace-versions.js';

/** A problem with an integer literal, relative to the literal's text. */
export interface BtLiteralProblem {
    offset: number;
    length: number;
    message: string;
    /** Set when the problem is only that the target version lacks the form. */
    feature?: 'duration';
}

const U64_MAX = 18446744073709551615n;
const INT_SUFFIXES = new Set(['u', 'l', 'ul', 'lu', 'll', 'ull', 'llu']);
const DURATIONS: Record<string, bigint> = {
    ns: 1n, us: 1000n, ms: 1000000n, s: 1000000000n, m: 60000000000n, h: 3600000000000n, d: 86400000000000n,
};

/**
 * Check an integer literal as upstream's lexer does: decimal, octal `0…`, hex `0x…`, `_` separators,
 * scientific `1e6` (coefficient 1–9), C suffixes `u l ul ll ull`, duration suffixes `ns us ms s m h d`
 * (0.24+), and the u64 range. Returns the first problem, or undefined.
 */
export function checkIntLiteral(text: string, target: BtVersion): BtLiteralProblem | undefined {
    const whole = (message: string): BtLiteralProblem => ({ offset: 0, length: text.length, message });
    const hex = /^0[xX]/.test(text);
    const body = (hex ? /^0[xX][0-9a-fA-F_]*/ : /^[0-9][0-9_]*/).exec(text)![0];
    let rest = text.slice(body.length);
    if (body.endsWith('_')) {
        return { offset: body.length - 1, length: 1, message: 'trailing underscore in integer literal' };
    }
    if (hex && body.length === 2) return whole(`invalid trailing bytes: ${text}`);
    // 0.17's lexer (measured): a hex literal stops at `_` (the rest is another token), and a leading 0 makes
    // the digits octal, where 8 and 9 are not digits.
    if (target === V017 && hex && body.includes('_')) {
        return { offset: body.indexOf('_'), length: text.length - body.indexOf('_'), message: `unexpected identifier after ${body.slice(0, body.indexOf('_'))}: bpftrace 0.17 has no _ in hex literals` };
    }
    if (target === V017 && !hex && /^0[0-9_]*[89]/.test(body)) return whole('Found trailing non-numeric characters: a literal starting with 0 is octal');
    let exponent: string | undefined;
    if (!hex) {
        const e = /^[eE]([0-9][0-9_]*)/.exec(rest);
        if (e) {
            exponent = e[1].replace(/_/g, '');
            rest = rest.slice(e[0].length);
        }
    }
    let duration: bigint | undefined;
    if (rest !== '') {
        const lower = rest.toLowerCase();
        if (INT_SUFFIXES.has(lower)) {
            // C suffixes are accepted and ignored.
        } else if (DURATIONS[rest] !== undefined && !hex) {
            duration = DURATIONS[rest];
        } else if (/^[uUlL]+$/.test(rest)) {
            let good = 0;
            for (let n = rest.length; n > 0; n--) {
                if (INT_SUFFIXES.has(lower.slice(0, n))) {
                    good = n;
                    break;
                }
            }
            return { offset: body.length + good, length: 1, message: `invalid integer suffix '${rest[good]}'` };
        } else {
            return whole(`invalid trailing bytes: ${text}`);
        }
    }
    const digits = body.replace(/_/g, '');
    let value: bigint;
    if (exponent !== undefined) {
        // 0.17 takes `0e5` (measured: its check is "greater than 9"); the releases before 0.24, which have its message,
        // are taken to have its check.
        if (target < 24 ? !/^[0-9]$/.test(digits) : !/^[1-9]$/.test(digits)) {
            return whole(target < 24
                ? `Coefficient part of scientific literal must be in range (0,9), got: ${digits}`
                : `coefficient part of scientific literal must be 1-9: ${text}`);
        }
        const exp = Number(exponent);
        if (target < 24 && exp > 16) return whole(`Exponent will overflow integer range: ${exp}`);
        if (exp > 25) return whole(`overflow error, maximum value is ${U64_MAX}: ${text}`);
        value = BigInt(digits) * 10n ** BigInt(exp);
    } else if (hex) {
        value = BigInt(digits);
    } else if (digits.length > 1 && digits.startsWith('0') && /^[0-7]+$/.test(digits)) {
        value = BigInt('0o' + digits.slice(1));
    } else {
        value = BigInt(digits);
    }
    if (duration !== undefined) {
        value *= duration;
        if (target < 24) {
            return { offset: body.length, length: rest.length, message: '', feature: 'duration' };
        }
    }
    if (value > U64_MAX) return whole(`overflow error, maximum value is ${U64_MAX}: ${text}`);
    return undefined;
}
