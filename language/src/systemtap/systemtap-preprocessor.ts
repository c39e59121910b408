import { StapCode, type StapCodeValue } from './systemtap-diagnostic-codes.js';
import { evalStapCondition, StapConditionError } from './systemtap-conditions.js';
import type { StapTarget } from './systemtap-target.js';
import { lexStap, stapNumberValue, type StapDiagnostic, type StapLexResult, type StapToken } from './systemtap-tokens.js';

/**
 * stap's token-level preprocessing: `scan_pp` (conditionals) pulling tokens from `scan_pp1`
 * (macros), so macros expand inside conditions while an `@define` in a branch not taken defines
 * nothing (checked against stap 4.8). Plus the checks stap makes on single tokens (numbers,
 * @-operators) and a nesting guard for the parser.
 */

/** One `@define`. Body tokens keep their offsets in the defining text (`uri`; the user's file when undefined). */
export interface StapMacro {
    name: string;
    params: readonly string[];
    body: readonly StapToken[];
    uri?: string;
    /** Offset of the name token in the defining text. */
    offset: number;
}

export type StapMacroLibrary = ReadonlyMap<string, StapMacro>;

/** One expansion of a macro or a script argument in the user's text. */
export interface StapExpansion {
    /** `@name` or `$1` / `@1` / `$#` / `@#`. */
    name: string;
    offset: number;
    end: number;
    macro?: StapMacro;
}

export interface StapRange {
    offset: number;
    end: number;
}

export interface StapPreprocessResult {
    /** What the parser sees: active tokens, expansions spliced in (they span their invocation). */
    tokens: StapToken[];
    /** Everything else (comments, markers, inactive branches, definitions, invocations), by offset. */
    hidden: StapToken[];
    diagnostics: StapDiagnostic[];
    /** Branches of `%( %? %: %)` not taken for the target. */
    inactiveRanges: StapRange[];
    expansions: StapExpansion[];
    /** The file's own `@define`s. */
    macros: Map<string, StapMacro>;
}

/** Built-in @-operators and the stap version that introduced them. */
export const STAP_AT_WORDS: ReadonlyMap<string, string> = new Map([
    ...['cast', 'defined', 'probewrite', 'entry', 'perf', 'var', 'avg', 'count', 'sum', 'min', 'max',
        'hist_linear', 'hist_log'].map(w => ['@' + w, '0'] as [string, string]),
    ['@const', '3.1'], ['@variance', '3.1'],
    ['@kregister', '4.0'], ['@uregister', '4.0'], ['@kderef', '4.0'], ['@uderef', '4.0'],
    ['@enum', '5.5'], ['@enumname', '5.6'],
]);

/**
 * Deeper nesting is reported instead of parsed: the parser recurses, and Node's default stack
 * (~1 MB) holds about 90 levels of parentheses (8 rules each) or 250 blocks. Budget units: `(` and
 * `[` cost 3, `{` costs 1; prefix operator runs have their own limit.
 */
export const STAP_MAX_NESTING = 200;
const BRACKET_COST: Record<string, number> = { '(': 3, '[': 3, '{': 1, ')': 3, ']': 3, '}': 1 };
const MAX_EXPANSION_DEPTH = 64;

interface ErrorMark {
    kind: 'error';
    diag: StapDiagnostic;
}
type Pp1Item = StapToken | ErrorMark;

interface Invocation {
    offset: number;
    end: number;
    expansion: number;
}

interface ArgBinding {
    tokens: StapToken[];
    env: Env | undefined;
}
type Env = Map<string, ArgBinding>;

function isOp(t: StapToken | undefined, image: string): boolean {
    return !!t && (t.kind === 'operator' || t.kind === 'pp') && t.image === image;
}

/**
 * stap's `scan_pp1`, pulled token by token by the conditional pass (as stap does): a branch being
 * skipped passes its tokens through raw, so an `@define` there defines nothing.
 */
class MacroExpander {
    readonly out: Pp1Item[] = [];
    private outPos = 0;
    /** Set by the conditional pass while it skips a branch. */
    skipping = false;
    /** A preprocessor marker was emitted: stop until the conditional pass has read it. */
    private pause = false;
    private source: Generator<void> | undefined;
    readonly hidden: StapToken[] = [];
    readonly expansions: StapExpansion[] = [];
    readonly macros = new Map<string, StapMacro>();

