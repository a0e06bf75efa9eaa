"""Shared test helpers: fixture folders, the expectation-comment reader."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# This checkout's package wins over any installed copy, in this process and in every
# server or CLI process the tests start (several checkouts can be tested side by side).
sys.path.insert(0, str(ROOT / "server"))
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "server"), os.environ.get("PYTHONPATH")]))
# The user's own slimstage config (~/.config/slimstage/config.toml) must not steer the tests:
# point every process at an empty config folder (a test that wants one sets its own).
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="slimstage-test-config-")
FIXTURES = ROOT / "tests" / "fixtures"
CORPUS = ROOT.parent / "shared" / "corpus"
EXAMPLES = ROOT / "examples"

pytest_plugins = ["tests.fakes.conftest_plugin"]


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "README.md")


@pytest.fixture
def in_ci() -> bool:
    return bool(os.environ.get("CI"))


def server_command() -> list[str]:
    return [sys.executable, "-m", "slimstage", "serve"]
