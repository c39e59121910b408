// `npm run bench`: bundles every bench/*-bench.ts (Node 20 cannot run TypeScript itself), runs each one's
// `run()` in turn and prints Probekit beside the real tools as ratios. Results also go to bench/results/.
import * as esbuild from 'esbuild';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { lazyBuiltinBanner, lazyLibraryBuiltins } from '../scripts/esbuild-lazy-builtins.mjs';

const root = resolve(import.meta.dirname, '..');
const only = process.argv.slice(2);
const benches = readdirSync(join(root, 'bench'))
    .filter(f => f.endsWith('-bench.ts'))
    .filter(f => only.length === 0 || only.some(o => f.includes(o)))
    .sort();
const outDir = join(root, 'out', 'bench');
mkdirSync(outDir, { recursive: true });
await esbuild.build({
    entryPoints: Object.fromEntries(benches.map(f => [f.replace(/\.ts$/, ''), join(root, 'bench', f)])),
    outdir: outDir, outExtension: { '.js': '.cjs' }, bundle: true, format: 'cjs', platform: 'node',
    target: 'node20', external: ['vscode'], logLevel: 'warning',
    define: { 'import.meta.url': 'importMetaUrl', 'import.meta.dirname': '__dirname' },
    // Bundled as the product's bundles are (esbuild.mjs), so that a bench child loads what probekit loads.
    banner: { js: `const importMetaUrl = require('url').pathToFileURL(__filename).href;\n${lazyBuiltinBanner}` },
    plugins: [lazyLibraryBuiltins],
});
const require = createRequire(import.meta.url);
const rows = [];
let failed = 0;
for (const f of benches) {
    const name = f.replace(/\.ts$/, '');
    process.stderr.write(`bench: ${name} …\n`);
    try {
        const mod = require(join(outDir, `${name}.cjs`));
        for (const row of await mod.run()) rows.push({ bench: name, ...row });
    } catch (e) {
        failed++;
        rows.push({ bench: name, name: 'FAILED', probekit: NaN, unit: '', note: String(e?.stack ?? e).split('\n')[0] });
    }
}
const fmt = n => (n === undefined || Number.isNaN(n) ? '—' : n >= 100 ? n.toFixed(0) : n.toFixed(3));
const lines = [['bench', 'measure', 'probekit', 'real tool', 'unit', 'ratio', 'target', 'note']];
for (const r of rows) {
    const ratio = r.reference ? (r.probekit / r.reference).toFixed(2) + '×' : '—';
    lines.push([r.bench, r.name, fmt(r.probekit), fmt(r.reference), r.unit, ratio, r.target ?? '', r.note ?? '']);
}
const widths = lines[0].map((_, i) => Math.max(...lines.map(l => String(l[i]).length)));
for (const l of lines) console.log(l.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd());
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'latest.json'), JSON.stringify({ date: new Date().toISOString(), rows }, null, 2));
process.exitCode = failed ? 1 : 0;
