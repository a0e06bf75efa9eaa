#!/usr/bin/env bash
# The README's test command after installation: the whole suite, editors included.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pytest -q -p no:cacheprovider "$@"
