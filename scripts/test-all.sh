#!/usr/bin/env bash
# `npm test`: set up (skips what is there), build, run every unit/integration test (vitest), package the .vsix
# and run the end-to-end suite in code-server. Every stage runs even if an earlier one failed (as far as its
# inputs exist), so one run shows everything that is broken. Last line: `N passed, N failed`; exit 1 on any failure.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/env.sh
. "$ROOT/scripts/env.sh"
cd "$ROOT"

LOGS="$E2E_DIR/logs"
mkdir -p "$LOGS"
passed=0
failed=0
summary=()

STARTED=$SECONDS
stage() { printf '\n== test: %s (at %d s)\n' "$*" "$((SECONDS - STARTED))"; }
# A stage that is not itself a test (setup, generate, type-check, bundle, package) counts as one failed test.
stage_failed() { failed=$((failed + 1)); summary+=("FAIL $1"); }

stage "setup"
bash scripts/setup.sh || { stage_failed "setup"; }

stage "langium generate"
npm run --silent langium:generate >"$LOGS/generate.log" 2>&1 || { cat "$LOGS/generate.log"; stage_failed "langium generate"; }

stage "type-check (tsc --noEmit)"
if node_modules/.bin/tsc --noEmit -p tsconfig.json; then summary+=("ok   type-check"); else stage_failed "type-check"; fi

stage "type-check the code-server harnesses (test/e2e, client/test/vscode)"
if [ -d "$E2E_DIR/node_modules/playwright-core" ] && node_modules/.bin/tsc --noEmit -p test/e2e/tsconfig.json; then
    summary+=("ok   type-check (code-server harnesses)")
else
    stage_failed "type-check (code-server harnesses)"
fi

stage "bundle (esbuild)"
if node esbuild.mjs; then summary+=("ok   bundle"); else stage_failed "bundle"; fi

stage "unit and integration tests (vitest)"
rm -f "$LOGS/vitest.json"
node_modules/.bin/vitest run --reporter=default --reporter=json --outputFile.json="$LOGS/vitest.json"
vitest_rc=$?
if [ -f "$LOGS/vitest.json" ]; then
    # Failed test files without failed tests (import errors, crashes) count once each.
    read -r vp vf < <(node -e '
        const r = require(process.argv[1]);
        const broken = r.testResults.filter(f => f.status === "failed" && !f.assertionResults.some(a => a.status === "failed")).length;
        console.log(r.numPassedTests, r.numFailedTests + broken);' "$LOGS/vitest.json")
    passed=$((passed + vp)); failed=$((failed + vf))
    summary+=("$([ "$vf" = 0 ] && [ "$vitest_rc" = 0 ] && echo 'ok  ' || echo 'FAIL') vitest: $vp passed, $vf failed")
    if [ "$vitest_rc" != 0 ] && [ "$vf" = 0 ]; then stage_failed "vitest exited $vitest_rc"; fi
else
    stage_failed "vitest (no result file, exit $vitest_rc)"
fi

stage "package (vsce)"
rm -f "$VSIX"
if npm run --silent package:vsix; then summary+=("ok   package $(du -k "$VSIX" | cut -f1) KB"); else stage_failed "package"; fi

# A suite that drives code-server and ends with `N passed, N failed`; its counts join the totals.
code_server_suite() {
    local name="$1"; shift
    stage "$name"
    if [ ! -f "$VSIX" ] || [ ! -x "$CODE_SERVER" ]; then
        stage_failed "$name (no .vsix or code-server)"
        return
    fi
    local log="$LOGS/${name//[^a-zA-Z0-9]/-}.log" rc line sp sf
    "$@" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    line="$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)"
    if [ -z "$line" ]; then
        stage_failed "$name (exit $rc, no result line)"
        return
    fi
    sp="$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")"
    sf="$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")"
    passed=$((passed + sp)); failed=$((failed + sf))
    summary+=("$([ "$sf" = 0 ] && echo 'ok  ' || echo 'FAIL') $name: $sp passed, $sf failed")
    if [ "$rc" != 0 ] && [ "$sf" = 0 ]; then stage_failed "$name exited $rc"; fi
}

code_server_suite "e2e" bash scripts/e2e.sh
# The run feature's own checks in code-server (extension-host API level, then workbench level).
if [ -f client/test/vscode/run-smoke.sh ]; then
    # The .vsix packaged above: the suites need not bundle and package again.
    code_server_suite "run checks in code-server (api)" env PREBUILT_VSIX="$VSIX" bash client/test/vscode/run-smoke.sh
    if [ -f client/test/vscode/run-ui-main.ts ]; then
        code_server_suite "run checks in code-server (ui)" env PREBUILT_VSIX="$VSIX" bash client/test/vscode/run-smoke.sh ui
    fi
fi

printf '\n== summary (%d s)\n' "$((SECONDS - STARTED))"
printf '%s\n' "${summary[@]}"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
