"""CPU time and peak memory of ``slimstage check`` on the input shapes that used to hang.

    python3 bench/blowups.py            # every shape, every size
    python3 bench/blowups.py apt cont   # some shapes

Each run is a fresh ``python -m slimstage check`` under a 120 s CPU limit; the table gives
user+system CPU seconds and the peak RSS (ru_maxrss of the child). The figures in
docs/reliability.md ("What is guaranteed") come from this script and ``/usr/bin/time``.
Not part of the test run (tests/robustness/test_blowups.py only checks the runs end).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def doubling(steps: int) -> dict[str, str]:
    lines = ["ARG A0=xy"] + [f"ARG A{i}=${{A{i - 1}}}${{A{i - 1}}}" for i in range(1, steps)]
    lines += [f"FROM alpine:$A{steps - 1}", "ENV B0=xy"] + [f"ENV B{i}=${{B{i - 1}}}${{B{i - 1}}}" for i in range(1, steps)]
    lines += [f"WORKDIR /$B{steps - 1}", "COPY . .", "RUN make"]
    return {"Dockerfile": "\n".join(lines) + "\n"}


def ignore(depth: int) -> dict[str, str]:
    deep = "/".join(["a"] * depth)
    return {
        "Dockerfile": f"FROM alpine\nCOPY . .\nCOPY {'a' * 34}/x /x\nCOPY {deep}/y /y\n",
        ".dockerignore": "**/" * 10 + "z\n" + "*a" * 20 + "c\n",
    }


def apt(n: int) -> dict[str, str]:
    return {"Dockerfile": "FROM debian\nRUN apt-get update && apt-get install -y " + " ".join(f"pkg{i}" for i in range(n)) + "\n"}


def cont(n: int) -> dict[str, str]:
    return {"Dockerfile": "FROM debian\nRUN echo \\\n" + "  a \\\n" * n + "  end\n"}


SHAPES = {
    "doubling": (doubling, (20, 26, 40, 200)),
    "ignore": (ignore, (30, 300)),
    "apt": (apt, (16000, 32000, 128000)),
    "cont": (cont, (100000, 200000, 400000, 1000000)),
}


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (120, 125))


def run(files: dict[str, str]) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in files.items():
            Path(tmp, name).write_text(text)
        env = dict(os.environ, PYTHONPATH=str(ROOT / "server"))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run([sys.executable, "-m", "slimstage", "check", str(Path(tmp, "Dockerfile"))], capture_output=True, env=env, preexec_fn=_limit)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, after.ru_maxrss / 1024, proc.returncode


def main(argv: list[str]) -> int:
    wanted = argv or list(SHAPES)
    print(f"{'shape':<10} {'size':>9} {'cpu s':>8} {'peak MB':>8}  exit")
    for name in wanted:
        make, sizes = SHAPES[name]
        for size in sizes:
            cpu, rss, code = run(make(size))
            print(f"{name:<10} {size:>9} {cpu:>8.2f} {rss:>8.0f}  {code}{'  (killed: CPU limit)' if code < 0 else ''}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
