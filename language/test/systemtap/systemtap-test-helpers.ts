import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { URI, type LangiumDocument } from 'langium';
import { EmptyFileSystem } from 'langium';
import { NodeFileSystem } from 'langium/node';
import type { Diagnostic } from 'vscode-languageserver-types';
import { createProbekitServices, type ProbekitServices } from '../../src/probekit-module.js';
import { applySettings, checkTexts } from '../../src/common/probekit-check.js';
import type { CheckOptions } from '../../src/common/check-options.js';
import type { HostFacts } from '../../src/common/host-facts.js';
import * as ast from '../../src/systemtap/generated/ast.js';
export { markers } from '../cursor-markers.js';

/** The installed stap 4.8 tapset library (Debian `systemtap`). */
export const INSTALLED_TAPSET = '/usr/share/systemtap/tapset';
/** The labelled corpus beside the checkout. */
export const CORPUS = new URL('../../../../shared/corpus/stap/', import.meta.url).pathname;

/** A fixed host, so results do not depend on the machine the tests run on. */
export const TEST_HOST: HostFacts = {
    kernelRelease: '6.1.0-18-amd64',
    arch: 'x86_64',
    // As a .config has them (string options keep their quotes).
    kernelConfig: new Map([['CONFIG_HZ', '250'], ['CONFIG_COMPAT', 'y'], ['CONFIG_NR_CPUS', '64'], ['CONFIG_DEFAULT_HOSTNAME', '"(none)"'],
        ['CONFIG_PHYSICAL_START', '0x1000000']]),
    stapVersion: '4.8',
    tapsetDirs: [],
};

let counter = 0;

/** Services over the real file system (library macros are real files), settings applied. */
export async function stapServices(options: CheckOptions = {}, host: HostFacts = TEST_HOST, real = true): Promise<ProbekitServices> {
    const services = createProbekitServices(real ? { ...NodeFileSystem } : { ...EmptyFileSystem });
    await applySettings(services, { syntaxOnly: true, ...options }, host);
    return services;
}

export interface Checked {
    doc: LangiumDocument;
    diagnostics: Diagnostic[];
    errors: Diagnostic[];
}

/** Check one text as a `.stp` file (syntax only); `uri` defaults to a fresh in-memory name. */
export async function checkStap(services: ProbekitServices, text: string, uri?: URI): Promise<Checked> {
    const u = uri ?? URI.file(`/nonexistent/probekit-test/t${++counter}.stp`);
    const [file] = await checkTexts(services, [{ uri: u, text }], { syntaxOnly: true });
    const doc = services.shared.workspace.LangiumDocuments.getDocument(u)!;
    services.shared.workspace.LangiumDocuments.deleteDocument(u);
    return { doc, diagnostics: file.diagnostics, errors: file.diagnostics.filter(d => d.severity === 1) };
}

/** An expression printed with every operation in parentheses, to show precedence and associativity. */
export function printExpr(e: ast.StapExpression | ast.StapIndexArg | undefined): string {
    if (!e) return '?';
    if (ast.isStapWildcard(e)) return '*';
    if (ast.isStapIndexArg(e)) return printExpr(e.value);
    if (ast.isStapAssignment(e)) return `(${printExpr(e.target)} ${e.operator} ${printExpr(e.value)})`;
    if (ast.isStapConditional(e)) return `(${printExpr(e.condition)} ? ${printExpr(e.then)} : ${printExpr(e.else)})`;
    if (ast.isStapBinary(e)) return `(${printExpr(e.left)} ${e.operator} ${printExpr(e.right)})`;
    if (ast.isStapPrefix(e)) return `(${e.operator}${printExpr(e.operand)})`;
    if (ast.isStapPostIncrement(e)) return `(${printExpr(e.operand)}${e.operator})`;
    if (ast.isStapMember(e)) return `(${printExpr(e.receiver)}->${e.member})`;
    if (ast.isStapIndex(e)) return `${printExpr(e.receiver)}[${e.indexes.map(printExpr).join(', ')}]`;
    if (ast.isStapPretty(e)) return `(${printExpr(e.operand)}${e.pretty})`;
    if (ast.isStapParens(e)) return printExpr(e.expression);
    if (ast.isStapNumber(e)) return e.value;
    if (ast.isStapString(e)) return e.parts.join(' ');
    if (ast.isStapScriptArg(e)) return e.arg;
    if (ast.isStapVariable(e)) return e.variable;
    if (ast.isStapCall(e)) return `${e.function}(${e.args.map(printExpr).join(', ')})`;
    if (ast.isStapAtOperator(e)) return `${e.operator}(${e.args.map(printExpr).join(', ')})`;
    if (ast.isStapTuple(e)) return `[${e.items.map(printExpr).join(', ')}]`;
    if (ast.isStapEmbedded(e)) return e.code;
    return `<${e.$type}>`;
}

/** The expression of `probe begin { x = EXPR }`'s first statement, printed. */
export function firstExpression(doc: LangiumDocument): string {
    const script = doc.parseResult.value as ast.StapScript;
    const probe = script.items[0] as ast.StapProbe;
    const stmt = probe.body.statements[0] as ast.StapExpressionStatement;
    return printExpr(stmt.expression);
}

/** One labelled corpus script: `expect` is stap 4.8's pass-1 verdict, `options` its `stap_options`. */
export interface CorpusRow {
    path: string;
    set: string;
    options: string;
    expect: 'ok' | 'error';
}

/** A TSV field as Python's csv module writes it: quoted when it holds quotes, `""` for `"`. */
function tsvField(raw: string): string {
    return raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw;
}

/** The corpus's labels.tsv rows that carry a pass-1 verdict (`expect_syntax` ok or error), in file order. */
export function corpusRows(): CorpusRow[] {
    return readFileSync(join(CORPUS, 'labels.tsv'), 'utf8').split('\n').slice(1)
        .map(l => l.split('\t').map(tsvField))
        .filter(c => c[3] === 'ok' || c[3] === 'error')
        .map(c => ({ path: c[0], set: c[1], options: c[2], expect: c[3] as 'ok' | 'error' }));
}

/**
 * A turn of the event loop. A test that parses every file takes 30–60 s on one thread: vitest's worker answers its
 * runner only between turns, and a call unanswered for 60 s fails the run ("Timeout calling onTaskUpdate", seen on a
 * loaded machine). Such loops await this every so many files.
 */
export function breathe(): Promise<void> {
    return new Promise(resolve => setImmediate(resolve));
}

/** Every `.stp` file under `dir`, recursively, sorted by path. */
export function stpFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap(e =>
        e.isDirectory() ? stpFiles(join(dir, e.name)) : e.name.endsWith('.stp') ? [join(dir, e.name)] : []).sort();
}
