import { StapCode, type StapCodeValue } from './systemtap-diagnostic-codes.js';
import type { StapExpansion, StapMacro, StapMacroLibrary } from './systemtap-preprocessor.js';
import type { StapTarget } from './systemtap-target.js';
import { lexStap, type StapDiagnostic, type StapToken } from './systemtap-tokens.js';

/** Macro expansion (stap's `scan_pp1`) for `systemtap-preprocessor.ts`. */

const MAX_EXPANSION_DEPTH = 64;

export interface ErrorMark {
    kind: 'error';
    diag: StapDiagnostic;
}
export type Pp1Item = StapToken | ErrorMark;

interface Invocation {
    offset: number;
    end: number;
    expansion: number;
}

interface ArgBinding {
    tokens: StapToken[];
    env: Env | undefined;
    /** Whether the argument's tokens are in the text being expanded (not in a library macro's body). */
    local: boolean;
}
type Env = Map<string, ArgBinding>;

function isOp(t: StapToken | undefined, image: string): boolean {
    return !!t && (t.kind === 'operator' || t.kind === 'pp') && t.image === image;
}

/**
 * stap's `scan_pp1`, pulled token by token by the conditional pass (as stap does): a branch being
 * skipped passes its tokens through raw, so an `@define` there defines nothing.
 */
export class MacroExpander {
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

    /**
     * Emit one token: file tokens as they are, expanded ones at the invocation (with their own
     * offset as `origin` when `local`: their text is in the file).
     */
    emit(t: StapToken, inv: Invocation | undefined, local = false): void {
        if (t.kind === 'pp') this.pause = true;
        this.out.push(inv ? { kind: t.kind, image: t.image, offset: inv.offset, end: inv.end, expansion: inv.expansion, origin: local ? t.origin ?? t.offset : undefined } : t);
    }

    hide(t: StapToken, inv: Invocation | undefined): void {
        if (!inv) this.hidden.push(t);
    }

    /** Start on the file's tokens. */
    start(tokens: readonly StapToken[]): void {
        this.source = this.run(tokens, undefined, undefined, 0, true);
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

    /**
     * Process a token sequence (the file, a macro body or an argument), one token per step;
     * `local` when its text is the file's.
     */
    private *run(tokens: readonly StapToken[], env: Env | undefined, inv: Invocation | undefined, depth: number, local: boolean): Generator<void> {
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
                this.emit(t, inv, local);
                continue;
            }
            if (t.kind === 'arg') {
                this.scriptArg(t, inv);
                continue;
            }
            if (t.kind !== 'at') {
                this.emit(t, inv, local);
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
                yield* this.run(param.tokens, param.env, inv, depth + 1, param.local);
                continue;
            }
            const macro = this.macros.get(name) ?? this.library.get(name);
            if (!macro) {
                this.emit(t, inv, local);
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
                macro.params.forEach((p, k) => bindings.set(p, { tokens: r.args[k] ?? [], env, local }));
            }
            let own = inv;
            if (!inv) {
                const last = tokens[next - 1];
                this.expansions.push({ name: t.image, offset: t.offset, end: last.end, macro });
                own = { offset: t.offset, end: last.end, expansion: this.expansions.length - 1 };
            }
            yield* this.run(macro.body, bindings, own, depth + 1, macro.uri === this.uri);
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

