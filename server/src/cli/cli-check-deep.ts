/**
 * Files too deeply nested for the main thread's stack are checked again on a worker thread. Node's default stack
 * (984 KB) holds about 620 `else if` branches where stap 4.8 takes 2,000; a worker thread's stack is 4 MB
 * (`resourceLimits.stackSizeMb`), as the language server's is with its flags (server-node-flags.ts). The worker
 * runs the same bundle (out/cli-check.cjs), told by its `workerData` to check the files it is given and post
 * their diagnostics back. It is started with {@link WORKER_ARG}, so that the bundle can tell it is one without loading
 * `node:worker_threads`, which with the streams it loads was ~17 ms of every `probekit check`.
 */
import type { Diagnostic } from 'vscode-languageserver-types';
import type { CheckOptions } from '../../../language/src/common/check-options.js';
import type { HostFacts } from '../../../language/src/common/host-facts.js';
import { lazyWorkerThreads } from '../node-lazy.js';

export const WORKER_STACK_MB = 4;

/** The argument a deep-check worker is started with (in its `process.argv`). */
const WORKER_ARG = '--probekit-deep-check-worker';

/** Whether this thread may be a deep-check worker (a main thread never has {@link WORKER_ARG}: no option takes it). */
const startedAsWorker = (): boolean => process.argv.includes(WORKER_ARG);

export interface DeepCheckRequest {
    probekitDeepCheck: true;
    files: Array<{ uri: string; text: string }>;
    options: CheckOptions;
    host: HostFacts;
}

export interface DeepCheckResult {
    uri: string;
    diagnostics: Diagnostic[];
}

/** The request this thread was started with, when it is a deep-check worker. */
export function deepCheckRequest(): DeepCheckRequest | undefined {
    if (!startedAsWorker()) return undefined;
    const { isMainThread, workerData } = lazyWorkerThreads();
    const data = workerData as Partial<DeepCheckRequest> | undefined;
    return !isMainThread && data?.probekitDeepCheck === true ? data as DeepCheckRequest : undefined;
}

/** Answers the request (on the worker thread). */
export function postDeepCheckResults(results: DeepCheckResult[]): void {
    lazyWorkerThreads().parentPort?.postMessage(results);
}

/**
 * The bundle a worker can run this command from: this file's own bundle (out/cli-check.cjs). Undefined where the
 * sources run unbundled (a test of the TypeScript sources): such a run keeps the main thread's diagnostics.
 */
export function deepCheckBundle(): string | undefined {
    const file = typeof __filename === 'string' ? __filename : undefined;
    return !startedAsWorker() && file?.endsWith('.cjs') ? file : undefined;
}

/** Checks `files` again on a worker thread with a {@link WORKER_STACK_MB} MB stack. */
export function checkOnWorker(bundle: string, request: Omit<DeepCheckRequest, 'probekitDeepCheck'>): Promise<DeepCheckResult[]> {
    return new Promise((resolve, reject) => {
        const worker = new (lazyWorkerThreads().Worker)(bundle, {
            argv: [WORKER_ARG],
            // (The kernel configuration as a plain map: a structured clone keeps no class, and a lazily read file is one.)
            workerData: {
                probekitDeepCheck: true, ...request, host: { ...request.host, kernelConfig: request.host.kernelConfig && new Map(request.host.kernelConfig) },
            } satisfies DeepCheckRequest,
            resourceLimits: { stackSizeMb: WORKER_STACK_MB },
            stdout: true,
            stderr: true,
        });
        let answered = false;
        worker.once('message', (results: DeepCheckResult[]) => {
            answered = true;
            resolve(results);
            void worker.terminate();
        });
        worker.once('error', reject);
        worker.once('exit', code => {
            if (!answered) reject(new Error(`the deep-check worker exited (${code}) without an answer`));
        });
    });
}
