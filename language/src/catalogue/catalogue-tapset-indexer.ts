/**
 * The token-level declaration indexer for tapset files: no parser, no AST. It reads probe aliases (names,
 * targets, the variables their bodies assign), functions (signatures, embedded-C markers), globals, macros and
 * kerneldoc from the preprocessed token stream of one file.
 */
import { parseKernelDoc } from './catalogue-kerneldoc.js';
import { evalConditionals, expandMacros, extractLibraryMacros, extractMacros, settleMacroBody, type MacroDef } from './catalogue-tapset-preprocess.js';
import { LineIndex, scanSystemTap, Tk, type ScanToken } from './catalogue-tapset-scanner.js';
import type {
    KernelDoc, TapsetFileDecls, TapsetFunction, TapsetGlobal, TapsetMacro, TapsetProbeAlias, TapsetTarget,
} from './catalogue-tapset-types.js';

const ASSIGN_OPS = new Set(['=', '+=', '-=', '*=', '/=', '%=', '.=', '&=', '|=', '^=', '<<=', '>>=']);
const MARKER = /\/\*\s*([\w-]+(?::[\w-]+)?)\s*\*\//g;

/** Library macros of `.stpm` files, keyed by invocation text `@name` (what every `.stp` file may invoke). */
export type MacroTable = ReadonlyMap<string, MacroDef>;

/** Reads the active `@define`s of a `.stpm` file for the target: the definitions (for expansion) and their index entries. */
export function indexMacroFile(file: string, text: string, target: TapsetTarget): { defs: MacroDef[]; decls: TapsetFileDecls } {
    const { tokens, docs } = scanSystemTap(text);
    const defs = extractLibraryMacros(tokens, target);
    for (const d of defs) settleMacroBody(d, target);
    const lines = new LineIndex(text);
    const decls = emptyDecls(file);
    decls.macros = defs.map(d => macroDecl(file, d, lines, true));
    attachDocs(decls, docs.map(d => parseKernelDoc(d.text)));
    return { defs, decls };
}

/** Indexes one `.stp` file against the target and the library macros. */
export function indexTapsetFile(file: string, text: string, target: TapsetTarget, library: MacroTable): TapsetFileDecls {
    const { tokens, docs, defines } = scanSystemTap(text);
    let rest = tokens;
    let defs: MacroDef[] = [];
    if (defines === 'top-level') {
        // Every `@define` outside any `%( … %)`: all of them are active, and one pass both finds and removes them.
        ({ defs, rest } = extractMacros(tokens, true));
    } else if (defines === 'nested') {
        rest = extractMacros(tokens, false).rest;
        // As stap 4.8: a `@define` in a branch not taken defines nothing.
        defs = extractLibraryMacros(tokens, target);
    }
    for (const d of defs) settleMacroBody(d, target);
    const local = new Map(defs.map(d => [`@${d.name}`, d]));
    const expanded = expandMacros(rest, defs.length ? at => local.get(at) ?? library.get(at) : at => library.get(at));
    const active = evalConditionals(expanded, target);
    const lines = new LineIndex(text);
    const decls = emptyDecls(file);
    decls.macros = defs.map(d => macroDecl(file, d, lines, false));
    new DeclarationReader(file, active, lines, decls).read();
    attachDocs(decls, docs.map(d => parseKernelDoc(d.text)));
    return decls;
}

/**
 * Declarations from an already preprocessed token stream (e.g. the SystemTap front end's), with the file's
 * macros and doc comments given separately.
 */
export function indexTokens(
    file: string, text: string, active: readonly ScanToken[], macros: readonly MacroDef[], docTexts: readonly string[], library: boolean,
): TapsetFileDecls {
    const lines = new LineIndex(text);
    const decls = emptyDecls(file);
    decls.macros = macros.map(d => ({ name: d.name, params: d.params, library, file, ...lines.position(d.offset) }));
    new DeclarationReader(file, active, lines, decls).read();
    attachDocs(decls, docTexts.map(parseKernelDoc));
    return decls;
}

export function emptyDecls(file: string): TapsetFileDecls {
    return { file, aliases: [], functions: [], globals: [], macros: [], looseDocs: [] };
}

