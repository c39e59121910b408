import {
    AstUtils, DefaultDocumentValidator, type LangiumDocument, type ParseResult, type ValidationAcceptor, type ValidationChecks, type ValidationOptions,
} from 'langium';
import { CancellationToken } from 'vscode-languageserver-protocol';
import type { Diagnostic } from 'vscode-languageserver-types';
import * as ast from './generated/ast.js';
import type { BpftraceServices } from './bpftrace-module.js';
import {
    checkBlock, checkCondition, checkConfig, checkExprStatement, checkFor, checkIncrement, checkItemOrder, checkMapDecl, checkMapDeclSize,
    checkRecord, checkSubprog,
    type BtCheckContext,
} from './bpftrace-syntax-checks.js';
import {
    checkAttachPointNode, checkCall, checkIntLit, checkPositional, checkVersionedNode,
} from './bpftrace-version-checks.js';
import { checkDefineUses } from './bpftrace-defines.js';
import { checkBlockSemicolons017, checkFunctionName017, checkProgram017, checkShape017, checkTrailingComma017 } from './bpftrace-017-checks.js';
import { stampLexerCodes } from '../common/lexer-codes.js';
import { BtCode } from './bpftrace-diagnostic-codes.js';
import { REST_NOT_CHECKED } from './bpftrace-lexer.js';

/**
 * Checks of bpftrace programs that upstream's parser makes (attach-point shapes, literals, statement
 * separators, assignment targets, what the target version lacks). They belong with the syntax, so
 * BpftraceDocumentValidator runs them whenever lexer and parser errors are reported, also for
 * `probekit check --syntax-only`.
 */
export class BpftraceValidator {
    constructor(private readonly services: BpftraceServices) {}

    /**
     * Semantic checks go into Langium's registry; the syntax ones cannot (its `built-in` category
     * is reserved) and run from BpftraceDocumentValidator instead.
     */
    register(): void {
        const checks: ValidationChecks<ast.BpftraceAstType> = {
            BtMapDecl: (decl, accept) => checkMapDecl(this.context(accept), decl),
        };
        this.services.validation.ValidationRegistry.register(checks, this);
    }

    private context(accept: ValidationAcceptor): BtCheckContext {
        return { accept, target: this.services.settings.BpftraceSettings.target };
    }

    /** One walk over the tree (iterative, so deep programs cannot overflow the stack). */
    checkProgram(program: ast.BtProgram, accept: ValidationAcceptor, parserErrorOffsets: readonly number[] = [], itemsLeftOut = false): void {
        const ctx = { ...this.context(accept), parserErrorOffsets, itemsLeftOut };
        checkItemOrder(ctx, program);
        checkProgram017(ctx, program);
        const idents: ast.BtIdent[] = [];
        for (const node of AstUtils.streamAst(program)) {
            checkVersionedNode(ctx, node);
            checkShape017(ctx, node);
            switch (node.$type) {
                case 'BtAttachPoint': checkAttachPointNode(ctx, node as ast.BtAttachPoint); break;
                case 'BtIntLit': checkIntLit(ctx, node as ast.BtIntLit); break;
                case 'BtPositional': checkPositional(ctx, node as ast.BtPositional); break;
                case 'BtCallExpr':
                    checkCall(ctx, node as ast.BtCallExpr);
                    checkFunctionName017(ctx, node as ast.BtCallExpr);
                    checkTrailingComma017(ctx, node as ast.BtCallExpr);
                    break;
                case 'BtTupleExpr': checkTrailingComma017(ctx, node as ast.BtTupleExpr); break;
                case 'BtBlock':
                    checkBlock(ctx, node as ast.BtBlock);
                    checkBlockSemicolons017(ctx, node as ast.BtBlock);
                    break;
                case 'BtConfig': checkConfig(ctx, node as ast.BtConfig); break;
                case 'BtExprStatement': checkExprStatement(ctx, node as ast.BtExprStatement); break;
                case 'BtUnaryExpr': case 'BtPostfixExpr': checkIncrement(ctx, node as ast.BtUnaryExpr); break;
                case 'BtRecord': checkRecord(ctx, node as ast.BtRecord); break;
                case 'BtForStatement': checkFor(ctx, node as ast.BtForStatement); break;
                case 'BtSubprog': checkSubprog(ctx, node as ast.BtSubprog); break;
                case 'BtMapDecl': checkMapDeclSize(ctx, node as ast.BtMapDecl); break;
                case 'BtIfExpr': checkCondition(ctx, (node as ast.BtIfExpr).condition); break;
                case 'BtWhileStatement': checkCondition(ctx, (node as ast.BtWhileStatement).condition); break;
                case 'BtIdent': idents.push(node as ast.BtIdent); break;
                default: break;
            }
        }
        checkDefineUses(ctx, program, idents);
    }
}

