/**
 * `npm start` (scripts/start.sh) as a user runs it, with the packaged .vsix (PREBUILT_VSIX, so nothing is rebuilt):
 * the URL it prints, the workbench behind it with test-workspace/ open, and Ctrl+C stopping everything it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { isAlive, processTree, readProcTable } from '../../server/src/run/run-process-tree.js';
import { freePort, stopProcessGroup, waitForPrinted } from './e2e-code-server.js';
import type { Results } from './e2e-results.js';
import { openWorkbench } from './e2e-workbench.js';

/** What the start checks need: the repository, the packaged .vsix, a state folder for start.sh, the browser. */
export interface StartOptions {
    root: string;
    vsix: string;
    /** PROBEKIT_START_DIR: user data and extensions of start.sh's code-server (not the developer's .e2e/start). */
    stateDir: string;
    chromium: string;
}

/** The URL start.sh prints under "Open:". */
const PRINTED_URL = /Open:\s*\n\s*\n\s*(http:\/\/\S+)/;

/** start.sh running in its own process group, as a terminal's foreground job is. */
interface Start {
    child: ChildProcess;
    url: URL;
}

async function runStart(options: StartOptions, port: number): Promise<Start> {
    const child = spawn('bash', [path.join(options.root, 'scripts', 'start.sh')], {
        cwd: options.root,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
            ...process.env, PROBEKIT_PORT: String(port), PREBUILT_VSIX: options.vsix, PROBEKIT_START_DIR: options.stateDir,
        },
    });
    let output = '';
    child.stdout?.on('data', d => { output += String(d); });
    child.stderr?.on('data', d => { output += String(d); });
    try {
        // setup.sh's checks, the .vsix install and code-server's start: seconds when everything is there.
        const match = await waitForPrinted(child, () => output, PRINTED_URL, 180_000);
        return { child, url: new URL(match[1]) };
    } catch (error) {
        await stopProcessGroup(child, 'SIGINT');
        throw error;
    }
}

/**
 * What the server at `url` opens: the workbench page (the `?folder=` of the printed URL), and the folder code-server
 * itself was started with, which is where it redirects a bare `/`.
 */
async function servedFolders(url: URL): Promise<{ status: number; workbench: boolean; query: string | null; server: string | null }> {
    const page = await fetch(url);
    const html = await page.text();
    const bare = await fetch(new URL('/', url), { redirect: 'manual' });
    const location = bare.headers.get('location');
    return {
        status: page.status,
        workbench: html.includes('id="vscode-workbench-web-configuration"'),
        query: url.searchParams.get('folder'),
        server: location ? new URL(location, url).searchParams.get('folder') : null,
    };
}

/** The process groups of `pid` and of every process below it (code-server runs in a group of its own). */
function groupsBelow(pid: number): Set<number> {
    const table = readProcTable();
    const below = new Set(processTree(pid, table));
    return new Set(table.filter(e => below.has(e.pid)).map(e => e.pgid).concat(pid));
}

/** The processes of these groups that still run (zombies waiting to be reaped do not count), by command line. */
function groupMembers(groups: Set<number>): string[] {
    return readProcTable().filter(e => groups.has(e.pgid) && isAlive(e.pid)).map(e => {
        try {
            return fs.readFileSync(`/proc/${e.pid}/cmdline`, 'utf8').split('\0').join(' ').trim().slice(0, 100);
        } catch {
            return e.comm; // gone meanwhile
        }
    });
}

function portFree(port: number): Promise<boolean> {
    return new Promise(resolve => {
        const server = net.createServer().once('error', () => resolve(false))
            .listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
}

/** Ctrl+C: SIGINT to the whole foreground group. Then nothing of it may remain and the port is free again. */
async function interrupt(start: Start): Promise<[boolean, string]> {
    const pid = start.child.pid!;
    const groups = groupsBelow(pid);
    const onItsOwn = await stopProcessGroup(start.child, 'SIGINT');
    // start.sh waits for code-server's group to end before it exits (code-server's VS Code server had outlived
    // code-server by over 20 s), so what is left a second later was left for good.
    let left = groupMembers(groups);
    for (let i = 0; i < 10 && left.length > 0; i++) {
        await new Promise(resolve => setTimeout(resolve, 100));
        left = groupMembers(groups);
    }
    for (const group of left.length > 0 ? groups : []) {
        try {
            process.kill(-group, 'SIGKILL');
        } catch {
            // that group is gone
        }
    }
    const free = await portFree(Number(start.url.port));
    const how = start.child.signalCode ?? `exit ${start.child.exitCode}`;
    return [onItsOwn && left.length === 0 && free,
        `${onItsOwn ? 'stopped' : 'killed after 10 s'} (${how})${left.length ? `; left running: ${left.join(' | ')}` : ''}; port ${free ? 'free' : 'still taken'}`];
}

/** The workbench in Chromium shows the folder: its name in the title, its README.md in the explorer. */
async function workbenchShows(results: Results, chromium: string, url: URL, folder: string): Promise<[boolean, string]> {
    const workbench = await openWorkbench(chromium, url.toString(), 'README.md');
    const page: Page = workbench.page;
    try {
        const title = await page.title();
        await results.shot(page, 'npm-start');
        return [title.includes(folder), `title "${title}", README.md in the explorer`];
    } finally {
        await workbench.close();
    }
}

/** Runs start.sh on a free port (opened in Chromium) and on a busy one; each is stopped with Ctrl+C. */
export async function startChecks(results: Results, options: StartOptions): Promise<void> {
    const folder = path.join(options.root, 'test-workspace');
    fs.rmSync(options.stateDir, { recursive: true, force: true });
    const blocker = net.createServer();
    const busy = await new Promise<number>(resolve => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as net.AddressInfo).port)));
    try {
        for (const wanted of [{ port: await freePort(), busy: false }, { port: busy, busy: true }]) {
            const name = `npm start, PROBEKIT_PORT=${wanted.port} (${wanted.busy ? 'busy' : 'free'})`;
            const started = await runStart(options, wanted.port).catch((error: unknown) => error instanceof Error ? error : new Error(String(error)));
            await results.check(undefined, `${name}: prints a 127.0.0.1 URL on ${wanted.busy ? 'another free port' : 'that port'}`, async () => {
                if (started instanceof Error) {
                    throw started;
                }
                const port = Number(started.url.port);
                const ok = started.url.hostname === '127.0.0.1' && (wanted.busy ? port !== wanted.port && port > 0 : port === wanted.port);
                return [ok, started.url.toString()];
            });
            if (started instanceof Error) {
                continue;
            }
            try {
                await results.check(undefined, `${name}: the page is the workbench with test-workspace/ open`, async () => {
                    const served = await servedFolders(started.url);
                    const ok = served.status === 200 && served.workbench && served.query === folder && served.server === folder;
                    return [ok, `HTTP ${served.status}${served.workbench ? ', workbench page' : ', not the workbench'}; ` +
                        `URL folder ${served.query}; / redirects to folder ${served.server ?? '(no redirect)'}`];
                });
                if (!wanted.busy) {
                    await results.check(undefined, `${name}: Chromium shows the workbench with test-workspace/ in the explorer`,
                        () => workbenchShows(results, options.chromium, started.url, path.basename(folder)));
                }
            } finally {
                await results.check(undefined, `${name}: Ctrl+C stops start.sh, code-server and all they started`, () => interrupt(started));
            }
        }
    } finally {
        blocker.close();
    }
}
