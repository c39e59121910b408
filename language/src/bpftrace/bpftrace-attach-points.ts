import { BtCode, type BtCodeValue } from './bpftrace-diagnostic-codes.js';
import { featureProblem, V017, type BtFeature, type BtVersion } from './bpftrace-versions.js';

/** One `:`-separated part of an attach point, with its offset inside the attach-point text. */
export interface BtAttachPart {
    text: string;
    offset: number;
    quoted: boolean;
}

/** An attach point as a structured value. */
export interface BtAttachPointInfo {
    /** The `name=` prefix, if any. */
    label?: string;
    /** The provider as written (`k`, `kprobe`, `BEGIN`). */
    provider: string;
    /** The provider's full name (`kprobe`), or undefined when unknown. */
    canonical?: string;
    /** The parts after the provider. */
    parts: BtAttachPart[];
    /** Offset of the provider inside the text (after a `name=` prefix). */
    providerOffset: number;
}

export interface BtAttachProblem {
    offset: number;
    length: number;
    message: string;
    code: BtCodeValue;
}

interface ProviderFact {
    aliases: string[];
    /** Allowed numbers of parts after the provider. */
    arity: number[];
    /** Numbers of parts that later releases added, and the feature that names the release. */
    newer?: Array<{ parts: number; feature: BtFeature }>;
    feature?: BtFeature;
    offsetAllowed?: boolean;
    wildcards?: boolean;
}

/** Providers by full name; aliases map onto them. */
export const BT_PROVIDERS: Record<string, ProviderFact> = {
    begin: { aliases: [], arity: [0] },
    end: { aliases: [], arity: [0] },
    self: { aliases: [], arity: [2], feature: 'selfProbe' },
    test: { aliases: [], arity: [1], feature: 'testProbe' },
    bench: { aliases: [], arity: [1], feature: 'benchProbe' },
    kprobe: { aliases: ['k'], arity: [1, 2], newer: [{ parts: 2, feature: 'kprobeModule' }], offsetAllowed: true },
    kretprobe: { aliases: ['kr'], arity: [1, 2], newer: [{ parts: 2, feature: 'kprobeModule' }] },
    uprobe: { aliases: ['u'], arity: [2, 3], newer: [{ parts: 3, feature: 'uprobeLanguage' }], offsetAllowed: true },
    uretprobe: { aliases: ['ur'], arity: [2, 3], newer: [{ parts: 3, feature: 'uprobeLanguage' }] },
    usdt: { aliases: ['U'], arity: [1, 2, 3] },
    tracepoint: { aliases: ['t'], arity: [2] },
    rawtracepoint: { aliases: ['rt'], arity: [1, 2], feature: 'rawtracepoint' },
    fentry: { aliases: ['f', 'kfunc'], arity: [1, 2, 3] },
    fexit: { aliases: ['fr', 'kretfunc'], arity: [1, 2, 3] },
    profile: { aliases: ['p'], arity: [1, 2], newer: [{ parts: 1, feature: 'rateOnly' }] },
    interval: { aliases: ['i'], arity: [1, 2], newer: [{ parts: 1, feature: 'rateOnly' }] },
    software: { aliases: ['s'], arity: [1, 2] },
    hardware: { aliases: ['h'], arity: [1, 2] },
    watchpoint: { aliases: ['w'], arity: [3] },
    asyncwatchpoint: { aliases: ['aw'], arity: [3], feature: 'asyncwatchpoint' },
    iter: { aliases: ['it'], arity: [1, 2], wildcards: false },
};

const BY_NAME = new Map<string, string>();
for (const [name, fact] of Object.entries(BT_PROVIDERS)) {
    BY_NAME.set(name, name);
    for (const a of fact.aliases) BY_NAME.set(a, name);
}

const U64_MAX = 18446744073709551615n;

/** Split attach-point text into provider and parts (`:` outside quotes). */
export function parseAttachPoint(text: string): BtAttachPointInfo {
    let providerOffset = 0;
    let label: string | undefined;
    const eq = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(text);
    if (eq && !text.slice(0, eq[0].length).includes(':')) {
        label = eq[1];
        providerOffset = eq[0].length;
    }
    const pieces: BtAttachPart[] = [];
    let start = providerOffset;
    let quoted = false;
    let inQuote = false;
    for (let i = providerOffset; i <= text.length; i++) {
        const c = text[i];
        if (c === '"') {
            inQuote = !inQuote;
            quoted = true;
            continue;
        }
        if (inQuote && c === '\\') {
            i++;
            continue;
        }
        if (i === text.length || (c === ':' && !inQuote)) {
            pieces.push({ text: text.slice(start, i), offset: start, quoted });
            start = i + 1;
            quoted = false;
        }
    }
    const provider = pieces.shift()!;
    return {
        label, provider: provider.text, providerOffset,
        canonical: canonicalProvider(provider.text),
        parts: pieces,
    };
}

