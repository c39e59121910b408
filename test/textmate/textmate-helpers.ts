/**
 * Test helpers for the hand-written TextMate grammars: they run the same engine VS Code uses
 * (vscode-textmate on the vscode-oniguruma WebAssembly regex library).
 */
import { readFileSync } from 'node:fs';
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

// VS Code's own C grammar is bundled with VS Code and is not published on npm; a small stand-in
// with the same scope names lets the embedded-C rules be exercised for real.
const grammarFiles: Record<string, string> = {
    'source.systemtap': join(repoRoot, 'syntaxes', 'systemtap.tmLanguage.json'),
    'source.bpftrace': join(repoRoot, 'syntaxes', 'bpftrace.tmLanguage.json'),
    'source.c': join(here, 'fixtures', 'c-minimal.tmLanguage.json'),
};

let registryPromise: Promise<Registry> | undefined;

async function createRegistry(): Promise<Registry> {
    const require = createRequire(import.meta.url);
    const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    return new vsctm.Registry({
        onigLib: Promise.resolve({
            createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
            createOnigString: (text: string) => new oniguruma.OnigString(text),
        }),
        loadGrammar: async (scopeName: string): Promise<IRawGrammar | null> => {
            const file = grammarFiles[scopeName];
            if (!file) {
                return null;
            }
            return vsctm.parseRawGrammar(readFileSync(file, 'utf8'), file);
        },
    });
}

/** Loads one of the project's grammars (and, lazily, the embedded C stand-in). */
export async function loadGrammar(scope: GrammarScope): Promise<IGrammar> {
    registryPromise ??= createRegistry();
    const grammar = await (await registryPromise).loadGrammar(scope);
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
export async function tokenizeFile(scope: GrammarScope, root: string, file: string): Promise<{ text: string; lines: Token[][] }> {
    const key = `${scope}:${root}:${file}`;
    let entry = tokenCache.get(key);
    if (!entry) {
        const text = readFileSync(join(root, file), 'utf8');
        entry = { text, lines: tokenizeText(await loadGrammar(scope), text) };
        tokenCache.set(key, entry);
    }
    return entry;
}

/** Looks up the token a scope case names; callers assert on its scopes. */
export async function tokenForCase(scope: GrammarScope, root: string, c: ScopeCase): Promise<Token> {
    const { text, lines } = await tokenizeFile(scope, root, c.file);
    return tokenAtText(lines, text, c.line, c.text, c.nth);
}
