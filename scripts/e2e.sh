#!/usr/bin/env bash
# Runs the end-to-end suite (test/e2e/) against the packaged probekit.vsix in code-server + Chromium.
# Expects scripts/setup.sh to have run and probekit.vsix to exist (npm run package). Prints `N passed, N failed`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/env.sh
. "$ROOT/scripts/env.sh"
cd "$ROOT"

[ -x "$CODE_SERVER" ] || { echo "e2e: $CODE_SERVER missing: run scripts/setup.sh" >&2; exit 2; }
[ -f "$VSIX" ] || { echo "e2e: $VSIX missing: run npm run package" >&2; exit 2; }

# Bundle the suite (npm test type-checks it first); playwright-core stays external and resolves from
# .e2e/node_modules.
node_modules/.bin/esbuild test/e2e/e2e-main.ts --bundle --platform=node --target=node20 --format=cjs \
    --external:playwright-core --log-level=warning --outfile="$E2E_DIR/out/e2e.cjs"
# The API suite runs inside the extension host, which provides `vscode`.
node_modules/.bin/esbuild test/e2e/api/api-suite.ts --bundle --platform=node --target=node20 --format=cjs \
    --external:vscode --log-level=warning --outfile="$E2E_DIR/out/api-suite.cjs"
PROBEKIT_ROOT="$ROOT" NODE_PATH="$E2E_DIR/node_modules" node "$E2E_DIR/out/e2e.cjs"
