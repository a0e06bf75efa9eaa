"""Engine tests: skipped, with the reason, where no engine and stand-in images are present.

Run ``scripts/install-test-deps.sh`` as root (it installs buildah and builds the stand-in base
images once per machine). Every engine test checks that it left no container or image behind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "verify"


def _q(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=120)


def engine_missing() -> str:
    """Why the engine tests cannot run here ("" when they can)."""
    if shutil.which("buildah") is None:
        return "no buildah on PATH: run scripts/install-test-deps.sh as root to install the engine and the stand-in images"
    if os.geteuid() != 0:
        return "buildah with chroot isolation needs root here"
    got = _q("buildah", "inspect", "--type", "image", "--format", '{{index .OCIv1.Config.Labels "io.slimstage.standin"}}', "node:22")
    if got.returncode != 0 or not got.stdout.strip():
        return "stand-in base images are missing: run scripts/standin-images.sh as root"
    return ""


def inventory() -> tuple[set[str], set[str]]:
    containers = set(_q("buildah", "containers", "--quiet").stdout.split())
    images = set(_q("buildah", "images", "--all", "--quiet", "--no-trunc").stdout.split())
    return containers, images


@pytest.fixture
def engine():
    """Skips without an engine; afterwards, nothing the test made may be left."""
    why = engine_missing()
    if why:
        pytest.skip(why)
    before = inventory()
    yield "buildah"
    containers, images = inventory()
    assert containers - before[0] == set(), "verification left containers behind"
    assert images - before[1] == set(), "verification left images behind"


@pytest.fixture
def cli_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    return env
