/**
 * Run checks inside a real VS Code extension host (code-server), driven by run-smoke-main.ts: the commands start real
 * bpftrace and stap runs on this machine, and remote runs over ssh to the two sshd instances on 127.0.0.1 that the
 * harness starts and puts in `probekit.run.hosts`. Results go to the JSON file named by PROBEKIT_API_RESULT.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { processTree, readProcTable } from '../../../server/src/run/run-process-tree.js';

interface RunState {
    live: string[];
    finished: { title: string; exitCode: number | null; stopped: boolean; explanation?: string; output: string }[];
    charts: string[];
}

const state = async (): Promise<RunState> => (await vscode.commands.executeCommand('probekit.run._state')) as RunState;

async function until<T>(what: string, probe: () => Promise<T | undefined>, ceilingMs = 60_000): Promise<T> {
    const end = Date.now() + ceilingMs;
    for (;;) {
        const v = await probe();
        if (v !== undefined) return v;
        if (Date.now() > end) throw new Error(`gave up waiting for ${what}: ${JSON.stringify(await state()).slice(0, 2000)}`);
        await new Promise(res => setTimeout(res, 200));
    }
}

const finished = (title: string) => async () => (await state()).finished.find(f => f.title === title);

function uri(name: string): vscode.Uri {
    return vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'run', name);
}

const checks: [string, () => Promise<string>][] = [
    ['Run Script: a BEGIN script runs and its output arrives', async () => {
        await vscode.window.showTextDocument(uri('hello.bt'));
        await vscode.commands.executeCommand('probekit.run.start');
        const f = await until('hello.bt to finish', finished('hello.bt'));
        assert.equal(f.exitCode, 0);
        assert.match(f.output, /hello from bpftrace/);
        return f.output.split('\n').find(l => l.includes('exit status')) ?? '';
    }],
    ['Stop All: an endless script stops with SIGINT, END output and maps arrive; charts opened', async () => {
        await vscode.commands.executeCommand('probekit.run.start', uri('opens-by-comm.bt'));
        await until('opens-by-comm.bt to be live', async () => ((await state()).live.includes('opens-by-comm.bt') ? true : undefined));
        await until('a printed map in the charts', async () => ((await state()).charts.includes('opens-by-comm.bt') ? true : undefined));
        await vscode.commands.executeCommand('probekit.run.stopAll');
        const f = await until('opens-by-comm.bt to finish', finished('opens-by-comm.bt'));
        assert.equal(f.stopped, true);
        assert.equal(f.exitCode, 0);
        assert.match(f.output, /stopped\n/);
        assert.match(f.output, /@opens\[/);
        return `charts: ${(await state()).charts.join(', ')}`;
    }],
    ['Run on Hosts: two ssh hosts, a panel each with output; Stop All stops both with END output, no bpftrace left', async () => {
        const hosts = vscode.workspace.getConfiguration('probekit').get<{ name: string; identityFile: string }[]>('run.hosts')!;
        assert.equal(hosts.length, 2);
        // The bpftrace processes under the harness's sshd listeners (sshd-fixture.ts has them write sshd_N.pid beside
        // the client key).
        const remoteBpftrace = () => {
            const table = readProcTable();
            const listeners = hosts.map((_, i) => Number(fs.readFileSync(path.join(path.dirname(hosts[0].identityFile), `sshd_${i}.pid`), 'utf8')));
            return listeners.flatMap(pid => processTree(pid, table, [])).filter(pid => table.find(e => e.pid === pid)?.comm === 'bpftrace');
        };
        const titles = hosts.map(h => `opens-by-comm.bt @ ${h.name}`);
        await vscode.window.showTextDocument(uri('opens-by-comm.bt'));
        // as a keybinding or task calls it: the host labels as the command's argument, the script from the editor
        await vscode.commands.executeCommand('probekit.run.onHosts', hosts.map(h => h.name));
        // a printed map opens a run's charts: its output arrived
        await until('both hosts to print a map', async () => {
            const s = await state();
            return titles.every(t => s.live.includes(t) && s.charts.includes(t)) ? true : undefined;
        });
        const running = remoteBpftrace();
        assert.equal(running.length, 2, `bpftrace under the sshds: ${running.join(', ')}`);
        await vscode.commands.executeCommand('probekit.run.stopAll');
        for (const title of titles) {
            const f = await until(`${title} to finish`, finished(title));
            assert.equal(f.stopped, true, title);
            assert.equal(f.exitCode, 0, title);
            assert.match(f.output, /@opens\[/, title);
            assert.match(f.output, /stopped\n/, title);
        }
        const alive = () => running.filter(pid => fs.existsSync(`/proc/${pid}`));
        await until('the remote bpftrace processes to be gone', async () => (alive().length === 0 ? true : undefined), 10_000);
        assert.deepEqual(remoteBpftrace(), []);
        return `${titles.join(', ')}: stopped, END output; bpftrace ${running.join(', ')} gone`;
    }],
    ['an unsaved bpftrace buffer runs with -e', async () => {
        const doc = await vscode.workspace.openTextDocument({ language: 'bpftrace', content: 'BEGIN { printf("from the buffer\\n"); exit(); }\n' });
        await vscode.window.showTextDocument(doc);
        await vscode.commands.executeCommand('probekit.run.start');
        const title = doc.uri.path;
        const f = await until('the buffer to finish', finished(title));
        assert.equal(f.exitCode, 0);
        assert.match(f.output, /from the buffer/);
        return title;
    }],
    ['stap: passes 1–4, then the load failure explained in plain words', async () => {
        await vscode.workspace.getConfiguration('systemtap').update('run.runtime', 'bpf', vscode.ConfigurationTarget.Workspace);
        await vscode.commands.executeCommand('probekit.run.start', uri('hello.stp'));
        const f = await until('hello.stp to finish', finished('hello.stp'), 120_000);
        assert.equal(f.exitCode, 1);
        assert.match(f.output, /Pass 4: compiled BPF/);
        assert.match(f.explanation ?? '', /RLIMIT_MEMLOCK/);
        return f.explanation!.slice(0, 80);
    }],
    ['a 100 MB flood: the extension host stays responsive and the panel keeps the end of it', async () => {
        const bt = vscode.workspace.getConfiguration('bpftrace');
        await bt.update('run.extraArgs', ['-c', '/usr/bin/seq 1 15000000'], vscode.ConfigurationTarget.Workspace);
        try {
            await vscode.commands.executeCommand('probekit.run.start', uri('flood.bt'));
            // commands keep answering while the flood is read
            let answers = 0;
            const f = await until('flood.bt to finish', async () => {
                answers++;
                return (await state()).finished.find(x => x.title === 'flood.bt');
            }, 120_000);
            assert.equal(f.exitCode, 0);
            assert.match(f.output, /14999999\n15000000\n/);
            return `${answers} state answers during the run`;
        } finally {
            await bt.update('run.extraArgs', undefined, vscode.ConfigurationTarget.Workspace);
        }
    }],
    ['tool errors land under "bpftrace run" and are cleared by the next run', async () => {
        const file = uri('fix-me.bt');
        await vscode.workspace.fs.writeFile(file, new TextEncoder().encode('BEGIN {\n  @x = nosuchfn(1);\n}\n'));
        const runDiagnostics = () => vscode.languages.getDiagnostics(file).filter(d => d.source === 'bpftrace run');
        await vscode.commands.executeCommand('probekit.run.start', file);
        const found = await until('a run diagnostic', async () => (runDiagnostics().length > 0 ? runDiagnostics() : undefined));
        assert.equal(found[0].message, 'Unknown function: nosuchfn');
        assert.deepEqual([found[0].range.start.line, found[0].range.start.character, found[0].range.end.character], [1, 7, 15]);
        const doc = await vscode.workspace.openTextDocument(file);
        const editor = await vscode.window.showTextDocument(doc);
        await editor.edit(e => e.replace(new vscode.Range(0, 0, doc.lineCount, 0), 'BEGIN { printf("fixed\\n"); exit(); }\n'));
        // Run Script saves first
        await vscode.commands.executeCommand('probekit.run.start', file);
        await until('the fixed script to run', async () => ((await state()).finished.find(f => f.title === 'fix-me.bt' && /fixed/.test(f.output)) ? true : undefined));
        assert.equal(doc.isDirty, false);
        assert.deepEqual(runDiagnostics(), []);
        return `${found[0].source}: ${found[0].message}, then cleared`;
    }],
    ['tasks: the provider lists scripts and a bpftrace task runs', async () => {
        const tasks = await vscode.tasks.fetchTasks({ type: 'bpftrace' });
        // The workspace holds bt/hello.bt and run/hello.bt: each task is named by its relative path.
        const task = tasks.find(t => t.name === 'run run/hello.bt');
        assert.ok(task, `tasks: ${tasks.map(t => t.name).join(', ')}`);
        assert.ok(tasks.some(t => t.name === 'run bt/hello.bt'), `tasks: ${tasks.map(t => t.name).join(', ')}`);
        const ended = new Promise<void>(resolve => vscode.tasks.onDidEndTask(e => { if (e.execution.task.name === task.name) resolve(); }));
        await vscode.tasks.executeTask(task);
        await ended;
        const f = await until('the task run to be recorded', finished('hello.bt'));
        assert.match(f.output, /\/run\/hello\.bt\n[\s\S]*hello from bpftrace/);
        return `${tasks.length} bpftrace tasks, ${task.name} ran`;
    }],
];

export async function run(): Promise<void> {
    const ext = vscode.extensions.all.find(e => e.id.toLowerCase() === 'probekit.probekit');
    await ext?.activate();
    const results: { name: string; ok: boolean; detail: string }[] = [];
    for (const [name, check] of checks) {
        try {
            results.push({ name, ok: true, detail: await check() });
        } catch (e) {
            results.push({ name, ok: false, detail: String((e as Error).stack ?? e) });
        }
    }
    fs.writeFileSync(process.env.PROBEKIT_API_RESULT!, JSON.stringify(results, null, 2));
    if (results.some(r => !r.ok)) throw new Error('run checks failed');
}
