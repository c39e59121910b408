/**
 * Stable codes of the bpftrace front end's diagnostics (`bt-<area>-<what>`). Tests, quick fixes and
 * users' suppressions refer to them, so a code never changes meaning once published.
 */
export const BtCode = {
    /** The parser did not find what the grammar needs here. */
    Syntax: 'bt-syntax',
    /** Strings: unterminated, bad escapes. */
    LexString: 'bt-lex-string',
    /** Unterminated comment. */
    LexComment: 'bt-lex-comment',
    /** A character that starts no token. */
    LexCharacter: 'bt-lex-character',
    /** Top-level C definitions (`struct {…}`, `__attribute__`). */
    LexCDefinition: 'bt-lex-c-definition',
    /**
     * Beyond what can be checked: a probe or definition nested or chained past the lexer's limits
     * (it is left out), or too many lexical errors (the lexer stops).
     */
    TooComplex: 'bt-too-complex',
    /** The file is too large to be checked as you type. */
    TooLarge: 'bt-too-large',
    /** A construct the target bpftrace version does not have. */
    VersionTooOld: 'bt-version-construct',
    /** The requested target version is not one the front end knows, or older than those it supports. */
    VersionUnknown: 'bt-version-unknown',
    /** A construct the target version no longer has. */
    VersionRemoved: 'bt-version-removed',
    /** Unknown probe provider. */
    ProbeType: 'bt-probe-type',
    /** Wrong number of `:`-separated parts for the provider. */
    ProbeArity: 'bt-probe-arity',
    /** A part of an attach point has the wrong shape (rate, count, address, offset, …). */
    ProbePart: 'bt-probe-part',
    /** A probe without attach points. */
    ProbeEmpty: 'bt-probe-empty',
    /** Integer literal problems (suffix, underscore, overflow, scientific form). */
    IntLiteral: 'bt-int-literal',
    /** Positional parameter problems (`$0`, overflow). */
    Positional: 'bt-positional',
    /** A statement is not followed by `;`. */
    MissingSemicolon: 'bt-missing-semicolon',
    /** Assignment to something that is not a variable or map. */
    AssignTarget: 'bt-assign-target',
    /** `++`/`--` on something that is not a variable or map. */
    IncrementTarget: 'bt-increment-target',
    /** `&` on something that is not a variable or map. */
    AddressOf: 'bt-address-of',
    /** Sections out of order (C definitions or config after probes). */
    ItemOrder: 'bt-item-order',
    /** A call with a type as argument, a misplaced type. */
    TypeArgument: 'bt-type-argument',
    /** Records: duplicate or missing names. */
    Record: 'bt-record',
    /** `for` loop shape. */
    ForLoop: 'bt-for-loop',
    /** A call to something that is a builtin variable in the target version (`nsecs()` in 0.17). */
    BuiltinCall: 'bt-builtin-call',
    /** `#define` expansion problems. */
    Macro: 'bt-define-macro',
    /** Config block entries. */
    Config: 'bt-config',
    /** Map declarations (`let @m = hash(N)`). */
    MapDecl: 'bt-map-decl',
} as const;

export type BtCodeValue = typeof BtCode[keyof typeof BtCode];
