/**
 * `probekit index`: indexes what this machine can be probed at (tapset library, BTF, kernel symbols, tracefs)
 * and prints counts and timings, or dumps the index as JSON.
 */
import { existsSync } from 'node:fs';
import { arch as nodeArch, release } from 'node:os';
import type { KernelTypeSource } from '../../../language/src/catalogue/catalogue-kernel-types.js';
import { BtfTypeSource } from '../catalogue/catalogue-btf-types.js';
import { CatalogueCache } from '../catalogue/catalogue-cache.js';
import { NodeSystemCatalogue, stapVersionOf } from '../catalogue/catalogue-system.js';
import { INSTALLED_TAPSET_DIR } from '../catalogue/catalogue-tapset-reader.js';
import { parseArgs, UsageError } from './cli-args.js';
import { kernelConfigOf, stapArchOf } from '../providers/node-host-facts.js';
import { lazyV8, nowMs } from '../node-lazy.js';
import { PARSE_JIT_FLAG } from '../server-node-flags.js';

export const INDEX_USAGE = `usage: probekit index [--tapset-dir DIR]… [--no-installed] [--btf FILE] [--btf-modules] [--json] [--stats]
                      [--no-cache] [--no-tracefs-cache] [--front-end] [--only tapsets,btf,kernel,tracefs] [--arch A] [--kernel-release R] [--stap-version V]
                      [--alias NAME]… [--function NAME]… [--tracepoint SYS:EVENT]… [--repeat N] [--list]
  --list: print every bpftrace probe the kernel sources give, one a line, as bpftrace -l does: tracepoint:SYS:EVENT,
          kprobe:FUNCTION (traceable functions, else kallsyms's), kfunc:FUNCTION and iter:NAME (BTF)
  --repeat N: build the requested sources N times in this process, each time from a fresh catalogue (through the
              disk cache unless --no-cache), and print the median and fastest build times (what the running language
              server pays)`;

const SOURCES = ['tapsets', 'btf', 'kernel', 'tracefs'] as const;
/** `kernel` = kallsyms + tracefs; `tracefs` alone is what bpftrace lists (tracepoints, traceable functions). */

function ms(n: number): string {
    return `${n.toFixed(1)} ms`;
}

