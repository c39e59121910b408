/**
 * Grammar behaviour on small snippets, for constructs the corpus shows rarely and for broken or
 * half-typed input. The `<|>` marker names the position whose token is checked.
 */
import { describe, expect, test } from 'vitest';
import type { GrammarScope } from './textmate-helpers.js';
import { formatToken, tokenAtCursor } from './textmate-helpers.js';

interface SnippetCase {
    readonly name: string;
    readonly snippet: string;
    readonly scope: string;
    readonly not?: string;
}

async function expectSnippet(grammar: GrammarScope, c: SnippetCase): Promise<void> {
    const token = await tokenAtCursor(grammar, c.snippet);
    expect(token.scopes, formatToken(token)).toContain(c.scope);
    if (c.not) {
        expect(token.scopes, formatToken(token)).not.toContain(c.not);
    }
}

const systemtap: SnippetCase[] = [
    { name: 'pretty-print context variable stays one token', snippet: 'probe begin { println(<|>$$parms$) }', scope: 'variable.language.context.systemtap' },
    { name: '$$return', snippet: 'probe x.return { println(<|>$$return) }', scope: 'variable.language.context.systemtap' },
    { name: '@var', snippet: 'probe begin { x = <|>@var("jiffies@kernel/time.c") }', scope: 'keyword.other.at-operator.systemtap' },
    { name: '@hist_linear', snippet: 'probe end { print(<|>@hist_linear(s, 0, 100, 10)) }', scope: 'support.function.aggregate.systemtap' },
    { name: '@avg', snippet: 'probe end { printf("%d", <|>@avg(s)) }', scope: 'support.function.aggregate.systemtap' },
    { name: 'user macro invocation', snippet: '@define two %( 2 %)\nprobe begin { x = <|>@two }', scope: 'entity.name.function.macro.systemtap' },
    { name: 'macro parameter inside the body', snippet: '@define sq(a) %( (@a * <|>@a) %)', scope: 'meta.macro.body.systemtap' },
    { name: 'conditional nested in a macro body keeps the body open', snippet: '@define v %( %( arch == "x86_64" %? 1 %: 2 %) <|>+ 0 %)', scope: 'meta.macro.body.systemtap' },
    { name: 'preprocessor condition word', snippet: '%( <|>kernel_vr >= "5.10" %? probe begin {} %)', scope: 'support.variable.preprocessor.systemtap' },
    { name: 'guru_mode condition', snippet: '%( <|>guru_mode == 1 %? probe begin {} %)', scope: 'support.variable.preprocessor.systemtap' },
    { name: 'code after a conditional is back at top level', snippet: '%( arch == "arm" %? global a %)\n<|>probe begin {}', scope: 'storage.type.probe.systemtap', not: 'meta.conditional.systemtap' },
    { name: 'probe alias with +=', snippet: 'probe <|>my.alias += kernel.function("f") { }', scope: 'entity.name.function.probe-alias.systemtap' },
    { name: 'probe-point argument may be negative', snippet: 'probe begin(<|>-1) { }', scope: 'keyword.operator.arithmetic.systemtap' },
    { name: 'if() arming condition in a probe point', snippet: 'probe timer.s(1) <|>if (enabled) { }', scope: 'keyword.control.conditional.systemtap' },
    { name: 'body brace after a probe point is a block', snippet: 'probe begin <|>{ }', scope: 'punctuation.section.block.begin.systemtap', not: 'meta.probe.systemtap' },
    { name: 'function priority', snippet: 'function f:long (x) : <|>10 { return x }', scope: 'constant.numeric.priority.systemtap' },
    { name: 'function named long', snippet: 'function <|>long:long () { return 1 }', scope: 'entity.name.function.systemtap' },
    { name: 'embedded C in an expression', snippet: 'probe begin { x = %{ <|>THIS_MODULE %} }', scope: 'meta.embedded.block.c' },
    { name: 'text after inline embedded C is SystemTap again', snippet: 'probe begin { x = %{ 1 %} + <|>y }', scope: 'source.systemtap', not: 'meta.embedded.block.c' },
    { name: 'embedded-C pragma', snippet: 'function f:long () %{ /* <|>unprivileged */ STAP_RETURN(1); %}', scope: 'keyword.other.pragma.systemtap' },
    { name: 'unsigned shift', snippet: 'probe begin { x = y <|>>>> 2 }', scope: 'keyword.operator.bitwise.shift.systemtap' },
    { name: 'string concatenation assignment', snippet: 'probe begin { s <|>.= "x" }', scope: 'keyword.operator.assignment.compound.systemtap' },
    { name: 'octal escape', snippet: 'probe begin { print("<|>\\033[0m") }', scope: 'constant.character.escape.systemtap' },
    { name: 'printf %-*s', snippet: 'probe begin { printf("<|>%-*s", 5, "x") }', scope: 'constant.other.placeholder.systemtap' },
    { name: '%% is a placeholder, not the start of another', snippet: 'probe begin { printf("100%%<|>d") }', scope: 'string.quoted.double.systemtap', not: 'constant.other.placeholder.systemtap' },
    { name: 'malformed number', snippet: 'probe begin { x = <|>12ab }', scope: 'invalid.illegal.numeric.systemtap' },
    { name: 'unterminated string ends at the line end', snippet: 'probe begin { print("oops)\n<|>x = 1 }', scope: 'source.systemtap', not: 'string.quoted.double.systemtap' },
    { name: 'half-typed probe header gives way to the next probe', snippet: 'probe kernel.function(\n\nprobe begin { <|>x = 1 }', scope: 'source.systemtap', not: 'meta.probe.systemtap' },
    { name: 'half-typed function header gives way to the next probe', snippet: 'function f(a, b\nprobe <|>begin { }', scope: 'support.function.probe-point.systemtap', not: 'meta.function.systemtap' },
    { name: 'try/catch', snippet: 'probe begin { try { x = 1 } <|>catch (msg) { } }', scope: 'keyword.control.systemtap' },
];

