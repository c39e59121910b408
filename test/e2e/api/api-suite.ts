/**
 * vscode-API-level checks, run inside code-server's Node extension host as the extension tests module
 * (`extensionTestsPath`). The harness (e2e-main.ts) reads the results from the JSON file named by
 * PROBEKIT_API_RESULT; run() rejects when a check fails, which makes the workbench report exit code 1.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';

interface ApiResult { name: string; ok: boolean; detail: string }

const EXTENSION_ID = 'probekit.probekit';

/** Polls `probe` until it returns a value; the ceiling only ends a broken run. */
async function waitFor<T>(probe: () => T | undefined, what: string, ceilingMs = 60_000): Promise<T> {
    const end = Date.now() + ceilingMs;
    for (;;) {
        const value = probe();
        if (value !== undefined) {
            return value;
        }
        if (Date.now() > end) {
            throw new Error(`gave up waiting for ${what}`);
        }
        await new Promise(resolve => setTimeout(resolve, 100));
    }
}

function fileUri(name: string): vscode.Uri {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder is open');
    return vscode.Uri.joinPath(folder.uri, name);
}

function errors(uri: vscode.Uri): vscode.Diagnostic[] {
    return vscode.languages.getDiagnostics(uri).filter(d => d.severity === vscode.DiagnosticSeverity.Error);
}

function describe(diagnostic: vscode.Diagnostic): string {
    const { start } = diagnostic.range;
    const code = typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code;
    return `${start.line + 1}:${start.character + 1} [${code ?? 'no code'}] ${diagnostic.message}`;
}

/** The stray `}` of a broken fixture is reported on its own line (1-based `line`, as stap/bpftrace say). */
async function strayBraceReported(name: string, languageId: string, line: number): Promise<string> {
    const document = await vscode.workspace.openTextDocument(fileUri(name));
    await vscode.window.showTextDocument(document);
    assert.equal(document.languageId, languageId);
    const found = await waitFor(() => {
        const list = errors(document.uri);
        return list.length > 0 ? list : undefined;
    }, `diagnostics for ${name}`);
    const onLine = found.filter(d => d.range.start.line === line - 1);
    assert.ok(onLine.length > 0, `an error on line ${line}; got ${found.slice(0, 3).map(describe).join(' | ')}`);
    assert.ok(onLine.every(d => d.code !== undefined && d.source !== undefined),
        `errors carry a code and a source: ${onLine.map(describe).join(' | ')}`);
    return describe(onLine[0]);
}

