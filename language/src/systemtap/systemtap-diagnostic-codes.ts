/**
 * Stable codes of the SystemTap front end's diagnostics (lexer, preprocessor, parser). Editors,
 * tests and `probekit check` output refer to them; never renumber, only add.
 */
export const StapCode = {
    /** A character that starts no stap token. */
    LexUnexpectedChar: 'stap-lex-unexpected-char',
    /** `"…` without its closing quote on the same line. */
    LexUnclosedString: 'stap-lex-unclosed-string',
    /** `/* …` without `*\/`. */
    LexUnclosedComment: 'stap-lex-unclosed-comment',
    /** `%{ …` without `%}`. */
    LexUnclosedEmbedded: 'stap-lex-unclosed-embedded',
    /** `}%` inside embedded C (probably meant `%}`): a warning, as stap gives. */
    LexSuspiciousEmbeddedEnd: 'stap-lex-embedded-end',
    /** A number literal that is not decimal, hex or octal, or is above 2^64−1. */
    LexBadNumber: 'stap-lex-bad-number',
    /** `$N` / `@N` beyond the script arguments given. */
    LexArgRange: 'stap-lex-arg-range',
    /** Brackets or prefix operators nested deeper than the parser can follow. */
    LexTooDeep: 'stap-lex-too-deep',
    /** The file is too large or not text (NUL bytes). */
    LexNotText: 'stap-lex-not-text',
    /** Malformed `@define`. */
    PpMacroDefinition: 'stap-pp-macro-definition',
    /** Bad macro invocation (arity, unterminated arguments, recursion). */
    PpMacroInvocation: 'stap-pp-macro-invocation',
    /** `@word` that is neither a macro nor a built-in operator. */
    PpUnknownOperator: 'stap-pp-unknown-operator',
    /** Malformed `%( … %? … %: … %)`. */
    PpConditional: 'stap-pp-conditional',
    /** Malformed condition inside `%( … %?`. */
    PpCondition: 'stap-pp-condition',
    /** A library `.stpm` file holds more than `@define`s. */
    PpLibraryFile: 'stap-pp-library-file',
    /** A script with no code (for the target, after preprocessing): stap refuses it ("Input file … is empty"). */
    PpEmpty: 'stap-pp-empty',
    /** Embedded C or a guru-only @-operator without `-g` (stap rejects it; a warning here, see the lexer). */
    ParseNeedsGuru: 'stap-parse-needs-guru',
    /** Tokens stap 4.8 skips without a word (after an argument of `@count`, `@sum`, …): a warning. */
    ParseIgnored: 'stap-parse-ignored',
    /** The parser expected something else here. */
    ParseExpected: 'stap-parse-expected',
    /** Structural rules stap's parser enforces beyond the grammar (duplicates, contexts, literals). */
    ParseRule: 'stap-parse-rule',
    /** The parser failed on a declaration for a reason other than its syntax (an internal error): that declaration is not checked. */
    ParseFailed: 'stap-parse-failed',
    /**
     * A branch of `%( … %)` not taken for the target: a hint tagged Unnecessary, which editors draw faded.
     * `probekit check` leaves these out.
     */
    PpInactive: 'stap-pp-inactive',
} as const;

export type StapCodeValue = typeof StapCode[keyof typeof StapCode];
