/**
 * The probe families built into the tools (not defined by tapsets), with the forms they accept and the
 * context they provide. Written for completion and hover; see systemtap-language.md §5.7 and
 * bpftrace-language.md §2.2 / §4 for where the facts come from.
 */

export interface ContextVariable {
    name: string;
    description: string;
}

export interface ProbeFamily {
    language: 'systemtap' | 'bpftrace';
    /** The leading component(s) that select the family: `timer`, `kernel.function`, `tracepoint`. */
    name: string;
    /** Accepted forms; `N` = number, `S` = string, `[…]` optional, `a|b` alternatives. */
    forms: string[];
    summary: string;
    /** Variables available in a handler. DWARF-based families add the probed function's `$parameters`. */
    context: ContextVariable[];
    /** What the machine must offer for the probe to resolve. */
    needs?: string;
}

const cv = (name: string, description: string): ContextVariable => ({ name, description });

const DWARF_CONTEXT = [
    cv('$PARM', 'each parameter or local in scope at the probe point, by its C name (`$file`, `$count`)'),
    cv('$$parms', 'all parameters, pretty-printed'),
    cv('$$locals', 'all locals in scope, pretty-printed'),
    cv('$$vars', 'parameters and locals, pretty-printed'),
];
const RETURN_CONTEXT = [cv('$return', 'the return value (in `.return` probes)'), cv('$$return', 'the return value, pretty-printed')];
const USER_MARK = [
    cv('$arg1…$argN', 'the marker arguments'), cv('$$name', 'the marker name'), cv('$$provider', 'the provider name'),
    cv('$$parms', 'all arguments, pretty-printed'),
];

