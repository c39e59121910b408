import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ChartCollector, parseScaled, type ChartModel } from '../../src/run/run-charts.js';
import { BpftraceDiagnosticParser, isHarmlessBpftraceLine } from '../../src/run/bpftrace-output-parse.js';
import { StapDiagnosticParser, endOfText, parseStapPassLine } from '../../src/run/stap-output-parse.js';
import { choosePrivilege, sudoersLine, tiedToUs, withPrivilege, type PrivilegeProbe, type SystemTools } from '../../src/run/run-privilege.js';
import { SUPERVISOR_PROGRAM } from '../../src/run/run-supervisor.js';
import { buildBpftraceArgs, buildStapPlan, stapModuleName, type CommandLine } from '../../src/run/run-argv.js';
import { remoteBpftraceCommand, shellQuote } from '../../src/run/run-remote.js';
import { hostAddress, hostLabel, parseHostSpec, runTitle } from '../../src/run/run-host.js';
import { parseProcStat, processTree } from '../../src/run/run-process-tree.js';
import { LineSplitter } from '../../src/run/run-output-buffer.js';
import type { RunRequest, RunTool } from '../../src/run/run-types.js';
import { ensureTracefs } from './run-test-helpers.js';

/** Feed text to a chart collector, line by line. */
function charts(tool: RunTool, text: string, json = false): ChartModel {
    const c = new ChartCollector(tool, json);
    for (const line of text.split('\n')) c.push(line);
    return c.snapshot();
}

