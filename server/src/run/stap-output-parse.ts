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
// The line after `parse error: MSG`: `saw: KIND 'TOK' at F:L:C`, `at: KIND 'TOK' at F:L:C` (lexer errors such as an
// unclosed string), or `saw: FILE EOF` (the script ended too early).
const PARSE_PLACE_RE = /^\s*(?:saw|at): (.*)$/;
const EOF_RE = /^(.+) EOF\s*$/;

/** A zero-based position. */
export interface Position {
    line: number;
    character: number;
}

/**
 * Turns stap's stderr lines into diagnostics. Feed lines in order; call `flush()` (or `finish()`) at the end.
 * Shapes handled: `parse error: MSG` + `\tsaw: KIND 'TOK' at F:L:C` (or `\tat: …`, or `\tsaw: FILE EOF`);
 * `semantic error: MSG: identifier 'x' at F:L:C` (with `(similar: …)` kept in the message);
 * `WARNING: MSG: identifier 'x' at F:L:C`. A `parse error:` that no place follows lands on the script's first line.
 */
export class StapDiagnosticParser {
    private readonly diagnostics: RunDiagnostic[] = [];
    /** A `parse error: MSG` line waiting for the line that places it. */
    private pendingParseError?: string;

    /**
     * @param resolveFile maps the file as stap printed it to a path (relative names resolve against the run's cwd);
     *   `<input>` (the `-e` text) arrives as `undefined`.
     * @param endOf the last position of a file (`undefined`: the script itself), for errors at end of file.
     */
    constructor(
        private readonly resolveFile: (name: string | undefined) => string | undefined = name => name,
        private readonly endOf: (file: string | undefined) => Position | undefined = () => undefined,
    ) {}

    /** Consume one stderr line; returns the diagnostics it completed (a dangling parse error, then its own). */
    push(line: string): RunDiagnostic[] {
        const text = line.replace(/\r$/, '');
        const done: RunDiagnostic[] = [];
        if (this.pendingParseError !== undefined) {
            const message = `parse error: ${this.pendingParseError}`;
            this.pendingParseError = undefined;
            const place = PARSE_PLACE_RE.exec(text);
            const eof = place ? EOF_RE.exec(place[1]) : null;
            if (place && AT_RE.test(place[1])) return [this.add(message, 'error', place[1])];
            if (eof) return [this.atEnd(message, eof[1])];
            done.push(this.unplaced(message));
            if (place) return done;
        }
        const parse = /^parse error: (.*)$/.exec(text);
        if (parse) {
            if (AT_RE.test(parse[1])) done.push(this.add(`parse error: ${parse[1]}`, 'error', parse[1]));
            else this.pendingParseError = parse[1];
            return done;
        }
        const semantic = /^(semantic error|WARNING): (.*)$/.exec(text);
        if (semantic && AT_RE.test(semantic[2])) {
            const severity = semantic[1] === 'WARNING' ? 'warning' : 'error';
            const prefix = severity === 'error' ? 'semantic error: ' : '';
            done.push(this.add(prefix + semantic[2], severity, semantic[2]));
        }
        return done;
    }

    /** The end of the output: a `parse error:` still waiting for its place is kept, on the script's first line. */
    flush(): RunDiagnostic[] {
        if (this.pendingParseError === undefined) return [];
        const message = `parse error: ${this.pendingParseError}`;
        this.pendingParseError = undefined;
        return [this.unplaced(message)];
    }

    /** All diagnostics, after a flush. */
    finish(): RunDiagnostic[] {
        this.flush();
        return [...this.diagnostics];
    }

    /** `located` holds `… at F:L:C` (checked by the caller). */
    private add(message: string, severity: 'error' | 'warning', located: string): RunDiagnostic {
        const at = AT_RE.exec(located)!;
        const token = TOKEN_RE.exec(located);
        const tokenText = token ? token[1].replace(/\\(.)/g, '$1') : '';
        const line = Math.max(0, Number(at[2]) - 1);
        const character = Math.max(0, Number(at[3]) - 1);
        const cleaned = message.replace(/\s*(?:identifier|operator|keyword|string|number|embedded-code|junk|literal)?\s*('(?:[^'\\]|\\.)*'\s+)?at .+:\d+:\d+\s*$/, '').replace(/:\s*$/, '');
        return this.record(cleaned || message, severity, this.file(at[1]), { line, character }, { line, character: character + Math.max(1, tokenText.length) });
    }

    /** `saw: FILE EOF`: the script ended where stap wanted more, so the diagnostic sits at the end of its last line. */
    private atEnd(message: string, name: string): RunDiagnostic {
        const file = this.file(name);
        const end = this.endOf(file) ?? { line: 0, character: 0 };
        return this.record(message, 'error', file, { line: end.line, character: Math.max(0, end.character - 1) }, { line: end.line, character: Math.max(1, end.character) });
    }

    private unplaced(message: string): RunDiagnostic {
        return this.record(message, 'error', undefined, { line: 0, character: 0 }, { line: 0, character: 1 });
    }

    private file(name: string): string | undefined {
        return this.resolveFile(name === '<input>' ? undefined : name);
    }

    private record(message: string, severity: 'error' | 'warning', file: string | undefined, start: Position, end: Position): RunDiagnostic {
        const diagnostic: RunDiagnostic = { file, severity, message, range: { start, end }, source: 'stap' };
        this.diagnostics.push(diagnostic);
        return diagnostic;
    }
}

/** The last position of a text, for a diagnostic at its end: the end of its last line that is not blank. */
export function endOfText(text: string): Position {
    const lines = text.split(/\r?\n/);
    let line = lines.length - 1;
    while (line > 0 && lines[line].trim() === '') line--;
    return { line, character: lines[line].length };
}