export const SYSTEMTAP_FAMILIES: readonly ProbeFamily[] = [
    { language: 'systemtap', name: 'begin', forms: ['begin', 'begin(N)'], summary: 'Runs once when the session starts; N orders several begin probes.', context: [] },
    { language: 'systemtap', name: 'end', forms: ['end', 'end(N)'], summary: 'Runs once when the session ends normally.', context: [] },
    { language: 'systemtap', name: 'error', forms: ['error', 'error(N)'], summary: 'Runs once when the session ends because of an error.', context: [] },
    { language: 'systemtap', name: 'never', forms: ['never'], summary: 'Never fires; useful to check that a handler elaborates.', context: [] },
    {
        language: 'systemtap', name: 'timer',
        forms: ['timer.jiffies(N)', 'timer.ms(N)', 'timer.msec(N)', 'timer.us(N)', 'timer.usec(N)', 'timer.ns(N)', 'timer.nsec(N)',
            'timer.s(N)', 'timer.sec(N)', 'timer.ms(N).randomize(N)', 'timer.hz(N)', 'timer.profile.tick', 'timer.profile', 'timer.profile.freq.hz(N)'],
        summary: 'Fires periodically on one CPU (interval timers) or on every CPU (profile timers).', context: [],
    },
    {
        language: 'systemtap', name: 'kernel.function',
        forms: ['kernel.function(S)', 'kernel.function(S).call', 'kernel.function(S).exported', 'kernel.function(S).inline',
            'kernel.function(S).return', 'kernel.function(S).return.maxactive(N)', 'kernel.function(S).label(S)',
            'kernel.function(S).callee(S)', 'kernel.function(S).callees(N)'],
        summary: 'Entry or return of kernel functions matching a wildcard, optionally `@file:line`.',
        context: [...DWARF_CONTEXT, ...RETURN_CONTEXT], needs: 'kernel debuginfo (falls back to the symbol table for entry)',
    },
    {
        language: 'systemtap', name: 'kernel.statement', forms: ['kernel.statement(S)', 'kernel.statement(N)', 'kernel.statement(S).nearest', 'kernel.statement(N).absolute'],
        summary: 'A source line or address in the kernel.', context: DWARF_CONTEXT, needs: 'kernel debuginfo',
    },
    {
        language: 'systemtap', name: 'module', forms: ['module(S).function(S)', 'module(S).function(S).return', 'module(S).statement(S)'],
        summary: 'Functions and statements of a loadable module (same suffixes as kernel.function).',
        context: [...DWARF_CONTEXT, ...RETURN_CONTEXT], needs: 'loadable modules and their debuginfo',
    },
    {
        language: 'systemtap', name: 'kprobe',
        forms: ['kprobe.function(S)', 'kprobe.function(S).call', 'kprobe.function(S).return', 'kprobe.function(S).return.maxactive(N)',
            'kprobe.module(S).function(S)', 'kprobe.statement(N).absolute'],
        summary: 'Kernel functions by symbol name, without debuginfo; arguments through `int_arg(n)`, `pointer_arg(n)`, ….',
        context: [], needs: 'kprobes in the kernel (CONFIG_KPROBES)',
    },
    {
        language: 'systemtap', name: 'kernel.trace', forms: ['kernel.trace(S)'],
        summary: 'A kernel tracepoint by name (`"sched_switch"`, `"sys_enter"`), with its arguments as `$name`.',
        context: [cv('$ARG', 'each tracepoint argument by name'), cv('$$parms', 'all arguments, pretty-printed'), cv('$$system', 'the tracepoint subsystem'), cv('$$name', 'the tracepoint name')],
        needs: 'kernel headers for the tracepoint definitions',
    },
    { language: 'systemtap', name: 'kernel.mark', forms: ['kernel.mark(S)', 'kernel.mark(S).format(S)'], summary: 'Old kernel markers (removed from Linux; kept for old scripts).', context: USER_MARK },
    {
        language: 'systemtap', name: 'kernel.data', forms: ['kernel.data(N).write', 'kernel.data(N).rw', 'kernel.data(S).write', 'kernel.data(S).length(N).rw'],
        summary: 'Hardware watchpoint on a kernel address or symbol.', context: [],
    },
    {
        language: 'systemtap', name: 'process',
        forms: ['process.begin', 'process(S).begin', 'process(N).begin', 'process(S).end', 'process(S).thread.begin', 'process(S).thread.end',
            'process(S).syscall', 'process(S).syscall.return', 'process(S).function(S)', 'process(S).function(S).return',
            'process(S).function(S).call', 'process(S).function(S).inline', 'process(S).function(S).label(S)', 'process(S).statement(S)',
            'process(S).statement(N).absolute', 'process(S).plt', 'process(S).plt(S)', 'process(S).plt(S).return', 'process(S).mark(S)',
            'process(S).provider(S).mark(S)', 'process(S).library(S).function(S)', 'process(S).library(S).mark(S)', 'process(S).insn', 'process(S).insn.block'],
        summary: 'User space: process lifetime, system calls, functions and statements (debuginfo), PLT entries, SDT markers, single-stepping.',
        context: [...DWARF_CONTEXT, ...RETURN_CONTEXT, cv('$syscall', 'the system call number (`.syscall`)'), cv('$arg1…$arg6', 'system call or marker arguments'), ...USER_MARK.slice(1, 3)],
        needs: 'uprobes; debuginfo for function/statement; SDT notes for mark',
    },
    {
        language: 'systemtap', name: 'perf',
        forms: ['perf.type(N).config(N)', 'perf.type(N).config(N).sample(N)', 'perf.type(N).config(N).hz(N)', 'perf.type(N).config(N).process(S)',
            'perf.type(N).config(N).counter(S)', 'perf.hw.cpu_cycles', 'perf.sw.cpu_clock'],
        summary: 'Perf events: sampling on hardware or software counters, or counters read with `@perf`.', context: [],
    },
    {
        language: 'systemtap', name: 'procfs',
        forms: ['procfs.read', 'procfs(S).read', 'procfs(S).read.maxsize(N)', 'procfs(S).write', 'procfs(S).umask(N).read', 'procfs(S).umask(N).write'],
        summary: 'A file under /proc/systemtap/MODULE: read handlers set `$value`, write handlers receive it.',
        context: [cv('$value', 'the text read from or written to the file')],
    },
    {
        language: 'systemtap', name: 'netfilter',
        forms: ['netfilter.hook(S).pf(S)', 'netfilter.pf(S).hook(S)', 'netfilter.hook(S).pf(S).priority(S)'],
        summary: 'A netfilter hook (`NF_INET_PRE_ROUTING`, …) for a protocol family (`NFPROTO_IPV4`, …); the handler can set the verdict.',
        context: [cv('$hooknum', 'the hook number'), cv('$skb', 'the packet'), cv('$in', 'the input device'), cv('$out', 'the output device'), cv('$verdict', 'the verdict to return (`NF_ACCEPT`, `NF_DROP`)')],
    },
    {
        language: 'systemtap', name: 'java', forms: ['java(S).class(S).method(S)', 'java(N).class(S).method(S).return'],
        summary: 'Java methods through Byteman.', context: [cv('$arg1…$argN', 'method arguments')], needs: 'Byteman and a build with Java support',
    },
    {
        language: 'systemtap', name: 'python3', forms: ['python3.module(S).function(S)', 'python3.module(S).function(S).call', 'python3.module(S).function(S).return'],
        summary: 'Python functions through the HelperSDT module.', context: [cv('$$parms', 'function arguments')], needs: 'python debuginfo and HelperSDT',
    },
];

