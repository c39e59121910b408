/**
 * Starts and stops a private code-server (VS Code 1.100 in the browser) for one e2e run: fresh user data,
 * fresh extensions dir with the packaged .vsix installed, a copy of the workspace.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

/** A running code-server and the paths of its run directory. */
export interface CodeServer {
    url: string;
    /** Absolute path of the opened workspace folder (a copy, so edits never touch the repository). */
    workspace: string;
    /** The folder the .vsix was installed into. */
    extensionDir: string;
    /** Everything code-server printed so far. */
    log(): string;
    stop(): Promise<void>;
}

/** Where things are: the code-server binary, the .vsix, the run directory and the workspace sources. */
export interface CodeServerOptions {
    codeServer: string;
    vsix: string;
    runDir: string;
    /** Folders copied (in order) into the workspace. */
    workspaceSources: string[];
    /** User settings.json content. */
    settings: Record<string, unknown>;
    /** Settings added to the workspace's .vscode/settings.json. */
    workspaceSettings?: Record<string, unknown>;
    /** Keep workspace trust on (the folder then opens in restricted mode); by default trust is off. */
    workspaceTrust?: boolean;
    /** Extra environment for code-server; its extension host inherits it. */
    env?: Record<string, string>;
}

/** Installs the .vsix into a fresh extensions dir and starts code-server on a free 127.0.0.1 port. */
export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
    const { runDir } = options;
    fs.rmSync(runDir, { recursive: true, force: true });
    const workspace = path.join(runDir, 'workspace');
    for (const source of options.workspaceSources) {
        fs.cpSync(source, workspace, { recursive: true });
    }
    if (options.workspaceSettings) {
        const file = path.join(workspace, '.vscode', 'settings.json');
        const current = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown> : {};
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, JSON.stringify({ ...current, ...options.workspaceSettings }, null, 4));
    }
    const userData = path.join(runDir, 'data');
    const extensions = path.join(runDir, 'extensions');
    const config = path.join(runDir, 'config.yaml');
    fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
    fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(options.settings, null, 4));
    fs.writeFileSync(config, 'auth: none\ncert: false\n');
    const common = ['--config', config, '--user-data-dir', userData, '--extensions-dir', extensions];

    // The same install path a user takes: the packaged .vsix through --install-extension.
    execFileSync(options.codeServer, [...common, '--install-extension', options.vsix], { stdio: 'pipe' });

    const port = await freePort();
    const child = spawn(options.codeServer, [
        ...common, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
        '--disable-telemetry', '--disable-update-check', '--disable-getting-started-override',
        // The workspace is a fresh copy of the project's own samples: trusting it lets the runner features work.
        ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']), '--ignore-last-opened',
    ], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, ...options.env } });
    let output = '';
    child.stdout?.on('data', d => { output += String(d); });
    child.stderr?.on('data', d => { output += String(d); });
    await waitForPrinted(child, () => output, /HTTP server listening/);
    const installed = fs.readdirSync(extensions).find(name => name.startsWith('probekit.'));
    return {
        extensionDir: path.join(extensions, installed ?? 'probekit.(not installed)'),
        url: `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`,
        workspace,
        log: () => output,
        stop: async () => { await stopProcessGroup(child); },
    };
}

/** A port of 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.on('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            const port = typeof address === 'object' && address ? address.port : 0;
            server.close(() => resolve(port));
        });
    });
}

/**
 * Waits until the child's output matches `pattern`; returns the match. Fails when the child exits first or after
 * `ceilingMs` (a start-up limit, not a timed assertion: code-server normally listens within a second).
 */
export function waitForPrinted(child: ChildProcess, output: () => string, pattern: RegExp, ceilingMs = 60_000): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
        const onData = () => {
            const match = pattern.exec(output());
            if (match) {
                done(undefined, match);
            }
        };
        const onExit = (code: number | null) => done(new Error(`exited (${code}) before printing ${pattern.source}:\n${output()}`));
        const timer = setTimeout(() => done(new Error(`did not print ${pattern.source} within ${ceilingMs / 1000} s:\n${output()}`)), ceilingMs);
        function done(error?: Error, match?: RegExpExecArray) {
            clearTimeout(timer);
            child.stdout?.off('data', onData);
            child.stderr?.off('data', onData);
            child.off('exit', onExit);
            if (match) {
                resolve(match);
            } else {
                reject(error);
            }
        }
        child.stdout?.on('data', onData);
        child.stderr?.on('data', onData);
        child.once('exit', onExit);
        onData();
    });
}

/**
 * `signal` (SIGTERM unless told) to the whole group (server, extension host, language server), then wait for the
 * exit; SIGKILL to the group after 10 s. Returns whether the leader exited on its own within them.
 */
export async function stopProcessGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<boolean> {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
        return true;
    }
    const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
    try {
        process.kill(-child.pid, signal);
    } catch {
        return true;
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>(resolve => { timer = setTimeout(() => resolve(true), 10_000); });
    const timedOut = await Promise.race([exited.then(() => false), late]);
    clearTimeout(timer);
    if (timedOut) {
        try {
            process.kill(-child.pid, 'SIGKILL');
        } catch {
            // already gone
        }
    }
    return !timedOut;
}