/** `probekit index`: 0 when every requested source was read, 1 when some could not be, 2 on usage errors. */
export async function runIndex(argv: readonly string[], out: (s: string | Uint8Array) => void, _err: (s: string) => void): Promise<number> {
    const t0 = nowMs();
    const args = parseArgs(argv, {
        flags: ['json', 'stats', 'no-cache', 'no-installed', 'btf-modules', 'no-tracefs-cache', 'front-end', 'list', 'help'],
        values: ['tapset-dir', 'btf', 'only', 'arch', 'kernel-release', 'stap-version', 'alias', 'function', 'tracepoint', 'repeat'],
        repeated: ['tapset-dir', 'alias', 'function', 'tracepoint'],
    });
    if (args.flags.has('help')) {
        out(INDEX_USAGE + '\n');
        return 0;
    }
    if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const only = new Set((args.values.get('only')?.[0] ?? SOURCES.join(',')).split(',').map(s => s.trim()).filter(Boolean));
    for (const s of only) if (!(SOURCES as readonly string[]).includes(s)) throw new UsageError(`--only: unknown source '${s}' (${SOURCES.join(', ')})`);

    const repeat = Number(args.values.get('repeat')?.[0] ?? 0);
    if (!Number.isInteger(repeat) || repeat < 0) throw new UsageError('--repeat: a whole number of builds');
    const cache = args.flags.has('no-cache') ? undefined : new CatalogueCache();
    const roots = [...(args.values.get('tapset-dir') ?? [])];
    if (!args.flags.has('no-installed') && existsSync(INSTALLED_TAPSET_DIR)) roots.push(INSTALLED_TAPSET_DIR);
    const kernelRelease = args.values.get('kernel-release')?.[0] ?? release();
    const explicitVersion = args.values.get('stap-version')?.[0];
    // The kernel configuration only decides tapset conditionals.
    // Read when the index is built, not to find it in the cache (see KernelConfigFile).
    const kernelConfig = only.has('tapsets') ? kernelConfigOf(kernelRelease) : undefined;
    // The front end's indexer is loaded only when asked for (from the check bundle: see esbuild.mjs).
    const indexer = args.flags.has('front-end') ? (await import('../catalogue/catalogue-tapset-frontend-indexer.js')).frontendTapsetIndexer : undefined;
    const newCatalogue = (): NodeSystemCatalogue => new NodeSystemCatalogue({
        tapsetRoots: only.has('tapsets') ? roots : [],
        target: { kernelRelease, arch: args.values.get('arch')?.[0] ?? stapArchOf(nodeArch()), runtime: 'kernel', kernelConfig },
        stapVersion: explicitVersion ?? (only.has('tapsets') ? stapVersionOf('stap', cache).then(v => v ?? '') : ''),
        btfPath: args.values.get('btf')?.[0],
        btfModules: args.flags.has('btf-modules'),
        indexer,
        cache,
        // Indexing the tapset library allocates ~30 MB of short-lived tokens, file by file. V8's young generation
        // starts at 1 MB and doubles only when a scavenge finds it too small, so a cold run spends ~20 scavenges
        // getting there; growing it faster halves them (a GC sizing heuristic only: nothing else changes).
        // And the optimising compiler inlines as in the language server (PARSE_JIT_FLAG, server-node-flags.ts): with
        // the default budget it inlined the scanner's helpers back into its loop and took 100 ms, twice, to compile it,
        // while the library was scanned unoptimised (21 interleaved cold runs: wall median 447 -> 398 ms, CPU 0.66 ->
        // 0.56 s, with the scanner split). Both set when the library is indexed, not on a cache hit, which then need
        // not load node:v8; as flags given to node, they would cost every command node's own code cache.
        beforeIndexing: () => lazyV8().setFlagsFromString(`--semi-space-growth-factor=16 ${PARSE_JIT_FLAG}`),
    });
    if (repeat) {
        const times = await repeatBuilds(repeat, newCatalogue, only, args.values.get('function') ?? [], args.flags.has('list'));
        out(`builds: ${times.length} in-process (${[...only].join(',')}), median ${ms(median(times))}, fastest ${ms(Math.min(...times))}\n`);
        return 0;
    }
    const catalogue = newCatalogue();

    const report: Record<string, unknown> = {};
    const stats: Record<string, number> = {};
    const lines: string[] = [];
    /** `--list`: probe names, a line each, printed before the summary. */
    const listed: Array<string | Uint8Array> = [];
    let missing = 0;

    if (only.has('tapsets')) {
        const t = nowMs();
        const result = await catalogue.tapsetResult();
        stats.tapsetsMs = nowMs() - t;
        if (result) {
            const c = result.index.counts();
            lines.push(`tapsets: ${c.files} files from ${roots.join(', ')} (cache: ${cache ? (result.fromCache ? 'hit' : 'written') : 'off'})`);
            lines.push(`  ${c.aliasNames} probe aliases (${c.aliases} definitions), ${c.functionNames} functions (${c.functions} overloads), ${c.globals} globals, ${c.macros} macros, ${c.docs} kerneldoc blocks`);
            if (args.flags.has('json')) {
                // Every alias resolved (or those asked with --alias): its definitions and the context variables a probe on it sees.
                const names = args.values.get('alias') ?? [...result.index.aliases.keys()].sort();
                const aliases = Object.fromEntries(names.map(n => [n, result.index.describeAlias(n) ?? null]));
                report.tapsets = { roots, counts: c, fromCache: result.fromCache, aliases, files: result.index.data.files };
            }
            for (const name of args.values.get('alias') ?? []) {
                const vars = result.index.contextVariables(name);
                const defs = result.index.aliases.get(name);
                lines.push(defs
                    ? `  probe ${name} = ${defs.flatMap(d => d.targets).join(', ')}  [${defs[0].file}:${defs[0].line + 1}]\n    variables: ${vars.map(v => v.name).join(' ')}`
                    : `  probe ${name}: no such alias`);
            }
            for (const name of args.values.get('function') ?? []) {
                for (const f of result.index.functions.get(name) ?? []) {
                    lines.push(`  function ${f.name}${f.returnType ? `:${f.returnType}` : ''} (${f.params.map(p => p.type ? `${p.name}:${p.type}` : p.name).join(', ')})${f.markers.length ? ` /* ${f.markers.join(' ')} */` : ''}  [${f.file}:${f.line + 1}]`);
                    if (f.doc) lines.push(`    ${f.doc.summary}`);
                }
            }
        } else {
            missing++;
        }
    }

    if (only.has('btf')) {
        const t = nowMs();
        const types = await catalogue.kernelTypes();
        stats.btfMs = nowMs() - t;
        if (types) {
            const fns = types.functionCount();
            const iters = types.iterNames();
            lines.push(`btf: ${types.typeCount} types, ${fns} functions, ${iters.length} iterators`);
            if (args.flags.has('list')) listed.push(functionLines(types), iters.map(i => `iter:${i}\n`).join(''));
            report.btf = { types: types.typeCount, functions: fns, iterators: iters };
            for (const name of args.values.get('function') ?? []) {
                const f = types.func(name);
                lines.push(f ? `  ${f.returnType} ${f.name}(${f.params.map(p => `${p.type} ${p.name}`).join(', ')})  [${f.module}]` : `  ${name}: no BTF prototype`);
                if (f) report.btf = { ...(report.btf as object), [`fentry:${name}`]: f };
            }
        } else {
            missing++;
        }
    }

    if (only.has('kernel') || only.has('tracefs')) {
        const t = nowMs();
        const ks = catalogue.kernelSymbols;
        const [kallsyms, traceable, tracepoints, functions] = await Promise.all([
            only.has('kernel') ? ks.kallsymsFunctions() : Promise.resolve(undefined), ks.traceableFunctions(), ks.tracepoints(),
            args.flags.has('list') ? ks.kernelFunctions() : Promise.resolve(undefined),
        ]);
        if (args.flags.has('list')) {
            listed.push((tracepoints ?? []).map(tp => `tracepoint:${tp.system}:${tp.event}\n`).join(''), (functions?.names ?? []).map(f => `kprobe:${f}\n`).join(''));
        }
        stats.kernelMs = nowMs() - t;
        const count = (l?: unknown[]): string => (l ? String(l.length) : 'unreadable');
        lines.push(`kernel: ${only.has('kernel') ? `${count(kallsyms)} kallsyms functions, ` : ''}${count(traceable)} traceable functions, ${count(tracepoints)} tracepoints`);
        report.kernel = {
            kallsymsFunctions: kallsyms?.length ?? null, traceableFunctions: traceable?.length ?? null,
            tracepoints: tracepoints?.map(tp => `${tp.system}:${tp.event}`) ?? null,
        };
        for (const tp of args.values.get('tracepoint') ?? []) {
            const [system, event] = tp.split(':');
            const shown = await catalogue.tracepointFields(system ?? '', event ?? '');
            lines.push(shown ? `  tracepoint:${tp}${shown.from === 'btf' ? ' (from BTF)' : ''}\n${shown.fields.map(f => `    ${f.type} ${f.name}`).join('\n')}` : `  tracepoint:${tp}: no fields known`);
        }
        if (!kallsyms && !tracepoints) missing++;
        // As root, remember every tracepoint's fields for this kernel so non-root sessions have them too.
        if (cache && process.getuid?.() === 0 && tracepoints && !args.flags.has('no-tracefs-cache')) {
            const t1 = nowMs();
            const formats = await ks.fillCache();
            stats.tracefsCacheMs = nowMs() - t1;
            lines.push(`  cached ${formats} tracepoint formats for this kernel (${catalogue.kernelIdentity.slice(0, 12)}) in ${cache.dir}`);
        }
    }

    const notices = catalogue.notices();
    report.families = { systemtap: catalogue.families('systemtap').length, bpftrace: catalogue.families('bpftrace').length };
    report.notices = notices;
    stats.totalMs = nowMs() - t0;
    stats.maxRssMb = process.resourceUsage().maxRSS / 1024;
    if (args.flags.has('stats')) report.stats = stats;

    for (const part of listed) if (part.length) out(part);
    if (args.flags.has('json')) {
        out(JSON.stringify(report) + '\n');
    } else {
        for (const n of notices) lines.push(`note: ${n.message}${n.fix ? ` (fix: ${n.fix})` : ''}`);
        if (args.flags.has('stats')) {
            lines.push(`stats: ${Object.entries(stats).map(([k, v]) => `${k.replace(/Ms$|Mb$/, '')} ${k.endsWith('Mb') ? `${v.toFixed(0)} MB` : ms(v)}`).join(', ')}`);
        }
        out(lines.join('\n') + '\n');
    }
    return missing ? 1 : 0;
}