function macroDecl(file: string, d: MacroDef, lines: LineIndex, library: boolean): TapsetMacro {
    // Point at the name, which follows `@define `.
    return { name: d.name, params: d.params, library, file, ...lines.position(d.offset + 8) };
}

function attachDocs(decls: TapsetFileDecls, docs: Array<KernelDoc | undefined>): void {
    const pending = new Map<string, KernelDoc>();
    for (const d of docs) if (d) pending.set(`${d.kind}:${d.name}`, d);
    const take = (key: string): KernelDoc | undefined => {
        const d = pending.get(key);
        if (d) pending.delete(key);
        return d;
    };
    for (const a of decls.aliases) a.doc ??= take(`probe:${a.name}`);
    for (const f of decls.functions) f.doc ??= take(`sfunction:${f.name}`);
    for (const m of decls.macros) m.doc ??= take(`smacro:${m.name}`);
    decls.looseDocs.push(...pending.values());
}

/** Walks the active top-level token stream and records declarations. */
class DeclarationReader {
    private i = 0;

    constructor(
        private readonly file: string,
        private readonly t: readonly ScanToken[],
        private readonly lines: LineIndex,
        private readonly out: TapsetFileDecls,
    ) {}

    read(): void {
        let isPrivate = false;
        while (this.i < this.t.length) {
            const tok = this.t[this.i];
            if (tok.kind === Tk.Ident) {
                switch (tok.text) {
                    case 'private': isPrivate = true; this.i++; continue;
                    case 'global': this.i++; this.readGlobals(isPrivate); break;
                    case 'function': this.i++; this.readFunction(isPrivate); break;
                    case 'probe': this.i++; this.readProbe(); break;
                    default: this.i++;
                }
            } else {
                this.i++;
            }
            isPrivate = false;
        }
    }

    private at(text: string, kind = Tk.Op): boolean {
        const tok = this.t[this.i];
        return tok !== undefined && tok.kind === kind && tok.text === text;
    }

    /** Position of a token; one from a macro body takes that of the nearest file token before it (the invocation). */
    private loc(tok: ScanToken): { file: string; line: number; character: number } {
        let offset = tok.offset;
        if (tok.macro) {
            let k = this.t.indexOf(tok);
            while (k > 0 && this.t[k].macro) k--;
            offset = this.t[k]?.macro === false ? this.t[k].offset : 0;
        }
        return { file: this.file, ...this.lines.position(offset) };
    }

    /** Skips a balanced `open … close` group starting at the current token; returns the inner token range. */
    private skipGroup(open: string, close: string): { from: number; to: number } {
        const from = this.i + 1;
        let depth = 0;
        for (; this.i < this.t.length; this.i++) {
            const tok = this.t[this.i];
            if (tok.kind !== Tk.Op) continue;
            if (tok.text === open) depth++;
            else if (tok.text === close && --depth === 0) {
                this.i++;
                return { from, to: this.i - 1 };
            }
        }
        return { from, to: this.t.length };
    }

    private readGlobals(isPrivate: boolean): void {
        for (;;) {
            const name = this.t[this.i];
            if (name?.kind !== Tk.Ident) return;
            this.i++;
            let array = false;
            if (this.at('[')) {
                array = true;
                this.skipGroup('[', ']');
            }
            if (this.at('%')) this.i++;
            if (this.at('=')) {
                this.i++;
                if (this.at('-')) this.i++;
                this.i++;
            }
            this.out.globals.push({ name: name.text, private: isPrivate, array, ...this.loc(name) } satisfies TapsetGlobal);
            if (!this.at(',')) return;
            this.i++;
        }
    }

