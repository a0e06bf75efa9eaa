#!/usr/bin/env bash
# The README's test command after installation: the whole suite, editors included, with
# the virtual environment scripts/install-test-deps.sh made (.venv, or $SLIMSTAGE_VENV).
# Its bin/ goes first on PATH, so `python3`, `slimstage` and `pre-commit` in tests and
# editor clients are the environment's; tests that start `sys.executable` get it too.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${SLIMSTAGE_VENV:-.venv}"
if [ -x "$VENV/bin/python" ]; then
  VIRTUAL_ENV="$(cd "$VENV" && pwd)"
  export VIRTUAL_ENV
  export PATH="$VIRTUAL_ENV/bin:$PATH"
  exec "$VIRTUAL_ENV/bin/python" -m pytest -q -p no:cacheprovider "$@"
fi
echo "test: no $VENV (run scripts/install-test-deps.sh first); using python3 on PATH" >&2
exec python3 -m pytest -q -p no:cacheprovider "$@"
