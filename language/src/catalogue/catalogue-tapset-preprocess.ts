/**
 * The two token-level preprocessor passes stap runs before parsing (systemtap-language.md §5.2), reduced to what
 * a declaration index needs: `@define` extraction and macro expansion (file-local and `.stpm` library macros),
 * then `%( COND %? … %: … %)` evaluation against a target. Never throws; malformed input degrades to
 * "keep the tokens".
 */
import { Tk, type ScanToken } from './catalogue-tapset-scanner.js';
import type { TapsetTarget } from './catalogue-tapset-types.js';

/** A macro definition: its parameters and body tokens (conditionals in the body are kept, unevaluated). */
export interface MacroDef {
    name: string;
    params: string[];
    body: ScanToken[];
    offset: number;
}

const MAX_EXPANSION_DEPTH = 24;

/** Finds the index of the `%)` matching the `%(` at `open`, or `tokens.length`. */
function matchingClose(tokens: readonly ScanToken[], open: number): number {
    let depth = 0;
    for (let i = open; i < tokens.length; i++) {
        const k = tokens[i].kind;
        if (k === Tk.PpOpen) depth++;
        else if (k === Tk.PpClose && --depth === 0) return i;
    }
    return tokens.length;
}

/** Parses the `@define` at `i` (up to `to`): the definition and the index of its closing `%)`. */
function parseDefine(tokens: readonly ScanToken[], i: number, to: number, withBody = true): { def: MacroDef; close: number } | undefined {
    const t = tokens[i];
    if (t.kind !== Tk.At || t.text !== '@define' || tokens[i + 1]?.kind !== Tk.Ident || i + 1 >= to) return undefined;
    const name = tokens[i + 1].text;
    let j = i + 2;
    const params: string[] = [];
    if (j < to && tokens[j].kind === Tk.Op && tokens[j].text === '(') {
        j++;
        while (j < to && tokens[j].text !== ')') {
            if (tokens[j].kind === Tk.Ident) params.push(tokens[j].text);
            j++;
        }
        j++;
    }
    if (j >= to || tokens[j].kind !== Tk.PpOpen) return undefined;
    const close = Math.min(matchingClose(tokens, j), to);
    const body = withBody ? tokens.slice(j + 1, close) : [];
    for (const b of body) b.macro = true;
    return { def: { name, params, body, offset: t.offset }, close };
}

/**
 * Pass 1a: removes `@define NAME[(P, …)] %( BODY %)` from the stream and returns the definitions
 * (`withDefs: false`: only the stream, when the definitions come from {@link extractLibraryMacros}).
 */
export function extractMacros(tokens: readonly ScanToken[], withDefs = true): { defs: MacroDef[]; rest: ScanToken[] } {
    const defs: MacroDef[] = [];
    const rest: ScanToken[] = [];
    for (let i = 0; i < tokens.length; i++) {
        const t = tokens[i];
        if (t.kind !== Tk.At || t.text !== '@define') {
            rest.push(t);
            continue;
        }
        const parsed = parseDefine(tokens, i, tokens.length, withDefs);
        if (!parsed) {
            // `@define` without a name or body: stap reports an error; skip the keyword (and name) and go on.
            if (tokens[i + 1]?.kind === Tk.Ident) i++;
            continue;
        }
        if (withDefs) defs.push(parsed.def);
        i = parsed.close;
    }
    return { defs, rest };
}

/**
 * `.stpm` files: conditionals around `@define`s are evaluated first (each architecture defines its own
 * `arch_syscall_prefix`, and stap keeps only the active one). Returns the active definitions.
 */
export function extractLibraryMacros(tokens: readonly ScanToken[], target: TapsetTarget): MacroDef[] {
    const defs: MacroDef[] = [];
    collectDefs(tokens, 0, tokens.length, target, defs);
    return defs;
}

