import { ConditionalPass } from './systemtap-conditional-pass.js';
import { MacroExpander } from './systemtap-macro-expander.js';
import type { StapMacro } from './systemtap-preprocessor.js';
import type { StapTarget } from './systemtap-target.js';
import type { StapToken } from './systemtap-tokens.js';

/**
 * A macro body's conditionals decided once for a target, instead of in every expansion. stap expands a macro and
 * then decides the `%( … %)` conditionals in what it spliced in; when no condition in the body names a parameter,
 * invokes a macro or reads a script argument, the target alone decides them, so the body's active tokens are the
 * same in every expansion. The tapset library's syscall macros are expanded thousands of times (about half the
 * tokens the parser reads come from expansions) and many hold such conditionals.
 */

const NO_MACROS: ReadonlyMap<string, StapMacro> = new Map();
const settled = new WeakMap<StapMacro, { target: StapTarget; body: readonly StapToken[] }>();

/** Whether a body can be decided without its expansion: conditionals, none of them naming an @-word or argument, and no `@define`. */
function settleable(body: readonly StapToken[]): boolean {
    let pp = false;
    let inCondition = false;
    for (const t of body) {
        if (t.kind === 'arg' || (t.kind === 'at' && (inCondition || t.image === '@define'))) return false;
        if (t.kind !== 'pp') continue;
        pp = true;
        if (t.image === '%(') inCondition = true;
        else if (t.image === '%?') inCondition = false;
    }
    return pp;
}

/**
 * The body `macro` expands to for `target`: its active tokens when its conditionals can be decided without the
 * expansion and are well formed (any finding of the conditional pass keeps the body as written, so that each
 * expansion reports it where stap would), else the body as written. The tokens are the body's own objects.
 */
export function settledMacroBody(macro: StapMacro, target: StapTarget): readonly StapToken[] {
    const known = settled.get(macro);
    if (known?.target === target) return known.body;
    let body = macro.body;
    if (settleable(body)) {
        const expander = new MacroExpander(target, NO_MACROS, undefined);
        expander.start(body);
        const pass = new ConditionalPass(expander, [], target);
        pass.run();
        if (pass.diagnostics.length === 0) body = pass.tokens;
    }
    settled.set(macro, { target, body });
    return body;
}
