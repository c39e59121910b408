/**
 * The language server as the editor runs it (out/server-boot.cjs, over stdio here), driven through LSP: what it does
 * with the editor's settings when it starts and when they change.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node.js';
import { shippedCli, tempDir } from '../catalogue/catalogue-test-kit.js';

interface Published {
    uri: string;
    diagnostics: Array<{ message: string }>;
}

/** A server started over stdio on a workspace folder, its log messages and published diagnostics as they come. */
class ServerRun {
    readonly logs: string[] = [];
    readonly published: Published[] = [];
    private readonly waiters: Array<() => void> = [];
    readonly connection: MessageConnection;

    constructor(readonly process: ChildProcess, private readonly settings: () => Record<string, unknown>) {
        const c = createMessageConnection(new StreamMessageReader(process.stdout!), new StreamMessageWriter(process.stdin!));
        this.connection = c;
        c.onRequest('workspace/configuration', (params: { items: Array<{ section?: string }> }) =>
            params.items.map(i => (i.section ? this.settings()[i.section] ?? null : null)));
        c.onRequest('client/registerCapability', (params: { registrations: Array<{ method: string }> }) => {
            // As VS Code's client does: when the server registers for configuration changes, it reports the
            // sections once, unchanged.
            if (params.registrations.some(r => r.method === 'workspace/didChangeConfiguration')) {
                setImmediate(() => void c.sendNotification('workspace/didChangeConfiguration', { settings: this.settings() }));
            }
            return null;
        });
        c.onRequest('window/workDoneProgress/create', () => null);
        c.onNotification('window/logMessage', (m: { message: string }) => this.note(() => this.logs.push(m.message)));
        c.onNotification('textDocument/publishDiagnostics', (d: Published) => this.note(() => this.published.push(d)));
        c.listen();
    }

    private note(record: () => void): void {
        record();
        for (const w of this.waiters.splice(0)) w();
    }

    /** Waits until `done` holds (checked at each message), at most `ms`. */
    async until(done: () => boolean, ms = 20_000): Promise<void> {
        const deadline = Date.now() + ms;
        while (!done()) {
            if (Date.now() > deadline) throw new Error(`timed out; logs: ${this.logs.join(' | ')}; published: ${this.published.map(p => `${p.uri.split('/').pop()} ${p.diagnostics.length}`).join(', ')}`);
            await new Promise<void>(resolve => {
                this.waiters.push(resolve);
                setTimeout(resolve, 200);
            });
        }
    }

    /** The log lines that say which settings the server applied. */
    applied(): string[] {
        return this.logs.filter(l => l.startsWith('Probekit language server:'));
    }
}

const runs: ServerRun[] = [];
afterEach(() => {
    for (const r of runs.splice(0)) {
        r.connection.dispose();
        r.process.kill();
    }
});

async function start(folder: string, settings: () => Record<string, unknown>): Promise<ServerRun> {
    const boot = join(dirname(shippedCli()), 'server-boot.cjs');
    const child = spawn(process.execPath, [boot, '--stdio'], { stdio: ['pipe', 'pipe', 'ignore'], env: { ...process.env, PROBEKIT_CACHE_DIR: tempDir() } });
    const run = new ServerRun(child, settings);
    runs.push(run);
    const uri = pathToFileURL(folder).href;
    await run.connection.sendRequest('initialize', {
        processId: process.pid, rootUri: uri, workspaceFolders: [{ uri, name: 'ws' }],
        capabilities: { workspace: { configuration: true, workspaceFolders: true, didChangeConfiguration: { dynamicRegistration: true } } },
    });
    await run.connection.sendNotification('initialized', {});
    return run;
}

/** Opens `file` in the server, as the editor does for a file the user opens. */
async function open(run: ServerRun, file: string): Promise<void> {
    await run.connection.sendNotification('textDocument/didOpen', {
        textDocument: { uri: pathToFileURL(file).href, languageId: 'systemtap', version: 1, text: readFileSync(file, 'utf8') },
    });
}

function workspace(): { folder: string; script: string } {
    const folder = tempDir('probekit-lsp-');
    mkdirSync(folder, { recursive: true });
    const script = join(folder, 'broken.stp');
    writeFileSync(script, 'probe begin {\n    printf("x\\n")\n}\n}\n');
    return { folder, script };
}

describe('the language server and the editor settings', () => {
    test('applied once at start, though the client reports them again unchanged; the open document checked once', async () => {
        const { folder, script } = workspace();
        const run = await start(folder, () => ({ systemtap: {}, bpftrace: {} }));
        await open(run, script);
        await run.until(() => run.published.some(p => p.uri.endsWith('broken.stp') && p.diagnostics.length > 0));
        // The unchanged report has been handled once the server answers a request made after it.
        await run.connection.sendRequest('textDocument/documentSymbol', { textDocument: { uri: pathToFileURL(script).href } });
        await new Promise(resolve => setTimeout(resolve, 300));
        expect(run.applied()).toHaveLength(1);
        expect(run.published.filter(p => p.uri.endsWith('broken.stp'))).toHaveLength(1);
    });

    test('a changed setting is applied, and the workspace checked again', async () => {
        const { folder, script } = workspace();
        let settings: Record<string, unknown> = { systemtap: {}, bpftrace: {} };
        const run = await start(folder, () => settings);
        await open(run, script);
        await run.until(() => run.published.some(p => p.uri.endsWith('broken.stp')));
        await run.until(() => run.applied().length === 1);
        settings = { systemtap: { target: { arch: 'aarch64' } }, bpftrace: {} };
        await run.connection.sendNotification('workspace/didChangeConfiguration', { settings });
        await run.until(() => run.applied().length === 2 && run.published.filter(p => p.uri.endsWith("broken.stp")).length >= 2);
        expect(run.applied()[1]).toContain('"arch":"aarch64"');
    });
});
