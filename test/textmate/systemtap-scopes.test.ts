/**
 * SystemTap grammar on real scripts from the corpus: chosen positions and the scope each must carry.
 * Positions are named by line and the text found there, so the table reads like the scripts.
 */
import { describe, expect, test } from 'vitest';
import type { ScopeCase } from './textmate-helpers.js';
import { corpusRoot, formatToken, tokenForCase } from './textmate-helpers.js';

const EX = 'stap/files/systemtap.examples';

const cases: ScopeCase[] = [
    // comments and the shebang
    { file: `${EX}/general/stopwatches.stp`, line: 1, text: '#!', scope: 'comment.line.shebang.systemtap' },
    { file: `${EX}/general/stopwatches.stp`, line: 2, text: 'Copyright', scope: 'comment.line.number-sign.systemtap' },
    { file: `${EX}/general/stopwatches.stp`, line: 10, text: 'The next', scope: 'comment.block.systemtap' },
    { file: `${EX}/general/grapher.stp`, line: 27, text: 'collect', scope: 'comment.line.number-sign.systemtap' },
    { file: `${EX}/process/mutex-contention.stp`, line: 3, text: '//', scope: 'punctuation.definition.comment.systemtap' },
    { file: `${EX}/process/mutex-contention.stp`, line: 3, text: 'NOTE', scope: 'comment.line.double-slash.systemtap' },
    { file: `${EX}/process/mutex-contention.stp`, line: 110, text: 'next', scope: 'keyword.control.systemtap', not: 'comment.line.double-slash.systemtap' },
    { file: `${EX}/process/mutex-contention.stp`, line: 110, text: 'skip', scope: 'comment.line.double-slash.systemtap' },
    { file: `${EX}/process/wait4time.stp`, line: 42, text: '@entry', scope: 'comment.line.double-slash.systemtap', not: 'keyword.other.at-operator.systemtap' },
    { file: `${EX}/process/wait4time.stp`, line: 42, text: '"pid"', scope: 'comment.line.double-slash.systemtap', not: 'string.quoted.double.systemtap' },
    { file: `${EX}/process/wait4time.stp`, line: 44, text: 'tid', scope: 'entity.name.function.call.systemtap', not: 'comment.line.double-slash.systemtap' },
    { file: `${EX}/process/errsnoop.stp`, line: 12, text: 'about', scope: 'comment.line.double-slash.systemtap' },
    { file: `${EX}/process/thread-business.stp`, line: 3, text: '[execname', scope: 'comment.line.double-slash.systemtap' },
    { file: `${EX}/process/thread-business.stp`, line: 4, text: 'activity2', scope: 'variable.other.global.systemtap', not: 'comment.line.double-slash.systemtap' },
    { file: `${EX}/process/proctop.stp`, line: 45, text: "let's", scope: 'comment.line.double-slash.systemtap', not: 'string.quoted.single.systemtap' },
    { file: `${EX}/process/proctop.stp`, line: 47, text: 'printf', scope: 'support.function.builtin.systemtap', not: 'comment.line.double-slash.systemtap' },
    // probe declarations and probe points
    { file: `${EX}/general/stopwatches.stp`, line: 7, text: 'probe', scope: 'storage.type.probe.systemtap' },
    { file: `${EX}/general/stopwatches.stp`, line: 7, text: 'begin', scope: 'support.function.probe-point.systemtap' },
    { file: `${EX}/general/stopwatches.stp`, line: 22, text: 'return', scope: 'support.function.probe-point.systemtap' },
    { file: `${EX}/security-band-aids/cve-2016-5195.stp`, line: 6, text: 'kernel', scope: 'support.function.probe-point.systemtap' },
    { file: `${EX}/security-band-aids/cve-2016-5195.stp`, line: 6, text: 'mem_write', scope: 'string.quoted.double.probe-point.systemtap' },
    { file: `${EX}/security-band-aids/cve-2016-5195.stp`, line: 6, text: '.return', scope: 'punctuation.accessor.probe-point.systemtap' },
    { file: `${EX}/security-band-aids/cve-2016-5195.stp`, line: 6, text: '?', scope: 'keyword.operator.optional.systemtap' },
    { file: `${EX}/general/tcl-trace.stp`, line: 14, text: 'process', scope: 'support.function.probe-point.systemtap' },
    { file: `${EX}/general/tcl-trace.stp`, line: 14, text: '/usr/lib*', scope: 'string.quoted.double.probe-point.systemtap', not: 'keyword.operator.wildcard.systemtap' },
    { file: `${EX}/general/tcl-trace.stp`, line: 14, text: 'mark', scope: 'support.function.probe-point.systemtap' },
    { file: `${EX}/process/errsnoop.stp`, line: 14, text: '*', scope: 'keyword.operator.wildcard.systemtap' },
    { file: `${EX}/general/grapher.stp`, line: 27, text: 'ms', scope: 'support.function.probe-point.systemtap' },
    { file: `${EX}/general/grapher.stp`, line: 27, text: '100', scope: 'constant.numeric.decimal.systemtap' },
    { file: `${EX}/general/measureinterval.stp`, line: 12, text: '$4', scope: 'variable.parameter.script-argument.systemtap' },
    { file: `${EX}/general/measureinterval.stp`, line: 22, text: 'never', scope: 'support.function.probe-point.systemtap' },
    { file: `${EX}/general/measureinterval.stp`, line: 22, text: 'never', scope: 'meta.conditional.systemtap' },
    // probe aliases and brace products
    { file: `${EX}/general/alias_suffixes.stp`, line: 9, text: 'miscellany', scope: 'entity.name.function.probe-alias.systemtap' },
    { file: `${EX}/general/alias_suffixes.stp`, line: 9, text: '=', scope: 'keyword.operator.assignment.alias.systemtap' },
    { file: `${EX}/general/alias_suffixes.stp`, line: 9, text: 'open', scope: 'meta.probe-point.product.systemtap' },
    { file: `${EX}/io/iostat-scsi.stp`, line: 23, text: 'sd_prep_fn', scope: 'entity.name.function.probe-alias.systemtap' },
    { file: `${EX}/io/iostat-scsi.stp`, line: 23, text: '!', scope: 'keyword.operator.optional.systemtap' },
    { file: 'stap/files/tapset/linux/ioscheduler.stp', line: 75, text: '=', scope: 'keyword.operator.assignment.alias.systemtap' },
    { file: 'stap/files/semok/twentyeight.stp', line: 4, text: 'vfs_read', scope: 'string.quoted.double.probe-point.systemtap' },
    { file: 'stap/files/parseok/macros02.stp', line: 3, text: '@foo', scope: 'entity.name.function.macro.systemtap' },
    // functions, globals, privacy
    { file: `${EX}/general/badname.stp`, line: 7, text: 'function', scope: 'storage.type.function.systemtap' },
    { file: `${EX}/general/badname.stp`, line: 7, text: 'filter', scope: 'entity.name.function.systemtap' },
    { file: `${EX}/general/badname.stp`, line: 7, text: 'long', scope: 'storage.type.systemtap' },
    { file: `${EX}/general/badname.stp`, line: 7, text: 'name', scope: 'variable.parameter.systemtap' },
    { file: `${EX}/general/badname.stp`, line: 7, text: 'string', scope: 'storage.type.systemtap' },
    { file: `${EX}/general/measureinterval.stp`, line: 10, text: 'global', scope: 'storage.modifier.global.systemtap' },
    { file: `${EX}/general/measureinterval.stp`, line: 10, text: 'acc', scope: 'variable.other.global.systemtap' },
    { file: `${EX}/general/measureinterval.stp`, line: 10, text: '%', scope: 'storage.modifier.wrap.systemtap' },
    { file: 'stap/files/tapset/tls.stp', line: 42, text: 'private', scope: 'storage.modifier.private.systemtap' },
    { file: 'stap/files/tapset/linux/ioblock.stp', line: 25, text: 'disk_get_part_start_sect', scope: 'entity.name.function.systemtap' },
    { file: 'stap/files/tapset/linux/ioblock.stp', line: 25, text: 'partno', scope: 'variable.parameter.systemtap' },
    { file: 'stap/files/tapset/argv.stp', line: 18, text: '>=', scope: 'meta.preprocessor.condition.systemtap' },
    { file: 'stap/files/tapset/argv.stp', line: 18, text: '@1', scope: 'variable.parameter.script-argument.systemtap' },
    { file: 'stap/files/tapset/linux/context-symbols.stp', line: 107, text: 'ptr', scope: 'meta.embedded.block.c' },
    { file: 'stap/files/tapset/linux/context-symbols.stp', line: 107, text: 'ptr', scope: 'source.c' },
    { file: 'stap/files/testsuite_other/runok/errcond.stp', line: 3, text: 'probe', scope: 'storage.type.probe.systemtap', not: 'meta.global.systemtap' },
    // statements, calls, context variables, @-operators
    { file: `${EX}/general/stopwatches.stp`, line: 17, text: 'next', scope: 'keyword.control.systemtap' },
    { file: `${EX}/general/stopwatches.stp`, line: 17, text: 'target', scope: 'entity.name.function.call.systemtap' },
    { file: `${EX}/general/stopwatches.stp`, line: 17, text: '!=', scope: 'keyword.operator.comparison.systemtap' },
    { file: `${EX}/general/alias_suffixes.stp`, line: 27, text: 'foreach', scope: 'keyword.control.systemtap' },
    { file: `${EX}/general/alias_suffixes.stp`, line: 27, text: 'in', scope: 'keyword.operator.in.systemtap' },
    { file: `${EX}/general/alias_suffixes.stp`, line: 31, text: '@hist_log', scope: 'support.function.aggregate.systemtap' },
    { file: `${EX}/general/alias_suffixes.stp`, line: 18, text: '<<<', scope: 'keyword.operator.aggregate.systemtap' },
    { file: `${EX}/general/badname.stp`, line: 26, text: '@defined', scope: 'keyword.other.at-operator.systemtap' },
    { file: `${EX}/general/badname.stp`, line: 26, text: '$dentry', scope: 'variable.language.context.systemtap' },
    { file: `${EX}/general/badname.stp`, line: 26, text: 'd_inode', scope: 'variable.other.member.systemtap' },
    { file: `${EX}/general/para-callgraph.stp`, line: 23, text: '$$parms', scope: 'variable.language.context.systemtap' },
    { file: `${EX}/general/para-callgraph.stp`, line: 23, text: '$1', scope: 'variable.parameter.script-argument.systemtap' },
    { file: `${EX}/io/capture_ssl_master_secrets.stp`, line: 24, text: '@entry', scope: 'keyword.other.at-operator.systemtap' },
    { file: `${EX}/process/pfiles.stp`, line: 828, text: '@cast', scope: 'keyword.other.at-operator.systemtap' },
    { file: `${EX}/process/pfiles.stp`, line: 828, text: 'catch', scope: 'keyword.control.systemtap' },
    { file: 'stap/files/ext/KZYSAKYM+systemtap_util/argv_reg_write.stp', line: 6, text: '@1', scope: 'variable.parameter.script-argument.systemtap' },
    { file: `${EX}/general/regex.stp`, line: 9, text: '=~', scope: 'keyword.operator.regex.systemtap' },
    // strings, escapes, printf formats, numbers
    { file: `${EX}/general/stopwatches.stp`, line: 40, text: 'printf', scope: 'support.function.builtin.systemtap' },
    { file: `${EX}/general/stopwatches.stp`, line: 40, text: '%12d', scope: 'constant.other.placeholder.systemtap' },
    { file: `${EX}/general/stopwatches.stp`, line: 40, text: '\\n', scope: 'constant.character.escape.systemtap' },
    { file: `${EX}/general/stopwatches.stp`, line: 40, text: 'wall clock', scope: 'string.quoted.double.systemtap' },
    { file: `${EX}/general/regex.stp`, line: 10, text: '\\\\', scope: 'constant.character.escape.systemtap' },
    { file: `${EX}/process/procmod_watcher.stp`, line: 55, text: '0x7F', scope: 'constant.numeric.hex.systemtap' },
    { file: 'stap/files/parseko/six.stp', line: 7, text: '0777', scope: 'constant.numeric.octal.systemtap' },
    // the preprocessor and macros
    { file: `${EX}/general/measureinterval.stp`, line: 16, text: '%(', scope: 'keyword.control.directive.conditional.begin.systemtap' },
    { file: `${EX}/general/measureinterval.stp`, line: 16, text: '$#', scope: 'variable.parameter.script-argument.systemtap' },
    { file: `${EX}/general/measureinterval.stp`, line: 16, text: '%?', scope: 'keyword.control.directive.conditional.then.systemtap' },
    { file: `${EX}/general/measureinterval.stp`, line: 16, text: '%:', scope: 'keyword.control.directive.conditional.else.systemtap' },
    { file: `${EX}/general/measureinterval.stp`, line: 16, text: '%)', scope: 'keyword.control.directive.conditional.end.systemtap' },
    { file: `${EX}/memory/hw_watch_addr.stp`, line: 3, text: 'CONFIG_HAVE_HW_BREAKPOINT', scope: 'support.constant.kernel-config.systemtap' },
    { file: 'stap/files/tapset/linux/scsi.stp', line: 234, text: 'kernel_v', scope: 'support.variable.preprocessor.systemtap' },
    { file: 'stap/files/tapset/linux/scsi.stp', line: 234, text: '2.6.28', scope: 'meta.preprocessor.condition.systemtap' },
    { file: 'stap/files/tapset/linux/sysc_stat.stp', line: 10, text: '@define', scope: 'keyword.control.directive.define.systemtap' },
    { file: 'stap/files/tapset/linux/sysc_stat.stp', line: 10, text: '_SYSCALL_STAT_NAME', scope: 'entity.name.function.macro.definition.systemtap' },
    { file: 'stap/files/tapset/linux/sysc_stat.stp', line: 11, text: '%(', scope: 'punctuation.section.macro.body.begin.systemtap' },
    { file: 'stap/files/tapset/linux/sysc_stat.stp', line: 118, text: '@_IS_SREG_KERNEL', scope: 'entity.name.function.macro.systemtap' },
    { file: 'stap/files/tapset/linux/sysc_stat.stp', line: 58, text: '@_SYSCALL_STAT_NAME', scope: 'entity.name.function.macro.systemtap' },
    // embedded C: top level, function bodies, expressions
    { file: `${EX}/process/pfiles.stp`, line: 76, text: '%{', scope: 'punctuation.section.embedded.begin.systemtap' },
    { file: `${EX}/process/pfiles.stp`, line: 76, text: '%{', scope: 'punctuation.section.embedded.begin.systemtap', not: 'source.c' },
    { file: `${EX}/process/pfiles.stp`, line: 77, text: 'include', scope: 'meta.embedded.block.c' },
    { file: `${EX}/process/pfiles.stp`, line: 77, text: 'include', scope: 'source.c' },
    { file: `${EX}/process/pfiles.stp`, line: 77, text: 'include', scope: 'keyword.control.directive.c' },
    { file: `${EX}/process/pfiles.stp`, line: 117, text: '%}', scope: 'punctuation.section.embedded.end.systemtap' },
    { file: `${EX}/process/pfiles.stp`, line: 126, text: 'pure', scope: 'keyword.other.pragma.systemtap' },
    { file: `${EX}/process/pfiles.stp`, line: 127, text: 'STAP_ARG_task', scope: 'support.variable.stap-c.systemtap' },
    { file: `${EX}/process/pfiles.stp`, line: 127, text: 'struct', scope: 'storage.type.c' },
    { file: `${EX}/process/pfiles.stp`, line: 127, text: 'struct', scope: 'source.c' },
    { file: `${EX}/general/badname.stp`, line: 30, text: 'S_DEAD', scope: 'meta.embedded.block.c' },
    { file: `${EX}/general/badname.stp`, line: 30, text: 'S_DEAD', scope: 'source.c' },
    { file: `${EX}/general/badname.stp`, line: 30, text: '$dir', scope: 'variable.language.context.systemtap', not: 'source.c' },
    { file: `${EX}/general/badname.stp`, line: 30, text: '%}', scope: 'punctuation.section.embedded.end.systemtap', not: 'meta.embedded.block.c' },
];

describe('SystemTap scopes on corpus files', () => {
    test.each(cases)('$file:$line \'$text\' is $scope', async c => {
        const token = await tokenForCase('source.systemtap', corpusRoot, c);
        expect(token.scopes, formatToken(token)).toContain(c.scope);
        if (c.not) {
            expect(token.scopes, formatToken(token)).not.toContain(c.not);
        }
    });
});
