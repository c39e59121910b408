/**
 * The tapset library index model: plain, JSON-serialisable data (the server caches it on disk, a line of JSON per
 * file: catalogue-tapset-packed.ts).
 * Positions are 0-based line/character in the file named by `file` (an absolute path).
 */

/** Where a declaration sits. */
export interface TapsetLocation {
    file: string;
    line: number;
    character: number;
}

/** A parsed kerneldoc block (`/** sfunction|probe|smacro NAME - summary … *\/`). */
export interface KernelDoc {
    kind: 'sfunction' | 'probe' | 'smacro';
    name: string;
    summary: string;
    /** `@name: text` lines: function arguments, or for probes the variables the alias body sets. */
    args: Array<{ name: string; text: string }>;
    /** `Heading: text` sections in order (`Description`, `Context`, `Note`, …). */
    sections: Array<{ heading: string; text: string }>;
}

/** One `probe NAME = …` / `probe NAME += …` definition. An alias name may be defined several times. */
export interface TapsetProbeAlias extends TapsetLocation {
    name: string;
    /** `=` (prologue style) or `+=` (epilogue style). */
    op: '=' | '+=';
    /** The probe points it expands to, as written (macros expanded), without trailing `?`/`!`/`if (…)`. */
    targets: string[];
    /** Variables its own body (or bodies) assign, in order of first assignment. */
    assigns: string[];
    doc?: KernelDoc;
}

export interface TapsetParam {
    name: string;
    /** `long`, `string` or a stats type when declared (`:long`), else undefined (inferred by stap). */
    type?: string;
}

/** One `function NAME[:type] (params) …` definition (overloads are separate entries). */
export interface TapsetFunction extends TapsetLocation {
    name: string;
    returnType?: string;
    params: TapsetParam[];
    /** The body is embedded C (`%{ … %}`). */
    embeddedC: boolean;
    /** Markers from the embedded C body: `unprivileged`, `myproc-unprivileged`, `guru`, `pure`, `stable`, `bpf`, … */
    markers: string[];
    private: boolean;
    doc?: KernelDoc;
}

export interface TapsetGlobal extends TapsetLocation {
    name: string;
    private: boolean;
    /** Declared with an array size (`global a[100]`) or used as an array. */
    array: boolean;
}

export interface TapsetMacro extends TapsetLocation {
    name: string;
    params: string[];
    /** Published by a `.stpm` file (library macro) rather than file-local. */
    library: boolean;
    doc?: KernelDoc;
}

/** Everything the indexer found in one tapset file. */
export interface TapsetFileDecls {
    file: string;
    aliases: TapsetProbeAlias[];
    functions: TapsetFunction[];
    globals: TapsetGlobal[];
    macros: TapsetMacro[];
    /** Kerneldoc blocks that matched no declaration in the file (kept for hover by name). */
    looseDocs: KernelDoc[];
}

/** A context variable offered by an alias, and where it was assigned. */
export interface AliasVariable {
    name: string;
    /** The alias whose body assigns it (the alias itself or one it expands to). */
    from: string;
    /** Set by an epilogue (`+=`) body: visible only after the user's handler. */
    epilogue?: boolean;
    doc?: string;
}

/** The facts the indexer evaluates `%( … %)` conditionals against (stap's view of the target). */
export interface TapsetTarget {
    kernelRelease: string;
    arch: string;
    /** `kernel`, `dyninst` or `bpf`. */
    runtime: string;
    stapVersion: string;
    kernelConfig?: ReadonlyMap<string, string>;
    /** `stapusr`, `stapsys` or `stapdev`. */
    privilege?: string;
    guru?: boolean;
}
