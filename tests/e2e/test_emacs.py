"""Batch Emacs with eglot runs the Emacs snippet of docs/editors.md against the real server.

``tests/e2e/neovim/emacs_run.el`` opens a copy of the node-service example, waits for
slimstage diagnostics, applies the SLIM101 quick fix, converts with the offline planner
and hovers the first FROM line, writing what happened to a JSON file checked here.
Needs Debian's ``emacs-nox`` and ``elpa-eglot`` (Emacs 29+ has eglot built in).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "tests" / "e2e" / "neovim" / "emacs_run.el"
EXAMPLE = REPO / "examples" / "node-service"
STEP_TIMEOUT_MS = 20_000
RUN_TIMEOUT_S = 180


def _emacs() -> str:
    path = shutil.which("emacs")
    if path is None:
        message = "emacs is not installed (apt-get install -y --no-install-recommends emacs-nox elpa-eglot)"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must run the Emacs end-to-end test")
        pytest.skip(message)
    probe = subprocess.run(
        [path, "--batch", "-q", "--eval", "(require 'eglot)"], capture_output=True, text=True, timeout=60
    )
    if probe.returncode != 0:
        message = "eglot is not available to emacs (apt-get install -y elpa-eglot)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def emacs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    binary = _emacs()
    tmp = tmp_path_factory.mktemp("emacs")
    project = tmp / "node-service"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("node_modules", "dist"))
    results_file = tmp / "results.json"
    home = tmp / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "EMACS"))}
    env.update(
        {
            "HOME": str(home),
            "SLIMSTAGE_EMACS_CMD": os.environ.get("SLIMSTAGE_E2E_SERVER_CMD")
            or json.dumps([sys.executable, "-m", "slimstage", "serve"]),
            "SLIMSTAGE_EMACS_SETTINGS": json.dumps({"debounceMs": 0, "engine": "offline"}),
            "SLIMSTAGE_EMACS_FILE": str(project / "Dockerfile"),
            "SLIMSTAGE_EMACS_CODE": "SLIM101",
            "SLIMSTAGE_EMACS_RESULTS": str(results_file),
            "SLIMSTAGE_EMACS_TIMEOUT": str(STEP_TIMEOUT_MS),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO / "server"), os.environ.get("PYTHONPATH")])),
        }
    )
    try:
        proc = subprocess.run(
            [binary, "--batch", "-q", "-l", str(SCRIPT)],
            cwd=project,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
        )
        returncode, output = proc.returncode, proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as exc:
        returncode, output = -1, f"emacs killed after {RUN_TIMEOUT_S}s\n{exc.stdout or ''}{exc.stderr or ''}"
    results: dict[str, Any] = {}
    if results_file.exists():
        results = json.loads(results_file.read_text(encoding="utf-8") or "{}")
    return {"results": results, "returncode": returncode, "output": output}


def _check(run: dict[str, Any], name: str) -> None:
    step = run["results"].get("steps", {}).get(name) or {"ok": False, "detail": "step did not run"}
    assert step["ok"], "\n".join(
        [
            f"[emacs] step {name!r} failed: {step['detail']}",
            f"exit code {run['returncode']}; steps: {run['results'].get('order')}",
            "results: " + json.dumps({k: v for k, v in run["results"].items() if k != "steps"}, indent=1)[:5000],
            "emacs output: " + run["output"][-3000:],
        ]
    )


def test_eglot_manages_dockerfile_buffer(emacs: dict[str, Any]) -> None:
    _check(emacs, "attach")


def test_eglot_receives_slimstage_diagnostics(emacs: dict[str, Any]) -> None:
    _check(emacs, "diagnostics")
    assert "SLIM101" in emacs["results"]["steps"]["diagnostics"]["detail"]


def test_eglot_applies_quick_fix(emacs: dict[str, Any]) -> None:
    _check(emacs, "quickfix")


def test_eglot_runs_conversion(emacs: dict[str, Any]) -> None:
    _check(emacs, "convert")
    froms = [l for l in emacs["results"]["text_final"].splitlines() if l.strip().upper().startswith("FROM ")]
    assert len(froms) >= 2


def test_eglot_hover_explains_stage(emacs: dict[str, Any]) -> None:
    _check(emacs, "hover")


def test_emacs_exits_cleanly(emacs: dict[str, Any]) -> None:
    assert "watchdog" not in emacs["results"] and "error" not in emacs["results"], emacs["results"]
    assert emacs["returncode"] == 0, emacs["output"][-3000:]
