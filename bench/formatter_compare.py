"""slimstage's formatter against @reteps/dockerfmt on the corpus: what each keeps and changes.

    bash bench/setup.sh   # installs @reteps/dockerfmt into bench/.peers
    python3 bench/formatter_compare.py [--corpus DIR] [--examples N]

For every corpus file, both formatters' output is checked with BuildKit's parser (PyPI
``dockerfile``): the same instructions, flags, JSON values, heredocs and values (shell
forms compared as shell words, as in tests/editor/test_formatting.py), idempotence, and
which lines the two outputs disagree on, by kind. Prints a Markdown summary for
docs/formatting.md. Not part of the test run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO / "server"))
sys.path.insert(0, str(REPO))

from slimstage.editor.formatting import FormatOptions, format_text  # noqa: E402
from tests.editor.test_formatting import buildkit  # noqa: E402  (the same BuildKit view the tests use)

DOCKERFMT = BENCH / ".peers" / "node_modules" / "@reteps" / "dockerfmt" / "dist" / "node.js"
CHUNK = 40


def dockerfmt(paths: list[Path]) -> dict[str, object]:
    """path -> formatted text, or {"error": ...}; a file that crashes the WebAssembly module is retried alone."""
    out: dict[str, object] = {}
    for k in range(0, len(paths), CHUNK):
        chunk = paths[k : k + CHUNK]
        proc = subprocess.run(["node", str(BENCH / "dockerfmt_all.mjs"), str(DOCKERFMT)], input="\n".join(map(str, chunk)), capture_output=True, text=True)
        if proc.returncode == 0 and "@@JSON@@" in proc.stdout:
            out.update(json.loads(proc.stdout.rsplit("@@JSON@@", 1)[1]))
            continue
        for p in chunk:  # one of them crashed the module (a Go panic exits the process)
            one = subprocess.run(["node", str(BENCH / "dockerfmt_all.mjs"), str(DOCKERFMT)], input=str(p), capture_output=True, text=True)
            if one.returncode == 0 and "@@JSON@@" in one.stdout:
                out.update(json.loads(one.stdout.rsplit("@@JSON@@", 1)[1]))
            else:
                first = next((ln for ln in (one.stdout + one.stderr).splitlines() if ln.startswith("panic:")), f"exit {one.returncode}")
                out[str(p)] = {"error": first}
    return out


def safe(before: str, after: str) -> str:
    """'same', 'changed' (BuildKit parses something else) or 'rejected' (BuildKit fails on the output)."""
    try:
        want = buildkit(before)
    except Exception:
        return "input rejected"
    try:
        got = buildkit(after)
    except Exception:
        return "rejected"
    return "same" if got == want else "changed"


def kind_of(a: str, b: str) -> str:
    """What kind of difference between one of our lines and one of dockerfmt's."""
    sa, sb = a.strip(), b.strip()
    if sa == sb:
        return "indentation"
    if " ".join(sa.split()) == " ".join(sb.split()):
        return "spacing inside the line"
    if sa.replace("\\", "").strip() == sb.replace("\\", "").strip():
        return "continuation"
    if sa.startswith("#") or sb.startswith("#"):
        return "comments"
    if sa.startswith(("[", '"')) or "[" in sa[:12]:
        return "JSON form"
    return "shell rewritten"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=str(REPO.parent / "shared" / "corpus"))
    parser.add_argument("--examples", type=int, default=3)
    args = parser.parse_args()
    if not DOCKERFMT.exists():
        print("bench/.peers has no @reteps/dockerfmt: run bash bench/setup.sh", file=sys.stderr)
        return 2
    files = sorted(p for p in Path(args.corpus).rglob("*") if p.is_file() and p.name != "README.md")
    theirs = dockerfmt(files)
    stats: Counter = Counter()
    kinds: Counter = Counter()
    examples: dict[str, list[str]] = {}
    for p in files:
        text = p.read_text(encoding="utf-8", errors="replace")
        ours = format_text(text, FormatOptions())
        stats["ours " + safe(text, ours)] += 1
        stats["ours idempotent"] += format_text(ours) == ours
        stats["ours unchanged input"] += ours == text
        other = theirs.get(str(p))
        if not isinstance(other, str):
            stats["dockerfmt error"] += 1
            examples.setdefault("dockerfmt error", []).append(f"{p.name}: {other.get('error') if isinstance(other, dict) else other}")
            continue
        verdict = safe(text, other)
        stats["dockerfmt " + verdict] += 1
        if verdict != "same" and len(examples.get("dockerfmt " + verdict, [])) < args.examples:
            examples.setdefault("dockerfmt " + verdict, []).append(p.name)
        stats["same output"] += other == ours
        ol, tl = ours.split("\n"), other.split("\n")
        if len(ol) == len(tl):
            for a, b in zip(ol, tl):
                if a != b:
                    kinds[kind_of(a, b)] += 1
        else:
            kinds["line count differs (files)"] += 1
    # dockerfmt idempotence: format its own output once more
    tmp = BENCH / "results" / "dockerfmt-once"
    tmp.mkdir(parents=True, exist_ok=True)
    once_paths = []
    for i, p in enumerate(files):
        other = theirs.get(str(p))
        if isinstance(other, str):
            q = tmp / f"{i:04d}.Dockerfile"
            q.write_text(other, encoding="utf-8")
            once_paths.append((q, other))
    twice = dockerfmt([q for q, _ in once_paths])
    stats["dockerfmt idempotent"] = sum(1 for q, once in once_paths if twice.get(str(q)) == once)
    print(f"files: {len(files)}")
    for key in sorted(stats):
        print(f"- {key}: {stats[key]}")
    print("differing lines (same line count), by kind:")
    for key, n in kinds.most_common():
        print(f"- {key}: {n}")
    for key, names in examples.items():
        print(f"examples of {key}: {', '.join(names[: args.examples])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
