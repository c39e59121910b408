import { tokenMatcher, type IParserErrorMessageProvider, type IToken, type TokenType } from 'chevrotain';

/** How a message names a token type the parser expected. */
const DESCRIPTIONS: Record<string, string> = {
    PRED_END: "'/' to close the predicate",
    PRED_START: "'/' to open a predicate",
    ATTACH_POINT: 'an attach point (kprobe:…, tracepoint:…:…, BEGIN, …)',
    VAR: 'a variable ($name)',
    MAP: 'a map (@name)',
    INTEGER: 'an integer',
    STRING_LIT: 'a string',
    ID: 'an identifier',
    TYPE_WORD: 'a type',
    CAST_NAME: 'a type',
    CAST_TYPEOF: "'typeof'",
    POSITIONAL: 'a positional parameter ($1)',
    C_PREPROC: 'a #include/#define line',
    C_BLOCK: 'a C definition',
    EOF: 'the end of the file',
};

/** The words that start a type, besides its name. */
const TYPE_WORDS = ['struct', 'union', 'enum'];

/** Tokens that start an expression: when most of them are possible, say "an expression". */
const EXPRESSION_STARTS = ['INTEGER', 'STRING_LIT', 'VAR', 'MAP', 'ID', 'POSITIONAL', '('];

function describe(type: TokenType): string {
    return DESCRIPTIONS[type.name] ?? `'${type.name}'`;
}

function found(token: IToken): string {
    if (!token.image || token.tokenType?.name === 'EOF') return 'the end of the file';
    const image = token.image.length > 40 ? token.image.slice(0, 37) + '…' : token.image;
    return `'${image}'`;
}

function describeAll(types: TokenType[]): string {
    const names = [...new Set(types.map(t => t.name))];
    if (EXPRESSION_STARTS.every(n => names.includes(n))) {
        const rest = names.filter(n => !EXPRESSION_STARTS.includes(n) && !['!', '~', '-', '*', '&', '++', '--', 'sizeof',
            'offsetof', 'typeof', 'comptime', 'if', 'true', 'false', '{', 'CAST_TYPEOF'].includes(n));
        // (a type's words are a type)
        const types = rest.some(n => DESCRIPTIONS[n] === 'a type');
        const described = [...new Set(['an expression',
            ...rest.filter(n => !(types && TYPE_WORDS.includes(n))).map(n => DESCRIPTIONS[n] ?? `'${n}'`)])];
        return described.length > 1 ? `${described.slice(0, -1).join(', ')} or ${described[described.length - 1]}` : described[0];
    }
    const described = [...new Set(names.map(n => DESCRIPTIONS[n] ?? `'${n}'`))];
    if (described.length > 6) return described.slice(0, 6).join(', ') + ', …';
    return described.join(' or ');
}

/**
 * Parser messages in the words of bpftrace users ("expected '/' to close the predicate, found '{'")
 * instead of token-type names.
 */
export class BpftraceParserErrorMessageProvider implements IParserErrorMessageProvider {
    buildMismatchTokenMessage(options: { expected: TokenType; actual: IToken; previous: IToken; ruleName: string }): string {
        // Inside a block the usual cause is a statement that goes on where it should have ended.
        if (options.expected.name === '}' && options.ruleName.startsWith('BtBlock') && options.previous?.image !== '{') {
            return `expected ';' or '}', found ${found(options.actual)}`;
        }
        return `expected ${describe(options.expected)}, found ${found(options.actual)}`;
    }

    buildNotAllInputParsedMessage(options: { firstRedundant: IToken; ruleName: string }): string {
        return `unexpected ${found(options.firstRedundant)}: expected a probe, a definition or the end of the file`;
    }

    /**
     * The token a no-viable-alternative error is really about, where it is not the first the parser looked at
     * (`printf((, 1)`: every alternative takes the second `(`, none the `,`), keyed by that first token: the parser
     * moves its error there (see bpftrace-parser.ts), as bpftrace reports it.
     */
    readonly deeper = new WeakMap<IToken, IToken>();

    buildNoViableAltMessage(options: {
        expectedPathsPerAlt: TokenType[][][]; actual: IToken[]; previous: IToken; customUserDescription?: string; ruleName: string;
    }): string {
        const paths = options.expectedPathsPerAlt.flat().filter(path => path.length > 0);
        const actual = options.actual;
        // How far the lookahead matches some alternative: the error is at the first token none takes.
        const matched = (path: TokenType[]): number => {
            let i = 0;
            while (i < path.length && i < actual.length && tokenMatcher(actual[i], path[i])) i++;
            return i;
        };
        const depth = Math.max(0, ...paths.map(matched));
        const at = actual[depth];
        if (depth > 0 && at && paths.every(path => matched(path) < path.length)) {
            this.deeper.set(actual[0], at);
            const wanted = paths.filter(path => matched(path) === depth).map(path => path[depth]);
            return `expected ${describeAll(wanted)}, found ${found(at)}`;
        }
        const firsts = paths.map(path => path[0]);
        return `expected ${describeAll(firsts)}, found ${found(actual[0])}`;
    }

    buildEarlyExitMessage(options: {
        expectedIterationPaths: TokenType[][]; actual: IToken[]; previous: IToken; customUserDescription?: string; ruleName: string;
    }): string {
        const firsts = options.expectedIterationPaths.map(path => path[0]).filter(Boolean);
        return `expected ${describeAll(firsts)}, found ${found(options.actual[0])}`;
    }
}
