import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { buildRunRequest, consentNeeded, hostsNamed, readHosts, splitArguments, type SettingReader } from '../src/run/run-request.js';
import { ensureTracefs, removeDir, tempScripts } from '../../server/test/run/run-test-helpers.js';

/** Settings as VS Code would return them: `{ 'systemtap.run.runtime': 'bpf' }`. */
function settings(values: Record<string, unknown>): SettingReader {
    return <T>(section: string, key: string) => values[`${section}.${key}`] as T | undefined;
}

describe('settings and choices → run request', () => {
    it('stap: settings, then choices on top', () => {
        const get = settings({ 'systemtap.run.runtime': 'bpf', 'systemtap.run.defines': ['A=1'], 'systemtap.tapsetDirs': ['/t'], 'systemtap.run.arguments': ['x'], 'systemtap.path': '/opt/stap' });
        const r = buildRunRequest({ languageId: 'systemtap', file: '/s/a.stp', name: 'a.stp' }, get, { mode: 'oneGo', targetPid: 5 });
        expect(r).toMatchObject({
            tool: 'stap', file: '/s/a.stp', args: ['x'], targetPid: 5,
            stap: { runtime: 'bpf', mode: 'oneGo', guru: false, defines: ['A=1'], includeDirs: ['/t'], stapPath: '/opt/stap' },
        });
        expect(buildRunRequest({ languageId: 'systemtap', file: '/s/a.stp', name: 'a.stp' }, get, { runtime: 'kernel', args: [] }))
            .toMatchObject({ args: [], stap: { runtime: 'kernel' } });
    });

    it('bpftrace: an unsaved buffer runs as text', () => {
        const r = buildRunRequest({ languageId: 'bpftrace', text: 'BEGIN {}', name: 'Untitled-1' }, settings({ 'bpftrace.run.json': true }));
        expect(r).toMatchObject({ tool: 'bpftrace', file: undefined, text: 'BEGIN {}', bpftrace: { json: true, unsafe: false } });
    });

    it('refuses other languages', () => {
        expect(() => buildRunRequest({ languageId: 'c', file: '/x.c', name: 'x.c' }, settings({}))).toThrow(/neither/);
    });
});

describe('consent', () => {
    const req = (languageId: string, extra = {}) => buildRunRequest({ languageId, file: '/x', name: 'x' }, settings({}), extra);
    it.each([
        ['systemtap', 'probe begin { exit() }', {}, undefined],
        ['systemtap', 'probe begin { exit() }', { guru: true }, 'guru'],
        ['systemtap', '%{ #include <linux/sched.h> %}\nprobe begin {}', {}, 'guru'],
        ['bpftrace', 'BEGIN { exit(); }', {}, undefined],
        ['bpftrace', 'BEGIN { system("ls"); }', {}, 'unsafe'],
        ['bpftrace', 'BEGIN { exit(); }', { unsafe: true }, 'unsafe'],
    ])('%s %s', (lang, text, extra, expected) => {
        const r = req(lang, extra);
        expect(consentNeeded(r, text)).toBe(expected);
        // what needs consent is also switched on for the run
        if (expected === 'guru') expect(r.stap?.guru).toBe(true);
        if (expected === 'unsafe') expect(r.bpftrace?.unsafe).toBe(true);
    });
});

// The consent check reads the final argv, so options given as extra arguments count like the switches.
describe('consent from the tool options, wherever they come from', () => {
    it.each<[string, Record<string, unknown>, 'guru' | 'unsafe' | undefined]>([
        ['systemtap', { 'systemtap.run.extraArgs': ['-g'] }, 'guru'],
        ['systemtap', { 'systemtap.run.extraArgs': ['-vg'] }, 'guru'],
        ['systemtap', { 'systemtap.run.extraArgs': ['-gv'] }, 'guru'],
        ['systemtap', { 'systemtap.run.extraArgs': ['-v', '--guru-mode'] }, 'guru'],
        ['systemtap', { 'systemtap.run.guru': true }, 'guru'],
        ['systemtap', { 'systemtap.run.extraArgs': ['-Dg=1', '-p4', '-vv'] }, undefined],
        ['systemtap', { 'systemtap.run.defines': ['g'], 'systemtap.run.arguments': ['-g'] }, undefined],
        ['bpftrace', { 'bpftrace.run.extraArgs': ['--unsafe'] }, 'unsafe'],
        ['bpftrace', { 'bpftrace.run.extraArgs': ['-v', '--uns'] }, 'unsafe'],
        ['bpftrace', { 'bpftrace.run.unsafe': true }, 'unsafe'],
        ['bpftrace', { 'bpftrace.run.extraArgs': ['-v', '-k'], 'bpftrace.run.arguments': ['--unsafe'] }, undefined],
    ])('%s %o', (lang, values, expected) => {
        const r = buildRunRequest({ languageId: lang, file: '/x', name: 'x' }, settings(values));
        expect(consentNeeded(r, lang === 'bpftrace' ? 'BEGIN { exit(); }' : 'probe begin { exit() }')).toBe(expected);
    });
});

