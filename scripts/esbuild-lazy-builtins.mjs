// An esbuild plugin shared by the product's bundles (esbuild.mjs) and the benchmarks' (bench/run.mjs).
import { readFileSync } from 'node:fs';

/**
 * Node built-ins that the language server protocol libraries require when they load but use only in some calls
 * (named pipes, sockets, `fork`, the global npm folder): `node:crypto` alone is ~5 ms of a fresh process, the three
 * ~8 ms of a `probekit check`, on every start for what stdio-connected servers and the CLI never call. Their
 * `const x = require("crypto")` becomes a stand-in that requires the module at the first property read (their code
 * only reads functions off it: `(0, crypto_1.randomBytes)(21)`). A file whose text differs is bundled as it is.
 */
const LAZY_BUILTINS = /\bconst (\w+) = require\("(crypto|net|child_process)"\);/g;
export const lazyLibraryBuiltins = {
    name: 'lazy-library-builtins',
    setup(build) {
        build.onLoad({ filter: /[\\/]node_modules[\\/]vscode-(jsonrpc|languageserver|languageclient)[\\/]lib[\\/]node[\\/][^\\/]+\.js$/ }, args => {
            const text = readFileSync(args.path, 'utf8');
            const lazy = text.replace(LAZY_BUILTINS, (_, name, module) => `const ${name} = __probekitLazyBuiltin(${JSON.stringify(module)});`);
            return lazy === text ? undefined : { contents: lazy, loader: 'js' };
        });
    },
};
/** The stand-in: the module, required at the first read of one of its properties. */
export const lazyBuiltinBanner = 'const __probekitLazyBuiltin = name => { let m; return new Proxy({}, { get: (_, key) => (m ??= require(name))[key] }); };';