/** `k` → `kprobe`, `BEGIN` → `begin`; undefined when unknown. */
export function canonicalProvider(written: string): string | undefined {
    return BY_NAME.get(written) ?? BY_NAME.get(written.toLowerCase());
}

/** Where bpftrace 0.17 counts parts otherwise (measured: `usdt:/bin/bash` and `kfunc:::f` are refused). */
const ARITY_017: Readonly<Record<string, number[]>> = { usdt: [2, 3], fentry: [1, 2], fexit: [1, 2] };

/** Check one attach point for the target version; problems are relative to the text. */
export function checkAttachPoint(text: string, target: BtVersion): BtAttachProblem[] {
    const problems: BtAttachProblem[] = [];
    const whole = (message: string, code: BtCodeValue): void => {
        problems.push({ offset: 0, length: text.length, message, code });
    };
    const ap = parseAttachPoint(text);
    if (ap.provider === '') {
        whole('No attach points for probe: the attach point has no provider before the first \':\'', BtCode.ProbeEmpty);
        return problems;
    }
    if (ap.provider.startsWith('$')) {
        // The whole attach point comes from a positional parameter or a shell substitution.
        return problems;
    }
    if (/[*?]/.test(ap.provider)) {
        const re = new RegExp('^' + ap.provider.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', 'i');
        if (![...BY_NAME.keys()].some(n => re.test(n))) whole(`Invalid probe type: ${ap.provider} matches no provider`, BtCode.ProbeType);
        return problems;
    }
    const name = ap.canonical;
    if (!name) {
        whole(`Invalid probe type: ${ap.provider}`, BtCode.ProbeType);
        return problems;
    }
    const fact = BT_PROVIDERS[name];
    const versionFeature = providerFeature(ap.provider, name, fact);
    const versionProblem = versionFeature && featureProblem(versionFeature, target);
    if (versionProblem) {
        whole(versionProblem, BtCode.VersionTooOld);
        return problems;
    }
    const nameProblem = ap.label !== undefined && featureProblem('probeName', target);
    if (nameProblem) problems.push({ offset: 0, length: ap.providerOffset - 1, message: nameProblem, code: BtCode.VersionTooOld });
    const noRate = missingRate(name, ap);
    if (noRate) {
        whole(noRate, BtCode.ProbePart);
        return problems;
    }
    // As the target names it: BEGIN/END before 0.24, kfunc/kretfunc before fentry/fexit (0.20).
    const shown = name === 'begin' || name === 'end' ? (target < 24 ? ap.provider.toUpperCase() : ap.provider)
        : target < 20 && (name === 'fentry' || name === 'fexit') ? (name === 'fentry' ? 'kfunc' : 'kretfunc') : name;
    const missing = (fact.newer ?? []).filter(form => featureProblem(form.feature, target));
    const newerForm = missing.find(form => form.parts === ap.parts.length);
    if (newerForm) {
        whole(featureProblem(newerForm.feature, target)!, BtCode.VersionTooOld);
        return problems;
    }
    const arity = (target === V017 ? ARITY_017[name] : undefined) ?? fact.arity.filter(n => !missing.some(form => form.parts === n));
    // A wildcard may stand for the parts after it (`tracepoint:sched*`), though not in 0.17's uprobes and usdt probes
    // (measured: `uprobe:/bin/sh*`, `usdt:/bin/bash*`, `usdt:*` are refused for their count of parts).
    const wildcardShort = ap.parts.length > 0 && ap.parts.length < Math.min(...arity) && /[*?]/.test(ap.parts[ap.parts.length - 1].text)
        && !(target === V017 && (name === 'uprobe' || name === 'uretprobe' || name === 'usdt'));
    if (!arity.includes(ap.parts.length) && !wildcardShort) {
        const want = arity.length === 1 ? `${arity[0]}` : arity.slice().reverse().join(' or ');
        const wantText = name === 'rawtracepoint' || (name === 'usdt' && target !== V017) ? want : arity.join(' or ');
        whole(`${shown} probe type requires ${wantText} arguments, found ${ap.parts.length}`, BtCode.ProbeArity);
        return problems;
    }
    if (fact.wildcards === false && ap.parts.some(p => !p.quoted && /[*?]/.test(p.text))) {
        whole(`${name} probe type does not support wildcards`, BtCode.ProbePart);
    }
    checkPositionals(text, problems);
    checkParts(name, fact, ap, target, whole);
    return problems;
}

const RATE_UNITS = ['us', 'ms', 's', 'hz'];
const RATE_EXAMPLE: Record<string, string> = { us: '100', ms: '100', s: '1', hz: '99' };

/** `interval:s`, `profile:hz:`: a unit without the rate after it. */
function missingRate(name: string, ap: BtAttachPointInfo): string | undefined {
    if (name !== 'interval' && name !== 'profile') return undefined;
    const [unit, rate] = ap.parts.map(p => p.text);
    if (!RATE_UNITS.includes(unit) || (ap.parts.length === 2 && rate !== '') || ap.parts.length > 2) return undefined;
    return `Invalid rate of ${name} probe: the rate after the unit '${unit}' is missing, e.g. ${ap.provider}:${unit}:${RATE_EXAMPLE[unit]}`;
}

function providerFeature(written: string, name: string, fact: ProviderFact): BtFeature | undefined {
    if (fact.feature) return fact.feature;
    if ((name === 'begin' || name === 'end') && written !== written.toUpperCase()) return 'lowercaseBeginEnd';
    if (written === 'fentry' || written === 'fexit') return 'fentryNames';
    return undefined;
}

/** `$N` inside attach points: N ≥ 1, nothing glued on, within u64. */
function checkPositionals(text: string, problems: BtAttachProblem[]): void {
    let inQuote = false;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (c === '"') inQuote = !inQuote;
        if (c !== '$' || inQuote) continue;
        const m = /^[1-9][0-9]*/.exec(text.slice(i + 1));
        const digits = m ? m[0] : '';
        const after = text[i + 1];
        if (after === '(') continue;
        if (digits && BigInt(digits) > U64_MAX) {
            problems.push({
                offset: 0, length: text.length, code: BtCode.Positional,
                message: `positional parameter is not valid: overflow error, maximum value is ${U64_MAX}: ${digits}`,
            });
        } else if (!digits) {
            const bad = after ?? '';
            problems.push({
                offset: 0, length: text.length, code: BtCode.Positional,
                message: `invalid trailing character for positional param: ${bad}. Try quoting this entire part if this is intentional e.g. "$${bad}".`,
            });
        }
        i += digits.length;
    }
}

