// Bundles the three entry points into self-contained CommonJS files under out/.
// Everything is bundled (no node_modules in the .vsix); only `vscode` is provided by the host.
import * as esbuild from 'esbuild';
import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';
import { lazyBuiltinBanner, lazyLibraryBuiltins } from './scripts/esbuild-lazy-builtins.mjs';

const watch = process.argv.includes('--watch');
const minify = process.argv.includes('--minify');

const common = {
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    outExtension: { '.js': '.cjs' },
    sourcemap: !minify,
    minify,
    external: ['vscode'],
    logLevel: 'warning',
    // Langium and some of its dependencies are ESM and read import.meta.url; give them a CJS equivalent.
    define: { 'import.meta.url': 'importMetaUrl' },
    banner: { js: `const importMetaUrl = require('url').pathToFileURL(__filename).href;\n${lazyBuiltinBanner}` },
    plugins: [lazyLibraryBuiltins],
};

/**
 * The CLI is a small dispatcher (out/cli.cjs) and one bundle per command (out/cli-<command>.cjs), loaded on
 * demand (with V8's code cache, server/src/code-cache.ts): a cold `probekit index` then neither reads nor compiles
 * the language services it does not use.
 */
const CLI_COMMANDS = ['check', 'run', 'index', 'doctor'];
/**
 * `probekit index --front-end` takes the SystemTap front end's tapset indexer from the check bundle, which carries
 * the front end anyway: out/cli-index.cjs stays without it, and no extra file ships.
 */
const frontendIndexerExternal = {
    name: 'frontend-indexer-external',
    setup(build) {
        build.onResolve({ filter: /^\.\.\/catalogue\/catalogue-tapset-frontend-indexer\.js$/ }, args =>
            args.importer.endsWith('cli-index.ts') ? { path: './cli-check.cjs', external: true } : undefined);
    },
};
const cliBanner = { js: `#!/usr/bin/env node\n${common.banner.js}` };
/**
 * What the CLI's bundles load on demand (the check bundle, for `probekit index --front-end`) is loaded with
 * `require`, not `import()`: from CommonJS, `import()` starts Node's ESM loader and scans the loaded bundle for its
 * exports first, ~0.1 s of a cold `probekit index` (measured: out/cli-index.cjs loads in 20–35 ms by `require`,
 * 110–140 ms by `import()`).
 */
const cli = { ...common, supported: { 'dynamic-import': false } };

const builds = [
    { ...common, entryPoints: { extension: 'client/src/extension.ts' }, outdir: 'out' },
    { ...common, entryPoints: { server: 'server/src/main.ts' }, outdir: 'out' },
    { ...common, entryPoints: { 'server-boot': 'server/src/server-boot.ts' }, outdir: 'out' },
    { ...cli, entryPoints: { cli: 'server/src/cli/cli-main.ts' }, outdir: 'out', banner: cliBanner },
    ...CLI_COMMANDS.map(c => ({ ...cli, entryPoints: { [`cli-${c}`]: `server/src/cli/cli-${c}.ts` }, outdir: 'out', plugins: [...common.plugins, frontendIndexerExternal] })),
];

/** The `probekit` command (the package's bin): a shell launcher for out/cli.cjs (see the script for why). */
function copyLauncher() {
    mkdirSync('out', { recursive: true });
    copyFileSync('server/src/cli/probekit.sh', 'out/probekit');
    chmodSync('out/probekit', 0o755);
}

copyLauncher();
if (watch) {
    for (const b of builds) {
        const ctx = await esbuild.context(b);
        await ctx.watch();
    }
} else {
    await Promise.all(builds.map(b => esbuild.build(b)));
}
