#!/usr/bin/env bash
# Installs what the VS Code end-to-end test needs, skipping whatever is already there:
#   - Debian packages (apt-packages.txt): Chromium, ripgrep, and the headers code-server's
#     native modules build against
#   - code-server 4.100.3 (the last release that runs on Node 20), installed without its
#     postinstall (which downloads) and with its native modules rebuilt from source
#   - the extension, built and packaged to clients/vscode/dist/slimstage.vsix
#   - the test driver's node modules (puppeteer-core) in tests/e2e/vscode
#
# Usage: clients/vscode/scripts/setup-e2e.sh            (from anywhere)
# Env:   SLIMSTAGE_E2E_HOME   where code-server is cached (default /opt/slimstage-e2e)
#        SLIMSTAGE_E2E_SKIP_APT=1   do not call apt-get (the packages must be present)
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
E2E_HOME="${SLIMSTAGE_E2E_HOME:-/opt/slimstage-e2e}"
CS_PREFIX="$E2E_HOME/code-server-$CODE_SERVER_VERSION"
CS_PKG="$CS_PREFIX/node_modules/code-server"
READY="$CS_PREFIX/.slimstage-ready"

export npm_config_yes=true npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
# node-gyp compiles with every core.
export JOBS="${JOBS:-max}"
# node-gyp must build against the local Node headers: it cannot download them here.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node.h ]; then
    export npm_config_nodedir=/usr
fi

started=$SECONDS
step() { printf '[setup-e2e %3ss] %s\n' "$((SECONDS - started))" "$*"; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

install_debian_packages() {
    # Chromium, ripgrep for code-server's search, headers for its native modules.
    local wanted missing=()
    mapfile -t wanted < <(grep -v '^\s*$' "$REPO/clients/vscode/scripts/apt-packages.txt")
    for pkg in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        step "Debian packages present"
        return
    fi
    if [ "${SLIMSTAGE_E2E_SKIP_APT:-}" = 1 ]; then
        echo "setup-e2e: missing Debian packages: ${missing[*]} (SLIMSTAGE_E2E_SKIP_APT=1)" >&2
        exit 1
    fi
    step "apt-get install ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_code_server() {
    if [ -f "$READY" ] && "$CS_PREFIX/node_modules/.bin/code-server" --version >/dev/null 2>&1; then
        step "code-server $CODE_SERVER_VERSION present in $CS_PREFIX"
        return
    fi
    step "npm install code-server@$CODE_SERVER_VERSION into $CS_PREFIX (no install scripts)"
    rm -rf "$CS_PREFIX"
    mkdir -p "$CS_PREFIX"
    npm install --prefix "$CS_PREFIX" --no-save --ignore-scripts "code-server@$CODE_SERVER_VERSION" >/dev/null

    # What code-server's postinstall.sh would do, minus the downloads.
    step "code-server: rebuild argon2"
    (cd "$CS_PREFIX" && npm rebuild argon2 >/dev/null)

    step "code-server: install VS Code's modules"
    (cd "$CS_PKG/lib/vscode" && npm install --omit=dev --ignore-scripts >/dev/null)
    # @vscode/ripgrep's postinstall downloads a binary; Debian's rg stands in for it.
    mkdir -p "$CS_PKG/lib/vscode/node_modules/@vscode/ripgrep/bin"
    ln -sf "$(command -v rg)" "$CS_PKG/lib/vscode/node_modules/@vscode/ripgrep/bin/rg"
    step "code-server: rebuild VS Code's native modules"
    (cd "$CS_PKG/lib/vscode" &&
        npm rebuild kerberos @parcel/watcher @vscode/deviceid @vscode/spdlog native-watchdog node-pty >/dev/null)
    (cd "$CS_PKG/lib/vscode" && ln -sfn node_modules node_modules.asar)
    (cd "$CS_PKG/lib/vscode/bin/remote-cli" && ln -sf code-linux.sh code-server)
    (cd "$CS_PKG/lib/vscode/bin/helpers" && ln -sf browser-linux.sh browser.sh)

    step "code-server: install the built-in extensions' shared modules"
    (cd "$CS_PKG/lib/vscode/extensions" && npm install --omit=dev --ignore-scripts >/dev/null &&
        node ./postinstall.mjs >/dev/null)

    "$CS_PREFIX/node_modules/.bin/code-server" --version
    echo "$CODE_SERVER_VERSION" >"$READY"
}

build_extension() {
    # The bundled server is made with pip: the checkout's venv when there is one (a system
    # Python may refuse pip, PEP 668), else python3.
    if [ -z "${SLIMSTAGE_PYTHON:-}" ] && [ -x "$REPO/.venv/bin/python" ]; then
        export SLIMSTAGE_PYTHON="$REPO/.venv/bin/python"
    fi
    step "extension: npm ci, typecheck, bundle (Python: ${SLIMSTAGE_PYTHON:-python3}), package"
    (cd "$REPO/clients/vscode" && npm ci --no-audit --no-fund >/dev/null && npm run --silent package >/dev/null)
    ls -l "$REPO/clients/vscode/dist/slimstage.vsix"
}

install_driver() {
    if [ -d "$REPO/tests/e2e/vscode/node_modules/puppeteer-core" ]; then
        step "test driver modules present"
        return
    fi
    step "test driver: npm ci (puppeteer-core, never puppeteer: it downloads a browser)"
    (cd "$REPO/tests/e2e/vscode" && npm ci --no-audit --no-fund >/dev/null)
}

install_debian_packages
install_code_server
build_extension
install_driver
step "done; code-server at $CS_PREFIX/node_modules/.bin/code-server"
