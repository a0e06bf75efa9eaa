"""What BuildKit's build checks add to a check: lint time with and without them.

    python bench/buildkit_cost.py            # corpus + generated 50/500/5,000-line files

Runs ``lint`` in process (parse excluded), best of several rounds, with the default rules
and with ``rules.ignore = ["BUILDKIT"]``. Not a test: numbers for docs and commit messages.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "server"))
sys.path.insert(0, str(ROOT / "bench"))

from generate import generate  # noqa: E402
from slimstage.analysis.context import UNKNOWN  # noqa: E402
from slimstage.dockerfile import parse  # noqa: E402
from slimstage.lint import lint  # noqa: E402
from slimstage.settings import Settings, merge  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"


def best(docs, settings, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        for doc in docs:
            lint(doc, settings, UNKNOWN)
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> int:
    without, _ = merge(Settings(), {"rules": {"ignore": ["BUILDKIT"]}})
    with_all = Settings()
    sets = {}
    if CORPUS.is_dir():
        files = [p for p in sorted(CORPUS.rglob("*")) if p.is_file() and p.name != "README.md"]
        sets[f"corpus ({len(files)} files)"] = ([parse(p.read_text(encoding="utf-8", errors="replace")) for p in files], 3)
    for n in (50, 500, 5000):
        sets[f"generated {n} lines"] = ([parse(generate(n, 1))], 20 if n < 5000 else 5)
    print("| input | SLIM rules only | with BuildKit checks | added |")
    print("| --- | --- | --- | --- |")
    for name, (docs, rounds) in sets.items():
        a = best(docs, without, rounds)
        b = best(docs, with_all, rounds)
        print(f"| {name} | {a * 1000:.1f} ms | {b * 1000:.1f} ms | +{(b - a) * 1000:.1f} ms ({(b / a - 1) * 100:+.0f}%) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
