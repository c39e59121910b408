/**
 * End-to-end check of the packaged extension in a real VS Code (code-server 4.100.3 = VS Code 1.100) driven
 * through Debian's Chromium: UI checks in the workbench, then vscode-API checks inside the extension host.
 * Run by scripts/e2e.sh (which sets the paths below); prints `N passed, N failed` last and exits 1 on any
 * failure. Screenshots go to $E2E_DIR/screenshots/ (git-ignored).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { apiChecks } from './e2e-api-checks.js';
import { startCodeServer, type CodeServer, type CodeServerOptions } from './e2e-code-server.js';
import { Results } from './e2e-results.js';
import { startChecks } from './e2e-start-checks.js';
import { uiChecks, untrustedChecks, vsixChecks, type E2eFiles } from './e2e-ui-checks.js';

const ROOT = process.env.PROBEKIT_ROOT ?? process.cwd();
const E2E_DIR = process.env.E2E_DIR ?? path.join(ROOT, '.e2e');
const CODE_SERVER = process.env.CODE_SERVER ?? path.join(E2E_DIR, 'node_modules/.bin/code-server');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const VSIX = process.env.VSIX ?? path.join(ROOT, 'probekit.vsix');
const API_SUITE = process.env.PROBEKIT_API_SUITE ?? path.join(E2E_DIR, 'out/api-suite.cjs');
const SAMPLES = path.join(ROOT, 'test-workspace');
const FIXTURES = path.join(ROOT, 'test/e2e/fixtures');

/** User settings for the test profile: no welcome page, no auto-save into the workspace copy, quick hovers. */
const SETTINGS = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'files.autoSave': 'off',
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'update.mode': 'none',
    'telemetry.telemetryLevel': 'off',
    'security.workspace.trust.enabled': false,
    'editor.hover.delay': 200,
    'workbench.colorTheme': 'Default Dark Modern',
};

/**
 * A sample script from test-workspace/: E2E_STP / E2E_BT if set, else the preferred one (valid for the installed
 * stap 4.8 / bpftrace 0.17), else the first whose name does not say it is broken or unfinished.
 */
function pickSample(extension: string, override: string | undefined, preferred: string): string | undefined {
    if (override) {
        return override;
    }
    if (fs.existsSync(path.join(SAMPLES, preferred))) {
        return preferred;
    }
    const found: string[] = [];
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) {
                walk(full);
            } else if (entry.name.endsWith(extension) && !/broken|half|error|bad|invalid|wrong/i.test(entry.name)) {
                found.push(path.relative(SAMPLES, full));
            }
        }
    };
    if (fs.existsSync(SAMPLES)) {
        walk(SAMPLES);
    }
    // Top-level samples first, then by name.
    return found.sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b))[0];
}

/** `file` (relative to test-workspace/) if it is there. */
function sampleIfThere(file: string): string | undefined {
    return fs.existsSync(path.join(SAMPLES, file)) ? file : undefined;
}

async function withCodeServer(results: Results, name: string, options: CodeServerOptions,
    body: (server: CodeServer) => Promise<void>): Promise<void> {
    let server: CodeServer | undefined;
    try {
        await results.check(undefined, `${name}: the .vsix installs into code-server and code-server starts`, async () => {
            server = await startCodeServer(options);
            return [true, server.url];
        });
        if (server) {
            await body(server);
        }
    } finally {
        await server?.stop().catch(() => undefined);
    }
}

async function main(results: Results): Promise<void> {
    const files: E2eFiles = {
        stp: pickSample('.stp', process.env.E2E_STP, 'stap/syscall-count.stp'),
        bt: pickSample('.bt', process.env.E2E_BT, 'bt/read-size-hist.bt'),
        brokenSample: sampleIfThere('stap/broken-syntax.stp'),
        brokenBtSample: sampleIfThere('bt/broken-syntax.bt'),
        macros: sampleIfThere('stap/library-macros.stp'),
        run: fs.existsSync(path.join(SAMPLES, 'bt/hello.bt'))
            ? { file: 'bt/hello.bt', expect: /Hello from bpftrace/ } : undefined,
        brokenStp: 'e2e-broken.stp',
        brokenBt: 'e2e-broken.bt',
    };
    results.log(`samples: ${files.stp ?? '(no .stp in test-workspace)'}, ${files.bt ?? '(no .bt in test-workspace)'}`);
    for (const [language, file] of [['.stp', files.stp], ['.bt', files.bt]]) {
        if (!file) {
            results.add({ name: `a ${language} sample exists in test-workspace/`, ok: false, detail: 'none found' });
        }
    }
    const common = {
        codeServer: CODE_SERVER, vsix: VSIX, settings: SETTINGS,
        workspaceSources: [SAMPLES, FIXTURES].filter(dir => fs.existsSync(dir)),
    };

    await withCodeServer(results, 'ui', { ...common, runDir: path.join(E2E_DIR, 'run-ui') }, async server => {
        await vsixChecks(results, VSIX, server);
        await uiChecks(results, server, CHROMIUM, files);
    });

    const untrustedSettings = {
        ...SETTINGS, 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never',
    };
    await withCodeServer(results, 'untrusted', {
        ...common, settings: untrustedSettings, workspaceTrust: true, runDir: path.join(E2E_DIR, 'run-untrusted'),
        // Beside the samples' systemtap.tapsetDirs, the macro library once more through stap -I: restricted mode
        // must ignore both.
        workspaceSettings: { 'systemtap.stapOptions': '-I stap/lib' },
    }, async server => {
        await untrustedChecks(results, server, CHROMIUM, files);
    });

    const apiRun = path.join(E2E_DIR, 'run-api');
    const resultFile = path.join(E2E_DIR, 'api-result.json');
    fs.rmSync(resultFile, { force: true });
    const env = {
        PROBEKIT_API_RESULT: resultFile,
        // library-macros.stp is clean only when the workspace setting systemtap.tapsetDirs (a relative path) is
        // resolved against the workspace folder and its .stpm macros are loaded.
        PROBEKIT_API_SAMPLES: [files.stp, files.bt, files.macros].filter(Boolean).join(','),
    };
    await withCodeServer(results, 'api', { ...common, runDir: apiRun, env }, async server => {
        await apiChecks(results, server, CHROMIUM, API_SUITE, resultFile);
    });

    await startChecks(results, { root: ROOT, vsix: VSIX, stateDir: path.join(E2E_DIR, 'run-start'), chromium: CHROMIUM });
}

const results = new Results(path.join(E2E_DIR, 'screenshots'));
main(results).catch(error => {
    results.add({ name: 'e2e run', ok: false, detail: String(error instanceof Error ? error.stack : error) });
}).finally(() => {
    results.log(`screenshots in ${results.shotsDir}`);
    console.log(`${results.all.length - results.failed} passed, ${results.failed} failed`);
    process.exitCode = results.failed > 0 ? 1 : 0;
});
