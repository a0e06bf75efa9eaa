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
# point every process at a config folder of the tests' own (a test that wants another sets its
# own). It turns off the local image lookups: on a machine with an engine and the stand-in
# images, hover, lenses and hints would switch from the table's estimate to the measured size
# whenever a lookup finished first, and tests that read estimates would race it
# (tests/verify/test_hover_measured.py turns them on, with its own config folder).
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="slimstage-test-config-")
os.makedirs(os.path.join(os.environ["XDG_CONFIG_HOME"], "slimstage"))
with open(os.path.join(os.environ["XDG_CONFIG_HOME"], "slimstage", "config.toml"), "w", encoding="utf-8") as _fh:
    _fh.write("local_image_sizes = false\n")
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
