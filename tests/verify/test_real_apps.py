"""Real single-stage applications written by others, built and run before and after conversion.

Each app under tests/fixtures/apps/ is a public project's build context as its author wrote it
(ORIGIN.md beside it names the repository, commit, license and what was changed). The test converts it
through the real CLI with the offline planner and ``--verify --write`` (which builds and runs
the original first; it must work), and asserts that the rewrite built, ran, answered at least what the
original answered and was written. Sizes are printed (``-s``); they are measured on stand-in
base images (see docs/convert.md), not on the published ones.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.engine

APPS = ROOT / "tests" / "fixtures" / "apps"

# app folder -> what the original's verification answers (the rewrite must answer it too)
REAL_APPS = {
    "fcc-timestamp": "port 3000 answered",
    "tarot-deck-service": "",  # EXPOSEs nothing: staying up is what it does
    "voting-app-vote": "port 80 answered",
    "go-simple-app": "port 8080 answered",
}


def _slimstage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "slimstage", *args], capture_output=True, text=True, env=env, timeout=900)


def test_every_app_folder_is_listed_with_its_origin() -> None:
    folders = sorted(p.name for p in APPS.iterdir() if p.is_dir())
    assert folders == sorted(REAL_APPS)
    for name in folders:
        origin = (APPS / name / "ORIGIN.md").read_text()
        assert "License:" in origin and "Commit:" in origin and "Repository:" in origin


@pytest.mark.parametrize("name", sorted(REAL_APPS))
def test_a_real_app_converts_builds_and_runs_as_before(name: str, engine: str, tmp_path: Path, cli_env: dict) -> None:
    app = tmp_path / name
    shutil.copytree(APPS / name, app, ignore=shutil.ignore_patterns("ORIGIN.md"))
    answered = f", {REAL_APPS[name]}" if REAL_APPS[name] else ""
    before = (app / "Dockerfile").read_text()
    started = time.monotonic()
    done = _slimstage("convert", str(app / "Dockerfile"), "--engine", "offline", "--verify", "--verify-engine", engine, "--write", env=cli_env)
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    # convert --verify builds and runs the original first: it must work as its author wrote it
    assert f"- original: built, stayed up{answered}" in done.stderr
    assert f"- rewrite: built, stayed up{answered}" in done.stderr
    after = (app / "Dockerfile").read_text()
    assert after != before and "AS runtime" in after
    measured = next(line for line in done.stderr.splitlines() if line.startswith("Measured "))
    assert "measured on stand-in base images" in measured
    print(f"\n{name}: {measured} ({seconds:.0f} s)")
