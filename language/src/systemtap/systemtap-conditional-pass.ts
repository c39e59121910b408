import { StapCode, type StapCodeValue } from './systemtap-diagnostic-codes.js';
import { evalStapCondition, StapConditionError } from './systemtap-conditions.js';
import type { MacroExpander } from './systemtap-macro-expander.js';
import type { StapRange } from './systemtap-preprocessor.js';
import type { StapTarget } from './systemtap-target.js';
import { startsDeclaration, type StapDiagnostic, type StapToken } from './systemtap-tokens.js';

/** `%( … %? … %: … %)` evaluation (stap's `scan_pp`) for `systemtap-preprocessor.ts`. */

type PpState = 'keep-then' | 'skip-then' | 'keep-else' | 'skip-else';

/** The conditional pass over the macro-expanded stream. */
export class ConditionalPass {
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
        const at = t ?? this.last;
        this.diagnostics.push({ offset: at?.offset ?? 0, end: at?.end ?? 0, message, code, severity: 'error' });
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
            if (!skipping && !this.pushedBack) {
                // Tokens up to the next marker (or @-word, or argument) are taken as they come.
                this.source.skipping = false;
                const last = this.source.drain(this.tokens);
                if (last) this.last = last;
            }
            const t = skipping ? this.skip() : this.next(true);
            if (!t) {
                if (top) this.err(top.open, 'incomplete conditional at end of file: `%(` has no closing `%)`', StapCode.PpConditional);
                this.resync();
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
            this.conditionFailed = false;
            const result = this.condition(t);
            // A `%(` read here is active: a skipped branch's nested conditionals are consumed by skip().
            // A condition stap cannot read stops it there: that conditional never opens, and a `%:` or `%)` after it
            // belongs to the one around it.
            if (this.conditionFailed) {
                this.resyncFrom.push(this.tokens.length);
                continue;
            }
            stack.push({ open: t, state: result ? 'keep-then' : 'skip-then' });
            if (!result) this.skipStart = this.lastEnd;
        }
    }

    private skipStart = 0;
    private lastEnd = 0;
    /** Set by {@link condition} when it reports the condition. */
    private conditionFailed = false;
    /** Where in {@link tokens} the tokens after each condition stap cannot read start. */
    private readonly resyncFrom: number[] = [];

    /**
     * After a condition it cannot read, stap's parser goes on at the next `probe`, `function`, `global` or `private`
     * (the preprocessor goes on meanwhile, as here): the tokens before it are hidden, so the parser does not report
     * what stap never reads.
     */
    private resync(): void {
        if (!this.resyncFrom.length) return;
        const kept: StapToken[] = [];
        let r = 0;
        let skipping = false;
        for (let k = 0; k < this.tokens.length; k++) {
            const t = this.tokens[k];
            if (r < this.resyncFrom.length && this.resyncFrom[r] === k) {
                skipping = true;
                while (r < this.resyncFrom.length && this.resyncFrom[r] === k) r++;
            }
            if (skipping && t.kind === 'ident' && startsDeclaration(this.tokens, k)) skipping = false;
            if (skipping) this.hide(t);
            else kept.push(t);
        }
        this.tokens.length = 0;
        for (const t of kept) this.tokens.push(t);
    }

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
                this.conditionFailed = true;
                return false;
            }
            try {
                and = evalStapCondition(this.target, this.placeholder(l), op, this.placeholder(r)) && and;
            } catch (e) {
                if (!(e instanceof StapConditionError)) throw e;
                this.err(e.token, e.message, StapCode.PpCondition);
                this.conditionFailed = true;
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
                if (n?.kind === 'pp') this.pushBack(n);
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

    /** Give a marker back to the main loop (and take it off the hidden list, where the loop puts it again). */
    private pushBack(t: StapToken): void {
        this.pushedBack = t;
        if (this.hidden[this.hidden.length - 1] === t) this.hidden.pop();
    }

    /**
     * After a bad condition: skip to the next marker, which is read as it comes (stap stops in the condition, so that
     * conditional never opens: its `%?`, `%:` and `%)` are ones without a `%(`).
     */
    private recover(): void {
        for (;;) {
            const t = this.next(false);
            if (!t) return;
            this.hide(t);
            if (t.kind === 'pp') {
                // (A `%?` too: that conditional never opens, and stap reports it as one without its `%(`.)
                this.pushBack(t);
                this.lastEnd = t.end;
                return;
            }
        }
    }
}

