import { URI, UriUtils, type FileSystemProvider } from 'langium';
import { StapCode } from './systemtap-diagnostic-codes.js';
import { libraryFileProblems, preprocessStap, type StapMacro, type StapMacroLibrary } from './systemtap-preprocessor.js';
import type { StapTarget } from './systemtap-target.js';
import type { StapDiagnostic } from './systemtap-tokens.js';
import { lineOfOffset, lineStarts } from '../common/line-starts.js';

/**
 * The library macros of tapset directories: every `.stpm` file stap would read for a target, with
 * the rules of stap's `parse_library_macros`: a library file holds nothing but `@define`s (inside
 * `%( %)` conditionals too), defines no macro an earlier file defined, and any problem keeps the
 * whole file out of the library (and fails stap's pass 1, whatever the script). Files are read
 * through Langium's FileSystemProvider (never node:fs), synchronously, so that a lexer may ask
 * for the library of a file's own tapset tree while it tokenizes.
 */

/** A problem of a library file, with its 1-based line and column there. */
export interface StapLibraryProblem extends StapDiagnostic {
    line: number;
    column: number;
}

export interface StapMacroLibraryLoad {
    library: StapMacroLibrary;
    /** Problems in `.stpm` files, by file URI. */
    problems: Map<string, StapLibraryProblem[]>;
    /** The `.stpm` files read, in stap's order (URIs). */
    files: string[];
    /** The tapset roots searched (URIs). */
    roots: string[];
}

/** The runtime subfolder stap adds for a runtime (`linux` for the kernel runtime). */
function runtimeDir(runtime: string): string {
    return runtime === 'bpf' ? 'bpf' : runtime === 'dyninst' ? 'dyninst' : 'linux';
}

/**
 * The folders of one tapset root that stap searches, in stap's order: the root, its runtime
 * folder, and their architecture folders.
 */
export function stapLibraryFolders(root: URI, target: StapTarget): URI[] {
    const rt = UriUtils.joinPath(root, runtimeDir(target.runtime));
    return [root, UriUtils.joinPath(root, target.arch), rt, UriUtils.joinPath(rt, target.arch)];
}

function listStpm(fs: FileSystemProvider, dir: URI): URI[] {
    try {
        return fs.readDirectorySync(dir)
            .filter(n => n.isFile && n.uri.path.endsWith('.stpm'))
            .map(n => n.uri)
            .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)); // glob(3)'s order in the C locale
    } catch {
        return [];
    }
}

/** Whether a document is a library macro file. */
export function isStapLibraryFile(uri: string | undefined): boolean {
    return !!uri && uri.endsWith('.stpm');
}

/**
 * The problems of broken library files, as errors of a script: stap reads the library for every
 * script and fails on any of them (at `end`: the script's first character).
 */
export function brokenLibraryFiles(problems: ReadonlyMap<string, readonly StapLibraryProblem[]>, end: number): StapDiagnostic[] {
    return [...problems].map(([uri, found]) => ({
        offset: 0, end, code: StapCode.PpLibraryFile, severity: 'error',
        message: `stap fails on library macro file ${URI.parse(uri).fsPath}, which it reads for every script: ${found[0].line}:${found[0].column}: ${found[0].message}`
            + (found.length > 1 ? ` (and ${found.length - 1} more)` : ''),
    }));
}

/** Load the `.stpm` macros of tapset roots, in stap's order (the first definition stands). */
export function loadStapMacroLibrary(fs: FileSystemProvider, roots: readonly URI[], target: StapTarget): StapMacroLibraryLoad {
    const library = new Map<string, StapMacro>();
    const problems = new Map<string, StapLibraryProblem[]>();
    const files: string[] = [];
    for (const root of roots) {
        for (const dir of stapLibraryFolders(root, target)) {
            for (const file of listStpm(fs, dir)) {
                let text: string;
                try {
                    text = fs.readFileSync(file);
                } catch {
                    continue;
                }
                const uri = file.toString();
                files.push(uri);
                const pp = preprocessStap(text, target, library, uri);
                const found = [...pp.diagnostics.filter(d => d.severity === 'error'), ...libraryFileProblems(pp, library, uri, () => true)];
                if (found.length === 0) {
                    for (const [name, macro] of pp.macros) library.set(name, macro);
                    continue;
                }
                const starts = lineStarts(text);
                problems.set(uri, found.map(d => {
                    const line = lineOfOffset(starts, d.offset);
                    return { ...d, line: line + 1, column: d.offset - starts[line] + 1 };
                }));
            }
        }
    }
    return { library, problems, files, roots: roots.map(r => r.toString()) };
}

/**
 * For library file `uri`, whether stap reads file `other` of `load` before it (to find duplicate
 * definitions). A file of a searched root that stap does not read for the target (another
 * runtime's or architecture's) is never compared; one outside them comes after all.
 */
export function readBeforeIn(load: StapMacroLibraryLoad, uri: string): (other: string | undefined) => boolean {
    const own = load.files.indexOf(uri);
    if (own < 0 && load.roots.some(r => uri.startsWith(`${r}/`))) return () => false;
    return other => own < 0 || (other !== undefined && load.files.indexOf(other) < own);
}

function holdsStpm(fs: FileSystemProvider, dir: URI, known?: Map<string, boolean>): boolean {
    const key = dir.toString();
    let holds = known?.get(key);
    if (holds === undefined) {
        holds = listStpm(fs, dir).length > 0;
        known?.set(key, holds);
    }
    return holds;
}

/**
 * The tapset tree a file belongs to, if any: the highest of its folder and the two above it that
 * holds `.stpm` files (`tapset/linux/x.stp` → `tapset`). A file there is elaborated by stap with
 * that tree's macros, not those of the installed library. `known` remembers which folders hold some (the folders
 * of a library share their parents, and listing one is a URI per entry).
 */
export function findTapsetRoot(fs: FileSystemProvider, file: URI, known?: Map<string, boolean>): URI | undefined {
    let dir = UriUtils.dirname(file);
    let found: URI | undefined;
    for (let k = 0; k < 3; k++) {
        if (holdsStpm(fs, dir, known)) found = dir;
        const up = UriUtils.dirname(dir);
        if (up.toString() === dir.toString()) break;
        dir = up;
    }
    return found;
}

/** A directory path or URI string as a URI. */
export function toDirUri(dir: string, baseDir?: string): URI {
    if (/^[a-z][a-z0-9+.-]+:\/\//i.test(dir)) return URI.parse(dir);
    // A relative directory (`-I lib`, a setting `stap/lib`) is taken from where the embedder says it is.
    return baseDir && !dir.startsWith('/') ? UriUtils.joinPath(URI.file(baseDir), dir) : URI.file(dir);
}
