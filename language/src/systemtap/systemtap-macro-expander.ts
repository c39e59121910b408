import { StapCode, type StapCodeValue } from './systemtap-diagnostic-codes.js';
import type { StapExpansion, StapMacro, StapMacroLibrary } from './systemtap-preprocessor.js';
import type { StapTarget } from './systemtap-target.js';
import { lexStap, STAP_KEYWORDS, type StapDiagnostic, type StapToken } from './systemtap-tokens.js';

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

/** A token sequence being expanded (the file, a macro body or an argument) and where in it expansion is. */
interface Frame {
    tokens: readonly StapToken[];
    /** The next token to read. */
    i: number;
    env: Env | undefined;
    inv: Invocation | undefined;
    depth: number;
    /** Whether the tokens' text is the file's. */
    local: boolean;
    /** Where the sequence ends (for diagnostics at its end). */
    end: number;
}

function frame(tokens: readonly StapToken[], env: Env | undefined, inv: Invocation | undefined, depth: number, local: boolean): Frame {
    return { tokens, i: 0, env, inv, depth, local, end: tokens.length ? tokens[tokens.length - 1].end : 0 };
}

/**
 * stap's `scan_pp1`, pulled token by token by the conditional pass (as stap does): a branch being
 * skipped passes its tokens through raw, so an `@define` there defines nothing. The sequences being
 * expanded are a stack of frames (the file at the bottom), so that each pull reads one token and the
 * file's own tokens, most of them, pass through without a copy or a call.
 */
export class MacroExpander {
    /**
     * The items made by the last token read and not yet pulled: `out[outPos..outLen)`. Refilled from the start
     * once pulled, never truncated: an array set to length 0 drops its storage, and refilling it allocated anew
     * for every token an expansion or a branch being skipped gave (5.8 MB on the tapset library).
     */
    private readonly out: Pp1Item[] = [];
    private outPos = 0;
    private outLen = 0;
    /** Set by the conditional pass while it skips a branch. */
    skipping = false;
    private frames: Frame[] = [];
    readonly hidden: StapToken[] = [];
    readonly expansions: StapExpansion[] = [];
    readonly macros = new Map<string, StapMacro>();

    constructor(
        private readonly target: StapTarget,
        private readonly library: StapMacroLibrary,
        private readonly uri: string | undefined,
        /** The tokens a macro expands to (its body, or that body with its conditionals decided: systemtap-macro-settle.ts). */
        private readonly bodyOf: (macro: StapMacro) => readonly StapToken[] = macro => macro.body,
    ) {}

    error(at: StapToken | undefined, fallback: number, message: string, code: StapCodeValue, inv?: Invocation): void {
        const offset = inv ? inv.offset : at ? at.offset : fallback;
        const end = inv ? inv.end : at ? at.end : fallback;
        this.put({ kind: 'error', diag: { offset, end, message, code, severity: 'error' } });
    }

    private put(item: Pp1Item): void {
        this.out[this.outLen++] = item;
    }

    /**
     * Emit one token: file tokens as they are, expanded ones at the invocation (with their own
     * offset as `origin` when `local`: their text is in the file).
     */
    emit(t: StapToken, inv: Invocation | undefined, local = false): void {
        this.put(inv ? this.expanded(t, inv, local) : t);
    }

    hide(t: StapToken, inv: Invocation | undefined): void {
        if (!inv) this.hidden.push(t);
    }

    /** Start on the file's tokens. */
    start(tokens: readonly StapToken[]): void {
        this.frames = [frame(tokens, undefined, undefined, 0, true)];
    }

    /**
     * The next item, or undefined at the end. Each pull reads tokens until one gives an item, so
     * the conditional pass may switch between skipping and expanding before any token after a
     * marker is read.
     */
    pull(): Pp1Item | undefined {
        for (;;) {
            if (this.outPos < this.outLen) return this.out[this.outPos++];
            this.outPos = this.outLen = 0;
            const frames = this.frames;
            const top = frames[frames.length - 1];
            if (!top) return undefined;
            if (top.i >= top.tokens.length) {
                frames.pop();
                continue;
            }
            const t = top.tokens[top.i++];
            // The file's own tokens, but script arguments and @-words, are items as they are.
            if (top.inv === undefined && (this.skipping || (t.kind !== 'at' && t.kind !== 'arg'))) return t;
            this.step(top, t);
        }
    }

    /**
     * While the conditional pass takes tokens as they come (no branch being skipped, nothing queued): move the plain
     * tokens straight into `into` — the file's own as they are, expanded ones at their invocation — up to the next
     * marker, @-word or script argument (which {@link pull} then reads). Returns the last token moved. What {@link pull}
     * would give one token at a time, in one loop: most tokens of a file go this way.
     */
    drain(into: StapToken[]): StapToken | undefined {
        if (this.skipping || this.outPos < this.outLen) return undefined;
        const frames = this.frames;
        let last: StapToken | undefined;
        for (;;) {
            const top = frames[frames.length - 1];
            if (!top) return last;
            const tokens = top.tokens;
            const inv = top.inv;
            let i = top.i;
            for (; i < tokens.length; i++) {
                const t = tokens[i];
                const kind = t.kind;
                if (kind === 'pp' || kind === 'at' || kind === 'arg') {
                    top.i = i;
                    return last;
                }
                last = inv === undefined ? t : this.expanded(t, inv, top.local);
                into.push(last);
            }
            top.i = i;
            frames.pop();
        }
    }