export async function run(): Promise<void> {
    const results: ApiResult[] = [];
    const test = async (name: string, body: () => Promise<string>) => {
        try {
            results.push({ name, ok: true, detail: await body() });
        } catch (error) {
            results.push({ name, ok: false, detail: error instanceof Error ? error.message : String(error) });
        }
    };
    const samples = (process.env.PROBEKIT_API_SAMPLES ?? '').split(',').filter(Boolean);

    await test('the extension is installed and activates', async () => {
        const extension = vscode.extensions.getExtension(EXTENSION_ID);
        assert.ok(extension, `${EXTENSION_ID} is installed`);
        await extension.activate();
        assert.ok(extension.isActive);
        return `${extension.id} ${extension.packageJSON.version} from ${extension.extensionPath}`;
    });
    await test('.stp, .stpm and .bt files get their languages', async () => {
        const ids: string[] = [];
        for (const [content, language] of [['probe begin { exit() }\n', 'systemtap'], ['BEGIN { exit(); }\n', 'bpftrace']]) {
            const document = await vscode.workspace.openTextDocument({ content, language });
            ids.push(document.languageId);
        }
        const contributed = vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON.contributes.languages as
            { id: string; extensions: string[] }[];
        const byExtension = Object.fromEntries(contributed.flatMap(l => l.extensions.map(e => [e, l.id])));
        assert.deepEqual(byExtension, { '.stp': 'systemtap', '.stpm': 'systemtap', '.bt': 'bpftrace' });
        assert.deepEqual(ids, ['systemtap', 'bpftrace']);
        return JSON.stringify(byExtension);
    });
    await test('language configuration: Toggle Line Comment writes # in SystemTap and // in bpftrace', async () => {
        const comments: string[] = [];
        for (const [language, content] of [['systemtap', 'probe begin { exit() }\n'], ['bpftrace', 'BEGIN { exit(); }\n']]) {
            const document = await vscode.workspace.openTextDocument({ language, content });
            const editor = await vscode.window.showTextDocument(document);
            editor.selection = new vscode.Selection(0, 0, 0, 0);
            await waitFor(() => (vscode.window.activeTextEditor?.document === document ? true : undefined),
                `the ${language} editor to be active`, 10_000);
            // The workbench loads a language's configuration the first time an editor shows that language; a
            // toggle that runs before it arrives does nothing (the line stays as it was), so it is tried again.
            // A toggle that did apply is never repeated, so the check cannot undo its own comment.
            let comment: string | undefined;
            for (let attempt = 0; comment === undefined && attempt < 10; attempt++) {
                await vscode.commands.executeCommand('editor.action.commentLine');
                comment = await waitFor(() => (document.lineAt(0).text === content.trim() ? undefined
                    : document.lineAt(0).text.split(' ')[0]), `the comment in ${language}`, 2_000).catch(() => undefined);
            }
            assert.ok(comment !== undefined, `Toggle Line Comment changed nothing in ${language} after 10 tries`);
            comments.push(comment);
        }
        assert.deepEqual(comments, ['#', '//']);
        return comments.join(' ');
    });
    await test('word selection keeps $var, $$parms, @map and @cast whole (Add Selection To Next Find Match)', async () => {
        const words: string[] = [];
        for (const [language, content, column] of [
            ['systemtap', 'probe begin { x = $$parms; y = @cast(p, "task_struct")->pid }\n', 20],
            ['bpftrace', 'BEGIN { @reads[$pid] = 1; }\n', 9],
        ] as const) {
            const document = await vscode.workspace.openTextDocument({ language, content });
            const editor = await vscode.window.showTextDocument(document);
            editor.selection = new vscode.Selection(0, column, 0, column);
            await vscode.commands.executeCommand('editor.action.addSelectionToNextFindMatch');
            words.push(document.getText(editor.selection));
        }
        assert.deepEqual(words, ['$$parms', '@reads']);
        return words.join(' ');
    });
    await test('a %( … %) branch not compiled for this machine is drawn faded (a hint tagged Unnecessary)', async () => {
        const content = 'probe begin {\n  %( arch == "no_such_arch" %?\n    printf("never")\n  %:\n    printf("here")\n  %)\n  exit()\n}\n';
        const document = await vscode.workspace.openTextDocument({ language: 'systemtap', content });
        await vscode.window.showTextDocument(document);
        const faded = await waitFor(() => {
            const hints = vscode.languages.getDiagnostics(document.uri)
                .filter(d => d.tags?.includes(vscode.DiagnosticTag.Unnecessary));
            return hints.length > 0 ? hints : undefined;
        }, 'the faded branch');
        assert.equal(faded.length, 1);
        assert.equal(faded[0].severity, vscode.DiagnosticSeverity.Hint);
        assert.equal(document.getText(faded[0].range), 'printf("never")');
        return `${describe(faded[0])} over ${document.getText(faded[0].range)}`;
    });
    // Open the good samples first: once the broken files' diagnostics arrive, these have been validated too.
    const opened: vscode.TextDocument[] = [];
    for (const sample of samples) {
        await test(`${sample} opens`, async () => {
            opened.push(await vscode.workspace.openTextDocument(fileUri(sample)));
            return '';
        });
    }
    await test('a syntax error in a broken .stp is reported on its line with a code', () =>
        strayBraceReported('e2e-broken.stp', 'systemtap', 7));
    await test('a syntax error in a broken .bt is reported on its line with a code', () =>
        strayBraceReported('e2e-broken.bt', 'bpftrace', 6));
    for (const document of opened) {
        await test(`${vscode.workspace.asRelativePath(document.uri)} has no error diagnostics`, async () => {
            const list = errors(document.uri);
            assert.equal(list.length, 0, `${list.length} errors, first: ${list.slice(0, 3).map(describe).join(' | ')}`);
            return `${vscode.languages.getDiagnostics(document.uri).length} diagnostics, none an error`;
        });
    }
    await test('the command Probekit: Show Language Server Log runs', async () => {
        await vscode.commands.executeCommand('probekit.showServerLog');
        return '';
    });

    const resultFile = process.env.PROBEKIT_API_RESULT;
    if (resultFile) {
        fs.writeFileSync(resultFile, JSON.stringify(results, null, 2));
    }
    const failed = results.filter(r => !r.ok);
    if (failed.length > 0) {
        throw new Error(`${failed.length} API check(s) failed: ${failed.map(r => r.name).join('; ')}`);
    }
}
