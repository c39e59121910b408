import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';

export const LANGUAGE_BY_EXTENSION: Record<string, 'systemtap' | 'bpftrace'> = {
    '.stp': 'systemtap',
    '.stpm': 'systemtap',
    '.bt': 'bpftrace',
};

export interface InputFile {
    /** The path as the user gave it (or joined under a directory the user gave). */
    path: string;
    text: string;
}

export interface InputProblem {
    path: string;
    message: string;
}

function walk(dir: string, out: string[]): void {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
            walk(path, out);
        } else if (entry.isFile() && LANGUAGE_BY_EXTENSION[extname(entry.name)]) {
            out.push(path);
        }
    }
}

/**
 * Expand FILE|DIR arguments and read them. A problem with one argument (missing, unreadable,
 * unknown extension) is reported and the others are still read. A file named twice (`a.stp a.stp`,
 * a directory and a file in it) is read and checked once, under the path it was first named by.
 */
export function readInputs(args: readonly string[]): { files: InputFile[]; problems: InputProblem[] } {
    const files: InputFile[] = [];
    const problems: InputProblem[] = [];
    const named = new Set<string>();
    for (const arg of args) {
        let paths: string[];
        try {
            if (statSync(arg).isDirectory()) {
                paths = [];
                walk(arg, paths);
            } else {
                paths = [arg];
            }
        } catch (e) {
            problems.push({ path: arg, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
            continue;
        }
        for (const path of paths) {
            if (named.has(resolve(path))) continue;
            named.add(resolve(path));
            if (!LANGUAGE_BY_EXTENSION[extname(path)]) {
                problems.push({ path, message: 'unknown language: expected a .stp, .stpm or .bt file' });
                continue;
            }
            try {
                // Invalid UTF-8 becomes U+FFFD here; the lexer reports it at its position.
                files.push({ path, text: readFileSync(path).toString('utf8') });
            } catch (e) {
                problems.push({ path, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
            }
        }
    }
    return { files, problems };
}