    /** Token `t` of an expansion, at the invocation (with its own offset as `origin` when `local`: its text is in the file). */
    private expanded(t: StapToken, inv: Invocation, local: boolean): StapToken {
        return { kind: t.kind, image: t.image, offset: inv.offset, end: inv.end, expansion: inv.expansion, origin: local ? t.origin ?? t.offset : undefined };
    }

    /** One token of `top` (read already): emitted, hidden, or the start of an expansion (a new frame). */
    private step(top: Frame, t: StapToken): void {
        const inv = top.inv;
        if (this.skipping) {
            this.emit(t, inv, top.local);
            return;
        }
        if (t.kind === 'arg') {
            this.scriptArg(t, inv);
            return;
        }
        if (t.kind !== 'at') {
            this.emit(t, inv, top.local);
            return;
        }
        const tokens = top.tokens;
        const i = top.i - 1;
        if (t.image === '@define') {
            top.i = this.define(tokens, i, inv, top.end);
            return;
        }
        const name = t.image.slice(1);
        const param = top.env?.get(name);
        if (param) {
            this.hide(t, inv);
            this.frames.push(frame(param.tokens, param.env, inv, top.depth + 1, param.local));
            return;
        }
        const macro = this.macros.get(name) ?? this.library.get(name);
        if (!macro) {
            this.emit(t, inv, top.local);
            return;
        }
        if (top.depth >= MAX_EXPANSION_DEPTH) {
            this.error(t, top.end, `macro expansion too deep at \`@${name}\` (does it invoke itself?)`, StapCode.PpMacroInvocation, inv);
            this.hide(t, inv);
            return;
        }
        this.hide(t, inv);
        let next = i + 1;
        const bindings: Env = new Map();
        if (macro.params.length > 0) {
            const r = this.collectArgs(tokens, i, macro, inv, top.env, top.end);
            if (!r) {
                // No end to the invocation: nothing more of this sequence.
                top.i = tokens.length;
                return;
            }
            next = r.next;
            if (r.unexpanded) {
                // No arguments, or not as many as it takes: the body is not expanded (stap stops there), so its errors
                // are no noise after this one.
                top.i = next;
                return;
            }
            macro.params.forEach((p, k) => bindings.set(p, { tokens: r.args[k] ?? [], env: top.env, local: top.local }));
        }
        let own = inv;
        if (!inv) {
            const last = tokens[next - 1];
            this.expansions.push({ name: t.image, offset: t.offset, end: last.end, macro });
            own = { offset: t.offset, end: last.end, expansion: this.expansions.length - 1 };
        }
        top.i = next;
        this.frames.push(frame(this.bodyOf(macro), bindings, own, top.depth + 1, macro.uri === this.uri));
    }

    private collectArgs(tokens: readonly StapToken[], at: number, macro: StapMacro, inv: Invocation | undefined,
        _env: Env | undefined, end: number): { args: StapToken[][]; next: number; unexpanded?: boolean } | undefined {
        const head = tokens[at];
        const n = macro.params.length;
        const open = tokens[at + 1];
        if (!isOp(open, '(')) {
            this.error(open, end, `expected \`(\` in invocation of macro \`@${macro.name}\` taking ${n} parameter${n > 1 ? 's' : ''}`,
                StapCode.PpMacroInvocation, inv);
            return { args: [], next: at + 1, unexpanded: true };
        }
        this.hide(open, inv);
        const args: StapToken[][] = [[]];
        let nesting = 0;
        // An invocation with too many or too few arguments stops stap there: it is not expanded (and the end of its
        // arguments found, nothing more said of them).
        let wrong = false;
        for (let i = at + 2; i < tokens.length; i++) {
            const t = tokens[i];
            this.hide(t, inv);
            if (nesting === 0 && (isOp(t, ',') || isOp(t, ')'))) {
                if (isOp(t, ')')) {
                    if (args.length !== n && !wrong) {
                        this.error(t, end, `too few parameters for macro \`@${macro.name}\` (expected ${n})`, StapCode.PpMacroInvocation, inv);
                        wrong = true;
                    }
                    return { args, next: i + 1, unexpanded: wrong };
                }
                if (args.length >= n && !wrong) {
                    this.error(t, end, `too many parameters for macro \`@${macro.name}\` (expected ${n})`, StapCode.PpMacroInvocation, inv);
                    wrong = true;
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
        // A keyword names no macro: reported, and the definition read on (and left out), so that its body is no noise.
        let keyword = STAP_KEYWORDS.has(nameTok.image);
        if (keyword) {
            this.error(nameTok, end, `expected an identifier: the name of the macro after \`@define\` (\`${nameTok.image}\` is a keyword)`,
                StapCode.PpMacroDefinition);
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
                if (STAP_KEYWORDS.has(p.image) && !keyword) {
                    this.error(p, end, `expected an identifier: a macro parameter name (\`${p.image}\` is a keyword)`, StapCode.PpMacroDefinition);
                    keyword = true;
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
        if (keyword) return i + 1;
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
            this.put({ kind: 'error', diag: { ...d, offset: own.offset, end: own.end } });
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

