import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RemoteHost } from '../../src/run/run-types.js';

/** A real OpenSSH server on 127.0.0.1 with its own host key, config and client key, all in a temp folder. */
export interface SshdFixture {
    dir: string;
    hosts: RemoteHost[];
    stop(): Promise<void>;
}

async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = createServer();
        server.listen(0, '127.0.0.1', () => {
            const port = (server.address() as { port: number }).port;
            server.close(() => resolve(port));
        });
        server.on('error', reject);
    });
}

async function waitForPort(port: number): Promise<void> {
    for (let i = 0; i < 200; i++) {
        const ok = await new Promise<boolean>(resolve => {
            const socket = createConnection({ host: '127.0.0.1', port }, () => { socket.end(); resolve(true); });
            socket.on('error', () => resolve(false));
        });
        if (ok) return;
        await new Promise(res => setTimeout(res, 50));
    }
    throw new Error(`sshd did not listen on ${port}`);
}

/** Start one sshd per port (`count` of them), each a "host" for the run core. */
export async function startSshd(count: number): Promise<SshdFixture> {
    const dir = mkdtempSync(join(tmpdir(), 'probekit-sshd-'));
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege-separation directory
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client_key')]);
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')), { mode: 0o600 });
    const children: ChildProcess[] = [];
    const hosts: RemoteHost[] = [];
    for (let i = 0; i < count; i++) {
        const port = await freePort();
        const config = join(dir, `sshd_config_${i}`);
        writeFileSync(config, [
            `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(dir, 'host_key')}`,
            `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'PermitRootLogin prohibit-password',
            'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'StrictModes no', 'UsePAM no',
            `PidFile ${join(dir, `sshd_${i}.pid`)}`, 'LogLevel ERROR', 'Subsystem sftp /usr/lib/openssh/sftp-server', '',
        ].join('\n'));
        const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: 'ignore' });
        children.push(child);
        await waitForPort(port);
        hosts.push({
            name: `host${i + 1}`, host: '127.0.0.1', port, user: 'root', identityFile: join(dir, 'client_key'),
            sshOptions: ['-o', 'StrictHostKeyChecking=no', '-o', `UserKnownHostsFile=${join(dir, 'known_hosts')}`, '-o', 'LogLevel=ERROR'],
        });
    }
    return {
        dir,
        hosts,
        async stop() {
            await Promise.all(children.map(c => new Promise<void>(resolve => {
                if (c.exitCode !== null || c.signalCode !== null) return resolve();
                c.once('exit', () => resolve());
                c.kill('SIGTERM');
            })));
            rmSync(dir, { recursive: true, force: true });
        },
    };
}
