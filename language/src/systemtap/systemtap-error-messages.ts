import type { IParserErrorMessageProvider, IToken, TokenType } from 'chevrotain';
import type { StapToken } from './systemtap-tokens.js';

/**
 * Parser error messages a person understands: "expected `)` but found `;`", "expected a
 * statement", and, for a missing closer, where its opener is (see {@link describeOpener}).
 */

function tokenName(t: TokenType): string {
    const n = t.name.endsWith(':KW') ? t.name.slice(0, -3) : t.name;
    switch (n) {
        case 'ID': return 'an identifier';
        case 'NUMBER': return 'a number';
        case 'STR': return 'a string';
        case 'EMBEDDED': return 'embedded C `%{ … %}`';
        case 'ARG': return 'a script argument';
        case 'AT_WORD': return 'a macro';
        default: return '`' + n + '`';
    }
}

function found(t: IToken): string {
    if (t.tokenType?.name === 'EOF' || isNaN(t.startOffset)) return 'the end of the file';
    const img = t.image.length > 40 ? t.image.slice(0, 37) + '…' : t.image;
    return '`' + img + '`';
}

/** What a rule is about, for "expected …" messages. */
const RULE_WANTS: Record<string, string> = {
    StapScript: '`probe`, `global`, `private`, `function` or `%{`',
    StapTopLevel: '`probe`, `global`, `private`, `function` or `%{`',
    StapStatement: 'a statement',
    StapBlock: 'a statement or `}`',
    StapExpr: 'an expression',
    StapBinary: 'an expression',
    StapUnary: 'an expression',
    StapIndexArg: 'an expression or `*`',
    StapComponent: 'a probe point component (a name, `*` or `{`)',
    StapProbePoint: 'a probe point',
    StapPointList: 'a probe point',
    StapLiteralArg: 'a literal string or number',
    StapGlobalVar: 'a global variable name',
    StapForeachKey: 'a key variable',
    StapForeachArray: 'an array name',
};

function expectedOf(paths: TokenType[][][] | TokenType[][], ruleName: string): string {
    // Langium suffixes Chevrotain rule names (`StapUnary_rule`…): strip anything after the name.
    const wants = RULE_WANTS[ruleName.replace(/[^A-Za-z].*$/, '')];
    if (wants) return wants;
    const firsts = new Set<string>();
    for (const alt of paths as unknown[]) {
        for (const path of (Array.isArray((alt as unknown[])[0]) ? alt : [alt]) as TokenType[][]) {
            if (path[0]) firsts.add(tokenName(path[0]));
        }
    }
    const list = [...firsts].slice(0, 6);
    if (list.length === 0) return 'something else';
    return list.length === 1 ? list[0] : list.slice(0, -1).join(', ') + ' or ' + list[list.length - 1];
}

export class SystemtapParserErrorMessageProvider implements IParserErrorMessageProvider {
    buildMismatchTokenMessage(options: { expected: TokenType; actual: IToken; previous: IToken; ruleName: string }): string {
        if (options.expected.name === 'EOF') return this.buildNotAllInputParsedMessage({ firstRedundant: options.actual, ruleName: options.ruleName });
        return `expected ${tokenName(options.expected)} but found ${found(options.actual)}`;
    }

    buildNotAllInputParsedMessage(options: { firstRedundant: IToken; ruleName: string }): string {
        return `expected \`probe\`, \`global\`, \`private\`, \`function\` or \`%{\` but found ${found(options.firstRedundant)}`;
    }

    buildNoViableAltMessage(options: { expectedPathsPerAlt: TokenType[][][]; actual: IToken[]; previous: IToken; customUserDescription?: string; ruleName: string }): string {
        return `expected ${expectedOf(options.expectedPathsPerAlt, options.ruleName)} but found ${found(options.actual[0])}`;
    }

    buildEarlyExitMessage(options: { expectedIterationPaths: TokenType[][]; actual: IToken[]; previous: IToken; customUserDescription?: string; ruleName: string }): string {
        return `expected ${expectedOf(options.expectedIterationPaths, options.ruleName)} but found ${found(options.actual[0])}`;
    }
}

const CLOSER: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/** The function's name when the `(` at `k` opens the parameter list of `function NAME` or `function NAME:TYPE`. */
function functionBefore(tokens: readonly StapToken[], k: number): string | undefined {
    const typed = tokens[k - 2]?.image === ':';
    const name = tokens[typed ? k - 3 : k - 1];
    return name?.kind === 'ident' && tokens[typed ? k - 4 : k - 2]?.image === 'function' ? name.image : undefined;
}

/**
 * For "expected `)`/`]`/`}`" at the active token `errorIndex`: the still-open bracket before it,
 * described with what it opened ("the call to printf opened at 12:9"). `position` turns an
 * offset into `L:C`.
 */
export function describeOpener(tokens: readonly StapToken[], errorIndex: number, closer: string,
    position: (offset: number) => string): string | undefined {
    const opener = CLOSER[closer];
    if (!opener) return undefined;
    const k = openerBefore(tokens, errorIndex, opener);
    if (k < 0) return undefined;
    const before = tokens[k - 1];
    let what: string;
    if (opener === '(' && before?.kind === 'ident' && ['if', 'while', 'for', 'foreach'].includes(before.image)) {
        what = `the \`${before.image}\` opened`;
    } else if (opener === '(' && before?.kind === 'ident' && tokens[k - 2]?.image === '.') {
        what = `the argument of probe point component \`${before.image}\` opened`;
    } else if (opener === '(' && functionBefore(tokens, k)) {
        what = `the parameter list of function ${functionBefore(tokens, k)} opened`;
    } else if (opener === '(' && (before?.kind === 'ident' || before?.kind === 'at')) {
        what = `the call to ${before.image} opened`;
    } else if (opener === '(') {
        what = 'the `(` opened';
    } else if (opener === '[') {
        what = 'the `[` opened';
    } else {
        what = 'the block opened';
    }
    // An opener from a macro expansion is where its text is, when that is in this file.
    return `to close ${what} at ${position(tokens[k].origin ?? tokens[k].offset)}`;
}

/** The index of the innermost `opener` still open before token `errorIndex`, or -1. */
function openerBefore(tokens: readonly StapToken[], errorIndex: number, opener: string): number {
    const stack: number[] = [];
    for (let k = 0; k < tokens.length && k < errorIndex; k++) {
        const t = tokens[k];
        if (t.kind !== 'operator') continue;
        if (t.image === '(' || t.image === '[' || t.image === '{') stack.push(k);
        else if (CLOSER[t.image] && stack.length && tokens[stack[stack.length - 1]].image === CLOSER[t.image]) stack.pop();
    }
    for (let s = stack.length - 1; s >= 0; s--) if (tokens[stack[s]].image === opener) return stack[s];
    return -1;
}

/**
 * Whether token `errorIndex` follows a `,` in a function's parameter list: there a `)` may end the list (stap takes
 * `function f(a,)`), but stap asks for the next parameter's name ("expected identifier").
 */
export function afterParameterComma(tokens: readonly StapToken[], errorIndex: number): boolean {
    if (tokens[errorIndex - 1]?.image !== ',') return false;
    const k = openerBefore(tokens, errorIndex, '(');
    return k >= 0 && functionBefore(tokens, k) !== undefined;
}
