import type { StapTarget } from './systemtap-target.js';
import type { StapToken } from './systemtap-tokens.js';

/**
 * Evaluation of one `%( … %?` term, as stap's `eval_pp_conditional` does it. Throws
 * {@link StapConditionError} with the token to blame.
 */
export class StapConditionError extends Error {
    constructor(message: string, readonly token: StapToken | undefined) {
        super(message);
    }
}

/**
 * `make(key)`, remembered in `cache`: a tapset's conditions compare the same few versions and patterns again and
 * again. At most 1,000 are kept (what is typed in an editor is a new text per keystroke).
 */
function remembered<V>(cache: Map<string, V>, key: string, make: (key: string) => V): V {
    if (cache.has(key)) return cache.get(key)!;
    const value = make(key);
    if (cache.size >= 1000) cache.clear();
    cache.set(key, value);
    return value;
}

/** Comparisons {@link strverscmp} made, by both versions. */
const versionComparisons = new Map<string, number>();

/** glibc `strverscmp` without its leading-zero subtleties: digit runs compare as numbers. */
export function strverscmp(a: string, b: string): number {
    return remembered(versionComparisons, `${a}\0${b}`, () => compareVersions(a, b));
}

function compareVersions(a: string, b: string): number {
    const ra = a.match(/\d+|\D+/g) ?? [];
    const rb = b.match(/\d+|\D+/g) ?? [];
    for (let i = 0; i < Math.min(ra.length, rb.length); i++) {
        const x = ra[i];
        const y = rb[i];
        if (x === y) continue;
        const dx = /^\d/.test(x);
        const dy = /^\d/.test(y);
        if (dx && dy) {
            const d = BigInt(x) - BigInt(y);
            if (d !== 0n) return d < 0n ? -1 : 1;
            return x.length < y.length ? 1 : -1;
        }
        return x < y ? -1 : 1;
    }
    return Math.sign(ra.length - rb.length);
}

/** The expression of each pattern {@link fnmatch} was given (undefined: not one; compare the texts). */
const fnmatchPatterns = new Map<string, RegExp | undefined>();

/** `fnmatch(pattern, s, FNM_NOESCAPE)`: `*`, `?`, `[…]`. */
export function fnmatch(pattern: string, s: string): boolean {
    const re = remembered(fnmatchPatterns, pattern, fnmatchExpression);
    return re ? re.test(s) : pattern === s;
}

function fnmatchExpression(pattern: string): RegExp | undefined {
    let re = '^';
    for (let i = 0; i < pattern.length; i++) {
        const c = pattern[i];
        if (c === '*') re += '.*';
        else if (c === '?') re += '.';
        else if (c === '[') {
            const j = pattern.indexOf(']', i + 2);
            if (j < 0) {
                re += '\\[';
                continue;
            }
            let set = pattern.slice(i + 1, j);
            if (set.startsWith('!')) set = '^' + set.slice(1);
            re += '[' + set.replace(/\\/g, '\\\\') + ']';
            i = j;
        } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
    }
    try {
        return new RegExp(re + '$', 's');
    } catch {
        return undefined;
    }
}

/** The value of a string token, escapes resolved as stap does (`\c` → `c` except the C escapes). */
export function stapStringValue(image: string): string {
    const body = image.length >= 2 && image.endsWith('"') ? image.slice(1, -1) : image.slice(1);
    return body.replace(/\\([\s\S])/g, (_m, c: string) => ('abtnvfr0123456789x\\'.includes(c) ? '\\' + c : c));
}

function isOp(t: StapToken | undefined, ...ops: string[]): boolean {
    return !!t && (t.kind === 'operator' || t.kind === 'pp') && ops.includes(t.image);
}

