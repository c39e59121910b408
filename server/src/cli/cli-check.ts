import { resolve } from 'node:path';
import { URI } from 'langium';
import type { Diagnostic } from 'vscode-languageserver-types';
import { createNodeProbekitServices } from '../server-services.js';
import { applySettings, checkTexts, type CheckedFile } from '../../../language/src/common/probekit-check.js';
import type { CheckOptions } from '../../../language/src/common/check-options.js';
import type { HostFacts } from '../../../language/src/common/host-facts.js';
import { StapCode } from '../../../language/src/systemtap/systemtap-diagnostic-codes.js';
import { readHostFacts } from '../providers/node-host-facts.js';
import { parseArgs, UsageError } from './cli-args.js';
import { checkOnWorker, deepCheckBundle, deepCheckRequest, postDeepCheckResults } from './cli-check-deep.js';
import { readInputs } from './cli-files.js';
import { CHECK_USAGE } from './cli-usage.js';

// `probekit index --front-end` loads this indexer from the check bundle, which has the front end already.
export { frontendTapsetIndexer } from '../catalogue/catalogue-tapset-frontend-indexer.js';


const SEVERITY = ['', 'error', 'warning', 'info', 'hint'] as const;

// This bundle on a worker thread, started by checkDeepFiles below: check what it was given and answer.
const request = deepCheckRequest();
if (request) {
    const services = createNodeProbekitServices();
    void applySettings(services, request.options, request.host)
        .then(() => checkTexts(services, request.files.map(f => ({ uri: URI.parse(f.uri), text: f.text })), request.options))
        .then(checked => postDeepCheckResults(checked.map(f => ({ uri: f.uri.toString(), diagnostics: f.diagnostics }))));
}

function codeOf(d: Diagnostic): string | undefined {
    const code = d.code ?? (d.data as { code?: string } | undefined)?.code;
    return code === undefined ? undefined : String(code);
}

/**
 * Files the main thread's stack was too small for (`stap-lex-too-deep`) get the diagnostics of a check on a worker
 * thread, whose stack is larger (see cli-check-deep.ts); where even that one runs out, they say so again.
 */
async function checkDeepFiles(checked: CheckedFile[], texts: ReadonlyArray<{ uri: URI; text: string }>, options: CheckOptions, host: HostFacts): Promise<void> {
    const deep = checked.filter(f => f.diagnostics.some(d => codeOf(d) === StapCode.LexTooDeep));
    const bundle = deepCheckBundle();
    if (deep.length === 0 || !bundle) return;
    const wanted = new Set(deep.map(f => f.uri.toString()));
    // A worker that fails leaves the main thread's diagnostics (the nest reported too deep) in place.
    const again = await checkOnWorker(bundle, {
        files: texts.filter(t => wanted.has(t.uri.toString())).map(t => ({ uri: t.uri.toString(), text: t.text })), options, host,
    }).catch(() => []);
    const byUri = new Map(again.map(r => [r.uri, r.diagnostics]));
    for (const f of deep) f.diagnostics = byUri.get(f.uri.toString()) ?? f.diagnostics;
}

/** `probekit check`: returns the exit code (0 clean, 1 errors, 2 usage or I/O problems). */
export async function runCheck(argv: readonly string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
    const args = parseArgs(argv, {
        flags: ['syntax-only', 'help'],
        values: ['format', 'stap-options', 'kernel-release', 'arch', 'tapset-dir', 'bpftrace-version'],
        repeated: ['tapset-dir'],
    });
    if (args.flags.has('help')) {
        out(CHECK_USAGE + '\n');
        return 0;
    }
    const format = args.values.get('format')?.[0] ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, not ${format}`);
    if (args.positionals.length === 0) throw new UsageError('no FILE or DIR to check');

    const options: CheckOptions = {
        syntaxOnly: args.flags.has('syntax-only'),
        stapOptions: args.values.get('stap-options')?.[0],
        kernelRelease: args.values.get('kernel-release')?.[0],
        arch: args.values.get('arch')?.[0],
        tapsetDirs: args.values.get('tapset-dir'),
        bpftraceVersion: args.values.get('bpftrace-version')?.[0],
        baseDir: process.cwd(),
    };
    const { files, problems } = readInputs(args.positionals);
    const wantsBt = files.some(f => f.path.endsWith('.bt'));
    const host = await readHostFacts({ bpftrace: wantsBt && !options.bpftraceVersion });

    const services = createNodeProbekitServices();
    await applySettings(services, options, host);
    const byUri = new Map(files.map(f => [URI.file(resolve(f.path)).toString(), f.path]));
    const texts = files.map(f => ({ uri: URI.file(resolve(f.path)), text: f.text }));
    const checked = await checkTexts(services, texts, options);
    await checkDeepFiles(checked, texts, options, host);

    let errors = 0;
    for (const file of checked) {
        errors += file.diagnostics.filter(d => d.severity === 1).length;
    }
    for (const p of problems) {
        err(`probekit: ${p.path}: ${p.message}\n`);
    }
    if (format === 'json') {
        out(JSON.stringify({
            files: checked.map(f => ({
                path: byUri.get(f.uri.toString()),
                language: f.languageId,
                diagnostics: f.diagnostics.map(d => ({
                    severity: SEVERITY[d.severity ?? 1],
                    range: d.range,
                    message: d.message,
                    code: codeOf(d),
                    source: d.source ?? 'probekit',
                })),
            })),
        }) + '\n');
    } else {
        const lines: string[] = [];
        for (const f of checked) {
            const path = byUri.get(f.uri.toString());
            for (const d of f.diagnostics) {
                const code = codeOf(d);
                lines.push(`${path}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${SEVERITY[d.severity ?? 1]}: ${d.message}${code ? ` [${code}]` : ''}`);
            }
        }
        if (lines.length) out(lines.join('\n') + '\n');
    }
    if (problems.length) return 2;
    return errors > 0 ? 1 : 0;
}
