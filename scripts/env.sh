# Shared paths for the scripts in scripts/ (sourced, not run). Expects ROOT to be the repository root.
E2E_DIR="${PROBEKIT_E2E_DIR:-$ROOT/.e2e}"               # git-ignored tools and run directories
CODE_SERVER="$E2E_DIR/node_modules/.bin/code-server"
CHROMIUM="${CHROMIUM:-$(command -v chromium || echo /usr/bin/chromium)}"
VSIX="$ROOT/probekit.vsix"
export E2E_DIR CODE_SERVER CHROMIUM VSIX