const bpftrace: SnippetCase[] = [
    { name: 'duration literal', snippet: 'i:s:1 { $t = <|>100ms; }', scope: 'constant.numeric.duration.bpftrace' },
    { name: 'duration unit', snippet: 'i:s:1 { $t = 100<|>ms; }', scope: 'keyword.other.unit.bpftrace' },
    { name: 'interval with a duration', snippet: 'interval:<|>1s { }', scope: 'constant.numeric.bpftrace' },
    { name: 'integer with separators', snippet: 'BEGIN { $x = <|>1_000_000; }', scope: 'constant.numeric.decimal.bpftrace' },
    { name: 'hex with a C suffix', snippet: 'BEGIN { $x = <|>0xffULL; }', scope: 'constant.numeric.hex.bpftrace' },
    { name: 'bare @ map', snippet: 'k:vfs_read { <|>@ = count(); }', scope: 'variable.other.map.bpftrace' },
    { name: 'positional parameter', snippet: 'BEGIN { printf("%d", <|>$1); }', scope: 'variable.parameter.positional.bpftrace' },
    { name: 'fn definition name', snippet: 'fn <|>add($a: int64, $b: int64): int64 { return $a + $b; }', scope: 'entity.name.function.bpftrace' },
    { name: 'fn parameter', snippet: 'fn add(<|>$a: int64): int64 { return $a; }', scope: 'variable.parameter.bpftrace' },
    { name: 'fn return type', snippet: 'fn add($a: int64): <|>int64 { return $a; }', scope: 'storage.type.bpftrace' },
    { name: 'import', snippet: '<|>import "helpers.bt";\nBEGIN { }', scope: 'keyword.control.import.bpftrace' },
    { name: 'short alias kr', snippet: '<|>kr:vfs_read { }', scope: 'support.type.provider.bpftrace' },
    { name: 'fentry alias f', snippet: '<|>f:vfs_read { print(args.count); }', scope: 'support.type.provider.bpftrace' },
    { name: 'rawtracepoint alias rt', snippet: '<|>rt:sched_switch { }', scope: 'support.type.provider.bpftrace' },
    { name: 'iter alias it', snippet: '<|>it:task { }', scope: 'support.type.provider.bpftrace' },
    { name: 'hardware alias h', snippet: '<|>h:cache-misses:1000000 { }', scope: 'support.type.provider.bpftrace' },
    { name: 'watchpoint address', snippet: 'watchpoint:<|>0x10000000:8:rw { }', scope: 'constant.numeric.bpftrace' },
    { name: 'kprobe offset', snippet: 'kprobe:do_sys_open+<|>0x10 { }', scope: 'constant.numeric.offset.bpftrace' },
    { name: 'lowercase begin', snippet: '<|>begin { }', scope: 'support.type.provider.special.bpftrace' },
    { name: 'quoted uprobe target', snippet: 'uprobe:"/opt/my app/bin":<|>main { }', scope: 'entity.name.function.attach-point.bpftrace' },
    { name: 'named probe', snippet: '<|>myprobe = kprobe:f { }', scope: 'entity.name.label.probe.bpftrace' },
    { name: 'predicate with a division inside', snippet: 'k:f /(arg0 / 2) <|>> 1/ { }', scope: 'meta.predicate.bpftrace' },
    { name: 'predicate on its own line', snippet: 'k:f\n/<|>pid == 1/\n{ }', scope: 'meta.predicate.bpftrace' },
    { name: 'division in an action is an operator', snippet: 'k:f { $x = arg0 <|>/ 2; }', scope: 'keyword.operator.arithmetic.bpftrace', not: 'meta.predicate.bpftrace' },
    { name: 'record field after a tuple index', snippet: 'BEGIN { $t = (1, 2); print($t.<|>1); }', scope: 'constant.numeric.tuple-index.bpftrace' },
    { name: 'unknown escape', snippet: 'BEGIN { printf("<|>\\q"); }', scope: 'invalid.illegal.unknown-escape.bpftrace' },
    { name: 'hex escape', snippet: 'BEGIN { printf("<|>\\x1b[0m"); }', scope: 'constant.character.escape.bpftrace' },
    { name: 'buffer format %r', snippet: 'BEGIN { printf("<|>%rx", buf(arg0, 4)); }', scope: 'constant.other.placeholder.bpftrace' },
    { name: '#define continued with a backslash stays C', snippet: '#define X(a) \\\n  (<|>a + 1)\nBEGIN { }', scope: 'meta.embedded.c' },
    { name: 'probe after a #define is bpftrace', snippet: '#define X 1\n<|>BEGIN { }', scope: 'support.type.provider.special.bpftrace', not: 'meta.embedded.c' },
    { name: 'nested struct stays C until its closing brace', snippet: 'struct a {\n  struct { int x; } b;\n  <|>int c;\n};', scope: 'meta.embedded.c' },
    { name: 'probe after a struct is bpftrace', snippet: 'struct a { int x; };\n<|>kprobe:f { }', scope: 'support.type.provider.bpftrace', not: 'meta.embedded.c' },
    { name: 'config value true', snippet: 'config = { print_maps_on_exit = <|>false }', scope: 'constant.language.boolean.bpftrace' },
    { name: 'unclosed action block gives way to the next probe', snippet: 'k:f {\n  @x = count();\n<|>kprobe:g { }', scope: 'support.type.provider.bpftrace' },
    { name: 'half-typed attach point', snippet: '<|>kprobe:\n', scope: 'support.type.provider.bpftrace' },
    { name: 'enum-like constant', snippet: 'k:f { if ($s == <|>TCP_CLOSE) { } }', scope: 'constant.other.bpftrace' },
    { name: 'old-style kstack mode', snippet: 'k:f { @[<|>kstack(perf, 3)] = count(); }', scope: 'support.function.builtin.bpftrace' },
    { name: 'stack mode', snippet: 'k:f { @[kstack(<|>perf, 3)] = count(); }', scope: 'constant.language.mode.bpftrace' },
    { name: 'clock mode', snippet: 'BEGIN { print(nsecs(<|>boot)); }', scope: 'constant.language.mode.bpftrace' },
];

// Every provider name and short alias bpftrace has had (0.17 to current), at the start of a probe.
const providers = [
    'kprobe', 'k', 'kretprobe', 'kr', 'uprobe', 'u', 'uretprobe', 'ur', 'usdt', 'U', 'tracepoint', 't',
    'rawtracepoint', 'rt', 'fentry', 'f', 'kfunc', 'fexit', 'fr', 'kretfunc', 'profile', 'p', 'interval', 'i',
    'software', 's', 'hardware', 'h', 'watchpoint', 'w', 'asyncwatchpoint', 'aw', 'iter', 'it', 'self', 'test', 'bench',
];
const providerCases: SnippetCase[] = providers.map(p => ({
    name: `provider ${p}`, snippet: `<|>${p}:target:x { }`, scope: 'support.type.provider.bpftrace',
}));

describe('SystemTap snippets', () => {
    test.each(systemtap)('$name', c => expectSnippet('source.systemtap', c));
});

describe('bpftrace snippets', () => {
    test.each([...bpftrace, ...providerCases])('$name', c => expectSnippet('source.bpftrace', c));
});
