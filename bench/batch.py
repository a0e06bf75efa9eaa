"""Batch throughput: every corpus file in one invocation, for hadolint and ``slimstage check``.

Both tools get the same file list on the command line and write JSON to a pipe that is
drained and thrown away, so neither pays for a terminal. Throughput is files divided by
the wall time from spawn to exit.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class BatchRun:
    tool: str
    files: int
    seconds: float
    exit_code: int
    output_bytes: int

    @property
    def files_per_s(self) -> float:
        return self.files / self.seconds


def corpus_files(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.iterdir() if p.is_file() and p.name != "README.md")


def run_batch(tool: str, command: list[str], files: list[str], ok_codes: tuple[int, ...], env: dict | None = None) -> BatchRun:
    """Time one invocation of ``command + files``; raise if it failed."""
    started = time.perf_counter()
    proc = subprocess.run(command + files, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    seconds = time.perf_counter() - started
    if proc.returncode not in ok_codes:
        tail = proc.stderr.decode(errors="replace")[-800:]
        raise RuntimeError(f"{tool} exited {proc.returncode}: {tail}")
    return BatchRun(tool, len(files), seconds, proc.returncode, len(proc.stdout))


def hadolint_command(binary: Path) -> list[str]:
    return [str(binary), "--no-fail", "--no-color", "-f", "json"]


def slimstage_check_command(cli: list[str], jobs: int | None = None) -> list[str]:
    command = cli + ["check", "--format", "json"]
    if jobs is not None:
        command += ["--jobs", str(jobs)]
    return command


def supports_jobs(cli: list[str]) -> bool:
    proc = subprocess.run(cli + ["check", "--help"], capture_output=True, text=True)
    return "--jobs" in proc.stdout
