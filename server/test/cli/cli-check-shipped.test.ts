import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { BT_LIMITS } from '../../../language/src/bpftrace/bpftrace-lexer.js';
import { shippedCli, tempDir } from '../catalogue/catalogue-test-kit.js';

/**
 * `probekit check` as users run it: the shipped dispatcher out/cli.cjs, which loads the command from its own
 * bundle (out/cli-check.cjs), in a fresh process.
 */
let cli: string;
beforeAll(() => {
    cli = shippedCli();
}, 300_000);

function check(argv: string[], cwd?: string): { code: number | null; out: string; err: string } {
    const r = spawnSync(process.execPath, [cli, 'check', ...argv], { encoding: 'utf8', cwd, timeout: 120_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('usage errors: one line on stderr, exit 2, nothing checked', () => {
    test.each([
        [['--format', 'xml', 'a.bt'], '--format must be text or json, not xml'],
        [['--bogus', 'a.bt'], 'unknown option --bogus'],
        [[], 'no FILE or DIR to check'],
        [['a.bt', '--bpftrace-version'], 'option --bpftrace-version needs a value'],
        [['--format=json', '--format=text', 'a.bt'], 'option --format given twice'],
        [['--syntax-only=yes', 'a.bt'], 'option --syntax-only takes no value'],
    ])('%j', (argv, message) => {
        const r = check(argv);
        expect(r.err).toBe(`probekit check: ${message} (see probekit check --help)\n`);
        expect([r.code, r.out]).toEqual([2, '']);
    });
});

/** The files in a fresh directory, which is the working directory of the checks (so paths print as given). */
function workspace(contents: Record<string, string>): string {
    const dir = tempDir('probekit-check-');
    for (const [name, text] of Object.entries(contents)) writeFileSync(join(dir, name), text);
    return dir;
}

const BT = {
    'clean.bt': 'BEGIN { printf("hi\\n"); exit(); }\n',
    'let.bt': 'BEGIN {\n  let $x = 1;\n}\n',
    'broken.bt': 'kprobe:f { $x = 1 $y = 2; }\n',
};
const UNSUPPORTED = 'bpftrace 0.16 is not supported (use 0.17 … 0.26 or latest): checking for 0.17';

describe('bpftrace files: --bpftrace-version, text output FILE:LINE:COL: SEVERITY: MESSAGE [CODE], exit codes', () => {
    test.each([
        ['0.21', 'let.bt', 1, 'let.bt:2:3: error: `let` declarations need bpftrace ≥ 0.22 (target is 0.21) [bt-version-construct]\n'],
        ['0.22', 'let.bt', 0, ''],
        ['latest', 'broken.bt', 1, "broken.bt:1:19: error: expected ';' before this statement [bt-missing-semicolon]\n"],
        ['0.16', 'clean.bt', 0, `clean.bt:1:1: warning: ${UNSUPPORTED} [bt-version-unknown]\n`],
        ['0.16', 'let.bt', 1, `let.bt:1:1: warning: ${UNSUPPORTED} [bt-version-unknown]\n`
            + 'let.bt:2:3: error: `let` declarations need bpftrace ≥ 0.22 (target is 0.17) [bt-version-construct]\n'],
        ['banana', 'let.bt', 0, "let.bt:1:1: warning: unknown bpftrace version 'banana' (use 0.17 … 0.26 or latest): checking for latest [bt-version-unknown]\n"],
    ])('--bpftrace-version %s %s: exit %s', (version, file, code, out) => {
        const r = check(['--bpftrace-version', version, file], workspace(BT));
        expect(r).toEqual({ code, out, err: '' });
    });

    test('--format json: files with path as given, language, and LSP diagnostics (0-based ranges, severity words)', () => {
        const r = check(['--format', 'json', '--bpftrace-version', '0.16', 'let.bt', 'clean.bt'], workspace(BT));
        expect(r.code).toBe(1);
        expect(JSON.parse(r.out)).toEqual({
            files: [
                {
                    path: 'let.bt', language: 'bpftrace', diagnostics: [
                        { severity: 'warning', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, message: UNSUPPORTED, code: 'bt-version-unknown', source: 'probekit' },
                        {
                            severity: 'error', range: { start: { line: 1, character: 2 }, end: { line: 1, character: 12 } },
                            message: '`let` declarations need bpftrace ≥ 0.22 (target is 0.17)', code: 'bt-version-construct', source: 'bpftrace',
                        },
                    ],
                },
                {
                    path: 'clean.bt', language: 'bpftrace', diagnostics: [
                        { severity: 'warning', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, message: UNSUPPORTED, code: 'bt-version-unknown', source: 'probekit' },
                    ],
                },
            ],
        });
    });

    test('a missing file or one of another language among good ones: said on stderr, the others still checked, exit 2', () => {
        const dir = workspace({ ...BT, 'notes.txt': 'hello\n' });
        symlinkSync(join(dir, 'nowhere.bt'), join(dir, 'gone.bt'));
        const r = check(['--bpftrace-version', '0.21', 'missing.bt', 'let.bt', 'gone.bt', 'notes.txt', 'clean.bt'], dir);
        expect(r).toEqual({
            code: 2,
            out: 'let.bt:2:3: error: `let` declarations need bpftrace ≥ 0.22 (target is 0.21) [bt-version-construct]\n',
            err: 'probekit: missing.bt: cannot read: ENOENT\nprobekit: gone.bt: cannot read: ENOENT\n'
                + 'probekit: notes.txt: unknown language: expected a .stp, .stpm or .bt file\n',
        });
    });

    test('a directory: every bpftrace and SystemTap file under it, in name order', () => {
        const dir = workspace({});
        mkdirSync(join(dir, 'scripts'));
        for (const [name, text] of Object.entries({ ...BT, 'ok.stp': 'probe begin { exit() }\n', 'notes.txt': 'hello\n' })) {
            writeFileSync(join(dir, 'scripts', name), text);
        }
        const r = check(['--format', 'json', '--bpftrace-version', 'latest', 'scripts'], dir);
        expect(JSON.parse(r.out).files.map((f: { path: string; diagnostics: unknown[] }) => [f.path, f.diagnostics.length])).toEqual([
            ['scripts/broken.bt', 1], ['scripts/clean.bt', 0], ['scripts/let.bt', 0], ['scripts/ok.stp', 0],
        ]);
        expect(r.code).toBe(1);
    });
});

describe('SystemTap files: the same output and exit codes', () => {
    const STP = { 'ok.stp': 'probe begin { exit() }\n', 'bad.stp': 'probe begin { x = }\n' };

    test.each([
        ['ok.stp', 0, ''],
        ['bad.stp', 1, 'bad.stp:1:19: error: expected an expression but found `}` [stap-parse-expected]\n'],
    ])('%s: exit %s', (file, code, out) => {
        expect(check(['--syntax-only', file], workspace(STP))).toEqual({ code, out, err: '' });
    });

    test.each([
        [['bad.stp', 'bad.stp']],
        [['bad.stp', './bad.stp', '.']],
        [['.', 'bad.stp']],
    ])('a file named twice (%j) is checked once, under the path it was first named by', argv => {
        const r = check(['--syntax-only', '--format', 'json', ...argv], workspace(STP));
        expect(r.code).toBe(1);
        expect(JSON.parse(r.out).files.map((f: { path: string }) => f.path).filter((p: string) => p.endsWith('bad.stp'))).toEqual([argv[0] === '.' ? 'bad.stp' : argv[0]]);
    });

    test('a syntax-only check of more files than one batch holds reports every file, in order, as checks one by one do', () => {
        const files: Record<string, string> = {};
        for (let k = 0; k < 150; k++) files[`f${String(k).padStart(3, '0')}.stp`] = k % 7 === 0 ? `probe begin { x = ${'('.repeat(k % 3)} }\n` : 'probe begin { exit() }\n';
        const dir = workspace(files);
        const all = JSON.parse(check(['--syntax-only', '--format', 'json', '.'], dir).out).files;
        expect(all.map((f: { path: string }) => f.path)).toEqual(Object.keys(files));
        for (const name of ['f000.stp', 'f007.stp', 'f070.stp', 'f147.stp', 'f001.stp']) {
            expect(all.find((f: { path: string }) => f.path === name)).toEqual(JSON.parse(check(['--syntax-only', '--format', 'json', name], dir).out).files[0]);
        }
    });

    test('--format json, beside a .bt file', () => {
        const r = check(['--syntax-only', '--format', 'json', '--bpftrace-version', 'latest', 'bad.stp', 'clean.bt'], workspace({ ...STP, ...BT }));
        expect(r.code).toBe(1);
        expect(JSON.parse(r.out).files).toEqual([
            {
                path: 'bad.stp', language: 'systemtap', diagnostics: [{
                    severity: 'error', range: { start: { line: 0, character: 18 }, end: { line: 0, character: 19 } },
                    message: 'expected an expression but found `}`', code: 'stap-parse-expected', source: expect.any(String),
                }],
            },
            { path: 'clean.bt', language: 'bpftrace', diagnostics: [] },
        ]);
    });
});

describe('SystemTap nests deeper than the main thread\'s stack holds are checked on a worker thread', () => {
    // stap 4.8 takes all of these (-p1 exit 0); node's default stack holds about 620 `else if` branches.
    const branches = (n: number): string => ['probe begin {', '  x = 5', '  if (x == 0) { printf("0") }',
        ...Array.from({ length: n - 1 }, (_, i) => `  else if (x == ${i + 1}) { printf("${i + 1}") }`), '  exit()', '}', ''].join('\n');
    test.each([1000, 2000])('%i else-if branches: clean, as for stap', n => {
        expect(check(['--syntax-only', 'deep.stp'], workspace({ 'deep.stp': branches(n) }))).toEqual({ code: 0, out: '', err: '' });
    });
    test('10,000 parentheses: still too deep, said once, the rest of the file checked', () => {
        const r = check(['--syntax-only', 'deep.stp'], workspace({ 'deep.stp': `probe begin { x = ${'('.repeat(10_000)}1${')'.repeat(10_000)} }\nprobe end { y = }\n` }));
        expect(r.code).toBe(1);
        expect(r.out.split('\n').filter(Boolean)).toEqual([
            expect.stringMatching(/^deep\.stp:1:\d+: error: too deeply nested to check: over \d+ levels of brackets, where the parser ran out of stack; the rest of this nest is not checked \[stap-lex-too-deep\]$/),
            'deep.stp:2:17: error: expected an expression but found `}` [stap-parse-expected]',
        ]);
    });
});

describe('programs at the limits of the bpftrace front end check cleanly in a fresh process (the first parse is the deepest)', () => {
    const { nesting, prefixRun, conditionals, elseIfs, operators } = BT_LIMITS;
    const AT_LIMITS: Record<string, string> = {
        parentheses: `BEGIN { $x = ${'('.repeat(nesting - 1)}1${')'.repeat(nesting - 1)}; }`,
        'block expressions': `BEGIN { ${'$x = { '.repeat(nesting - 1)}1${' }'.repeat(nesting - 1)} }`,
        'if expressions': `BEGIN { ${'$x = if 1 { '.repeat(nesting - 1)}1${' } else { 2 }'.repeat(nesting - 1)} }`,
        casts: `BEGIN { $x = ${'(uint8)'.repeat(prefixRun)}1; }`,
        conditionals: `BEGIN { $x = ${'1 ? '.repeat(conditionals)}1${' : 2'.repeat(conditionals)}; }`,
        'else if': `BEGIN { if (1) { } ${'else if (1) { } '.repeat(elseIfs)}}`,
        'a predicate of `pid == N ||`': `kprobe:f /${Array.from({ length: operators / 2 }, (_, i) => `pid == ${i}`).join(' || ')}/ { }`,
    };

    test.each(Object.keys(AT_LIMITS))('%s', shape => {
        expect(check(['--bpftrace-version', 'latest', 'deep.bt'], workspace({ 'deep.bt': AT_LIMITS[shape] }))).toEqual({ code: 0, out: '', err: '' });
    });
});
