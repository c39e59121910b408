import { URI, UriUtils, type FileSystemProvider } from 'langium';
import type { CheckOptions } from '../common/check-options.js';
import type { HostFacts } from '../common/host-facts.js';
import type { ProbekitLanguageSettings } from '../common/language-settings.js';
import { findTapsetRoot, loadStapMacroLibrary, toDirUri, type StapMacroLibraryLoad } from './systemtap-macro-library.js';
import type { StapMacroLibrary } from './systemtap-preprocessor.js';
import { DEFAULT_STAP_TARGET, stapTargetOf, type StapTarget } from './systemtap-target.js';

/**
 * What SystemTap documents are checked for: the target (host facts, overridden by options; see
 * {@link DEFAULT_STAP_TARGET} for unknown facts) and the library macros of the tapset directories
 * (the host's, `--tapset-dir`, `-I`). A file inside a tapset tree of its own (a folder holding
 * `.stpm` files) gets that tree's macros instead.
 */
export class SystemtapSettings implements ProbekitLanguageSettings {
    options: CheckOptions = {};
    host: HostFacts = {};
    target: StapTarget = DEFAULT_STAP_TARGET;
    /** The configured tapset directories' library: macros, problems of their `.stpm` files, the files in stap's order. */
    load: StapMacroLibraryLoad = NO_LIBRARY;
    private readonly trees = new Map<string, StapMacroLibraryLoad>();
    private readonly rootOfDir = new Map<string, URI | undefined>();
    /** Which folders hold `.stpm` files, as findTapsetRoot found out (cleared with rootOfDir). */
    private readonly stpmDirs = new Map<string, boolean>();

    constructor(private readonly fileSystem?: () => FileSystemProvider) {}

    /** Macros of the configured tapset directories. */
    get library(): StapMacroLibrary {
        return this.load.library;
    }

    async apply(options: CheckOptions, host: HostFacts): Promise<void> {
        this.options = options;
        this.host = host;
        this.target = stapTargetOf(options, host);
        this.trees.clear();
        this.rootOfDir.clear();
        this.stpmDirs.clear();
        const dirs = [...host.tapsetDirs ?? [], ...options.tapsetDirs ?? [], ...this.target.includeDirs];
        const fs = this.fileSystem?.();
        this.load = fs && dirs.length ? loadStapMacroLibrary(fs, dirs.map(d => toDirUri(d, options.baseDir)), this.target) : NO_LIBRARY;
    }

    /** The tapset tree a document belongs to (a tapset file is privileged, as stap treats it). */
    tapsetRootOf(uri: URI | undefined): URI | undefined {
        const fs = this.fileSystem?.();
        if (!uri || !fs || uri.scheme !== 'file') return undefined;
        // The folder as a key: cheaper than `UriUtils.dirname(uri).toString()` (a new URI and its
        // encoding, for every parse).
        const path = uri.path;
        const dir = `${uri.authority}|${path.slice(0, path.lastIndexOf('/'))}`;
        if (!this.rootOfDir.has(dir)) this.rootOfDir.set(dir, findTapsetRoot(fs, uri, this.stpmDirs));
        return this.rootOfDir.get(dir);
    }

    /**
     * The library a document sees: its tapset tree's (unless a configured directory), else the
     * configured one; with `includeDirs` (its own `#! stap -I DIR` line's, relative to its folder)
     * the configured one and those.
     */
    libraryLoadFor(uri: URI | undefined, includeDirs: readonly string[] = []): StapMacroLibraryLoad {
        const fs = this.fileSystem?.();
        if (includeDirs.length && fs) return this.withIncludeDirs(fs, uri, includeDirs);
        const root = this.tapsetRootOf(uri);
        if (!root || !fs) return this.load;
        const key = root.toString();
        if (this.load.files.some(f => f.startsWith(`${key}/`))) return this.load;
        let load = this.trees.get(key);
        if (!load) {
            load = loadStapMacroLibrary(fs, [root], this.target);
            this.trees.set(key, load);
        }
        return load;
    }

    private withIncludeDirs(fs: FileSystemProvider, uri: URI | undefined, includeDirs: readonly string[]): StapMacroLibraryLoad {
        const base = uri?.scheme === 'file' ? UriUtils.dirname(uri).fsPath : this.options.baseDir;
        const extra = includeDirs.map(d => toDirUri(d, base));
        const key = `-I ${extra.map(d => d.toString()).join(' ')}`;
        let load = this.trees.get(key);
        if (!load) {
            load = loadStapMacroLibrary(fs, [...this.load.roots.map(r => URI.parse(r)), ...extra], this.target);
            this.trees.set(key, load);
        }
        return load;
    }

    /** The library macros a document sees. */
    libraryFor(uri: URI | undefined): StapMacroLibrary {
        return this.libraryLoadFor(uri).library;
    }
}

const NO_LIBRARY: StapMacroLibraryLoad = { library: new Map(), problems: new Map(), files: [], roots: [] };