    constructor(
        private readonly target: StapTarget,
        private readonly library: StapMacroLibrary,
        private readonly uri: string | undefined,
    ) {}

    error(at: StapToken | undefined, fallback: number, message: string, code: StapCodeValue, inv?: Invocation): void {
        const offset = inv ? inv.offset : at ? at.offset : fallback;
        const end = inv ? inv.end : at ? at.end : fallback;
        this.out.push({ kind: 'error', diag: { offset, end, message, code, severity: 'error' } });
    }

    /** Emit one token: file tokens as they are, body tokens at the invocation. */
    emit(t: StapToken, inv: Invocation | undefined): void {
        if (t.kind === 'pp') this.pause = true;
        this.out.push(inv ? { kind: t.kind, image: t.image, offset: inv.offset, end: inv.end, expansion: inv.expansion } : t);
    }

    hide(t: StapToken, inv: Invocation | undefined): void {
        if (!inv) this.hidden.push(t);
    }

    /** Start on the file's tokens. */
    start(tokens: readonly StapToken[]): void {
        this.source = this.run(tokens, undefined, undefined, 0);
    }

    /** The next item, or undefined at the end. */
    pull(): Pp1Item | undefined {
        while (this.outPos >= this.out.length) {
            if (this.outPos > 0) {
                this.out.length = 0;
                this.outPos = 0;
            }
            if (!this.source) return undefined;
            if (this.source.next().done) {
                this.source = undefined;
                if (this.outPos >= this.out.length) return undefined;
            }
        }
        return this.out[this.outPos++];
    }

    /** Process a token sequence (the file, a macro body or an argument), one token per step. */
    private *run(tokens: readonly StapToken[], env: Env | undefined, inv: Invocation | undefined, depth: number): Generator<void> {
        const end = tokens.length ? tokens[tokens.length - 1].end : 0;
        for (let i = 0; i < tokens.length; i++) {
            if (this.pause) {
                // The conditional pass must see a marker before the next token is read: it may
                // switch between skipping and expanding.
                this.pause = false;
                yield;
            }
            const t = tokens[i];
            if (this.skipping) {
                this.emit(t, inv);
                continue;
            }
            if (t.kind === 'arg') {
                this.scriptArg(t, inv);
                continue;
            }
            if (t.kind !== 'at') {
                this.emit(t, inv);
                continue;
            }
            if (t.image === '@define') {
                i = this.define(tokens, i, inv, end) - 1;
                continue;
            }
            const name = t.image.slice(1);
            const param = env?.get(name);
            if (param) {
                this.hide(t, inv);
                yield* this.run(param.tokens, param.env, inv, depth + 1);
                continue;
            }
            const macro = this.macros.get(name) ?? this.library.get(name);
            if (!macro) {
                this.emit(t, inv);
                continue;
            }
            if (depth >= MAX_EXPANSION_DEPTH) {
                this.error(t, end, `macro expansion too deep at \`@${name}\` (does it invoke itself?)`, StapCode.PpMacroInvocation, inv);
                this.hide(t, inv);
                continue;
            }
            this.hide(t, inv);
            let next = i + 1;
            const bindings: Env = new Map();
            if (macro.params.length > 0) {
                const r = this.collectArgs(tokens, i, macro, inv, env, end);
                if (!r) return;
                next = r.next;
                macro.params.forEach((p, k) => bindings.set(p, { tokens: r.args[k] ?? [], env }));
            }
            let own = inv;
            if (!inv) {
                const last = tokens[next - 1];
                this.expansions.push({ name: t.image, offset: t.offset, end: last.end, macro });
                own = { offset: t.offset, end: last.end, expansion: this.expansions.length - 1 };
            }
            yield* this.run(macro.body, bindings, own, depth + 1);
            i = next - 1;
        }
    }

