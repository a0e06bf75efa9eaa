"""``slimstage format [--check] [--diff]`` on real files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

MESSY = "from alpine:3.20\nrun   apk add curl   \n"
CLEAN = "FROM alpine:3.20\nRUN apk add curl\n"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "slimstage", "format", *args], capture_output=True, text=True, timeout=60)


def test_check_and_diff_write_nothing_and_exit_1(tmp_path: Path) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text(MESSY)
    check = run("--check", str(f))
    assert check.returncode == 1 and f"would reformat {f}" in check.stdout
    diff = run("--diff", str(f))
    assert diff.returncode == 1
    assert "-run   apk add curl   \n+FROM alpine:3.20\n+RUN apk add curl\n" in diff.stdout
    assert f.read_text() == MESSY


def test_format_rewrites_in_place_then_check_passes(tmp_path: Path) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text(MESSY)
    f.chmod(0o640)
    done = run(str(tmp_path))  # a folder: its Dockerfiles
    assert done.returncode == 0, done.stderr
    assert f.read_text() == CLEAN
    assert f.stat().st_mode & 0o777 == 0o640
    assert run("--check", str(f)).returncode == 0


def test_settings_and_unreadable_files(tmp_path: Path) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text("FROM alpine\nRUN a && b \\\n  && c\n")
    (tmp_path / ".slimstage.toml").write_text("[format]\nindent = 2\nsplit_and_chains = true\n")
    assert run(str(f)).returncode == 0
    assert f.read_text() == "FROM alpine\nRUN a && \\\n  b \\\n  && c\n"
    bad = tmp_path / "bad.Dockerfile"
    bad.write_bytes(b"FROM alpine\nRUN echo \xff   \n")
    out = run(str(bad), str(tmp_path / "missing"))
    assert out.returncode == 2
    assert "not valid UTF-8" in out.stderr and "missing" in out.stderr
    assert bad.read_bytes() == b"FROM alpine\nRUN echo \xff   \n"
