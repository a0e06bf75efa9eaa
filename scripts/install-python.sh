#!/usr/bin/env bash
# The Python half of scripts/install-test-deps.sh: a virtual environment in the checkout
# (.venv, or $SLIMSTAGE_VENV) with the package (editable) and its test extras.
#
# Never the system Python: Debian and Ubuntu mark theirs "externally managed" (PEP 668) and
# pip refuses to install there. $PYTHON picks the interpreter the environment is made from
# (default python3). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${SLIMSTAGE_VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import sys" 2>/dev/null; then
  rm -rf "$VENV"
  if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
    # Debian's python3 without ensurepip: python3-venv brings it.
    rm -rf "$VENV"
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
      "$PYTHON" -m venv "$VENV"
    else
      echo "install: '$PYTHON -m venv' failed; install your distribution's venv package (Debian: python3-venv)" >&2
      exit 1
    fi
  fi
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[test]'