function compare<T extends bigint | string>(l: T, op: StapToken, r: T): boolean {
    switch (op.image) {
        case '==': return l === r;
        case '!=': return l !== r;
        case '<': return l < r;
        case '<=': return l <= r;
        case '>': return l > r;
        case '>=': return l >= r;
        default: throw new StapConditionError('expected comparison operator', op);
    }
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/**
 * A number literal of a condition as stap reads it (`lex_cast<int64_t>`): decimal only (`010` is
 * ten); anything else stops stap with "bad lexical cast".
 */
function decimal(t: StapToken): bigint {
    const v = /^[0-9]+$/.test(t.image) ? BigInt(t.image) : undefined;
    if (v === undefined || v > INT64_MAX) throw new StapConditionError(`bad lexical cast: stap reads numbers in conditions as decimal, and stops on \`${t.image}\``, t);
    return v;
}

/**
 * A configuration value as a number, as stap reads it (`strtoll(value, &end, 0)` taking all of
 * it): decimal, `0x` hex or `0` octal, in the signed 64-bit range; an unset option (empty) is 0.
 */
function configNumber(value: string): bigint | undefined {
    if (value === '') return 0n;
    const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(value);
    if (!m) return undefined;
    const digits = m[2];
    const magnitude = BigInt(/^0[0-7]+$/.test(digits) ? '0o' + digits.slice(1) : digits);
    const v = m[1] === '-' ? -magnitude : magnitude;
    return v < INT64_MIN || v > INT64_MAX ? undefined : v;
}

function eqOnly(op: StapToken, matches: boolean): boolean {
    if (op.image === '==' && isOp(op, '==')) return matches;
    if (op.image === '!=' && isOp(op, '!=')) return !matches;
    throw new StapConditionError('expected `==` or `!=`', op);
}

/** Evaluate `l op r` for the target. */
export function evalStapCondition(target: StapTarget, l: StapToken, op: StapToken, r: StapToken): boolean {
    if (l.kind === 'ident' && (l.image === 'kernel_v' || l.image === 'kernel_vr' || l.image === 'systemtap_v')) {
        if (r.kind !== 'string') throw new StapConditionError('expected string literal', r);
        const value = l.image === 'kernel_vr' ? target.kernelRelease
            : l.image === 'kernel_v' ? target.kernelRelease.split('-')[0] : target.stapVersion;
        const query = stapStringValue(r.image);
        const wild = /[*?[]/.test(query);
        if (!isOp(op, '<', '<=', '>', '>=', '==', '!=')) throw new StapConditionError('expected comparison operator', op);
        if (wild) {
            if (op.image !== '==' && op.image !== '!=') {
                throw new StapConditionError('wildcard not allowed with order comparison operators', op);
            }
            return fnmatch(query, value) === (op.image === '==');
        }
        const c = strverscmp(value, query);
        switch (op.image) {
            case '<': return c < 0;
            case '<=': return c <= 0;
            case '>': return c > 0;
            case '>=': return c >= 0;
            case '==': return c === 0;
            default: return c !== 0;
        }
    }
    if (l.kind === 'ident' && (l.image === 'systemtap_privilege' || l.image === 'arch' || l.image === 'runtime')) {
        if (r.kind !== 'string') throw new StapConditionError('expected string literal', r);
        const query = stapStringValue(r.image);
        const value = l.image === 'arch' ? target.arch : l.image === 'runtime' ? target.runtime : target.privilege;
        return eqOnly(op, l.image === 'systemtap_privilege' ? value === query : fnmatch(query, value));
    }
    if (l.kind === 'ident' && l.image === 'guru_mode') {
        if (r.kind !== 'number') throw new StapConditionError('expected number', r);
        const v = decimal(r);
        if (v !== 0n && v !== 1n) throw new StapConditionError('expected 0 or 1', op);
        return eqOnly(op, (target.guru ? 1n : 0n) === v);
    }
    if (l.kind === 'ident' && l.image.startsWith('CONFIG_')) {
        // As stap: an option the configuration does not set is empty, its value is the text after
        // `=` as the .config file has it (a string option keeps its quotes).
        const left = target.kernelConfig.get(l.image) ?? '';
        if (r.kind === 'string') return eqOnly(op, fnmatch(stapStringValue(r.image), left));
        if (r.kind === 'number') {
            const lv = configNumber(left);
            if (lv === undefined) throw new StapConditionError('Config option value not a number', l);
            return compare(lv, op, decimal(r));
        }
        if (r.kind === 'ident' && r.image.startsWith('CONFIG_')) {
            // Numbers when both are, else strings.
            const right = target.kernelConfig.get(r.image) ?? '';
            const lv = configNumber(left);
            const rv = configNumber(right);
            return lv !== undefined && rv !== undefined ? compare(lv, op, rv) : compare(left, op, right);
        }
        throw new StapConditionError('expected string, number literal or other CONFIG_... as right side operand', r);
    }
    if (l.kind === 'string' && r.kind === 'string') return compare(stapStringValue(l.image), op, stapStringValue(r.image));
    if (l.kind === 'number' && r.kind === 'number') return compare(decimal(l), op, decimal(r));
    if (l.kind === 'string' && r.kind === 'number' && op.kind === 'operator') {
        throw new StapConditionError('expected string literal as right value', r);
    }
    if (l.kind === 'number' && r.kind === 'string' && op.kind === 'operator') {
        throw new StapConditionError('expected number literal as right value', r);
    }
    throw new StapConditionError("expected 'arch', 'kernel_v', 'kernel_vr', 'systemtap_v', 'runtime', "
        + "'systemtap_privilege', 'CONFIG_...', or comparison between strings or integers", l);
}
