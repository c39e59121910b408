/**
 * What each bpftrace release added or removed, as far as the front end checks it. One table, so
 * that a message always names the release that introduced a construct. Versions are written
 * `0.<minor>`; the front end supports 0.17 … 0.26 and `latest` (today's syntax).
 */

/** A target version: the minor number (17 … 26), or LATEST. */
export type BtVersion = number;

export const OLDEST_VERSION: BtVersion = 17;
/** bpftrace 0.17, whose own grammar and lexer rules are checked where later releases differ (bpftrace-017-checks.ts). */
export const V017: BtVersion = 17;
export const NEWEST_RELEASE: BtVersion = 26;
/** Upstream HEAD: everything the newest release has, and whatever came after it. */
export const LATEST: BtVersion = 1000;

interface FeatureFact {
    /** First release with the construct. */
    since: BtVersion;
    /** Release that removed it, if any. */
    removedIn?: BtVersion;
    /** How a message names it: "`let` declarations". */
    label: string;
    /** The label is grammatically singular ("`offsetof` needs …"). */
    singular?: boolean;
}

/** The constructs whose availability depends on the version. */
export const BT_FEATURES = {
    rawtracepoint: { since: 18, label: '`rawtracepoint` probes' },
    offsetof: { since: 18, label: '`offsetof`', singular: true },
    config: { since: 20, label: '`config` blocks' },
    fentryNames: { since: 20, label: '`fentry`/`fexit` probe names' },
    // Upstream PR #2657 (CHANGELOG 0.19.0: "uprobes: make C++ symbol demangling explicit").
    uprobeLanguage: { since: 19, label: 'uprobe language qualifiers (`uprobe:binary:cpp:function`)' },
    // Upstream PR #2897 (CHANGELOG 0.20.0: "Add support for kprobe:module:function").
    kprobeModule: { since: 20, label: 'kernel module attach points (`kprobe:module:function`)' },
    subprog: { since: 21, label: '`fn` subprograms' },
    forMap: { since: 21, label: '`for` loops over maps' },
    letDecl: { since: 22, label: '`let` declarations' },
    selfProbe: { since: 22, label: '`self` probes' },
    // `nsecs(monotonic)` arrived in 0.19 (upstream PR #2718); 0.17 and 0.18 reject `nsecs()`.
    builtinCall: { since: 19, label: 'calling builtins with `()`', singular: true },
    macro: { since: 24, label: '`macro` definitions' },
    mapDecl: { since: 24, label: 'map declarations (`let @m = hash(N)`)' },
    importStmt: { since: 24, label: '`import`', singular: true },
    forRange: { since: 24, label: '`for` loops over ranges (`a..b`)' },
    blockExpr: { since: 24, label: 'block expressions' },
    bareCondition: { since: 24, label: 'conditions without parentheses' },
    duration: { since: 24, label: 'duration literals (`10ms`)' },
    // Upstream PR #4317, with duration literals.
    rateOnly: { since: 24, label: '`interval`/`profile` rates without a unit part (`interval:1s`)' },
    lowercaseBeginEnd: { since: 24, label: 'lowercase `begin`/`end` probes' },
    benchProbe: { since: 24, label: '`bench` probes' },
    ifExpr: { since: 24, label: '`if` used as an expression', singular: true },
    record: { since: 25, label: 'records (`(name = value, …)`)' },
    typeofExpr: { since: 25, label: '`typeof`', singular: true },
    comptime: { since: 25, label: '`comptime`', singular: true },
    discard: { since: 25, label: 'the discard assignment `_ =`', singular: true },
    testProbe: { since: 25, label: '`test` probes' },
    letType: { since: 25, label: 'typed `let` declarations' },
    // Upstream PR #4752 (named attach points, merged after 0.24).
    probeName: { since: 25, label: 'probe names (`name=provider:…`)' },
    elvis: { since: 26, label: 'the short conditional `?:`', singular: true },
    uprobeLine: { since: 26, label: 'uprobe source lines (`bin@file:line`)' },
    asyncwatchpoint: { since: 17, removedIn: 25, label: '`asyncwatchpoint` probes' },
    watchpointFunc: { since: 17, removedIn: 25, label: '`watchpoint:func+argN` probes' },
    sarg: { since: 17, removedIn: 25, label: '`sargN` builtins' },
} satisfies Record<string, FeatureFact>;

export type BtFeature = keyof typeof BT_FEATURES;

/** Builtins of bpftrace 0.17: words, not functions (`nsecs()` was "Unknown function: nsecs"), never types. */
export const BUILTINS_017: ReadonlySet<string> = new Set([
    'args', 'cgroup', 'comm', 'cpid', 'numaid', 'cpu', 'ctx', 'curtask', 'elapsed', 'func', 'gid', 'nsecs', 'pid',
    'probe', 'rand', 'retval', 'tid', 'uid', 'username',
]);

/** Parse `0.17`, `0.17.0`, `v0.26.1`, `latest`; undefined when it is not a version. */
export function parseBtVersion(text: string | undefined): BtVersion | undefined {
    if (!text) return undefined;
    const t = text.trim().toLowerCase();
    if (t === 'latest' || t === 'head') return LATEST;
    const m = /^v?0\.(\d+)(?:\.\d+)?(?:[-+~].*)?$/.exec(t) ?? /bpftrace v?0\.(\d+)/.exec(t);
    if (!m) return undefined;
    const minor = Number(m[1]);
    return minor > NEWEST_RELEASE ? LATEST : minor;
}

export function formatBtVersion(v: BtVersion): string {
    return v >= LATEST ? 'latest' : `0.${v}`;
}

/** Undefined when the target has the feature, else the message explaining why not. */
export function featureProblem(feature: BtFeature, target: BtVersion): string | undefined {
    const fact: FeatureFact = BT_FEATURES[feature];
    if (target < fact.since) {
        return `${fact.label} ${fact.singular ? 'needs' : 'need'} bpftrace ≥ 0.${fact.since} (target is ${formatBtVersion(target)})`;
    }
    if (fact.removedIn !== undefined && target >= fact.removedIn) {
        return `${fact.label} ${fact.singular ? 'was' : 'were'} removed in bpftrace 0.${fact.removedIn} (target is ${formatBtVersion(target)})`;
    }
    return undefined;
}
