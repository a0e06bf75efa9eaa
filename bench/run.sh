#!/usr/bin/env bash
# One command for the whole benchmark: install the peers, run, print the table and
# (for a full run) rewrite docs/performance.md.
#   bash bench/run.sh            full run (3 LSP runs, 3 batch runs; ~5-8 min on 2 cores)
#   bash bench/run.sh --quick    one run of everything (~1-2 min), docs left alone
# Other flags go to bench/main.py (see `python3 bench/main.py --help`).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${PYTHON:-python3}"
PYTHON="$python" bash "$here/setup.sh"
cd "$here/.."
# On a shared machine, a higher priority for the whole suite (the driver, every server
# and hadolint alike) keeps other work from landing in the measurements. Needs root;
# without it the suite runs at normal priority.
prio=()
if nice -n -10 true 2>/dev/null; then prio=(nice -n -10); fi
exec "${prio[@]}" "$python" "$here/main.py" --profile "$@"