/** Langium's document validator plus the bpftrace syntax checks in the `built-in` phase. */
export class BpftraceDocumentValidator extends DefaultDocumentValidator {
    constructor(private readonly btServices: BpftraceServices) {
        super(btServices);
    }

    /** Lexer diagnostics keep Langium's data, and get their stable bpftrace code. */
    protected override processLexingErrors(parseResult: ParseResult, diagnostics: Diagnostic[], options: ValidationOptions): void {
        const first = diagnostics.length;
        super.processLexingErrors(parseResult, diagnostics, options);
        stampLexerCodes(parseResult, diagnostics, first, BtCode.LexCharacter);
    }

    protected override processParsingErrors(parseResult: ParseResult, diagnostics: Diagnostic[], options: ValidationOptions): void {
        const first = diagnostics.length;
        super.processParsingErrors(parseResult, diagnostics, options);
        for (let i = first; i < diagnostics.length; i++) diagnostics[i].code = BtCode.Syntax;
    }

    override async validateDocument(document: LangiumDocument, options: ValidationOptions = {},
        cancelToken = CancellationToken.None): Promise<Diagnostic[]> {
        const diagnostics = dropAfterStop(await super.validateDocument(document, options, cancelToken));
        if (options.categories && !options.categories.includes('built-in')) return diagnostics;
        const program = document.parseResult.value;
        if (!ast.isBtProgram(program)) return diagnostics;
        const versionWarning = this.btServices.settings.BpftraceSettings.versionWarning;
        if (versionWarning) {
            diagnostics.push({
                severity: 2, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, code: BtCode.VersionUnknown,
                message: versionWarning, source: 'probekit',
            });
        }
        const accept: ValidationAcceptor = (severity, message, info) => {
            diagnostics.push(this.toDiagnostic(severity, message, info));
        };
        try {
            const offsets = document.parseResult.parserErrors.map(e => e.token.startOffset).filter(o => Number.isFinite(o));
            const leftOut = (document.parseResult.lexerReport?.diagnostics ?? []).some(d => (d as { code?: string }).code === BtCode.TooComplex);
            this.btServices.validation.BpftraceValidator.checkProgram(program, accept, offsets, leftOut);
        } catch (err) {
            // A failing check must not take the document's other diagnostics down with it; it
            // shows up as one diagnostic instead (and is a bug to fix).
            diagnostics.push({
                severity: 1, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
                message: `internal error in the bpftrace checks: ${err instanceof Error ? err.message : String(err)}`,
                source: 'probekit',
            });
        }
        return inReadingOrder(diagnostics);
    }
}

/** What bpftrace finds in attach points once the program is parsed: after everything its parser finds. */
const ATTACH_POINT_CODES: ReadonlySet<string> = new Set([BtCode.ProbeType, BtCode.ProbeArity, BtCode.ProbePart, BtCode.ProbeEmpty]);

/**
 * The diagnostics in the order bpftrace meets them: what its lexer and parser refuse (including what the target
 * version's grammar lacks) by position, then what it finds in attach points once the program is parsed. (Measured on
 * mutants of the corpus with bpftrace 0.17 -d: its first error, where the first here is.)
 */
function inReadingOrder(diagnostics: Diagnostic[]): Diagnostic[] {
    const late = (d: Diagnostic): number => ATTACH_POINT_CODES.has(String(d.code ?? '')) ? 1 : 0;
    return diagnostics.map((d, i) => ({ d, i })).sort((a, b) => late(a.d) - late(b.d)
        || a.d.range.start.line - b.d.range.start.line || a.d.range.start.character - b.d.range.start.character || a.i - b.i).map(x => x.d);
}

/**
 * When the lexer stopped reading (too many lexical errors: not a bpftrace file), the parser's
 * complaints about the missing rest are noise: keep only what comes before the stop.
 */
function dropAfterStop(diagnostics: Diagnostic[]): Diagnostic[] {
    const stop = diagnostics.find(d => d.code === BtCode.TooComplex && d.message.endsWith(REST_NOT_CHECKED));
    if (!stop) return diagnostics;
    const at = stop.range.start;
    return diagnostics.filter(d => d === stop || d.range.start.line < at.line
        || (d.range.start.line === at.line && d.range.start.character < at.character));
}