function collectDefs(tokens: readonly ScanToken[], from: number, to: number, target: TapsetTarget, defs: MacroDef[]): void {
    for (let i = from; i < to; i++) {
        const t = tokens[i];
        if (t.kind === Tk.At && t.text === '@define') {
            const parsed = parseDefine(tokens, i, to);
            if (parsed) {
                defs.push(parsed.def);
                i = parsed.close;
            }
            continue;
        }
        if (t.kind !== Tk.PpOpen) continue;
        const branch = conditionalBranches(tokens, i, to);
        if (!branch) continue;
        const yes = evalCondition(tokens.slice(i + 1, branch.then), target);
        if (yes) collectDefs(tokens, branch.then + 1, branch.otherwise >= 0 ? branch.otherwise : branch.close, target, defs);
        else if (branch.otherwise >= 0) collectDefs(tokens, branch.otherwise + 1, branch.close, target, defs);
        i = branch.close;
    }
}

/** For the `%(` at `open`: the indices of its `%?`, `%:` (or -1) and `%)`; undefined when malformed. */
function conditionalBranches(tokens: readonly ScanToken[], open: number, to: number): { then: number; otherwise: number; close: number } | undefined {
    let q = open + 1;
    while (q < to && tokens[q].kind !== Tk.PpThen && tokens[q].kind !== Tk.PpOpen && tokens[q].kind !== Tk.PpClose) q++;
    if (q >= to || tokens[q].kind !== Tk.PpThen) return undefined;
    let depth = 0;
    let otherwise = -1;
    for (let j = q + 1; j < to; j++) {
        const k = tokens[j].kind;
        if (k === Tk.PpOpen) depth++;
        else if (k === Tk.PpClose) {
            if (depth === 0) return { then: q, otherwise, close: j };
            depth--;
        } else if (k === Tk.PpElse && depth === 0 && otherwise < 0) otherwise = j;
    }
    return { then: q, otherwise, close: to };
}

/**
 * Decides the conditionals of a macro body for the target once, when no condition in the body invokes a macro or
 * names a parameter (an `@` word): the target is fixed and the body's conditionals are balanced, so this gives what
 * deciding them in every expansion would, and each expansion then splices in only the active tokens.
 */
export function settleMacroBody(def: MacroDef, target: TapsetTarget): void {
    let pp = false;
    let inCondition = false;
    for (const t of def.body) {
        if (t.kind === Tk.PpOpen) inCondition = pp = true;
        else if (t.kind === Tk.PpThen) inCondition = false;
        else if (inCondition && t.kind === Tk.At) return;
    }
    if (pp) def.body = evalConditionals(def.body, target);
}

/** Splits the argument list after an invocation at `open` (a `(` token); returns args and the index after `)`. */
function splitArgs(tokens: readonly ScanToken[], open: number): { args: ScanToken[][]; next: number } {
    const args: ScanToken[][] = [[]];
    let depth = 0;
    for (let i = open + 1; i < tokens.length; i++) {
        const t = tokens[i];
        if (t.kind === Tk.Op) {
            if (t.text === '(' || t.text === '[') depth++;
            else if (t.text === ')' || t.text === ']') {
                if (depth === 0) return { args, next: i + 1 };
                depth--;
            } else if (t.text === ',' && depth === 0) {
                args.push([]);
                continue;
            }
        }
        args[args.length - 1].push(t);
    }
    return { args, next: tokens.length };
}

/** For each body token of a macro: the index of the parameter it names (`@p`), or -1. Computed once per macro. */
const paramSlots = new WeakMap<MacroDef, Int16Array>();

function slotsOf(def: MacroDef): Int16Array {
    let slots = paramSlots.get(def);
    if (!slots) {
        slots = new Int16Array(def.body.length).fill(-1);
        if (def.params.length) {
            def.body.forEach((b, k) => {
                if (b.kind === Tk.At) slots![k] = def.params.indexOf(b.text.slice(1));
            });
        }
        paramSlots.set(def, slots);
    }
    return slots;
}

/**
 * Pass 1b: replaces every invocation of a known macro with its body (parameters substituted, recursively).
 * Body tokens are spliced in as they are (no copies: the index needs no positions inside macro bodies),
 * except the first, copied to the invocation's offset; the rest carry `macro: true`, and readers take
 * positions from the nearest token of the file before them.
 * `lookup` gets the invocation text with its `@`.
 */