const BT_ARGS = cv('args', 'the arguments as a struct (`args.name` / `args->name` before 0.21)');
export const BPFTRACE_FAMILIES: readonly ProbeFamily[] = [
    { language: 'bpftrace', name: 'BEGIN', forms: ['BEGIN'], summary: 'Runs once before any other probe.', context: [] },
    { language: 'bpftrace', name: 'END', forms: ['END'], summary: 'Runs once when the program exits.', context: [] },
    { language: 'bpftrace', name: 'kprobe', forms: ['kprobe:FN', 'kprobe:FN+OFFSET', 'kprobe:MODULE:FN', 'k:FN'], summary: 'Kernel function entry, by symbol.', context: [cv('arg0…argN', 'raw register arguments')], needs: 'kprobes in the kernel' },
    { language: 'bpftrace', name: 'kretprobe', forms: ['kretprobe:FN', 'kr:FN'], summary: 'Kernel function return.', context: [cv('retval', 'the return value')], needs: 'kprobes in the kernel' },
    { language: 'bpftrace', name: 'uprobe', forms: ['uprobe:BIN:FN', 'uprobe:BIN:FN+OFFSET', 'uprobe:BIN:ADDRESS', 'u:BIN:FN'], summary: 'User function entry in a binary or library.', context: [cv('arg0…argN', 'raw register arguments'), BT_ARGS] },
    { language: 'bpftrace', name: 'uretprobe', forms: ['uretprobe:BIN:FN', 'ur:BIN:FN'], summary: 'User function return.', context: [cv('retval', 'the return value')] },
    { language: 'bpftrace', name: 'usdt', forms: ['usdt:BIN:PROBE', 'usdt:BIN:PROVIDER:PROBE', 'U:BIN:PROVIDER:PROBE'], summary: 'A static SDT marker in a binary.', context: [cv('arg0…argN', 'the marker arguments')] },
    { language: 'bpftrace', name: 'tracepoint', forms: ['tracepoint:SYSTEM:EVENT', 't:SYSTEM:EVENT'], summary: 'A kernel tracepoint; fields from its format.', context: [BT_ARGS] },
    { language: 'bpftrace', name: 'rawtracepoint', forms: ['rawtracepoint:EVENT', 'rt:EVENT'], summary: 'A tracepoint without argument conversion (arguments from BTF since 0.21).', context: [cv('arg0…argN', 'the raw arguments'), BT_ARGS] },
    { language: 'bpftrace', name: 'fentry', forms: ['fentry:FN', 'fentry:MODULE:FN', 'kfunc:FN', 'f:FN'], summary: 'Kernel function entry through BPF trampolines; typed arguments from BTF.', context: [BT_ARGS], needs: 'BTF and trampoline support' },
    { language: 'bpftrace', name: 'fexit', forms: ['fexit:FN', 'kretfunc:FN', 'fr:FN'], summary: 'Kernel function return through trampolines.', context: [BT_ARGS, cv('retval', 'the return value')], needs: 'BTF and trampoline support' },
    { language: 'bpftrace', name: 'software', forms: ['software:EVENT:COUNT', 's:EVENT:COUNT'], summary: 'Software perf events (`cpu-clock`, `page-faults`, `context-switches`, …).', context: [] },
    { language: 'bpftrace', name: 'hardware', forms: ['hardware:EVENT:COUNT', 'h:EVENT:COUNT'], summary: 'Hardware perf counters (`cache-misses`, `cpu-cycles`, …).', context: [] },
    { language: 'bpftrace', name: 'profile', forms: ['profile:hz:N', 'profile:s:N', 'profile:ms:N', 'profile:us:N', 'p:hz:N'], summary: 'Timed sampling on every CPU.', context: [] },
    { language: 'bpftrace', name: 'interval', forms: ['interval:s:N', 'interval:ms:N', 'interval:us:N', 'i:s:N'], summary: 'Periodic, on one CPU.', context: [] },
    { language: 'bpftrace', name: 'watchpoint', forms: ['watchpoint:ADDRESS:LENGTH:MODE', 'w:ADDRESS:LENGTH:MODE'], summary: 'Hardware watchpoint (`r`, `w`, `x` modes).', context: [] },
    { language: 'bpftrace', name: 'asyncwatchpoint', forms: ['asyncwatchpoint:ADDRESS:LENGTH:MODE'], summary: 'Watchpoint that does not stop the traced task.', context: [] },
    { language: 'bpftrace', name: 'iter', forms: ['iter:NAME', 'iter:NAME:PIN_PATH', 'it:NAME'], summary: 'A BPF iterator over kernel objects (`task`, `task_file`, …).', context: [cv('ctx', 'the iterator context'), BT_ARGS] },
];

/** The families of one language, or all. */
export function probeFamilies(language?: ProbeFamily['language']): readonly ProbeFamily[] {
    if (language === 'systemtap') return SYSTEMTAP_FAMILIES;
    if (language === 'bpftrace') return BPFTRACE_FAMILIES;
    return [...SYSTEMTAP_FAMILIES, ...BPFTRACE_FAMILIES];
}

/** The family a probe point belongs to: the longest family name that prefixes it (`kernel.function("x").return`). */
export function familyOf(point: string, language: ProbeFamily['language']): ProbeFamily | undefined {
    const head = language === 'bpftrace' ? point.split(':', 1)[0] : point.replace(/\(.*$/, '');
    const families = probeFamilies(language);
    let best: ProbeFamily | undefined;
    for (const f of families) {
        const prefixes = f.forms.map(form => (language === 'bpftrace' ? form.split(':', 1)[0] : form.replace(/\(.*$/, '').split('.')[0]));
        const match = language === 'bpftrace'
            ? prefixes.includes(head) || f.name === head
            : (point === f.name || point.startsWith(`${f.name}.`) || point.startsWith(`${f.name}(`) || head === f.name);
        if (match && (!best || f.name.length > best.name.length)) best = f;
    }
    return best;
}
