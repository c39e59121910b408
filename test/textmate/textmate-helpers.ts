/**
 * Test helpers for the hand-written TextMate grammars: they run the same engine VS Code uses
 * (vscode-textmate on the vscode-oniguruma WebAssembly regex library).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IGrammar, IRawGrammar, Registry, StateStack } from 'vscode-textmate';
import vsctm from 'vscode-textmate';
import oniguruma from 'vscode-oniguruma';

const here = dirname(fileURLToPath(import.meta.url));

/** Repository root (the folder holding package.json). */
export const repoRoot = resolve(here, '..', '..');

/** The labelled conformance corpus, which lives beside the checkout. */
export const corpusRoot = resolve(repoRoot, '..', 'shared', 'corpus');

/** The sample workspace shipped with the repository. */
export const workspaceRoot = join(repoRoot, 'test-workspace');

export type GrammarScope = 'source.systemtap' | 'source.bpftrace';

// VS Code's own C grammar ships inside VS Code, not on npm. A small stand-in with the same scope
// names lets the embedded-C rules be exercised anywhere; where code-server is installed (the
// end-to-end setup puts it under .e2e/), the real grammar is used as well (see textmate-vscode-c).
const standInC = join(here, 'fixtures', 'c-minimal.tmLanguage.json');

/** Which C grammar fills the `source.c` embeds. */
export type CGrammar = 'stand-in' | 'vscode';

/** VS Code's C grammar from the code-server the end-to-end setup installs, when it is there. */
export function vscodeCGrammarPath(): string | undefined {
    const e2e = process.env.PROBEKIT_E2E_DIR ?? join(repoRoot, '.e2e');
    const path = join(e2e, 'node_modules', 'code-server', 'lib', 'vscode', 'extensions', 'cpp', 'syntaxes', 'c.tmLanguage.json');
    return existsSync(path) ? path : undefined;
}

const grammarFiles: Record<string, string> = {
    'source.systemtap': join(repoRoot, 'syntaxes', 'systemtap.tmLanguage.json'),
    'source.bpftrace': join(repoRoot, 'syntaxes', 'bpftrace.tmLanguage.json'),
};

let onigLoaded: Promise<void> | undefined;
const registries = new Map<CGrammar, Registry>();

async function registryFor(c: CGrammar): Promise<Registry> {
    const require = createRequire(import.meta.url);
    onigLoaded ??= (async () => {
        const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
        await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    })();
    await onigLoaded;
    let registry = registries.get(c);
    if (!registry) {
        const cPath = c === 'vscode' ? vscodeCGrammarPath() : standInC;
        if (!cPath) {
            throw new Error('VS Code\'s C grammar is not installed (run scripts/setup.sh)');
        }
        registry = new vsctm.Registry({
            onigLib: Promise.resolve({
                createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
                createOnigString: (text: string) => new oniguruma.OnigString(text),
            }),
            loadGrammar: async (scopeName: string): Promise<IRawGrammar | null> => {
                const file = scopeName === 'source.c' ? cPath : grammarFiles[scopeName];
                return file ? vsctm.parseRawGrammar(readFileSync(file, 'utf8'), file) : null;
            },
        });
        registries.set(c, registry);
    }
    return registry;
}

/** Loads one of the project's grammars, with the stand-in C grammar unless told otherwise. */
export async function loadGrammar(scope: GrammarScope, c: CGrammar = 'stand-in'): Promise<IGrammar> {
    const grammar = await (await registryFor(c)).loadGrammar(scope);
    if (!grammar) {
        throw new Error(`grammar ${scope} did not load`);
    }
    return grammar;
}

/** One token of one line: its text and its scope stack (outermost first). */
export interface Token {
    readonly text: string;
    readonly start: number;
    readonly end: number;
    readonly scopes: readonly string[];
}

/** Tokenizes a whole text line by line, carrying the rule stack like VS Code does. */
export function tokenizeText(grammar: IGrammar, text: string): Token[][] {
    const lines = text.split(/\r?\n/);
    const result: Token[][] = [];
    let state: StateStack = vsctm.INITIAL;
    for (const line of lines) {
        const r = grammar.tokenizeLine(line, state);
        result.push(r.tokens.map(t => ({
            text: line.substring(t.startIndex, t.endIndex),
            start: t.startIndex,
            end: t.endIndex,
            scopes: t.scopes,
        })));
        state = r.ruleStack;
    }
    return result;
}

/** The token covering a column of a line (0-based both). */
export function tokenAt(lines: Token[][], line: number, column: number): Token {
    const token = lines[line]?.find(t => t.start <= column && column < t.end);
    if (!token) {
        throw new Error(`no token at ${line + 1}:${column + 1}`);
    }
    return token;
}

/**
 * Finds `needle` in the given 1-based line (its `occurrence`-th appearance, 1-based) and returns
 * the token at its first character, so tables can name positions by text instead of columns.
 */
