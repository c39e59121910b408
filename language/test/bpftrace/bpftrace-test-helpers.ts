import { EmptyFileSystem, URI, type LangiumDocument } from 'langium';
import type { Diagnostic } from 'vscode-languageserver-types';
import { createProbekitServices, type ProbekitServices } from '../../src/probekit-module.js';
import { applySettings, checkTexts } from '../../src/common/probekit-check.js';
import type { HostFacts } from '../../src/common/host-facts.js';
import * as ast from '../../src/bpftrace/generated/ast.js';
export { markers, offsetOf } from '../cursor-markers.js';

/** The labelled corpus beside the checkout. */
export const CORPUS = new URL('../../../../shared/corpus/bpftrace/', import.meta.url).pathname;

let counter = 0;

/**
 * Services for bpftrace checks with a target version. No file system: bpftrace documents read
 * nothing but their own text.
 */
export async function btServices(version = 'latest', host: HostFacts = {}): Promise<ProbekitServices> {
    const services = createProbekitServices({ ...EmptyFileSystem });
    await applySettings(services, { syntaxOnly: true, bpftraceVersion: version }, host);
    return services;
}

export interface BtChecked {
    doc: LangiumDocument<ast.BtProgram>;
    program: ast.BtProgram;
    diagnostics: Diagnostic[];
    errors: Diagnostic[];
}

/** Check one text as a `.bt` file (syntax only), the way `probekit check --syntax-only` does. */
export async function checkBt(services: ProbekitServices, text: string): Promise<BtChecked> {
    const uri = URI.file(`/nonexistent/probekit-test/t${++counter}.bt`);
    const [file] = await checkTexts(services, [{ uri, text }], { syntaxOnly: true });
    const doc = services.shared.workspace.LangiumDocuments.getDocument(uri) as LangiumDocument<ast.BtProgram>;
    services.shared.workspace.LangiumDocuments.deleteDocument(uri);
    return {
        doc, program: doc.parseResult.value, diagnostics: file.diagnostics,
        errors: file.diagnostics.filter(d => d.severity === 1),
    };
}

/**
 * An expression with every operation in parentheses, in the shape `bpftrace -d` prints its AST
 * (see realAstToParens), so both can be compared.
 */
export function printExpr(e: ast.BtExpr | undefined): string {
    if (!e) return '?';
    if (ast.isBtBinary(e)) return `(${printExpr(e.left)} ${e.operator} ${printExpr(e.right)})`;
    if (ast.isBtConditionalExpr(e)) return `(${printExpr(e.condition)} ? ${e.then ? printExpr(e.then) : ''} : ${printExpr(e.otherwise)})`;
    if (ast.isBtUnaryExpr(e)) return `(${e.operator}${printExpr(e.operand)})`;
    if (ast.isBtPostfixExpr(e)) return `(${printExpr(e.operand)}${e.operator})`;
    if (ast.isBtCastExpr(e)) return `((${printType(e.type)}) ${printExpr(e.operand)})`;
    if (ast.isBtFieldAccess(e)) return `(${printExpr(e.receiver)}.${e.field})`;
    if (ast.isBtIndexExpr(e)) return `${printExpr(e.receiver)}[${e.indices.map(printExpr).join(', ')}]`;
    if (ast.isBtParenExpr(e)) return printExpr(e.inner);
    if (ast.isBtTupleExpr(e)) return `(${e.elements.map(printExpr).join(', ')})`;
    if (ast.isBtRecord(e)) return `(${e.fields.map(f => `${f.key}=${printExpr(f.value)}`).join(', ')})`;
    if (ast.isBtCallExpr(e)) return `${e.callee.ident}(${e.args.map(printExpr).join(', ')})`;
    if (ast.isBtIntLit(e)) return e.value;
    if (ast.isBtStringLit(e)) return e.value;
    if (ast.isBtBoolLit(e)) return e.value;
    if (ast.isBtVarRef(e)) return e.variable;
    if (ast.isBtMapRef(e)) return e.map;
    if (ast.isBtPositional(e)) return e.param;
    if (ast.isBtIdent(e)) return e.ident;
    if (ast.isBtSizeof(e)) return `sizeof(${e.type ? printType(e.type) : printExpr(e.operand)})`;
    if (ast.isBtTypeof(e)) return `typeof(${e.type ? printType(e.type) : printExpr(e.operand)})`;
    if (ast.isBtOffsetof(e)) return `offsetof(${e.type ? printType(e.type) : printExpr(e.operand)}, ${e.path.join('.')})`;
    if (ast.isBtComptimeExpr(e)) return `(comptime ${printExpr(e.operand)})`;
    if (ast.isBtIfExpr(e)) return `if ${printExpr(e.condition)} {…}`;
    if (ast.isBtBlockExpr(e)) return '{…}';
    return `<${(e as ast.BtExpr).$type}>`;
}

export function printType(t: ast.BtType): string {
    const base = t.tagKind ? `${t.tagKind} ${t.tag}` : t.typeofKeyword ? 'typeof(…)' : t.base;
    return `${base}${t.pointers.join('')}${t.arraySizes.map(n => `[${n}]`).join('')}`;
}

/**
 * Turn `bpftrace -d`'s "AST after: parser" dump of one `@x = EXPR` statement into the
 * parenthesised form of printExpr. Children are indented one space more than their parent.
 */
export function realAstToParens(dump: string): string {
    const section = dump.split('AST after: parser')[1]?.split('AST after:')[0] ?? '';
    const lines = section.split('\n').map(l => l.replace(/ :: type.*$/, '')).filter(l => /^ +\S/.test(l));
    interface Node { label: string; children: Node[] }
    const root: Node = { label: 'root', children: [] };
    const stack: Array<{ indent: number; node: Node }> = [{ indent: -1, node: root }];
    for (const line of lines) {
        const indent = line.length - line.trimStart().length;
        const node: Node = { label: line.trim(), children: [] };
        while (stack[stack.length - 1].indent >= indent) stack.pop();
        stack[stack.length - 1].node.children.push(node);
        stack.push({ indent, node });
    }
    // root → probe → `=` → [map, expr]
    const assign = root.children[0]?.children[0];
    const expr = assign?.children[1];
    const show = (n: Node): string => {
        const [kind, value] = n.label.includes(': ') ? n.label.split(': ', 2) : [n.label, ''];
        const c = n.children.map(show);
        switch (kind) {
            // 0.17 folds `-1` into one literal; printExpr shows it as the negation it is written as.
            case 'int': return value.startsWith('-') ? `(${value})` : value;
            case 'variable': case 'builtin': case 'identifier': return value;
            case 'map': return c.length ? `${value}[${c.join(', ')}]` : value;
            case 'call': return `${value}(${c.join(', ')})`;
            case 'tuple:': return `(${c.join(', ')})`;
            case '?:': return `(${c[0]} ? ${c[1]} : ${c[2]})`;
            case 'dereference': return `(*${c[0]})`;
            case '.': return `(${c[0]}.${n.children[1].label})`;
            default:
                if (/^\(.*\)$/.test(kind)) return `(${kind} ${c[0]})`;
                if (c.length === 1) return `(${kind}${c[0]})`;
                return `(${c[0]} ${kind} ${c[1]})`;
        }
    };
    return expr ? show(expr) : '<no AST>';
}
