#!/usr/bin/env bash
# Installs everything Probekit needs to build, run and test on a Debian 12 machine. Idempotent: a re-run only
# checks and skips what is already there.
#   - apt (as root): systemtap, bpftrace, chromium, libkrb5-dev, openssh-server and build tools for native modules
#   - npm: the project's dependencies (npm ci), then code-server + playwright-core into .e2e/ (git-ignored)
# Environment: PROBEKIT_SKIP_APT=1 skips apt; PROBEKIT_SKIP_E2E_TOOLS=1 skips code-server/playwright-core.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/env.sh
. "$ROOT/scripts/env.sh"

step() { printf '\n== setup: %s\n' "$*"; }

# ---------------------------------------------------------------------------------------------- 1) apt packages
APT_PACKAGES=(systemtap bpftrace chromium libkrb5-dev openssh-server sudo systemtap-sdt-dev util-linux
              build-essential python3 pkg-config git ca-certificates procps kmod)
apt_missing() {
    local p
    for p in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || printf '%s ' "$p"
    done
}
if [ "${PROBEKIT_SKIP_APT:-}" != 1 ]; then
    missing="$(apt_missing)"
    if [ -z "$missing" ]; then
        step "apt packages present"
    elif [ "$(id -u)" = 0 ]; then
        step "apt-get install $missing"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        # shellcheck disable=SC2086
        apt-get install -y -qq --no-install-recommends $missing >/dev/null
        # chromium needs its recommended fonts to render text in screenshots
        dpkg-query -W fonts-liberation >/dev/null 2>&1 || apt-get install -y -qq fonts-liberation >/dev/null || true
    else
        echo "setup: not root, cannot install: $missing (run this script as root once, or install them yourself)" >&2
    fi
fi

# bpftrace needs tracefs; a fresh machine often has it unmounted
if [ "$(id -u)" = 0 ] && [ -d /sys/kernel/tracing ] && ! mountpoint -q /sys/kernel/tracing; then
    step "mount tracefs on /sys/kernel/tracing"
    mount -t tracefs nodev /sys/kernel/tracing || echo "setup: could not mount tracefs (bpftrace runs will fail)" >&2
fi

# ---------------------------------------------------------------------------------------------- 2) npm settings
# node-gyp must not download Node headers (no access to nodejs.org): use the installed Node's own headers.
NODE_PREFIX="$(dirname "$(dirname "$(command -v node)")")"
if [ -z "${npm_config_nodedir:-}" ] && [ -f "$NODE_PREFIX/include/node/node.h" ]; then
    export npm_config_nodedir="$NODE_PREFIX"
fi
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$NODE_MAJOR" != 20 ]; then
    echo "setup: Node $NODE_MAJOR found; Probekit's pinned tools (langium-cli 4.2.1, code-server 4.100.3) want Node 20" >&2
fi

# ---------------------------------------------------------------------------------------------- 3) project deps
lock_sum() { sha256sum "$1" | cut -d' ' -f1; }
STAMP="$ROOT/node_modules/.probekit-lock.sha256"
WANT="$(lock_sum "$ROOT/package-lock.json")"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ]; then
    step "node_modules up to date"
elif [ -d "$ROOT/node_modules" ] && (cd "$ROOT" && npm ls --depth=0 >/dev/null 2>&1); then
    step "node_modules present and consistent"
    echo "$WANT" > "$STAMP"
elif [ -d "$ROOT/node_modules" ]; then
    # Incremental: npm ci would delete node_modules first, under anything that is using it right now.
    step "npm install (node_modules out of date)"
    (cd "$ROOT" && npm install --no-audit --no-fund)
    echo "$(lock_sum "$ROOT/package-lock.json")" > "$STAMP"
else
    step "npm ci"
    (cd "$ROOT" && npm ci --no-audit --no-fund)
    echo "$WANT" > "$STAMP"
fi

# ---------------------------------------------------------------------------------------------- 4) e2e tools
if [ "${PROBEKIT_SKIP_E2E_TOOLS:-}" = 1 ]; then
    exit 0
fi
TOOLS_SRC="$ROOT/test/e2e/tools"
TOOLS_STAMP="$E2E_DIR/.tools.sha256"
TOOLS_WANT="$(cat "$TOOLS_SRC"/package*.json | sha256sum | cut -d' ' -f1)"
if [ -f "$TOOLS_STAMP" ] && [ "$(cat "$TOOLS_STAMP")" = "$TOOLS_WANT" ] && [ -x "$CODE_SERVER" ] \
        && [ -d "$E2E_DIR/node_modules/playwright-core" ]; then
    step "code-server $("$CODE_SERVER" --version 2>/dev/null | head -1 | cut -d' ' -f1) and playwright-core present"
    exit 0
fi

step "code-server + playwright-core into $E2E_DIR"
mkdir -p "$E2E_DIR"
cp "$TOOLS_SRC/package.json" "$E2E_DIR/package.json"
[ -f "$TOOLS_SRC/package-lock.json" ] && cp "$TOOLS_SRC/package-lock.json" "$E2E_DIR/package-lock.json"
CS_VERSION="$(node -p "require('$TOOLS_SRC/package.json').dependencies['code-server']")"

# code-server's postinstall installs @vscode/ripgrep 1.15.x, whose own postinstall downloads rg from GitHub.
# Seed its download cache with the rg binary that the npm package @vscode/ripgrep-linux-x64 ships, so it
# finds a cached download and never goes online.
tmp="$(mktemp -d)"
(cd "$tmp" && npm pack "code-server@$CS_VERSION" >/dev/null 2>&1 \
    && tar xzf code-server-*.tgz package/lib/vscode/npm-shrinkwrap.json)
RG_VER="$(node -p "(require('$tmp/package/lib/vscode/npm-shrinkwrap.json').packages['node_modules/@vscode/ripgrep'] || {}).version || ''")"
rm -rf "$tmp"
if [ -n "$RG_VER" ]; then
    RG_CACHE="$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-$RG_VER"
    RG_TGZ="$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"   # asset name of @vscode/ripgrep 1.15.x
    if [ ! -s "$RG_TGZ" ]; then
        tmp="$(mktemp -d)"
        (cd "$tmp" && npm pack "@vscode/ripgrep-linux-x64@1.18.0" >/dev/null 2>&1 && tar xzf vscode-ripgrep-linux-x64-*.tgz)
        mkdir -p "$RG_CACHE" && tar czf "$RG_TGZ" -C "$tmp/package/bin" rg
        rm -rf "$tmp"
    fi
fi

# As root the code-server postinstall refuses to run without unsafe-perm (npm 11 only takes it from the
# environment); node-pty's install calls `npx node-gyp`, which aborts without a TTY unless npm_config_yes=true.
# npm 11.16+ skips dependency install scripts unless allowed; code-server's postinstall runs a nested
# `npm install` in lib/vscode that builds native modules, so allow them for this pinned tool set (the env
# setting reaches the nested npm, an allowScripts list in package.json would not).
if [ -f "$E2E_DIR/package-lock.json" ]; then install_cmd=(npm ci); else install_cmd=(npm install); fi
(cd "$E2E_DIR" && npm_config_unsafe_perm=true npm_config_yes=true npm_config_dangerously_allow_all_scripts=true \
    "${install_cmd[@]}" --no-audit --no-fund 2>&1 \
    | grep -v 'Unknown env config "unsafe-perm"')
"$CODE_SERVER" --version | head -1
echo "$TOOLS_WANT" > "$TOOLS_STAMP"