describe('hosts setting', () => {
    it('strings and objects; bad entries reported', () => {
        const { hosts, problems } = readHosts(['u@a:2222', { name: 'b', host: 'b.example', sudo: true, sshOptions: ['-o', 'X=y'] }, 42, 'bad host']);
        expect(hosts).toEqual([
            { host: 'a', user: 'u', port: 2222 },
            { name: 'b', host: 'b.example', user: undefined, port: undefined, identityFile: undefined, sshOptions: ['-o', 'X=y'], sudo: true },
        ]);
        expect(problems).toHaveLength(2);
    });

    it('a host or user that ssh would read as an option is refused, as a string or an object', () => {
        const { hosts, problems } = readHosts(['-oProxyCommand=touch /tmp/x', '-oProxyCommand=x@h', 'u@-h', { host: '-oProxyCommand=x' }, { host: 'h', user: '-F/x' }, 'ok@h']);
        expect(hosts).toEqual([{ host: 'h', user: 'ok' }]);
        expect(problems).toHaveLength(5);
        expect(problems.every(p => /^not a host: /.test(p))).toBe(true);
        expect(problems.filter(p => /start with '-'/.test(p))).toHaveLength(4);
    });

    it('hosts that differ only by user or port are two hosts; a label taken twice is reported', () => {
        const { hosts, problems } = readHosts(['a:22', 'a:2222', 'u@a:22', { host: 'b', name: 'web' }, { host: 'c', name: 'web' }, 'a:22']);
        expect(hosts.map(h => h.host)).toEqual(['a', 'a', 'a', 'b']);
        expect(problems).toEqual(['two hosts are called web: give each its own name', 'two hosts are called a:22: give each its own name']);
    });

    it.each<[string, unknown, string[] | undefined, string[]]>([
        ['names and addresses, in the order given', ['web', 'u@a:2222'], ['b', 'a'], []],
        ['a label the setting lacks is reported', ['web', 'nope'], ['b'], ['nope']],
        ['not a list of labels: ask', { groupId: 1 }, undefined, []],
        ['an empty list: ask', [], undefined, []],
        ['a list with a non-string: ask', ['web', 3], undefined, []],
    ])('host labels from a command argument: %s', (_, names, hosts, unknown) => {
        const named = hostsNamed(readHosts(['u@a:2222', { host: 'b', name: 'web' }]).hosts, names);
        expect(named && { hosts: named.hosts.map(h => h.host), unknown: named.unknown }).toEqual(hosts && { hosts, unknown });
    });
});

describe('argument line', () => {
    it.each([
        ['a b', ['a', 'b']],
        ['"a b" \'c d\' e', ['a b', 'c d', 'e']],
        ['$(id) `x`', ['$(id)', '`x`']],
        ['', []],
    ])('%s', (line, expected) => {
        expect(splitArguments(line)).toEqual(expected);
    });
});

/** The manifest's problem patterns, as VS Code reads them (JavaScript regular expressions). */
function pattern(name: string): { regexp: string; [k: string]: unknown }[] {
    const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
    const p = manifest.contributes.problemPatterns.find((x: { name: string }) => x.name === name);
    return p.patterns ?? [p];
}

/** Real bpftrace's stderr for `bpftrace -d FILE` (checks without attaching), run in a temp folder. */
function bpftraceStderr(name: string, text: string): string {
    ensureTracefs();
    const dir = tempScripts({ [name]: text });
    try {
        const r = spawnSync('bpftrace', ['-d', name], { cwd: dir, encoding: 'utf8' });
        return r.stderr;
    } finally {
        removeDir(dir);
    }
}

describe('problem matchers on real tool output', () => {
    /** The fields the manifest's pattern takes from each matching line, as VS Code reads them. */
    const matched = (p: { regexp: string; [k: string]: unknown }, stderr: string): (string | undefined)[][] => stderr.split('\n')
        .map(l => new RegExp(p.regexp).exec(l)).filter(m => m !== null)
        .map(m => ['file', 'line', 'column', 'endLine', 'endColumn', 'severity', 'message'].map(k => (p[k] === undefined ? undefined : m![p[k] as number])));

    it.each([
        // FILE:L:C1-C2: one line, columns
        ['bad.bt', 'BEGIN {\n  @a = nope(1);\n}\n', ['bad.bt', '2', '8', undefined, '12', 'ERROR', 'Unknown function: nope']],
        // FILE:L1-L2: a span of lines (printf's arguments over two lines), no columns
        ['span.bt', 'BEGIN {\n  printf("%d %d\\n",\n    1);\n}\n', ['span.bt', '2', undefined, '3', undefined, 'ERROR', 'printf: Not enough arguments for format string (1 supplied, 2 expected)']],
    ])('$bpftrace on %s', (name, text, expected) => {
        const [p] = pattern('bpftrace');
        expect(matched(p, bpftraceStderr(name, text))).toEqual([expected]);
    });

    it('$stap and $stap-parse', () => {
        const [single] = pattern('stap');
        const m = new RegExp(single.regexp).exec("semantic error: unresolved function foo (similar: log, HZ): identifier 'foo' at se.stp:2:7")!;
        expect([m[single.file as number], m[single.line as number], m[single.column as number], m[single.message as number]])
            .toEqual(['se.stp', '2', '7', 'unresolved function foo (similar: log, HZ)']);
        const [first, second] = pattern('stap-parse');
        expect(new RegExp(first.regexp).exec('parse error: expected literal string or number')?.[first.message as number]).toBe('expected literal string or number');
        // the place stap gives a parse error: the token it saw, or for a lexer error (an unclosed string) `at:`
        for (const [line, place] of [["        saw: operator '}' at se2.stp:3:1", ['se2.stp', '3', '1']], ["         at: junk '' at pe.stp:2:10", ['pe.stp', '2', '10']]] as const) {
            const s = new RegExp(second.regexp).exec(line)!;
            expect([s[second.file as number], s[second.line as number], s[second.column as number]]).toEqual(place);
        }
    });
});
