"""Where slimstage's time goes: import cost (``python -X importtime``) and pyinstrument
profiles of the language server during an editing session and of a batch check.

    python bench/profile_slimstage.py            print the Markdown section
Used by ``bench/main.py --profile`` to append the section to docs/performance.md.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import batch
import edits
import generate
import scenarios
import servers

PROFILER_PATH = servers.PEERS / "prof"


def import_times(python: str, module: str, runs: int = 5) -> tuple[float, list[tuple[str, float, float]]]:
    """Median total import time of ``module`` (ms) and the biggest imports of the median run.

    Rows are (name, self ms, cumulative ms): top-level packages, plus slimstage's own
    modules, sorted by cumulative time.
    """
    samples: list[tuple[float, list[tuple[str, float, float]]]] = []
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for _ in range(runs + 1):  # the first one may write __pycache__; it is dropped below
        proc = subprocess.run([python, "-X", "importtime", "-c", f"import {module}"], capture_output=True, text=True, env=env)
        rows: list[tuple[str, float, float]] = []
        for line in proc.stderr.splitlines():
            if not line.startswith("import time:") or "imported package" in line:
                continue
            _, self_us, cum_us, name = (part.strip() for part in line.replace("import time:", "|", 1).split("|"))
            rows.append((name.strip(), int(self_us) / 1e3, int(cum_us) / 1e3))
        total = sum(s for _, s, _ in rows)
        samples.append((total, rows))
    samples = samples[1:]
    samples.sort(key=lambda s: s[0])
    total, rows = samples[len(samples) // 2]
    top = [r for r in rows if "." not in r[0] or r[0].startswith("slimstage")]
    top.sort(key=lambda r: -r[2])
    return total, top


def interpreter_start(python: str, runs: int = 5) -> float:
    """Median wall time of ``python -c pass`` (ms): the floor under any Python start-up."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([python, "-c", "pass"], check=True)
        times.append((time.perf_counter() - t) * 1e3)
    return sorted(times)[len(times) // 2]


def _profiled(python: str, out: Path, module_args: list[str]) -> tuple[list[str], dict[str, str]]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROFILER_PATH), env.get("PYTHONPATH", "")]))
    command = [python, "-m", "pyinstrument", "--no-color", "-r", "text", "-o", str(out), "-m", *module_args]
    return command, env


def _trim(report: str, max_lines: int = 60) -> str:
    lines = [line.rstrip() for line in report.splitlines()]
    return "\n".join(lines[:max_lines]) + ("\n..." if len(lines) > max_lines else "")


def server_profile(python: str, text: str, n_edits: int = 60) -> str:
    """pyinstrument over ``slimstage serve`` for start-up plus ``n_edits`` edits of ``text``."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "serve.txt"
        command, env = _profiled(python, out, ["slimstage", "serve"])
        spec = servers.ServerSpec(
            "slimstage (pyinstrument)", command, {"debounceMs": 0}, {"slimstage": {"debounceMs": 0}}, env
        )
        scenarios.edit_latency(spec, text, edits.edit_session(text, n_edits, seed=0))
        for _ in range(50):
            if out.exists() and out.stat().st_size:
                break
            time.sleep(0.1)
        return out.read_text() if out.exists() else "(pyinstrument wrote no report: the server did not exit normally)"


def check_profile(python: str, corpus: Path) -> str:
    files = batch.corpus_files(corpus)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "check.txt"
        args = ["slimstage", "check", "--format", "json"]
        if batch.supports_jobs([python, "-m", "slimstage"]):
            args += ["--jobs", "1"]  # in-process, so the profiler sees the work
        command, env = _profiled(python, out, args + files)
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return out.read_text() if out.exists() else "(no report)"


def markdown(python: str, text_5000: str, corpus: Path) -> str:
    parts = ["## Where slimstage's time goes", ""]
    floor = interpreter_start(python)
    parts.append(f"`{Path(python).name} -c pass` takes {floor:.0f} ms here: no Python server starts faster than that.")
    parts.append("")
    for module in ("slimstage.lsp.server", "slimstage.cli"):
        total, top = import_times(python, module)
        parts.append(f"`python -X importtime -c 'import {module}'`: {total:.0f} ms of imports (median of 5). Biggest:")
        parts.append("")
        parts.append("| module | self ms | cumulative ms |")
        parts.append("| --- | ---: | ---: |")
        for name, self_ms, cum_ms in top[:14]:
            parts.append(f"| `{name}` | {self_ms:.1f} | {cum_ms:.1f} |")
        parts.append("")
    if not (PROFILER_PATH / "pyinstrument").is_dir():
        parts.append("(pyinstrument is not installed in bench/.peers/prof: run bench/setup.sh for the profiles)")
        return "\n".join(parts) + "\n"
    parts.append("pyinstrument, `slimstage serve` started, 5,000-line file opened, 60 edits (debounce 0):")
    parts.append("")
    parts.append("```text\n" + _trim(server_profile(python, text_5000)) + "\n```")
    parts.append("")
    parts.append(f"pyinstrument, `slimstage check` over {corpus.name}/ in one process:")
    parts.append("")
    parts.append("```text\n" + _trim(check_profile(python, corpus)) + "\n```")
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    corpus = Path(os.environ.get("SLIMSTAGE_CORPUS", servers.REPO.parent / "shared" / "corpus" / "official-images"))
    print(markdown(sys.executable, generate.generate(5000, seed=1), corpus))