    private collectArgs(tokens: readonly StapToken[], at: number, macro: StapMacro, inv: Invocation | undefined,
        _env: Env | undefined, end: number): { args: StapToken[][]; next: number } | undefined {
        const head = tokens[at];
        const n = macro.params.length;
        const open = tokens[at + 1];
        if (!isOp(open, '(')) {
            this.error(open, end, `expected \`(\` in invocation of macro \`@${macro.name}\` taking ${n} parameter${n > 1 ? 's' : ''}`,
                StapCode.PpMacroInvocation, inv);
            return { args: [], next: at + 1 };
        }
        this.hide(open, inv);
        const args: StapToken[][] = [[]];
        let nesting = 0;
        for (let i = at + 2; i < tokens.length; i++) {
            const t = tokens[i];
            this.hide(t, inv);
            if (nesting === 0 && (isOp(t, ',') || isOp(t, ')'))) {
                if (isOp(t, ')')) {
                    if (args.length !== n) {
                        this.error(t, end, `too few parameters for macro \`@${macro.name}\` (expected ${n})`, StapCode.PpMacroInvocation, inv);
                    }
                    return { args, next: i + 1 };
                }
                if (args.length >= n) {
                    this.error(t, end, `too many parameters for macro \`@${macro.name}\` (expected ${n})`, StapCode.PpMacroInvocation, inv);
                }
                args.push([]);
                continue;
            }
            if (isOp(t, '(') || isOp(t, '[')) nesting++;
            else if (isOp(t, ')') || isOp(t, ']')) nesting--;
            args[args.length - 1].push(t);
        }
        this.error(head, end, `could not find end of macro invocation \`@${macro.name}(\``, StapCode.PpMacroInvocation, inv);
        return undefined;
    }

    /** `@define NAME[(P, …)] %( BODY %)`; returns the index after it. */
    private define(tokens: readonly StapToken[], at: number, inv: Invocation | undefined, end: number): number {
        const head = tokens[at];
        this.hide(head, inv);
        if (inv) {
            this.error(head, end, '`@define` is not allowed inside a macro body', StapCode.PpMacroDefinition, inv);
            return at + 1;
        }
        let i = at + 1;
        const nameTok = tokens[i];
        if (!nameTok || nameTok.kind !== 'ident') {
            this.error(nameTok ?? head, end, 'expected an identifier: the name of the macro after `@define`', StapCode.PpMacroDefinition);
            return i;
        }
        this.hide(nameTok, inv);
        i++;
        const name = nameTok.image;
        const params: string[] = [];
        let sawParams = false;
        if (isOp(tokens[i], '(')) {
            sawParams = true;
            this.hide(tokens[i++], inv);
            for (;;) {
                const p = tokens[i];
                if (!p || p.kind !== 'ident') {
                    this.error(p, end, 'expected an identifier: a macro parameter name', StapCode.PpMacroDefinition);
                    return i;
                }
                params.push(p.image);
                this.hide(p, inv);
                const sep = tokens[++i];
                if (isOp(sep, ',')) {
                    this.hide(sep, inv);
                    i++;
                    continue;
                }
                if (isOp(sep, ')')) {
                    this.hide(sep, inv);
                    i++;
                    break;
                }
                this.error(sep, end, 'expected `,` or `)` in the macro parameter list', StapCode.PpMacroDefinition);
                return i;
            }
        }
        const open = tokens[i];
        if (!isOp(open, '%(')) {
            this.error(open, end, sawParams ? 'expected `%(` to start the macro body' : 'expected `%(` or `(` after the macro name',
                StapCode.PpMacroDefinition);
            return i;
        }
        this.hide(open, inv);
        i++;
        const body: StapToken[] = [];
        let nesting = 1;
        for (; i < tokens.length; i++) {
            const t = tokens[i];
            this.hide(t, inv);
            if (isOp(t, '%(')) nesting++;
            else if (isOp(t, '%)') && --nesting === 0) break;
            body.push(t);
        }
        if (nesting > 0) {
            this.error(nameTok, end, `incomplete macro definition: \`@${name}\` has no closing \`%)\``, StapCode.PpMacroDefinition);
            return i;
        }
        if (name === 'define') {
            this.error(nameTok, end, 'attempt to redefine `@define`', StapCode.PpMacroDefinition);
        } else if (this.macros.has(name)) {
            this.error(nameTok, end, `attempt to redefine macro \`@${name}\` in the same file`, StapCode.PpMacroDefinition);
        } else {
            this.macros.set(name, { name, params, body, uri: this.uri, offset: nameTok.offset });
        }
        return i + 1;
    }