export function expandMacros(tokens: readonly ScanToken[], lookup: (name: string) => MacroDef | undefined): ScanToken[] {
    return expand(tokens, lookup, new Map(), 0);
}

function expand(tokens: readonly ScanToken[], lookup: (name: string) => MacroDef | undefined, memo: Map<MacroDef, ScanToken[]>, depth: number): ScanToken[] {
    // Most token runs invoke nothing: hand them back without copying.
    let first = 0;
    while (first < tokens.length && (tokens[first].kind !== Tk.At || !lookup(tokens[first].text))) first++;
    if (first === tokens.length) return tokens as ScanToken[];
    const out: ScanToken[] = tokens.slice(0, first);
    for (let i = first; i < tokens.length; i++) {
        const t = tokens[i];
        const def = t.kind === Tk.At ? lookup(t.text) : undefined;
        if (!def || depth >= MAX_EXPANSION_DEPTH) {
            out.push(t);
            continue;
        }
        let expanded: ScanToken[];
        if (def.params.length === 0) {
            // A parameterless macro expands the same way every time in one file: expand its body once.
            let cached = memo.get(def);
            if (!cached) {
                memo.set(def, []); // a recursive macro sees itself as empty
                cached = expand(def.body, lookup, memo, depth + 1);
                memo.set(def, cached);
            }
            expanded = cached;
        } else {
            let args: ScanToken[][] = [];
            if (tokens[i + 1]?.kind === Tk.Op && tokens[i + 1].text === '(') {
                const split = splitArgs(tokens, i + 1);
                args = split.args;
                i = split.next - 1;
            }
            const slots = slotsOf(def);
            const body: ScanToken[] = [];
            for (let k = 0; k < def.body.length; k++) {
                const p = slots[k];
                if (p >= 0) {
                    const arg = args[p];
                    if (arg) for (const a of arg) body.push(a);
                } else {
                    body.push(def.body[k]);
                }
            }
            expanded = expand(body, lookup, memo, depth + 1);
        }
        // The first spliced token stands at the invocation (one copy), so positions of what follows resolve there.
        if (expanded.length) out.push({ kind: expanded[0].kind, text: expanded[0].text, offset: t.offset, macro: false });
        for (let k = 1; k < expanded.length; k++) out.push(expanded[k]);
    }
    return out;
}

/** glibc `strverscmp` in spirit: digit runs compare numerically, the rest lexically. */
const versionCache = new Map<string, number>();

export function compareVersions(a: string, b: string): number {
    const key = `${a}\0${b}`;
    let d = versionCache.get(key);
    if (d === undefined) {
        d = compareVersionsUncached(a, b);
        versionCache.set(key, d);
    }
    return d;
}

function compareVersionsUncached(a: string, b: string): number {
    const pa = a.match(/\d+|\D+/g) ?? [];
    const pb = b.match(/\d+|\D+/g) ?? [];
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
        const x = pa[i];
        const y = pb[i];
        if (x === undefined) return -1;
        if (y === undefined) return 1;
        const nx = /^\d/.test(x) && /^\d/.test(y);
        const d = nx ? Number(x) - Number(y) : x < y ? -1 : x > y ? 1 : 0;
        if (d !== 0) return d < 0 ? -1 : 1;
    }
    return 0;
}

const globCache = new Map<string, RegExp | undefined>();

