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

stage() { printf '\n== test: %s\n' "$*"; }
# A stage that is not itself a test (setup, generate, type-check, bundle, package) counts as one failed test.
stage_failed() { failed=$((failed + 1)); summary+=("FAIL $1"); }

stage "setup"
bash scripts/setup.sh || { stage_failed "setup"; }

stage "langium generate"
npm run --silent langium:generate >"$LOGS/generate.log" 2>&1 || { cat "$LOGS/generate.log"; stage_failed "langium generate"; }

stage "type-check (tsc --noEmit)"
if node_modules/.bin/tsc --noEmit -p tsconfig.json; then summary+=("ok   type-check"); else stage_failed "type-check"; fi

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

stage "end-to-end (code-server + Chromium)"
if [ -f "$VSIX" ] && [ -x "$CODE_SERVER" ]; then
    bash scripts/e2e.sh 2>&1 | tee "$LOGS/e2e.log"
    e2e_rc=${PIPESTATUS[0]}
    line="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$LOGS/e2e.log" | tail -1)"
    if [ -n "$line" ]; then
        ep="${line%% passed*}"; ef="${line#*passed, }"; ef="${ef%% failed}"
        passed=$((passed + ep)); failed=$((failed + ef))
        summary+=("$([ "$ef" = 0 ] && echo 'ok  ' || echo 'FAIL') e2e: $line")
        if [ "$e2e_rc" != 0 ] && [ "$ef" = 0 ]; then stage_failed "e2e exited $e2e_rc"; fi
    else
        stage_failed "e2e (exit $e2e_rc, no result line)"
    fi
else
    stage_failed "e2e (no .vsix or code-server)"
fi

printf '\n== summary\n'
printf '%s\n' "${summary[@]}"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