/** The `kfunc:` lines of `--list`, as bytes where the types come from BTF (see {@link BtfTypeSource.functionNameLines}). */
function functionLines(types: KernelTypeSource): string | Uint8Array {
    return types instanceof BtfTypeSource ? types.functionNameLines('kfunc:') : types.functionNames().map(f => `kfunc:${f}\n`).join('');
}

function median(xs: readonly number[]): number {
    const sorted = [...xs].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Builds the requested sources `n` times, each from a fresh catalogue (no disk cache, nothing kept from the
 * build before), doing what `probekit index` reports: the tapset index with one context-variable query, BTF
 * with its function count (with `list`, its function names), iterators and the given functions' prototypes, the
 * kernel's symbols and events (with `list`, the kernel function names kprobe: offers).
 */
async function repeatBuilds(n: number, make: () => NodeSystemCatalogue, only: ReadonlySet<string>, functions: readonly string[], list: boolean): Promise<number[]> {
    const times: number[] = [];
    for (let k = 0; k < n; k++) {
        const t = nowMs();
        const catalogue = make();
        if (only.has('tapsets')) (await catalogue.tapsets())?.contextVariables('syscall.openat');
        if (only.has('btf')) {
            const types = await catalogue.kernelTypes();
            if (list && types) functionLines(types); else types?.functionCount();
            types?.iterNames();
            for (const f of functions) types?.func(f);
        }
        if (only.has('kernel') || only.has('tracefs')) {
            const ks = catalogue.kernelSymbols;
            await Promise.all([only.has('kernel') ? ks.kallsymsFunctions() : undefined, ks.traceableFunctions(), ks.tracepoints(), list ? ks.kernelFunctions() : undefined]);
        }
        times.push(nowMs() - t);
    }
    return times;
}
