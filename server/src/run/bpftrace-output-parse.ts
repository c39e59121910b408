import type { RunDiagnostic } from './run-types.js';

/**
 * The line every bpftrace run prints on kernels that account BPF memory by cgroup. It is harmless: the program
 * loads anyway. It is shown as output, never as an error.
 */
export function isHarmlessBpftraceLine(line: string): boolean {
    return /couldn't set RLIMIT_MEMLOCK/.test(line);
}

// FILE:L:C1-C2: ERROR: MSG  |  FILE:L1-L2: ERROR: MSG  |  FILE:L: ERROR: MSG  (1-based, end column exclusive).
// The file may hold colons, so anchor on the position and the level keyword.
const LOCATED_RE = /^(.*?):(\d+)(?::(\d+)-(\d+)|-(\d+))?: (ERROR|WARNING): (.*)$/;

/** Turns bpftrace's stderr lines into diagnostics. `stdin` (for `-e` and `-`) maps to the script being run. */
export class BpftraceDiagnosticParser {
    private readonly diagnostics: RunDiagnostic[] = [];

    /** @param resolveFile maps the file as bpftrace printed it to a path; `stdin` arrives as `undefined`. */
    constructor(private readonly resolveFile: (name: string | undefined) => string | undefined = name => name) {}

    /** Consume one stderr line; returns the diagnostic it made, if any (a list, like the stap parser's). */
    push(line: string): RunDiagnostic[] {
        const text = line.replace(/\r$/, '');
        if (isHarmlessBpftraceLine(text)) return [];
        const m = LOCATED_RE.exec(text);
        if (!m) return [];
        const [, name, l1, c1, c2, l2, level, message] = m;
        const startLine = Number(l1) - 1;
        let range: RunDiagnostic['range'];
        if (c1 !== undefined) {
            range = {
                start: { line: startLine, character: Number(c1) - 1 },
                end: { line: startLine, character: Math.max(Number(c2) - 1, Number(c1)) },
            };
        } else if (l2 !== undefined) {
            // A multi-line span: from the start of the first line to the start of the line after the last.
            range = { start: { line: startLine, character: 0 }, end: { line: Number(l2), character: 0 } };
        } else {
            range = { start: { line: startLine, character: 0 }, end: { line: startLine + 1, character: 0 } };
        }
        const diagnostic: RunDiagnostic = {
            file: this.resolveFile(name === 'stdin' ? undefined : name),
            severity: level === 'WARNING' ? 'warning' : 'error',
            message,
            range,
            source: 'bpftrace',
        };
        this.diagnostics.push(diagnostic);
        return [diagnostic];
    }

    /** The end of the output: every bpftrace diagnostic is one line, so nothing is left waiting. */
    flush(): RunDiagnostic[] {
        return [];
    }

    finish(): RunDiagnostic[] {
        return [...this.diagnostics];
    }
}
