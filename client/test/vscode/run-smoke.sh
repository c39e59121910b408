#!/usr/bin/env bash
# Packages the extension and runs the run checks in a real code-server: run-api-suite.ts in the extension host, or
# with `ui` the workbench checks of run-ui-main.ts. Needs scripts/setup.sh done. With PREBUILT_VSIX=path it runs that
# .vsix instead of bundling and packaging its own.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
. "$ROOT/scripts/env.sh"
cd "$ROOT"
if [ -n "${PREBUILT_VSIX:-}" ]; then
    # Already bundled and packaged (scripts/test-all.sh does both before the code-server suites).
    VSIX="$PREBUILT_VSIX"
else
    node esbuild.mjs
    VSIX="$E2E_DIR/probekit-run-smoke.vsix"
    node_modules/.bin/vsce package --no-dependencies --no-rewrite-relative-links -o "$VSIX" >/dev/null
fi
node_modules/.bin/esbuild client/test/vscode/run-smoke-main.ts --bundle --platform=node --target=node20 --format=cjs \
    --external:playwright-core --log-level=warning --outfile="$E2E_DIR/out/run-smoke.cjs"
node_modules/.bin/esbuild client/test/vscode/run-api-suite.ts --bundle --platform=node --target=node20 --format=cjs \
    --external:vscode --log-level=warning --outfile="$E2E_DIR/out/run-api-suite.cjs"
if [ "${1:-}" = ui ]; then
    node_modules/.bin/esbuild client/test/vscode/run-ui-main.ts --bundle --platform=node --target=node20 --format=cjs \
        --external:playwright-core --log-level=warning --outfile="$E2E_DIR/out/run-ui-smoke.cjs"
    PROBEKIT_ROOT="$ROOT" VSIX="$VSIX" NODE_PATH="$E2E_DIR/node_modules" node "$E2E_DIR/out/run-ui-smoke.cjs"
else
    PROBEKIT_ROOT="$ROOT" VSIX="$VSIX" NODE_PATH="$E2E_DIR/node_modules" node "$E2E_DIR/out/run-smoke.cjs"
fi