type Whole = (message: string, code: BtCodeValue) => void;

function checkParts(name: string, fact: ProviderFact, ap: BtAttachPointInfo, target: BtVersion, whole: Whole): void {
    const parts = ap.parts.map(p => p.text);
    const last = parts[parts.length - 1] ?? '';
    const dynamic = (s: string): boolean => s.includes('$') || s.includes('*') || s.includes('?');
    // 0.17 reads counts, rates and lengths with std::stoull, which takes a leading sign (measured: `interval:s:-1`,
    // `software:faults:+100` and `watchpoint:0x1000:+8:w` parse).
    const unsigned = (s: string): string => (target === V017 && (s.startsWith('-') || s.startsWith('+')) ? s.slice(1) : s);
    switch (name) {
        case 'kprobe': case 'kretprobe': case 'uprobe': case 'uretprobe': {
            // An offset after a quoted name is one too (`kprobe:"f"+16`); 0.17 splits at a `+` inside the quotes as well
            // (`kprobe:"f+x"` is "stoull", `"f+16"` and `"f"+"16"` parse: measured), and reads the offset unquoted.
            const split = target === V017 ? /^([^+]*)\+(.*)$/.exec(last) : /^([^"+]*)\+(.*)$/.exec(last) ?? /^("[^"]*")\+([^"]*)$/.exec(last);
            const [, fn, written] = split ?? [];
            const offset = target === V017 ? written?.replace(/"/g, '') : written;
            if (fn !== undefined && offset !== undefined && (!ap.parts[ap.parts.length - 1].quoted || fn.startsWith('"') || target === V017)) {
                if (!fact.offsetAllowed) whole('Offset not allowed', BtCode.ProbePart);
                // An offset into nothing: `kprobe:+16` (measured with 0.17: "Invalid offset").
                else if (fn === '') whole('Invalid offset: an offset needs the function name before its `+`', BtCode.ProbePart);
                else if (!dynamic(offset) && intProblem(offset)) {
                    whole(`Invalid offset: ${intProblem(offset)}`, BtCode.ProbePart);
                }
            }
            if ((name === 'uprobe' || name === 'uretprobe') && parts[0].includes('@') && !ap.parts[0].quoted) {
                const p = featureProblem('uprobeLine', target);
                if (p) whole(p, BtCode.VersionTooOld);
            }
            break;
        }
        case 'profile': case 'interval': {
            const [unit, rate] = parts.length === 2 ? parts : [undefined, parts[0]];
            if (unit !== undefined && target >= 22 && !dynamic(unit) && !RATE_UNITS.includes(unit)) {
                whole(`${name} probe unit must be us, ms, s or hz, not '${unit}'`, BtCode.ProbePart);
                return;
            }
            if (dynamic(rate)) return;
            if (unit === undefined) {
                const d = durationNs(rate);
                if (typeof d === 'string') {
                    whole(`Invalid rate of ${name} probe: ${d}`, BtCode.ProbePart);
                } else if (name === 'profile' && d < 1000n) {
                    whole(`Invalid rate of profile probe. Minimum is 1000 or 1us. Found: ${d} nanoseconds`, BtCode.ProbePart);
                }
                return;
            }
            const p = intProblem(unsigned(rate));
            if (p) whole(`Invalid rate of ${name} probe: ${p}`, BtCode.ProbePart);
            return;
        }
        case 'software': case 'hardware': {
            if (parts.length === 2 && !dynamic(parts[1])) {
                const p = intProblem(unsigned(parts[1]));
                if (p) whole(`Invalid count for ${name} probe: ${p}`, BtCode.ProbePart);
            }
            return;
        }
        case 'watchpoint': case 'asyncwatchpoint': {
            const [addr, len, mode] = parts;
            const func = /^([A-Za-z_][A-Za-z0-9_]*)?\+arg(\d+)$/.exec(addr);
            if (func) {
                const p = featureProblem('watchpointFunc', target);
                if (p) whole(p, BtCode.VersionRemoved);
                else if (!func[1]) whole('Invalid function/address argument: the function name before +argN is missing', BtCode.ProbePart);
            } else if (!dynamic(addr) && intProblem(addr)) {
                whole(`Invalid function/address argument: ${intProblem(addr)}`, BtCode.ProbePart);
                return;
            }
            // A length is a number or a positional parameter: a wildcard is no length (`*` fails as 0.17's stoull fails).
            const lengthProblem = len.includes('$') ? undefined : intProblem(unsigned(len));
            if (lengthProblem) {
                whole(`Invalid length argument: ${lengthProblem}`, BtCode.ProbePart);
                return;
            }
            // The mode (r, w, x) is checked by upstream's semantic analysis, not its parser.
            void mode;
            return;
        }
        default:
            return;
    }
}

/** Undefined when `s` is an unsigned integer (decimal or hex, `_` separators), else why not. */
export function intProblem(s: string): string | undefined {
    const m = /^(0[xX][0-9a-fA-F_]+|[1-9][eE][0-9]+|[0-9][0-9_]*)/.exec(s);
    if (!m) return `invalid integer: ${s}`;
    if (m[0].length !== s.length) return `invalid trailing bytes: ${s}`;
    return undefined;
}

const DURATION_NS: Record<string, bigint> = {
    ns: 1n, us: 1000n, ms: 1000000n, s: 1000000000n, m: 60000000000n, h: 3600000000000n, d: 86400000000000n,
};

/** A rate written alone (`profile:10`, `interval:1s`): nanoseconds, or why it is not one. */
function durationNs(s: string): bigint | string {
    const m = /^([0-9][0-9_]*)([a-z]*)$/.exec(s);
    if (!m) return intProblem(s) ?? `invalid integer: ${s}`;
    const unit = m[2] === '' ? 'ns' : m[2];
    const factor = DURATION_NS[unit];
    if (factor === undefined) return `invalid trailing bytes: ${s}`;
    return BigInt(m[1].replace(/_/g, '')) * factor;
}
