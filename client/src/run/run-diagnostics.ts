import * as vscode from 'vscode';
import type { RunDiagnostic } from '../../../server/src/run/run-types.js';

/** The collection name: diagnostics from running a script, apart from the language server's. */
export const RUN_DIAGNOSTIC_COLLECTION = 'probekit-run';

const SEVERITY = {
    error: vscode.DiagnosticSeverity.Error,
    warning: vscode.DiagnosticSeverity.Warning,
    info: vscode.DiagnosticSeverity.Information,
} as const;

/** Tool errors from runs, under their own source (`stap run`, `bpftrace run`), cleared when the script runs again. */
export class RunDiagnostics implements vscode.Disposable {
    private readonly collection = vscode.languages.createDiagnosticCollection(RUN_DIAGNOSTIC_COLLECTION);
    /** Per script: the files its last run put diagnostics on. */
    private readonly touched = new Map<string, Set<string>>();

    /** Forget what the previous run of this script reported. */
    clear(script: vscode.Uri): void {
        for (const uri of this.touched.get(script.toString()) ?? []) this.collection.delete(vscode.Uri.parse(uri));
        this.collection.delete(script);
        this.touched.set(script.toString(), new Set());
    }

    /** Add one diagnostic; a diagnostic without a file (`stdin`, `<input>`) belongs to the script itself. */
    add(script: vscode.Uri, d: RunDiagnostic): void {
        const uri = d.file ? vscode.Uri.file(d.file) : script;
        const range = new vscode.Range(d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character);
        const diagnostic = new vscode.Diagnostic(range, d.message, SEVERITY[d.severity]);
        diagnostic.source = `${d.source} run`;
        this.collection.set(uri, [...(this.collection.get(uri) ?? []), diagnostic]);
        this.touched.get(script.toString())?.add(uri.toString());
    }

    /** Is this diagnostic one of ours (so it does not block the next run)? */
    static isRunDiagnostic(d: vscode.Diagnostic): boolean {
        return d.source === 'stap run' || d.source === 'bpftrace run';
    }

    dispose(): void {
        this.collection.dispose();
    }
}
