/**
 * bpftrace grammar on real scripts from the corpus (current tools and their 0.17 versions): chosen
 * positions and the scope each must carry.
 */
import { describe, expect, test } from 'vitest';
import type { ScopeCase } from './textmate-helpers.js';
import { corpusRoot, formatToken, tokenForCase } from './textmate-helpers.js';

const T = 'bpftrace/files/tools';
const T17 = 'bpftrace/files/tools_v0.17.0';
const BOOK = 'bpftrace/files/ext/brendangregg+bpf-perf-tools-book/originals';

const cases: ScopeCase[] = [
    // shebang, comments
    { file: `${T}/biolatency.bt`, line: 1, text: '#!', scope: 'comment.line.shebang.bpftrace' },
    { file: `${T}/biolatency.bt`, line: 2, text: 'biolatency', scope: 'comment.line.double-slash.bpftrace' },
    { file: `${T17}/loads.bt`, line: 28, text: 'See fs', scope: 'comment.block.bpftrace' },
    // C preprocessor lines and struct definitions are C
    { file: `${T}/tcplife.bt`, line: 27, text: '#ifndef', scope: 'meta.embedded.c' },
    { file: `${T}/tcplife.bt`, line: 27, text: '#ifndef', scope: 'source.c' },
    { file: `${T}/tcplife.bt`, line: 28, text: 'include', scope: 'keyword.control.directive.c' },
    { file: `${T}/tcplife.bt`, line: 28, text: '<net/tcp_states.h>', scope: 'string.quoted.other.lt-gt.include.c' },
    { file: `${T}/tcplife.bt`, line: 36, text: 'AF_INET', scope: 'meta.embedded.c' },
    { file: `${T}/dcsnoop.bt`, line: 43, text: 'struct', scope: 'storage.type.c' },
    { file: `${T}/dcsnoop.bt`, line: 43, text: 'nameidata', scope: 'entity.name.type.c' },
    { file: `${T}/dcsnoop.bt`, line: 44, text: 'path', scope: 'meta.embedded.c' },
    { file: `${T}/dcsnoop.bt`, line: 44, text: 'path', scope: 'source.c' },
    { file: `${T}/dcsnoop.bt`, line: 46, text: '[...]', scope: 'comment.line.double-slash.c' },
    { file: `${T}/dcsnoop.bt`, line: 47, text: '}', scope: 'meta.embedded.c' },
    { file: `${T}/dcsnoop.bt`, line: 50, text: 'BEGIN', scope: 'support.type.provider.special.bpftrace', not: 'meta.embedded.c' },
    { file: `${T}/dcsnoop.bt`, line: 50, text: 'BEGIN', scope: 'support.type.provider.special.bpftrace', not: 'source.c' },
    // config blocks
    { file: `${T}/bashreadline.bt`, line: 28, text: 'config', scope: 'keyword.other.config.bpftrace' },
    { file: `${T}/bashreadline.bt`, line: 29, text: 'missing_probes', scope: 'variable.other.config.bpftrace' },
    { file: `${T}/bashreadline.bt`, line: 29, text: 'ignore', scope: 'constant.other.config-value.bpftrace' },
    // attach points: providers, short aliases, paths, wildcards, BEGIN/END
    { file: `${T}/bashreadline.bt`, line: 32, text: 'BEGIN', scope: 'support.type.provider.special.bpftrace' },
    { file: `${T}/bashreadline.bt`, line: 38, text: 'uretprobe', scope: 'support.type.provider.bpftrace' },
    { file: `${T}/bashreadline.bt`, line: 38, text: '/bin/bash', scope: 'string.unquoted.path.bpftrace' },
    { file: `${T}/bashreadline.bt`, line: 38, text: 'readline', scope: 'entity.name.function.attach-point.bpftrace' },
    { file: `${T}/bashreadline.bt`, line: 38, text: ',', scope: 'punctuation.separator.attach-point.bpftrace' },
    { file: `${T}/bashreadline.bt`, line: 39, text: 'libreadline', scope: 'entity.name.function.attach-point.bpftrace' },
    { file: `${T}/opensnoop.bt`, line: 66, text: 'tracepoint', scope: 'support.type.provider.bpftrace' },
    { file: `${T}/opensnoop.bt`, line: 66, text: 'syscalls', scope: 'entity.name.function.attach-point.bpftrace' },
    { file: `${T}/opensnoop.bt`, line: 66, text: 'sys_enter_openat', scope: 'entity.name.function.attach-point.bpftrace' },
    { file: `${T}/opensnoop.bt`, line: 66, text: ':', scope: 'punctuation.separator.attach-point.bpftrace' },
    { file: `${T}/vfscount.bt`, line: 51, text: 'kprobe', scope: 'support.type.provider.bpftrace' },
    { file: `${T}/vfscount.bt`, line: 51, text: '*', scope: 'keyword.operator.wildcard.bpftrace' },
    { file: `${T}/dcsnoop.bt`, line: 58, text: 'lookup_fast.constprop', scope: 'entity.name.function.attach-point.bpftrace' },
    { file: `${T}/cpuwalk.bt`, line: 93, text: 'profile', scope: 'support.type.provider.bpftrace' },
    { file: `${T}/cpuwalk.bt`, line: 93, text: 'hz', scope: 'keyword.other.unit.bpftrace' },
    { file: `${T}/cpuwalk.bt`, line: 93, text: '99', scope: 'constant.numeric.bpftrace' },
    { file: `${T17}/loads.bt`, line: 25, text: 'interval', scope: 'support.type.provider.bpftrace' },
    { file: `${T17}/loads.bt`, line: 25, text: 's', scope: 'keyword.other.unit.bpftrace' },
    { file: `${T17}/statsnoop.bt`, line: 54, text: 'END', scope: 'support.type.provider.special.bpftrace' },
    { file: `${BOOK}/Ch13_Applications/mysqld_qslower.bt`, line: 23, text: 'usdt', scope: 'support.type.provider.bpftrace' },
    { file: `${BOOK}/Ch13_Applications/mysqld_qslower.bt`, line: 23, text: 'query__start', scope: 'entity.name.function.attach-point.bpftrace' },
    // predicates, and division that is not one
    { file: `${T}/bashreadline.bt`, line: 40, text: '/', scope: 'punctuation.definition.predicate.begin.bpftrace' },
    { file: `${T}/bashreadline.bt`, line: 40, text: 'comm', scope: 'meta.predicate.bpftrace' },
    { file: `${T}/bashreadline.bt`, line: 40, text: 'comm', scope: 'variable.language.builtin.bpftrace' },
    { file: `${T}/bashreadline.bt`, line: 40, text: '/', nth: 2, scope: 'punctuation.definition.predicate.end.bpftrace' },
    { file: `${T17}/statsnoop.bt`, line: 44, text: '@filename', scope: 'meta.predicate.bpftrace' },
    { file: `${T}/biolatency.bt`, line: 25, text: '/ 1000', scope: 'keyword.operator.arithmetic.bpftrace', not: 'meta.predicate.bpftrace' },
    { file: `${T}/dcsnoop.bt`, line: 61, text: '/ 1e6', scope: 'keyword.operator.arithmetic.bpftrace', not: 'meta.predicate.bpftrace' },
    // actions: maps, variables, builtins, functions, members, casts
    { file: `${T}/biolatency.bt`, line: 18, text: '@start', scope: 'variable.other.map.bpftrace' },
    { file: `${T}/biolatency.bt`, line: 18, text: 'args', scope: 'variable.language.builtin.bpftrace' },
    { file: `${T}/biolatency.bt`, line: 18, text: 'sector', scope: 'variable.other.member.bpftrace' },
    { file: `${T}/biolatency.bt`, line: 18, text: 'nsecs', scope: 'variable.language.builtin.bpftrace' },
    { file: `${T}/biolatency.bt`, line: 25, text: 'hist', scope: 'support.function.builtin.bpftrace' },
    { file: `${T}/biolatency.bt`, line: 26, text: 'delete', scope: 'support.function.builtin.bpftrace' },
    { file: `${T17}/pidpersec.bt`, line: 26, text: '@', scope: 'variable.other.map.bpftrace' },
    { file: `${T17}/pidpersec.bt`, line: 26, text: 'count', scope: 'support.function.builtin.bpftrace' },
    { file: `${T17}/statsnoop.bt`, line: 37, text: '->', scope: 'punctuation.accessor.bpftrace' },
    { file: `${T17}/statsnoop.bt`, line: 37, text: 'filename', nth: 2, scope: 'variable.other.member.bpftrace' },
    { file: `${T17}/statsnoop.bt`, line: 46, text: '$ret', scope: 'variable.other.scratch.bpftrace' },
    { file: `${T17}/statsnoop.bt`, line: 47, text: '?', scope: 'keyword.operator.ternary.bpftrace' },
    { file: `${T}/dcsnoop.bt`, line: 60, text: 'struct', scope: 'storage.type.bpftrace' },
    { file: `${T}/dcsnoop.bt`, line: 60, text: 'nameidata', scope: 'entity.name.type.bpftrace' },
    { file: `${T}/dcsnoop.bt`, line: 60, text: 'arg0', scope: 'variable.language.builtin.bpftrace' },
    { file: `${T}/cpuwalk.bt`, line: 96, text: 'lhist', scope: 'support.function.builtin.bpftrace' },
    { file: `${T}/cpuwalk.bt`, line: 96, text: 'cpu,', scope: 'variable.language.builtin.bpftrace' },
    { file: `${T}/tcpdrop.bt`, line: 96, text: 'kstack', scope: 'variable.language.builtin.bpftrace' },
    { file: `${T}/bashreadline.bt`, line: 43, text: 'retval', scope: 'variable.language.builtin.bpftrace' },
    { file: `${T}/naptime.bt`, line: 34, text: 'let', scope: 'keyword.other.let.bpftrace' },
    { file: `${T}/naptime.bt`, line: 34, text: '@rqtp', scope: 'variable.other.map.bpftrace' },
    { file: `${T}/naptime.bt`, line: 34, text: 'lruhash', scope: 'support.function.builtin.bpftrace' },
    { file: `${T}/opensnoop.bt`, line: 43, text: 'macro', scope: 'storage.type.macro.bpftrace' },
    { file: `${T}/opensnoop.bt`, line: 43, text: 'max_path_depth', scope: 'entity.name.function.macro.bpftrace' },
    { file: `${T}/opensnoop.bt`, line: 72, text: '@paths', scope: 'variable.parameter.bpftrace' },
    { file: `${T}/opensnoop.bt`, line: 76, text: 'offsetof', scope: 'keyword.operator.word.bpftrace' },
    { file: `${T}/opensnoop.bt`, line: 76, text: 'uint64', scope: 'storage.type.bpftrace' },
    { file: `${T}/opensnoop.bt`, line: 79, text: 'for', scope: 'keyword.control.bpftrace' },
    { file: `${T}/opensnoop.bt`, line: 79, text: '..', scope: 'keyword.operator.range.bpftrace' },
    { file: `${T}/opensnoop.bt`, line: 106, text: 'let', scope: 'keyword.other.let.bpftrace' },
    { file: `${T}/opensnoop.bt`, line: 57, text: 'if', scope: 'keyword.control.bpftrace' },
    { file: 'bpftrace/files/ext/yump+bpftrace-tricks/experiments/sum_vs_plus_overhead.bt', line: 28, text: 'unroll', scope: 'keyword.control.bpftrace' },
    { file: 'bpftrace/files/ext/yump+bpftrace-tricks/experiments/sum_vs_plus_overhead.bt', line: 28, text: '$1', scope: 'variable.parameter.positional.bpftrace' },
    // strings, escapes, format specifiers, numbers
    { file: `${T}/bashreadline.bt`, line: 35, text: '%-9s', scope: 'constant.other.placeholder.bpftrace' },
    { file: `${T}/bashreadline.bt`, line: 35, text: '\\n', scope: 'constant.character.escape.bpftrace' },
    { file: `${T}/bashreadline.bt`, line: 35, text: 'TIME', scope: 'string.quoted.double.bpftrace' },
    { file: `${T}/bashreadline.bt`, line: 42, text: '%H', scope: 'string.quoted.double.bpftrace' },
    { file: `${T}/bashreadline.bt`, line: 43, text: '%-6d', scope: 'constant.other.placeholder.bpftrace' },
    { file: `${T}/dcsnoop.bt`, line: 61, text: '1e6', scope: 'constant.numeric.decimal.bpftrace' },
    { file: `${T17}/loads.bt`, line: 33, text: '8', scope: 'constant.numeric.decimal.bpftrace' },
    // durations: a number with a time unit, in actions and in interval/profile attach points
    { file: 'bpftrace/files/runtime/call__056.bt', line: 1, text: '1s', scope: 'constant.numeric.duration.bpftrace' },
    { file: 'bpftrace/files/runtime/call__056.bt', line: 1, text: 's,2', scope: 'keyword.other.unit.bpftrace' },
    { file: 'bpftrace/files/runtime/call__056.bt', line: 1, text: '2,1s', scope: 'constant.numeric.decimal.bpftrace', not: 'constant.numeric.duration.bpftrace' },
    { file: 'bpftrace/files/unit_strings/HEAD/parser_0320.bt', line: 1, text: '1h', scope: 'constant.numeric.duration.bpftrace' },
    { file: 'bpftrace/files/runtime/json-output__018.bt', line: 1, text: '100ms', scope: 'constant.numeric.duration.bpftrace' },
    { file: 'bpftrace/files/runtime/json-output__018.bt', line: 1, text: '$ms', scope: 'variable.other.scratch.bpftrace', not: 'keyword.other.unit.bpftrace' },
    { file: 'bpftrace/files/runtime/json-output__018.bt', line: 1, text: 'ms:1', scope: 'keyword.other.unit.bpftrace' },
    { file: 'bpftrace/files/tests_bt/runtime_scripts/bpf_attach.bt', line: 2, text: '100', scope: 'constant.numeric.bpftrace' },
    { file: 'bpftrace/files/tests_bt/runtime_scripts/bpf_attach.bt', line: 2, text: 'ms', scope: 'keyword.other.unit.bpftrace' },
];

describe('bpftrace scopes on corpus files', () => {
    test.each(cases)('$file:$line \'$text\' is $scope', async c => {
        const token = await tokenForCase('source.bpftrace', corpusRoot, c);
        expect(token.scopes, formatToken(token)).toContain(c.scope);
        if (c.not) {
            expect(token.scopes, formatToken(token)).not.toContain(c.not);
        }
    });
});