    /** `$1 @1 $# @#`: spliced when the arguments are known, else left as a placeholder token. */
    private scriptArg(t: StapToken, inv: Invocation | undefined): void {
        const args = this.target.args;
        if (!args) {
            // Unknown arguments: `@N`/`@#` are strings whatever they hold; `$N` stays a placeholder.
            this.emit(t.image[0] === '@' ? { ...t, kind: 'string' } : t, inv);
            return;
        }
        const raw = t.image[0] === '$';
        let text: string;
        if (t.image[1] === '#') {
            text = String(args.length);
        } else {
            const k = Number(t.image.slice(1));
            if (k < 1 || k > args.length) {
                this.error(t, t.end, `command line argument index ${k} out of range [1-${args.length}]`, StapCode.LexArgRange, inv);
                return;
            }
            text = args[k - 1];
        }
        const own = inv ?? this.argExpansion(t);
        if (!raw) {
            this.emit({ kind: 'string', image: JSON.stringify(text), offset: t.offset, end: t.end }, own);
            return;
        }
        const lexed = lexStap(text);
        for (const d of lexed.diagnostics) {
            this.out.push({ kind: 'error', diag: { ...d, offset: own.offset, end: own.end } });
        }
        for (const x of lexed.tokens) {
            if (x.kind !== 'junk') this.emit(x, own);
        }
    }

    private argExpansion(t: StapToken): Invocation {
        this.hidden.push(t);
        this.expansions.push({ name: t.image, offset: t.offset, end: t.end });
        return { offset: t.offset, end: t.end, expansion: this.expansions.length - 1 };
    }
}

type PpState = 'keep-then' | 'skip-then' | 'keep-else' | 'skip-else';

/** The conditional pass over the macro-expanded stream. */
class ConditionalPass {
    readonly tokens: StapToken[] = [];
    readonly diagnostics: StapDiagnostic[] = [];
    readonly inactive: StapRange[] = [];

    private last: StapToken | undefined;
    private pushedBack: StapToken | undefined;

    constructor(private readonly source: MacroExpander, private readonly hidden: StapToken[], private readonly target: StapTarget) {}

    private hide(t: StapToken): void {
        if (t.expansion === undefined) this.hidden.push(t);
    }

    private err(t: StapToken | undefined, message: string, code: StapCodeValue): void {
        const at = t ?? this.lastToken();
        this.diagnostics.push({ offset: at?.offset ?? 0, end: at?.end ?? 0, message, code, severity: 'error' });
    }

    private lastToken(): StapToken | undefined {
        return this.last;
    }

    /** Next token, reporting error marks when active, dropping them when skipping. */
    private next(active: boolean): StapToken | undefined {
        if (this.pushedBack) {
            const t = this.pushedBack;
            this.pushedBack = undefined;
            return t;
        }
        this.source.skipping = !active;
        for (;;) {
            const it = this.source.pull();
            if (!it) return undefined;
            if (it.kind === 'error') {
                if (active) this.diagnostics.push(it.diag);
                continue;
            }
            this.last = it;
            return it;
        }
    }

    run(): void {
        const stack: Array<{ open: StapToken; state: PpState }> = [];
        for (;;) {
            const top = stack[stack.length - 1];
            const skipping = top?.state === 'skip-then' || top?.state === 'skip-else';
            const t = skipping ? this.skip() : this.next(true);
            if (!t) {
                if (top) this.err(top.open, 'incomplete conditional at end of file: `%(` has no closing `%)`', StapCode.PpConditional);
                return;
            }
            if (t.kind !== 'pp') {
                this.tokens.push(t);
                continue;
            }
            this.hide(t);
            if (t.image === '%?') {
                this.err(t, 'incomplete conditional: `%?` without `%(`', StapCode.PpConditional);
                continue;
            }
            if (t.image === '%:') {
                if (!top) this.err(t, 'incomplete conditional: `%:` without `%(`', StapCode.PpConditional);
                else if (top.state === 'keep-else' || top.state === 'skip-else') this.err(t, 'invalid conditional: duplicate `%:`', StapCode.PpConditional);
                else {
                    top.state = top.state === 'keep-then' ? 'skip-else' : 'keep-else';
                    if (top.state === 'skip-else') this.skipStart = t.end;
                }
                continue;
            }
            if (t.image === '%)') {
                if (!top) this.err(t, 'incomplete conditional: `%)` without `%(`', StapCode.PpConditional);
                else stack.pop();
                continue;
            }
            // %( COND %?
            const result = this.condition(t);
            const inSkip = stack.some(s => s.state === 'skip-then' || s.state === 'skip-else');
            stack.push({ open: t, state: result && !inSkip ? 'keep-then' : 'skip-then' });
            if (!result) this.skipStart = this.lastEnd;
        }
    }

