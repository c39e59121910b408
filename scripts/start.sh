#!/usr/bin/env bash
# `npm start`: set up (skips what is there), build and package Probekit, install the .vsix into a project-local
# code-server (VS Code 1.100 in the browser) and serve it on 127.0.0.1 with test-workspace/ open.
# Runs in the foreground; Ctrl+C stops it. Environment: PROBEKIT_PORT (default 8080; a free port if taken),
# PROBEKIT_BIND (default 127.0.0.1), PROBEKIT_FOLDER (default test-workspace/), PREBUILT_VSIX (serve this .vsix
# instead of building and packaging one), PROBEKIT_START_DIR (this code-server's user data and extensions;
# default .e2e/start).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/env.sh
. "$ROOT/scripts/env.sh"
cd "$ROOT"

bash scripts/setup.sh
if [ -n "${PREBUILT_VSIX:-}" ]; then
    VSIX="$PREBUILT_VSIX"
    [ -f "$VSIX" ] || { echo "start: $VSIX missing" >&2; exit 2; }
else
    printf '\n== start: build and package\n'
    # Generate and bundle without the type-check of `npm run build`: a type error in a test must not keep
    # Probekit from starting (npm test reports it).
    npm run --silent langium:generate >/dev/null
    node esbuild.mjs
    npm run --silent package:vsix
fi

STATE="${PROBEKIT_START_DIR:-$E2E_DIR/start}"   # user data and extensions of this code-server, kept between starts
CONFIG="$STATE/config.yaml"
mkdir -p "$STATE/data/User" "$STATE/extensions"
[ -f "$CONFIG" ] || printf 'auth: none\ncert: false\n' > "$CONFIG"
SETTINGS="$STATE/data/User/settings.json"
[ -f "$SETTINGS" ] || cat > "$SETTINGS" <<'EOF'
{
    "workbench.startupEditor": "none",
    "workbench.colorTheme": "Default Dark Modern",
    "telemetry.telemetryLevel": "off",
    "extensions.autoUpdate": false,
    "extensions.autoCheckUpdates": false,
    "update.mode": "none"
}
EOF
COMMON=(--config "$CONFIG" --user-data-dir "$STATE/data" --extensions-dir "$STATE/extensions")

printf '\n== start: install %s into code-server\n' "$(basename "$VSIX")"
"$CODE_SERVER" "${COMMON[@]}" --install-extension "$VSIX" --force

BIND="${PROBEKIT_BIND:-127.0.0.1}"
PORT="${PROBEKIT_PORT:-8080}"
# Take a free port when the wanted one is in use, rather than failing.
PORT="$(node -e '
    const net = require("net");
    const [host, want] = process.argv.slice(1);
    const probe = port => new Promise(res => { const s = net.createServer().once("error", () => res(null))
        .listen(port, host, () => { const p = s.address().port; s.close(() => res(p)); }); });
    probe(+want).then(p => p ?? probe(0)).then(p => console.log(p));' "$BIND" "$PORT")"
FOLDER="$(cd "${PROBEKIT_FOLDER:-$ROOT/test-workspace}" && pwd)"
URL="http://$BIND:$PORT/?folder=$(node -p 'encodeURIComponent(process.argv[1])' "$FOLDER")"

printf '\n== start: code-server on %s:%s (Ctrl+C stops it)\n' "$BIND" "$PORT"

# code-server runs as a process group of its own, and Ctrl+C (or a TERM) stops that whole group here: SIGINT,
# then SIGTERM after up to 3 s, then SIGKILL after 3 s more. Left to code-server alone, its VS Code server
# outlived it by more than 20 s after a browser had been connected.
CS_GROUP=
group_alive() { # a process of group $1 still runs (zombies waiting to be reaped do not count)
    local f stat state pgrp
    for f in /proc/[0-9]*/stat; do
        read -r stat 2>/dev/null <"$f" || continue
        read -r state _ pgrp _ <<<"${stat##*) }"
        [ "$pgrp" = "$1" ] && [ "$state" != Z ] && return 0
    done
    return 1
}
stop_code_server() {
    local group=$CS_GROUP step sig tenths i
    CS_GROUP=
    [ -n "$group" ] || return 0
    for step in INT:30 TERM:30 KILL:10; do
        sig=${step%:*} tenths=${step#*:}
        kill -s "$sig" -- "-$group" 2>/dev/null || return 0
        for ((i = 0; i < tenths; i++)); do
            group_alive "$group" || return 0
            sleep 0.1
        done
    done
}
trap 'stop_code_server; exit 130' INT
trap 'stop_code_server; exit 143' TERM
trap 'stop_code_server' EXIT

# Workspace trust is off: the opened folder is the project's own samples, and the runner needs a trusted
# workspace. Probekit's restricted mode is exercised by opening any folder in a code-server with trust on.
setsid "$CODE_SERVER" "${COMMON[@]}" --bind-addr "$BIND:$PORT" --auth none --disable-telemetry --disable-update-check \
    --disable-getting-started-override --disable-workspace-trust --ignore-last-opened "$FOLDER" > >(
        # Ctrl+C is for the trap above; this copy of code-server's output ends with it.
        trap '' INT
        while IFS= read -r line; do
            printf '%s\n' "$line"
            case "$line" in
                *"HTTP server listening"*)
                    printf '\n    Probekit is running in VS Code (code-server %s). Open:\n\n    %s\n\n' \
                        "$("$CODE_SERVER" --version 2>/dev/null | head -1 | cut -d' ' -f1)" "$URL" ;;
            esac
        done) 2>&1 &
CS_GROUP=$!
wait "$CS_GROUP"
