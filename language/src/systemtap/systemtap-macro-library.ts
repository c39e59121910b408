import { URI, UriUtils, type FileSystemProvider } from 'langium';
import { readLibraryMacros, type StapMacro, type StapMacroLibrary } from './systemtap-preprocessor.js';
import type { StapTarget } from './systemtap-target.js';
import type { StapDiagnostic } from './systemtap-tokens.js';

/**
 * The library macros of tapset directories: every `.stpm` file stap would read for a target.
 * Files are read through Langium's FileSystemProvider (never node:fs), synchronously, so that a
 * lexer may ask for the library of a file's own tapset tree while it tokenizes.
 */

export interface StapMacroLibraryLoad {
    library: StapMacroLibrary;
    /** Problems in `.stpm` files, by file URI. */
    problems: Map<string, StapDiagnostic[]>;
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
            .sort((a, b) => a.path.localeCompare(b.path));
    } catch {
        return [];
    }
}

/** Load the `.stpm` macros of tapset roots (later roots and files override earlier ones). */
export function loadStapMacroLibrary(fs: FileSystemProvider, roots: readonly URI[], target: StapTarget): StapMacroLibraryLoad {
    const library = new Map<string, StapMacro>();
    const problems = new Map<string, StapDiagnostic[]>();
    for (const root of roots) {
        for (const dir of stapLibraryFolders(root, target)) {
            for (const file of listStpm(fs, dir)) {
                let text: string;
                try {
                    text = fs.readFileSync(file);
                } catch {
                    continue;
                }
                const found = readLibraryMacros(text, target, library, file.toString());
                if (found.length) problems.set(file.toString(), found);
            }
        }
    }
    return { library, problems };
}

function holdsStpm(fs: FileSystemProvider, dir: URI): boolean {
    return listStpm(fs, dir).length > 0;
}

/**
 * The tapset tree a file belongs to, if any: the highest of its folder and the two above it that
 * holds `.stpm` files (`tapset/linux/x.stp` → `tapset`). A file there is elaborated by stap with
 * that tree's macros, not those of the installed library.
 */
export function findTapsetRoot(fs: FileSystemProvider, file: URI): URI | undefined {
    let dir = UriUtils.dirname(file);
    let found: URI | undefined;
    for (let k = 0; k < 3; k++) {
        if (holdsStpm(fs, dir)) found = dir;
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
