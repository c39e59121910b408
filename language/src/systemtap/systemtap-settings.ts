import type { FileSystemProvider, URI } from 'langium';
import type { CheckOptions } from '../common/check-options.js';
import type { HostFacts } from '../common/host-facts.js';
import type { ProbekitLanguageSettings } from '../common/language-settings.js';
import { findTapsetRoot, loadStapMacroLibrary, toDirUri } from './systemtap-macro-library.js';
import type { StapMacroLibrary } from './systemtap-preprocessor.js';
import { DEFAULT_STAP_TARGET, stapTargetOf, type StapTarget } from './systemtap-target.js';
import type { StapDiagnostic } from './systemtap-tokens.js';

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
    /** Macros of the configured tapset directories. */
    library: StapMacroLibrary = new Map();
    /** Problems found in the configured `.stpm` files, by URI. */
    libraryProblems = new Map<string, StapDiagnostic[]>();
    private readonly trees = new Map<string, StapMacroLibrary>();
    private readonly rootOfDir = new Map<string, URI | undefined>();

    constructor(private readonly fileSystem?: () => FileSystemProvider) {}

    async apply(options: CheckOptions, host: HostFacts): Promise<void> {
        this.options = options;
        this.host = host;
        this.target = stapTargetOf(options, host);
        this.trees.clear();
        const dirs = [...host.tapsetDirs ?? [], ...options.tapsetDirs ?? [], ...this.target.includeDirs];
        const fs = this.fileSystem?.();
        if (fs && dirs.length) {
            const load = loadStapMacroLibrary(fs, dirs.map(d => toDirUri(d, options.baseDir)), this.target);
            this.library = load.library;
            this.libraryProblems = load.problems;
        } else {
            this.library = new Map();
            this.libraryProblems = new Map();
        }
    }

    /** The tapset tree a document belongs to (a tapset file is privileged, as stap treats it). */
    tapsetRootOf(uri: URI | undefined): URI | undefined {
        const fs = this.fileSystem?.();
        if (!uri || !fs || uri.scheme !== 'file') return undefined;
        // The folder as a key: cheaper than `UriUtils.dirname(uri).toString()` (a new URI and its
        // encoding, for every parse).
        const path = uri.path;
        const dir = `${uri.authority}|${path.slice(0, path.lastIndexOf('/'))}`;
        if (!this.rootOfDir.has(dir)) this.rootOfDir.set(dir, findTapsetRoot(fs, uri));
        return this.rootOfDir.get(dir);
    }

    /** The library macros a document sees. */
    libraryFor(uri: URI | undefined): StapMacroLibrary {
        const fs = this.fileSystem?.();
        const root = this.tapsetRootOf(uri);
        if (!root || !fs) return this.library;
        const key = root.toString();
        let lib = this.trees.get(key);
        if (!lib) {
            lib = loadStapMacroLibrary(fs, [root], this.target).library;
            this.trees.set(key, lib);
        }
        return lib;
    }
}
