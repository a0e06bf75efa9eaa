"""The README's set-up command, and the test set-up, on a Python that refuses `pip install`.

Debian and Ubuntu mark their system Python "externally managed" (PEP 668): a bare
``pip install .`` fails there. Debian's own ``/usr/bin/python3`` (present on this project's
machines; ``python3-venv`` comes with the install script) is the real thing to test with:
the README's first command and ``scripts/install-python.sh`` must both work with it, in a
copy of the checkout. Each installs the package and its dependencies from PyPI.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT

DEBIAN_PYTHON = Path("/usr/bin/python3")


def debian_python() -> Path:
    if not DEBIAN_PYTHON.exists() or not glob.glob("/usr/lib/python3*/EXTERNALLY-MANAGED"):
        if os.environ.get("CI"):
            pytest.fail("Debian's python3 (externally managed) is expected on the CI machine")
        pytest.skip("no externally-managed system Python here")
    probe = subprocess.run([str(DEBIAN_PYTHON), "-c", "import ensurepip, venv"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("Debian's python3 has no venv module (python3-venv is not installed)")
    return DEBIAN_PYTHON


def checkout_copy(dest: Path) -> Path:
    """The files git knows (tracked, and new ones not ignored), without .venv or caches."""
    names = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard", "-z"], capture_output=True, check=True
    ).stdout.decode().split("\0")
    for name in filter(None, names):
        src = ROOT / name
        if src.is_file() and not src.is_symlink():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def clean_env(bin_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin"
    return env


def readme_first_command() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = readme[readme.index("## Set-up"):]
    return re.search(r"```sh\n(.+?)\n```", setup, re.S).group(1).strip()


def test_system_pip_is_refused_but_the_readme_command_works(tmp_path: Path) -> None:
    python = debian_python()
    repo = checkout_copy(tmp_path / "repo")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(python)
    env = clean_env(bin_dir)
    refused = subprocess.run(["python3", "-m", "pip", "install", "--dry-run", "."], cwd=repo, env=env, capture_output=True, text=True)
    assert refused.returncode != 0 and "externally-managed-environment" in refused.stderr
    command = readme_first_command()
    assert "python3 -m venv" in command and "slimstage check examples/node-service/Dockerfile" in command
    proc = subprocess.run(["bash", "-c", command], cwd=repo, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 1, proc.stderr[-2000:]  # findings: exit 1, as the README says
    assert "warning SLIM101" in proc.stdout and re.search(r"\d+ findings \(\d+ fixable\) in 1 file", proc.stdout)


def test_install_script_uses_a_venv_not_the_system_python(tmp_path: Path) -> None:
    python = debian_python()
    repo = checkout_copy(tmp_path / "repo")
    env = clean_env(tmp_path) | {"PYTHON": str(python), "SLIMSTAGE_VENV": str(tmp_path / "venv")}
    proc = subprocess.run(["bash", "scripts/install-python.sh"], cwd=repo, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    venv_python = tmp_path / "venv" / "bin" / "python"
    check = subprocess.run(
        [str(venv_python), "-c", "import sys, slimstage, pytest, pytest_lsp, dockerfile, dockerfile_parse; print(sys.prefix != sys.base_prefix, sys.base_prefix)"],
        capture_output=True, text=True, env=clean_env(tmp_path),
    )
    assert check.returncode == 0, check.stderr
    assert check.stdout.split()[0] == "True" and check.stdout.split()[1] == "/usr"