    private skipStart = 0;
    private lastEnd = 0;

    /** Skip a branch up to its `%:`/`%)` (returned), nested conditionals included; errors there are stap's too: dropped. */
    private skip(): StapToken | undefined {
        let nesting = 0;
        const from = this.skipStart;
        for (;;) {
            const t = this.next(false);
            if (!t) return undefined;
            if (t.kind === 'pp' && t.image === '%(') nesting++;
            else if (t.kind === 'pp' && nesting && t.image === '%)') nesting--;
            else if (t.kind === 'pp' && !nesting) {
                if (t.expansion === undefined && t.offset > from) this.inactive.push({ offset: from, end: t.offset });
                this.skipStart = t.end;
                return t;
            }
            this.hide(t);
        }
    }

    private condition(open: StapToken): boolean {
        let result = false;
        let and = true;
        for (;;) {
            const l = this.next(true);
            const op = this.next(true);
            const r = this.next(true);
            for (const x of [l, op, r]) if (x) this.hide(x);
            if (!l || !op || !r) {
                this.err(open, 'incomplete condition after `%(`', StapCode.PpCondition);
                return false;
            }
            try {
                and = evalStapCondition(this.target, this.placeholder(l), op, this.placeholder(r)) && and;
            } catch (e) {
                if (!(e instanceof StapConditionError)) throw e;
                this.err(e.token, e.message, StapCode.PpCondition);
                this.recover();
                return false;
            }
            const n = this.next(true);
            if (n) this.hide(n);
            if (n && n.kind === 'operator' && n.image === '&&') continue;
            result = result || and;
            and = true;
            if (n && n.kind === 'operator' && n.image === '||') continue;
            if (!n || n.kind !== 'pp' || n.image !== '%?') {
                this.err(open, 'expected the `%?` marker of the conditional', StapCode.PpConditional);
                if (n?.kind === 'pp') {
                    this.pushedBack = n;
                    if (this.hidden[this.hidden.length - 1] === n) this.hidden.pop();
                }
                this.lastEnd = n?.end ?? open.end;
                return false;
            }
            this.lastEnd = n.end;
            return result;
        }
    }

    /** Unknown script arguments in a condition: `$#` is 0 and `@#` "0" (none given), `$N` 0 and `@N` "". */
    private placeholder(t: StapToken): StapToken {
        if (t.kind === 'arg') return { ...t, kind: 'number', image: '0' };
        if (t.kind === 'string' && t.image[0] === '@') return { ...t, image: t.image === '@#' ? '"0"' : '""' };
        return t;
    }

    /** After a bad condition: skip to its `%?` (the branch then counts as not taken). */
    private recover(): void {
        for (;;) {
            const t = this.next(false);
            if (!t) return;
            this.hide(t);
            if (t.kind === 'pp') {
                if (t.image !== '%?') {
                    this.pushedBack = t;
                    if (this.hidden[this.hidden.length - 1] === t) this.hidden.pop();
                }
                this.lastEnd = t.end;
                return;
            }
        }
    }
}

