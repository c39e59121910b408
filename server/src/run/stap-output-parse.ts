import type { RunDiagnostic, StapPassEvent } from './run-types.js';

/** Pass numbers → the short names shown in progress. */
export const STAP_PASS_NAMES: Readonly<Record<number, string>> = {
    1: 'parse', 2: 'elaborate', 3: 'translate', 4: 'compile', 5: 'run',
};

const PASS_RE = /^Pass (\d): (.*)$/;
const REAL_MS_RE = /in \d+usr\/\d+sys\/(\d+)real ms/;

/** A `stap -v` progress line ("Pass 2: analyzed script: …", "Pass 4: compilation failed.") as an event. */
export function parseStapPassLine(line: string): StapPassEvent | undefined {
    const m = PASS_RE.exec(line.trimEnd());
    if (!m) return undefined;
    const pass = Number(m[1]);
    const rest = m[2];
    const real = REAL_MS_RE.exec(rest);
    return {
        pass,
        name: STAP_PASS_NAMES[pass] ?? `pass ${pass}`,
        text: line.trimEnd(),
        realMs: real ? Number(real[1]) : undefined,
        failed: /\bfailed\b/.test(rest) || undefined,
    };
}

// `… at FILE:LINE:COL` closes stap's error and warning lines; the file may hold spaces and colons.
const AT_RE = /\bat (.+):(\d+):(\d+)\s*$/;
// The token stap saw or named: `identifier 'foo'`, `saw: operator '}'`, `keyword 'probe'`, `string '"x"'`.
const TOKEN_RE = /(?:identifier|operator|keyword|string|number|embedded-code|junk|literal)\s+'((?:[^'\\]|\\.)*)'\s+at /;

/**
 * Turns stap's stderr lines into diagnostics. Feed lines in order; call `finish()` at the end.
 * Shapes handled: `parse error: MSG` + `\tsaw: KIND 'TOK' at F:L:C`; `semantic error: MSG: identifier 'x' at F:L:C`
 * (with `(similar: …)` kept in the message); `WARNING: MSG: identifier 'x' at F:L:C`.
 */
export class StapDiagnosticParser {
    private readonly diagnostics: RunDiagnostic[] = [];
    /** A `parse error: MSG` line waiting for its `saw:` line. */
    private pendingParseError?: string;

    /** @param resolveFile maps the file as stap printed it to a path (relative names resolve against the run's cwd). */
    constructor(private readonly resolveFile: (name: string) => string | undefined = name => name) {}

    /** Consume one stderr line; returns the diagnostic it completed, if any. */
    push(line: string): RunDiagnostic | undefined {
        const text = line.replace(/\r$/, '');
        if (this.pendingParseError !== undefined) {
            const saw = /^\s*saw: (.*)$/.exec(text);
            if (saw) {
                const message = this.pendingParseError;
                this.pendingParseError = undefined;
                return this.add(`parse error: ${message}`, 'error', saw[1]);
            }
            const lost = this.pendingParseError;
            this.pendingParseError = undefined;
            // `parse error: …` with no position (e.g. at end of input): keep it, on the first line.
            this.diagnostics.push(unplaced(`parse error: ${lost}`));
        }
        const parse = /^parse error: (.*)$/.exec(text);
        if (parse) {
            if (AT_RE.test(parse[1])) return this.add(`parse error: ${parse[1]}`, 'error', parse[1]);
            this.pendingParseError = parse[1];
            return undefined;
        }
        const semantic = /^(semantic error|WARNING): (.*)$/.exec(text);
        if (semantic && AT_RE.test(semantic[2])) {
            const severity = semantic[1] === 'WARNING' ? 'warning' : 'error';
            const prefix = severity === 'error' ? 'semantic error: ' : '';
            return this.add(prefix + semantic[2], severity, semantic[2]);
        }
        return undefined;
    }

    /** All diagnostics so far (flushes a dangling `parse error:`). */
    finish(): RunDiagnostic[] {
        if (this.pendingParseError !== undefined) {
            this.diagnostics.push(unplaced(`parse error: ${this.pendingParseError}`));
            this.pendingParseError = undefined;
        }
        return [...this.diagnostics];
    }

    private add(message: string, severity: 'error' | 'warning', located: string): RunDiagnostic | undefined {
        const at = AT_RE.exec(located);
        if (!at) return undefined;
        const token = TOKEN_RE.exec(located);
        const tokenText = token ? token[1].replace(/\\(.)/g, '$1') : '';
        const line = Math.max(0, Number(at[2]) - 1);
        const character = Math.max(0, Number(at[3]) - 1);
        const file = at[1] === '<input>' ? undefined : this.resolveFile(at[1]);
        const cleaned = message.replace(/\s*(?:identifier|operator|keyword|string|number|embedded-code|junk|literal)?\s*('(?:[^'\\]|\\.)*'\s+)?at .+:\d+:\d+\s*$/, '').replace(/:\s*$/, '');
        const diagnostic: RunDiagnostic = {
            file,
            severity,
            message: cleaned || message,
            range: { start: { line, character }, end: { line, character: character + Math.max(1, tokenText.length) } },
            source: 'stap',
        };
        this.diagnostics.push(diagnostic);
        return diagnostic;
    }
}

function unplaced(message: string): RunDiagnostic {
    return {
        severity: 'error', message, source: 'stap',
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } },
    };
}