/** Real bpftrace output for a program (stdout only). */
function bpftrace(program: string, json = false): string {
    ensureTracefs();
    return execFileSync('bpftrace', [...(json ? ['-f', 'json'] : []), '-e', program], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

const HISTS = 'BEGIN { @h = hist(5); @h = hist(100); @h = hist(3000); @l = lhist(5, 0, 100, 10); @l = lhist(55, 0, 100, 10);'
    + ' @k[1] = hist(-1); @k[2] = hist(0); @c["a b"] = count(); @c["z"] = count(); @c["z"] = count(); @s = 7;'
    + ' @st = stats(4); @t[1, "x"] = 3; exit(); }';

describe('charts from real bpftrace output', () => {
    for (const json of [false, true]) {
        it(`${json ? '-f json' : 'text'}: histograms, keyed histograms, keyed maps, scalars`, () => {
            const model = charts('bpftrace', bpftrace(HISTS, json), json);
            const byName = Object.fromEntries(model.maps.map(m => [m.name, m]));
            expect(byName['@h'].kind).toBe('histogram');
            const h = byName['@h'].series[0].buckets;
            expect(h.filter(b => b.count > 0).map(b => b.low)).toEqual([4, 64, 2048]);
            expect(h.reduce((n, b) => n + b.count, 0)).toBe(3);
            expect(byName['@l'].series[0].buckets.filter(b => b.count > 0).map(b => b.low)).toEqual([0, 50]);
            expect(byName['@k'].series.map(s => s.key).sort()).toEqual(['1', '2']);
            expect(byName['@c'].values.sort((a, b) => a.key.localeCompare(b.key))).toEqual([{ key: 'a b', value: 1 }, { key: 'z', value: 2 }]);
            expect(byName['@s'].values).toEqual([{ key: '', value: 7 }]);
            expect(byName['@st'].values[0].value).toBe('count 1, average 4, total 4');
            expect(byName['@t'].values[0].value).toBe(3);
        });
    }

    it('a map printed again replaces the earlier print', () => {
        const text = '@c[a]: 1\n@c[b]: 2\n\ntick\n@c[b]: 5\n';
        expect(charts('bpftrace', text).maps[0].values).toEqual([{ key: 'b', value: 5 }]);
        // print(@c) in an interval: nothing between the prints but blank lines
        const again = '@c[a]: 1\n@c[b]: 2\n\n@c[a]: 3\n@c[b]: 4\n\n';
        expect(charts('bpftrace', again).maps[0].values).toEqual([{ key: 'a', value: 3 }, { key: 'b', value: 4 }]);
        const hists = '@h[1]:\n[0, 1) 1 |@|\n\n@h[2]:\n[0, 1) 1 |@|\n\n@h[1]:\n[0, 1) 7 |@|\n\n';
        expect(charts('bpftrace', hists).maps[0].series.map(s => [s.key, s.buckets[0].count])).toEqual([['1', 7]]);
    });

    it('suffixed bucket bounds', () => {
        expect([parseScaled('1K'), parseScaled('2M'), parseScaled('-4'), parseScaled('x')]).toEqual([1024, 2 * 2 ** 20, -4, undefined]);
    });
});

// stap cannot load probes on this machine, so its histogram text cannot be produced here; the fixture follows the
// layout of stap's runtime (header, `value |@@@ count` rows, `~` for elided empty buckets).
describe('charts from stap @hist_log / @hist_linear text', () => {
    it('reads both histograms, titled by the line printed before them', () => {
        const model = charts('stap', readFileSync('test-workspace/run/stap-hist-output.txt', 'utf8'));
        expect(model.maps.map(m => m.name)).toEqual(['read sizes (bytes)', 'latency us']);
        expect(model.maps[0].series[0].buckets.map(b => [b.low, b.count])).toEqual([[0, 0], [1, 4], [2, 10], [4, 0], [8, 0], [1024, 1], [2048, 0]]);
        expect(model.maps[1].series[0].buckets.map(b => b.count)).toEqual([2, 50, 5]);
    });
});

describe('tool error lines', () => {
    const bt = (lines: string[]): unknown[] => {
        const p = new BpftraceDiagnosticParser(f => f);
        lines.forEach(l => p.push(l));
        return p.finish().map(d => [d.file, d.severity, d.message, d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character]);
    };
    it.each([
        ['x.bt:3:8-11: ERROR: Unknown function: foo', ['x.bt', 'error', 'Unknown function: foo', 2, 7, 2, 10]],
        ['/a b/c:d.bt:1:1-2: ERROR: syntax error', ['/a b/c:d.bt', 'error', 'syntax error', 0, 0, 0, 1]],
        ['stdin:2:3-4: ERROR: syntax error, unexpected identifier', [undefined, 'error', 'syntax error, unexpected identifier', 1, 2, 1, 3]],
        ['x.bt:4-6: ERROR: Multi-line', ['x.bt', 'error', 'Multi-line', 3, 0, 6, 0]],
        ['x.bt:2:5-9: WARNING: Addrspace is not set', ['x.bt', 'warning', 'Addrspace is not set', 1, 4, 1, 8]],
    ])('bpftrace %s', (line, expected) => {
        expect(bt([line])).toEqual([expected]);
    });

    it('the memlock line is noise', () => {
        const line = 'ERROR: Unknown error -1: couldn\'t set RLIMIT_MEMLOCK for bpftrace. If your program is not loading, you can try "ulimit -l 8192" to fix the problem';
        expect(isHarmlessBpftraceLine(line)).toBe(true);
        expect(bt([line])).toEqual([]);
    });

    it('a real bpftrace error from stdin', () => {
        let stderr = '';
        try {
            execFileSync('bpftrace', ['-e', 'BEGIN {\n  @x = nope(1);\n}'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        } catch (e) {
            stderr = (e as { stderr: string }).stderr;
        }
        expect(bt(stderr.split('\n'))).toEqual([[undefined, 'error', 'Unknown function: nope', 1, 7, 1, 11]]);
    });

    const stap = (text: string): unknown[] => {
        const p = new StapDiagnosticParser();
        text.split('\n').forEach(l => p.push(l));
        return p.finish().map(d => [d.file, d.severity, d.message, d.range.start.line, d.range.start.character, d.range.end.character]);
    };
    it.each([
        ['parse error: expected literal string or number\n        saw: operator \'}\' at se2.stp:3:1\n     source: }',
            ['se2.stp', 'error', 'parse error: expected literal string or number', 2, 0, 1]],
        ['semantic error: unresolved function foo (similar: log, HZ): identifier \'foo\' at /x y/se.stp:2:7',
            ['/x y/se.stp', 'error', 'semantic error: unresolved function foo (similar: log, HZ)', 1, 6, 9]],
        ['WARNING: never-assigned local variable \'cnt\': identifier \'cnt\' at se3.stp:2:30',
            ['se3.stp', 'warning', 'never-assigned local variable \'cnt\'', 1, 29, 32]],
        ['parse error: expected literal string or number\n        saw: operator \';\' at <input>:1:19',
            [undefined, 'error', 'parse error: expected literal string or number', 0, 18, 19]],
        ['WARNING: Kernel function symbol table missing [man warning::symbols]', undefined],
        // a lexer error is placed by an `at:` line, not `saw:`
        ['parse error: Could not find matching closing quote\n         at: junk \'\' at pe.stp:2:10\n     source:   printf("x',
            ['pe.stp', 'error', 'parse error: Could not find matching closing quote', 1, 9, 10]],
        // the output ends right after the error (a stopped run): kept, on the script's first line
        ['parse error: expected statement', [undefined, 'error', 'parse error: expected statement', 0, 0, 1]],
        // a line that places nothing: the error is kept on the first line, the next line still read
        ['parse error: expected statement\nsemantic error: unresolved function foo: identifier \'foo\' at x.stp:2:7',
            [undefined, 'error', 'parse error: expected statement', 0, 0, 1], ['x.stp', 'error', 'semantic error: unresolved function foo', 1, 6, 9]],
    ])('stap %#', (text, ...expected) => {
        expect(stap(text)).toEqual(expected.filter(e => e !== undefined));
    });

    it('stap: an error at the end of the file sits at the end of its last line that is not blank', () => {
        const p = new StapDiagnosticParser(f => f, f => (f === 'eof.stp' ? endOfText('probe begin {\n  x = 1\n\n') : undefined));
        ['parse error: expected statement', '        saw: eof.stp EOF', ''].forEach(l => p.push(l));
        expect(p.finish().map(d => [d.file, d.range])).toEqual([['eof.stp', { start: { line: 1, character: 6 }, end: { line: 1, character: 7 } }]]);
    });

    it.each([
        ['Pass 1: parsed user script and 484 library scripts using 1virt/2res/3shr/4data kb, in 140usr/20sys/175real ms.', { pass: 1, name: 'parse', realMs: 175 }],
        ['Pass 4: compiled BPF into "x.bo" in 0usr/0sys/1real ms.', { pass: 4, name: 'compile', realMs: 1 }],
        ['Pass 5: run failed.  [man error::pass5]', { pass: 5, name: 'run', failed: true }],
        ['Passing through', undefined],
    ])('stap progress %s', (line, expected) => {
        const e = parseStapPassLine(line);
        if (expected) expect(e).toMatchObject(expected);
        else expect(e).toBeUndefined();
    });
});

describe('privilege', () => {
    const probe = (uid: number, sudo: boolean, pkexec: boolean): PrivilegeProbe => ({
        uid: () => uid, userName: () => 'ann', sudoWithoutPassword: () => sudo, pkexecUsable: () => pkexec,
    });
    it.each([
        [probe(0, true, true), 'root'],
        [probe(1000, true, true), 'sudo'],
        [probe(1000, false, true), 'pkexec'],
        [probe(1000, false, false), 'none'],
    ])('%#', (p, kind) => {
        expect(choosePrivilege('stap', p).kind).toBe(kind);
    });
    it('says how to fix it', () => {
        const p = choosePrivilege('stap', probe(1000, false, false));
        expect(p.kind === 'none' && p.message).toMatch(/stapusr,stapdev ann[\s\S]*ann ALL=\(root\) NOPASSWD: \/usr\/bin\/stap/);
    });
    it('the sudoers line names the tools alone: a stop goes through sudo, never through kill', () => {
        expect(sudoersLine('bpftrace', 'ann', '/opt/bt/bpftrace')).toBe('ann ALL=(root) NOPASSWD: /opt/bt/bpftrace');
        expect(sudoersLine('stap', 'ann', '/x/stap')).toMatch(/^ann ALL=\(root\) NOPASSWD: \/x\/stap, \/\S+\/staprun, \/\S+\/stapbpf$/);
        const p = choosePrivilege('bpftrace', probe(1000, false, false), '/opt/bt/bpftrace');
        expect(p.kind === 'none' && p.message).toContain('    ann ALL=(root) NOPASSWD: /opt/bt/bpftrace\n');
        expect(p.kind === 'none' && p.message).not.toMatch(/kill/);
    });

    it('wraps argv without a shell: sudo relays the stop, pkexec starts the supervisor in the run\'s folder', () => {
        expect(withPrivilege({ command: 'bpftrace', args: ['--', 'a b.bt'] }, { kind: 'sudo' }))
            .toEqual({ command: 'sudo', args: ['-n', '--', 'bpftrace', '--', 'a b.bt'], control: 'relay' });
        const pk = withPrivilege({ command: '/usr/bin/bpftrace', args: ['--', 'a b.bt'] }, { kind: 'pkexec' }, '/w d');
        expect(pk).toMatchObject({ command: 'pkexec', control: 'supervisor' });
        expect(pk.args).toEqual([expect.stringMatching(/\/sh$/), '-c', SUPERVISOR_PROGRAM, 'probekit-run', '/w d', '0', '/usr/bin/bpftrace', '--', 'a b.bt']);
    });

    // How each kind of run is tied to our life (the real effect is tested in privilege-run and cli-run).
    const tools: SystemTools = { setpriv: '/s/setpriv', timeout: '/s/timeout', setsid: '/s/setsid' };
    it.each<[string, CommandLine, SystemTools, string[]]>([
        ['a root run', { command: 'bpftrace', args: ['x.bt'] }, tools, ['/s/setpriv', '--pdeathsig', 'KILL', '--', 'bpftrace', 'x.bt']],
        ['sudo: a guardian that relays', { command: 'sudo', args: ['-n', '--', 'bpftrace'], control: 'relay' }, tools,
            ['/s/setpriv', '--pdeathsig', 'TERM', '--', '/s/timeout', '--foreground', '0', '/s/setsid', '-w', 'sudo', '-n', '--', 'bpftrace']],
        ['sudo without timeout', { command: 'sudo', args: ['-n', '--', 'bpftrace'], control: 'relay' }, { setpriv: '/s/setpriv' }, ['sudo', '-n', '--', 'bpftrace']],
        ['no setpriv', { command: 'bpftrace', args: ['x.bt'] }, {}, ['bpftrace', 'x.bt']],
    ])('%s', (_, cmd, found, argv) => {
        const t = tiedToUs(cmd, 'KILL', found);
        expect([t.command, ...t.args]).toEqual(argv);
        expect(t.control).toBe(cmd.control);
    });
});

describe('command lines', () => {
    const req = (r: Partial<RunRequest>): RunRequest => ({ tool: 'bpftrace', file: '/s/x.bt', ...r });
    it.each([
        [req({}), ['--', '/s/x.bt']],
        [req({ args: ['-5', 'a b'], targetPid: 42, bpftrace: { json: true, unsafe: true } }), ['-f', 'json', '--unsafe', '-p', '42', '--', '/s/x.bt', '-5', 'a b']],
        [req({ file: undefined, text: 'BEGIN{}', targetCommand: 'ls -l' }), ['-c', 'ls -l', '-e', 'BEGIN{}', '--']],
    ])('bpftrace %#', (r, expected) => {
        expect(buildBpftraceArgs(r)).toEqual(expected);
    });

    it('stap two steps, kernel and bpf runtimes', () => {
        const r: RunRequest = { tool: 'stap', file: '/s/x.stp', args: ['1'], targetPid: 7, stap: { guru: true, suppressTimeLimits: true, defines: ['MAXMAPENTRIES=10'], includeDirs: ['/t'] } };
        const kernel = buildStapPlan(r, { kernelBuildDir: '/k', moduleName: 'm' });
        expect(kernel.compile.args).toEqual(['-v', '-r', '/k', '-g', '--suppress-time-limits', '-D', 'MAXMAPENTRIES=10', '-I', '/t', '-x', '7', '-p4', '-m', 'm', '--', '/s/x.stp', '1']);
        expect(kernel.load).toEqual({ command: 'staprun', args: ['-x', '7', 'm.ko'] });
        const bpf = buildStapPlan({ ...r, stap: { runtime: 'bpf' } }, { moduleName: 'm' });
        expect(bpf.load).toEqual({ command: 'stapbpf', args: ['-x', '7', 'm.bo'] });
        const remote = buildStapPlan({ ...r, host: { host: 'h', user: 'u', port: 2222 } }, { moduleName: 'm' });
        expect(remote.load).toBeUndefined();
        expect(remote.compile.args).toContain('--remote=ssh://u@h:2222');
    });

    it('module names stap accepts', () => {
        expect(stapModuleName("it's a $(x).stp", '123_4')).toBe('probekit_it_s_a___x__123_4');
        expect(stapModuleName('a'.repeat(80), '9').length).toBeLessThanOrEqual(55);
    });

    it('remote bpftrace: the supervisor under sh, every word quoted for the remote shell, script on stdin', () => {
        const cmd = remoteBpftraceCommand(req({ args: ["$(id) 'q'"], host: { host: 'h', port: 22, sudo: true } }), 'BEGIN{}');
        expect(cmd.command).toBe('ssh');
        expect(cmd.args.slice(0, 5)).toEqual(['-p', '22', '-o', 'BatchMode=yes', '-T']);
        expect(cmd.args.at(-1)).toBe(`sh -c ${shellQuote(SUPERVISOR_PROGRAM)} probekit-run '' 7 setsid sudo -n bpftrace -- - '$(id) '\\''q'\\'''`);
        expect(cmd).toMatchObject({ stdin: 'BEGIN{}', control: 'supervisor' });
        expect(execFileSync('sh', ['-c', `printf %s ${shellQuote("a'b $(c) `d`")}`], { encoding: 'utf8' })).toBe("a'b $(c) `d`");
    });

    it.each([
        ['h', { host: 'h' }], ['u@h:2222', { host: 'h', user: 'u', port: 2222 }], ['ssh://root@10.0.0.1', { host: '10.0.0.1', user: 'root' }],
        ['[::1]:22', { host: '::1', port: 22 }],
    ])('host %s', (spec, expected) => {
        expect(parseHostSpec(spec)).toEqual(expected);
    });

    // ssh reads a destination that starts with `-` as an option (`-oProxyCommand=…` runs a command): never built.
    it.each([['-oProxyCommand=id'], ['-oProxyCommand=id@h'], ['u@-h'], ['ssh://-x']])('host %s is refused', spec => {
        expect(() => parseHostSpec(spec)).toThrow(/start with '-'/);
    });
    it('a host object that starts with - never reaches ssh or stap --remote', () => {
        const bad = { host: '-oProxyCommand=id' };
        expect(() => remoteBpftraceCommand(req({ host: bad }), 'BEGIN{}')).toThrow(/start with '-'/);
        expect(() => buildStapPlan({ tool: 'stap', file: '/x.stp', host: { host: 'h', user: '-F/x' } }, { moduleName: 'm' })).toThrow(/start with '-'/);
    });

    // Runs, panels and CLI prefixes are told apart by the label: hosts that differ only by user or port differ.
    it.each([
        [{ host: 'h' }, 'h', 'h'],
        [{ host: 'h', port: 2222 }, 'h:2222', 'h:2222'],
        [{ host: 'h', port: 2223 }, 'h:2223', 'h:2223'],
        [{ host: 'h', user: 'ann', port: 2222 }, 'ann@h:2222', 'ann@h:2222'],
        [{ host: 'h', user: 'bob', port: 2222 }, 'bob@h:2222', 'bob@h:2222'],
        [{ host: 'h', name: 'web', user: 'ann' }, 'web', 'ann@h'],
        [{ host: 'h', name: '' }, 'h', 'h'],
    ])('host label %o', (host, label, address) => {
        expect([hostLabel(host), hostAddress(host), runTitle('x.bt', host)]).toEqual([label, address, `x.bt @ ${label}`]);
    });
});

describe('process table', () => {
    it('parses a comm with spaces and parentheses', () => {
        expect(parseProcStat('12 (a (b) c) S 1 12 12 0 -1')).toEqual({ pid: 12, comm: 'a (b) c', ppid: 1, pgid: 12 });
    });
    it('walks children before parents, including other sessions under the root', () => {
        const t = [{ pid: 10, ppid: 1, pgid: 10, comm: 'sudo' }, { pid: 11, ppid: 10, pgid: 11, comm: 'bpftrace' }, { pid: 12, ppid: 11, pgid: 11, comm: 'cat' }, { pid: 13, ppid: 1, pgid: 10, comm: 'orphan' }];
        expect(processTree(10, t)).toEqual([12, 11, 10, 13]);
    });
});

describe('line splitting', () => {
    it('joins partial lines and caps a line without newline', () => {
        const lines: string[] = [];
        const s = new LineSplitter(l => lines.push(l), 8);
        s.push('ab');
        s.push('c\r\nde');
        s.push('0123456789');
        s.end();
        expect(lines).toEqual(['abc', 'de0123456789']);
    });

    it('skipping a chunk still finishes the open line and keeps the new one open', () => {
        const lines: string[] = [];
        const s = new LineSplitter(l => lines.push(l));
        s.push('@x[a]: ');
        s.skip('12\n1\n2\n@y');
        s.push(': 3\n');
        expect(lines).toEqual(['@x[a]: 12', '@y: 3']);
    });

    it('charts look only at chunks that can hold chart lines', () => {
        const c = new ChartCollector('bpftrace');
        expect(c.interested('1\n2\n3\n')).toBe(false);
        expect(c.interested('@x: 1\n')).toBe(true);
        c.push('@h:');
        expect(c.interested('[1, 2) 1 |@|\n'.replace('@', ''))).toBe(true); // inside a histogram block
        expect(new ChartCollector('stap').interested('value |---- count\n')).toBe(true);
        expect(new ChartCollector('bpftrace', true).interested('{"type": "printf", "data": "x"}')).toBe(false);
    });
});