function globMatch(glob: string, s: string): boolean {
    if (!/[*?[]/.test(glob)) return glob === s;
    if (!globCache.has(glob)) globCache.set(glob, compileGlob(glob));
    return globCache.get(glob)?.test(s) ?? glob === s;
}

function compileGlob(glob: string): RegExp | undefined {
    const re = glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    try {
        return new RegExp(`^${re}$`);
    } catch {
        return undefined;
    }
}

function unquote(t: ScanToken): string {
    return t.kind === Tk.String ? t.text.slice(1, -1) : t.text;
}

function compare(op: string, d: number): boolean | undefined {
    switch (op) {
        case '<': return d < 0;
        case '<=': return d <= 0;
        case '==': return d === 0;
        case '!=': return d !== 0;
        case '>=': return d >= 0;
        case '>': return d > 0;
        default: return undefined;
    }
}

/** Evaluates one `A op B` term; undefined when it cannot be evaluated here. */
function evalTerm(term: readonly ScanToken[], target: TapsetTarget): boolean | undefined {
    if (term.length !== 3) return undefined;
    const [l, o, r] = term;
    const op = o.text;
    const rv = unquote(r);
    const str = (value: string): boolean | undefined => {
        if (op === '==' || op === '!=') return globMatch(rv, value) === (op === '==');
        return compare(op, value < rv ? -1 : value > rv ? 1 : 0);
    };
    if (l.kind === Tk.Ident) {
        const base = target.kernelRelease.replace(/-.*$/, '');
        switch (l.text) {
            case 'kernel_v':
            case 'kernel_vr': {
                const v = l.text === 'kernel_v' ? base : target.kernelRelease;
                if (op === '==' || op === '!=') return globMatch(rv, v) === (op === '==');
                return compare(op, compareVersions(v, rv));
            }
            case 'systemtap_v':
                if (op === '==' || op === '!=') return globMatch(rv, target.stapVersion) === (op === '==');
                return compare(op, compareVersions(target.stapVersion, rv));
            case 'arch': return str(target.arch);
            case 'runtime': return str(target.runtime);
            case 'systemtap_privilege': return str(target.privilege ?? 'stapdev');
            case 'guru_mode': return compare(op, (target.guru ? 1 : 0) - Number(rv));
        }
        if (l.text.startsWith('CONFIG_')) {
            const value = target.kernelConfig?.get(l.text);
            if (!target.kernelConfig) return undefined;
            if (r.kind === Tk.Number) return compare(op, Number(value ?? 0) - Number(rv));
            if (r.kind === Tk.Ident && r.text.startsWith('CONFIG_')) {
                return compare(op, Number(value ?? 0) - Number(target.kernelConfig.get(r.text) ?? 0));
            }
            return str(value ?? '');
        }
        return undefined;
    }
    if (l.kind === Tk.Number && r.kind === Tk.Number) return compare(op, Number(l.text) - Number(r.text));
    if (l.kind === Tk.String && r.kind === Tk.String) return str(unquote(l));
    return undefined;
}

/** `term (&& term)* (|| …)*`; an unevaluable condition counts as true (keep the first branch). */
export function evalCondition(cond: readonly ScanToken[], target: TapsetTarget): boolean {
    let any = false;
    let all = true;
    let term: ScanToken[] = [];
    const closeTerm = (): void => {
        const v = evalTerm(term, target);
        all = all && v !== false;
        term = [];
    };
    for (const t of cond) {
        if (t.kind === Tk.Op && t.text === '&&') {
            closeTerm();
        } else if (t.kind === Tk.Op && t.text === '||') {
            closeTerm();
            any = any || all;
            all = true;
        } else {
            term.push(t);
        }
    }
    closeTerm();
    return any || all;
}

/** Pass 2: keeps only the active branch of every `%( … %)` conditional (nested, anywhere in the stream). */
export function evalConditionals(tokens: readonly ScanToken[], target: TapsetTarget): ScanToken[] {
    if (!tokens.some(t => t.kind >= Tk.PpOpen && t.kind <= Tk.PpClose)) return tokens as ScanToken[];
    const out: ScanToken[] = [];
    walk(tokens, 0, tokens.length, target, out);
    return out;
}

function walk(tokens: readonly ScanToken[], from: number, to: number, target: TapsetTarget, out: ScanToken[]): void {
    for (let i = from; i < to; i++) {
        const t = tokens[i];
        if (t.kind !== Tk.PpOpen) {
            if (t.kind !== Tk.PpThen && t.kind !== Tk.PpElse && t.kind !== Tk.PpClose) out.push(t);
            continue;
        }
        const branch = conditionalBranches(tokens, i, to);
        if (!branch) continue; // malformed: drop the marker only
        const { then: q, otherwise: elseAt, close } = branch;
        const yes = evalCondition(tokens.slice(i + 1, q), target);
        if (yes) walk(tokens, q + 1, elseAt >= 0 ? elseAt : close, target, out);
        else if (elseAt >= 0) walk(tokens, elseAt + 1, close, target, out);
        i = close;
    }
}