/** Per-token checks stap makes when the parser reads a token, and the nesting guard. */
function checkActive(tokens: StapToken[], hidden: StapToken[], diagnostics: StapDiagnostic[], target: StapTarget): StapToken[] {
    const out: StapToken[] = [];
    let depth = 0;
    let prefixRun = 0;
    const tooDeep = (t: StapToken) => diagnostics.push({ offset: t.offset, end: t.end,
        message: 'nesting too deep (over 66 levels of parentheses or 200 of blocks): the rest of this nest is not parsed',
        code: StapCode.LexTooDeep, severity: 'error' });
    for (let k = 0; k < tokens.length; k++) {
        const t = tokens[k];
        if (t.kind === 'junk') {
            if (t.expansion === undefined) hidden.push(t);
            continue;
        }
        if (t.kind === 'number' && stapNumberValue(t.image) === undefined) {
            diagnostics.push({ offset: t.offset, end: t.end, message: `number invalid or out of range: \`${t.image}\``,
                code: StapCode.LexBadNumber, severity: 'error' });
        } else if (t.kind === 'at' && t.image !== '@define') {
            const since = STAP_AT_WORDS.get(t.image);
            if (since === undefined || (since !== '0' && versionLess(target.stapVersion, since))) {
                diagnostics.push({ offset: t.offset, end: t.end, message: `unknown operator \`${t.image}\`: not a macro or a built-in @-operator`
                    + (since ? ` (needs stap ${since})` : ''), code: StapCode.PpUnknownOperator, severity: 'error' });
            }
        }
        const op = t.kind === 'operator' ? t.image : '';
        if (op === '(' || op === '[' || op === '{') depth += BRACKET_COST[op];
        else if (op === ')' || op === ']' || op === '}') depth = Math.max(0, depth - BRACKET_COST[op]);
        prefixRun = (op === '-' || op === '+' || op === '!' || op === '~' || op === '&' || op === '++' || op === '--') ? prefixRun + 1 : 0;
        if (prefixRun > STAP_MAX_NESTING) {
            if (prefixRun === STAP_MAX_NESTING + 1) tooDeep(t);
            if (t.expansion === undefined) hidden.push(t);
            continue;
        }
        if (depth > STAP_MAX_NESTING) {
            tooDeep(t);
            // Hide this nest up to its matching close, so the parser does not recurse into it.
            let d = 0;
            let m = k;
            for (; m < tokens.length; m++) {
                const x = tokens[m];
                const o = x.kind === 'operator' ? x.image : '';
                if (x.expansion === undefined) hidden.push(x);
                if (o === '(' || o === '[' || o === '{') d++;
                else if ((o === ')' || o === ']' || o === '}') && --d === 0) break;
            }
            depth -= BRACKET_COST[t.image] ?? 1;
            k = m;
            continue;
        }
        out.push(t);
    }
    return out;
}

function versionLess(a: string, b: string): boolean {
    const pa = a.split('.').map(Number);
    const pb = b.split('.').map(Number);
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
        const x = pa[i] ?? 0;
        const y = pb[i] ?? 0;
        if (x !== y) return x < y;
    }
    return false;
}

/**
 * Lex and preprocess a SystemTap text for a target: the token stream the parser reads, the hidden
 * tokens, diagnostics (lexer and preprocessor), inactive ranges and the expansion map.
 */
export function preprocessStap(text: string, target: StapTarget, library: StapMacroLibrary, uri?: string): StapPreprocessResult {
    return preprocessLexed(lexStap(text), target, library, uri);
}

/** {@link preprocessStap} over an existing lex result. */
export function preprocessLexed(lexed: StapLexResult, target: StapTarget, library: StapMacroLibrary, uri?: string): StapPreprocessResult {
    const expander = new MacroExpander(target, library, uri);
    expander.start(lexed.tokens);
    const hidden: StapToken[] = [...lexed.comments];
    const pass = new ConditionalPass(expander, hidden, target);
    pass.run();
    hidden.push(...expander.hidden);
    const diagnostics: StapDiagnostic[] = [];
    // Lexer findings count where stap's parser would meet them: junk tokens only when active.
    const activeJunk = new Set(pass.tokens.filter(t => t.kind === 'junk' && t.expansion === undefined).map(t => t.offset));
    const junkOffsets = new Set(lexed.tokens.filter(t => t.kind === 'junk').map(t => t.offset));
    for (const d of lexed.diagnostics) {
        if (!junkOffsets.has(d.offset) || activeJunk.has(d.offset)) diagnostics.push(d);
    }
    diagnostics.push(...pass.diagnostics);
    const tokens = checkActive(pass.tokens, hidden, diagnostics, target);
    hidden.sort((a, b) => a.offset - b.offset);
    diagnostics.sort((a, b) => a.offset - b.offset);
    return { tokens, hidden, diagnostics, inactiveRanges: pass.inactive, expansions: expander.expansions, macros: expander.macros };
}

/**
 * Read a library `.stpm` text into `into`: only `@define`s (optionally inside conditionals) are
 * allowed. Returns the diagnostics of that file.
 */
export function readLibraryMacros(text: string, target: StapTarget, into: Map<string, StapMacro>, uri?: string): StapDiagnostic[] {
    const result = preprocessStap(text, target, into, uri);
    for (const [name, macro] of result.macros) into.set(name, macro);
    const diagnostics = [...result.diagnostics];
    const stray = result.tokens[0];
    if (stray) {
        diagnostics.push({ offset: stray.offset, end: stray.end, message: 'unexpected token in a library macro file: only `@define` is allowed',
            code: StapCode.PpLibraryFile, severity: 'error' });
    }
    return diagnostics;
}
