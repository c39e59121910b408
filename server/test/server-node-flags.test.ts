import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { SERVER_NODE_FLAGS, SERVER_STACK_FLAG, serverNodeFlags, softStackLimit } from '../src/server-node-flags.js';
import { shippedCli } from './catalogue/catalogue-test-kit.js';

const LIMITS = (soft: string): string =>
    `Limit                     Soft Limit           Hard Limit           Units     \nMax cpu time              unlimited            unlimited            seconds   \nMax stack size            ${soft.padEnd(20)} unlimited            bytes     \n`;

describe('the language server\'s node flags', () => {
    test.each([
        ['8388608', 8 * 1024 * 1024, [...SERVER_NODE_FLAGS, SERVER_STACK_FLAG]],
        ['unlimited', Infinity, [...SERVER_NODE_FLAGS, SERVER_STACK_FLAG]],
        ['16777216', 16 * 1024 * 1024, [...SERVER_NODE_FLAGS, SERVER_STACK_FLAG]],
        // A smaller real stack than V8 would be told: no stack flag (a deep text would crash the process).
        ['4194304', 4 * 1024 * 1024, [...SERVER_NODE_FLAGS]],
    ])('soft stack limit %s', (soft, bytes, flags) => {
        expect(softStackLimit(LIMITS(soft))).toBe(bytes);
        expect(serverNodeFlags(LIMITS(soft))).toEqual(flags);
    });
    test('no /proc/self/limits (not Linux): the heap and JIT flags only', () => {
        expect(serverNodeFlags('')).toEqual([...SERVER_NODE_FLAGS]);
    });
});

/** Messages from a language server over stdio, as LSP frames. */
function lspFrames(onMessage: (m: { method?: string; params?: unknown; id?: number }) => void): (chunk: Buffer) => void {
    let buf = Buffer.alloc(0);
    return chunk => {
        buf = Buffer.concat([buf, chunk]);
        for (;;) {
            const head = buf.indexOf('\r\n\r\n');
            if (head < 0) return;
            const length = Number(/Content-Length: (\d+)/i.exec(buf.subarray(0, head).toString())?.[1]);
            if (buf.length < head + 4 + length) return;
            onMessage(JSON.parse(buf.subarray(head + 4, head + 4 + length).toString()));
            buf = buf.subarray(head + 4 + length);
        }
    };
}

/**
 * The diagnostics the shipped server publishes for one SystemTap text, started as the client starts it: out/server-boot.cjs
 * (out/server.cjs through the code cache) with `flags`.
 */
function serverDiagnostics(flags: string[], text: string): Promise<Array<{ message: string }>> {
    const server = join(shippedCli(), '..', 'server-boot.cjs');
    const child = spawn(process.execPath, [...flags, server, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const send = (m: object): void => {
        const body = JSON.stringify({ jsonrpc: '2.0', ...m });
        child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    };
    const uri = 'file:///probekit-test/deep.stp';
    return new Promise<Array<{ message: string }>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no diagnostics from the server in 60 s')), 60_000);
        child.on('exit', code => reject(new Error(`the server exited (${code}) before publishing diagnostics`)));
        child.stdout.on('data', lspFrames(m => {
            const p = m.params as { uri?: string; diagnostics?: Array<{ message: string }> } | undefined;
            if (m.method === 'textDocument/publishDiagnostics' && p?.uri === uri) {
                clearTimeout(timer);
                resolve(p.diagnostics ?? []);
            }
        }));
        send({ id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } });
        send({ method: 'initialized', params: {} });
        send({ method: 'textDocument/didOpen', params: { textDocument: { uri, languageId: 'systemtap', version: 1, text } } });
    }).finally(() => child.kill());
}

describe('the language server started as the client starts it', () => {
    beforeAll(() => {
        shippedCli();
    }, 300_000);
    // stap 4.8 takes 2,000 `else if` branches (-p1 exit 0); node's default stack holds about 620.
    const branches = (n: number): string => ['probe begin {', '  x = 5', '  if (x == 0) { printf("0") }',
        ...Array.from({ length: n - 1 }, (_, i) => `  else if (x == ${i + 1}) { printf("${i + 1}") }`), '  exit()', '}', ''].join('\n');
    test.runIf(serverNodeFlags().includes(SERVER_STACK_FLAG))('2,000 else-if branches: no diagnostic, as from stap', async () => {
        expect((await serverDiagnostics(serverNodeFlags(), branches(2000))).map(d => d.message)).toEqual([]);
    }, 90_000);
    test('without the stack flag, the same text is too deep to check', async () => {
        const messages = (await serverDiagnostics([...SERVER_NODE_FLAGS], branches(2000))).map(d => d.message);
        expect(messages).toEqual([expect.stringMatching(/^too deeply nested to check/)]);
    }, 90_000);
});