    private readFunction(isPrivate: boolean): void {
        const name = this.t[this.i];
        if (name?.kind !== Tk.Ident) return;
        this.i++;
        let returnType: string | undefined;
        if (this.at(':')) {
            this.i++;
            returnType = this.t[this.i]?.text;
            this.i++;
        }
        const params: TapsetFunction['params'] = [];
        if (this.at('(')) {
            const range = this.skipGroup('(', ')');
            const inner = this.t.slice(range.from, range.to);
            for (let k = 0; k < inner.length; k++) {
                if (inner[k].kind !== Tk.Ident) continue;
                const p: { name: string; type?: string } = { name: inner[k].text };
                if (inner[k + 1]?.text === ':' && inner[k + 2]) {
                    p.type = inner[k + 2].text;
                    k += 2;
                }
                params.push(p);
            }
        }
        if (this.at(':')) this.i += 2; // priority
        let embeddedC = false;
        const markers: string[] = [];
        const body = this.t[this.i];
        if (body?.kind === Tk.Embedded) {
            embeddedC = true;
            this.i++;
            // Markers sit in the leading comments of the C body: `%{ /* pure */ /* unprivileged */`.
            const head = body.text.slice(0, 200);
            for (const m of head.matchAll(MARKER)) markers.push(m[1]);
        } else if (this.at('{')) {
            this.skipGroup('{', '}');
        }
        this.out.functions.push({ name: name.text, returnType, params, embeddedC, markers, private: isPrivate, ...this.loc(name) });
    }

    /** A probe point as text: components joined, adjacent strings merged, `?`/`!`/`if (…)` dropped. */
    private readPoint(): string | undefined {
        let text = '';
        let depth = 0;
        let lastString = false;
        for (; this.i < this.t.length; this.i++) {
            const tok = this.t[this.i];
            if (tok.kind === Tk.Op && depth === 0) {
                if (tok.text === ',' || tok.text === '=' || tok.text === '+=' || tok.text === '{') break;
                if (tok.text === '?' || tok.text === '!') continue;
            }
            if (tok.kind === Tk.Ident && tok.text === 'if' && depth === 0) {
                this.i++;
                if (this.at('(')) this.skipGroup('(', ')');
                this.i--;
                continue;
            }
            // A keyword that starts the next declaration ends a malformed point; after `.` it is a component.
            const afterDot = this.t[this.i - 1]?.kind === Tk.Op && this.t[this.i - 1].text === '.';
            if (tok.kind === Tk.Embedded || (tok.kind === Tk.Ident && !afterDot && (tok.text === 'probe' || tok.text === 'function' || tok.text === 'global'))) break;
            if (tok.kind === Tk.Op && tok.text === '(') depth++;
            if (tok.kind === Tk.Op && tok.text === ')') depth--;
            if (tok.kind === Tk.String && lastString) {
                text = text.slice(0, -1) + tok.text.slice(1);
            } else {
                text += tok.text;
            }
            lastString = tok.kind === Tk.String;
        }
        return text || undefined;
    }

    private readPoints(): string[] {
        const points: string[] = [];
        for (;;) {
            const p = this.readPoint();
            if (p) points.push(p);
            if (!this.at(',')) return points;
            this.i++;
        }
    }

    private readProbe(): void {
        const first = this.t[this.i];
        if (!first) return;
        const names = this.readPoints();
        let op: '=' | '+=' | undefined;
        if (this.at('=') || this.at('+=')) {
            op = this.t[this.i].text as '=' | '+=';
            this.i++;
        }
        const targets = op ? this.readPoints() : [];
        const assigns: string[] = [];
        while (this.at('{')) {
            const body = this.skipGroup('{', '}');
            collectAssigns(this.t, assigns, body.from, body.to);
            // `probe A = B { prologue }, { epilogue }`
            if (this.at(',') && this.t[this.i + 1]?.kind === Tk.Op && this.t[this.i + 1].text === '{') this.i++;
            else break;
        }
        if (!op) return;
        for (const name of names) {
            const alias: TapsetProbeAlias = { name, op, targets, assigns, ...this.loc(first) };
            this.out.aliases.push(alias);
        }
    }
}

/** The local variables a probe body assigns (`x = …`, `x .= …`), skipping `$ctx`, members and array elements. */
export function collectAssigns(tokens: readonly ScanToken[], into: string[], from = 0, to = tokens.length): void {
    for (let k = from; k < to - 1; k++) {
        const tok = tokens[k];
        if (tok.kind !== Tk.Ident || tok.text.charCodeAt(0) === 36) continue;
        const next = tokens[k + 1];
        if (next.kind !== Tk.Op || !ASSIGN_OPS.has(next.text)) continue;
        const prev = k > from ? tokens[k - 1] : undefined;
        if (prev && prev.kind === Tk.Op && (prev.text === '.' || prev.text === '->')) continue;
        if (!into.includes(tok.text)) into.push(tok.text);
    }
}
