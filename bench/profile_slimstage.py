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


def import_times(python: str, argv: list[str], runs: int = 5) -> tuple[float, list[tuple[str, float]], list[tuple[str, float]]]:
    """Median total import time of ``python -X importtime ARGV`` (ms; stdin is empty, so
    ``serve`` starts and stops at once), and for the median run: self time summed
    per top-level package, and the modules with the most self time, both largest first."""
    samples: list[tuple[float, list[tuple[str, float]]]] = []
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for _ in range(runs + 1):  # the first one may write __pycache__; it is dropped below
        proc = subprocess.run(
            [python, "-X", "importtime", *argv], capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL
        )
        rows: list[tuple[str, float]] = []
        for line in proc.stderr.splitlines():
            if not line.startswith("import time:") or "imported package" in line:
                continue
            _, self_us, _cum_us, name = (part.strip() for part in line.replace("import time:", "|", 1).split("|"))
            rows.append((name.strip(), int(self_us) / 1e3))
        samples.append((sum(ms for _, ms in rows), rows))
    samples = samples[1:]
    samples.sort(key=lambda s: s[0])
    total, rows = samples[len(samples) // 2]
    packages: dict[str, float] = {}
    for name, ms in rows:
        top = name.split(".")[0]
        packages[top] = packages.get(top, 0.0) + ms
    by_package = sorted(packages.items(), key=lambda kv: -kv[1])
    by_module = sorted(rows, key=lambda r: -r[1])
    return total, by_package, by_module


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
    shown = " ".join(module_args[:6]) + (f" ... ({len(module_args) - 6} more arguments)" if len(module_args) > 6 else "")
    command = [python, "-m", "pyinstrument", "--no-color", "-r", "text", "-o", str(out),
               f"--target-description=python -m {shown}", "-m", *module_args]
    return command, env


def _trim(report: str, max_lines: int = 60) -> str:
    """pyinstrument's text report without its banner, cut to ``max_lines``."""
    lines = [line.rstrip() for line in report.splitlines() if line.strip()]
    duration = next((line[line.index("Duration:") :] for line in lines if "Duration:" in line), "")
    start = next((i + 1 for i, line in enumerate(lines) if line.lstrip().startswith("/   _/")), 0)
    lines = ([" ".join(duration.split())] if duration else []) + lines[start:]
    return "\n".join(lines[:max_lines]) + ("\n..." if len(lines) > max_lines else "")


def server_profile(python: str, text: str, n_edits: int = 20) -> str:
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


def startup_profile(python: str, text: str) -> str:
    """pyinstrument over ``slimstage serve`` from spawn through the first diagnostics, then exit."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "startup.txt"
        command, env = _profiled(python, out, ["slimstage", "serve"])
        spec = servers.ServerSpec(
            "slimstage (pyinstrument)", command, {"debounceMs": 0}, {"slimstage": {"debounceMs": 0}}, env
        )
        scenarios.startup(spec, text)
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
    sample = str(batch.corpus_files(corpus)[0])
    for argv in (["-m", "slimstage", "serve"], ["-m", "slimstage", "check", "--format", "json", "<one corpus file>"]):
        real = [sample if a.startswith("<") else a for a in argv]
        total, by_package, by_module = import_times(python, real)
        parts.append(f"`python -X importtime {' '.join(argv)}`: {total:.0f} ms of imports (median of 5 runs).")
        parts.append("")
        parts.append("| package (self time summed) | ms | | module (self time) | ms |")
        parts.append("| --- | ---: | --- | --- | ---: |")
        for (pkg, pms), (mod, mms) in zip(by_package[:10], by_module[:10]):
            parts.append(f"| `{pkg}` | {pms:.1f} | | `{mod}` | {mms:.1f} |")
        parts.append("")
    if not (PROFILER_PATH / "pyinstrument").is_dir():
        parts.append("(pyinstrument is not installed in bench/.peers/prof: run bench/setup.sh for the profiles)")
        return "\n".join(parts) + "\n"
    parts.append("pyinstrument, `slimstage serve` from spawn to the first diagnostics of a 500-line file:")
    parts.append("")
    parts.append("```text\n" + _trim(startup_profile(python, generate.generate(500, seed=1)), 45) + "\n```")
    parts.append("")
    parts.append("pyinstrument, `slimstage serve` started, 5,000-line file opened, 20 edits (debounce 0):")
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