export function tokenAtText(lines: Token[][], text: string, lineNo: number, needle: string, occurrence = 1): Token {
    const lineText = text.split(/\r?\n/)[lineNo - 1];
    if (lineText === undefined) {
        throw new Error(`line ${lineNo} does not exist`);
    }
    let column = -1;
    for (let i = 0; i < occurrence; i++) {
        column = lineText.indexOf(needle, column + 1);
        if (column < 0) {
            throw new Error(`'${needle}' (occurrence ${occurrence}) not on line ${lineNo}: ${lineText}`);
        }
    }
    return tokenAt(lines, lineNo - 1, column);
}

/**
 * Tokenizes a snippet containing one `<|>` cursor marker and returns the token right after it.
 */
export async function tokenAtCursor(scope: GrammarScope, snippet: string): Promise<Token> {
    const offset = snippet.indexOf('<|>');
    if (offset < 0) {
        throw new Error('snippet has no <|> marker');
    }
    const text = snippet.replace('<|>', '');
    const before = text.substring(0, offset).split('\n');
    const lines = tokenizeText(await loadGrammar(scope), text);
    return tokenAt(lines, before.length - 1, before[before.length - 1].length);
}

/** Reads a corpus file (path relative to the corpus root). */
export function readCorpus(path: string): string {
    return readFileSync(join(corpusRoot, path), 'utf8');
}

/** Formats a token for assertion messages. */
export function formatToken(token: Token): string {
    return `'${token.text}' [${token.scopes.join(' ')}]`;
}

/** One row of a scope table: a position in a file named by its line and the text found there. */
export interface ScopeCase {
    /** Path relative to the corpus root (`stap/files/…`, `bpftrace/files/…`) or to the repository. */
    readonly file: string;
    /** 1-based line. */
    readonly line: number;
    /** Text on that line whose first character is checked. */
    readonly text: string;
    /** Which appearance of `text` on the line (1-based); default 1. */
    readonly nth?: number;
    /** A scope the token there must carry (exact name anywhere in its scope stack). */
    readonly scope: string;
    /** A scope the token must not carry. */
    readonly not?: string;
}

const tokenCache = new Map<string, { text: string; lines: Token[][] }>();

/** Tokenizes a file once per test run; `root` is the folder `file` is relative to. */
export async function tokenizeFile(
    scope: GrammarScope, root: string, file: string, c: CGrammar = 'stand-in',
): Promise<{ text: string; lines: Token[][] }> {
    const key = `${scope}:${c}:${root}:${file}`;
    let entry = tokenCache.get(key);
    if (!entry) {
        const text = readFileSync(join(root, file), 'utf8');
        entry = { text, lines: tokenizeText(await loadGrammar(scope, c), text) };
        tokenCache.set(key, entry);
    }
    return entry;
}

/** Looks up the token a scope case names; callers assert on its scopes. */
export async function tokenForCase(scope: GrammarScope, root: string, c: ScopeCase, cGrammar: CGrammar = 'stand-in'): Promise<Token> {
    const { text, lines } = await tokenizeFile(scope, root, c.file, cGrammar);
    return tokenAtText(lines, text, c.line, c.text, c.nth);
}

/** A corpus file and the syntax verdict its labels give. */
export interface CorpusFile {
    readonly path: string;
    readonly expectSyntax: string;
}

/** The labelled files of one language of the corpus. */
export function readLabels(language: 'stap' | 'bpftrace'): CorpusFile[] {
    const rows = readFileSync(join(corpusRoot, language, 'labels.tsv'), 'utf8').trim().split('\n').slice(1);
    return rows.map(row => row.split('\t')).map(cols => ({ path: cols[0], expectSyntax: cols[3] }));
}

/** How one file went through a grammar. */
export interface FileResult {
    readonly path: string;
    readonly lines: number;
    readonly endDepth: number;
    readonly slowestLineMs: number;
    readonly totalMs: number;
}

/**
 * Tokenizes corpus files line by line with VS Code's per-line time budget, recording the rule-stack
 * depth at the end (1 = back at top level) and the slowest line.
 */
export async function tokenizeCorpus(
    scope: GrammarScope, language: 'stap' | 'bpftrace', files: CorpusFile[], c: CGrammar = 'stand-in',
): Promise<FileResult[]> {
    const grammar = await loadGrammar(scope, c);
    const results: FileResult[] = [];
    for (const file of files) {
        const text = readFileSync(join(corpusRoot, language, 'files', file.path), 'utf8');
        let state = vsctm.INITIAL;
        let slowest = 0;
        const start = performance.now();
        for (const line of text.split(/\r?\n/)) {
            const t0 = performance.now();
            // The same per-line budget VS Code gives the tokenizer; a stopped line would show here.
            const r = grammar.tokenizeLine(line, state, 10_000);
            if (r.stoppedEarly) {
                throw new Error(`${file.path}: tokenizing a line stopped early`);
            }
            slowest = Math.max(slowest, performance.now() - t0);
            state = r.ruleStack;
        }
        results.push({
            path: file.path,
            lines: text.split('\n').length,
            endDepth: state.depth,
            slowestLineMs: slowest,
            totalMs: performance.now() - start,
        });
    }
    return results;
}
