"""A real VS Code (code-server) in headless Chromium runs the packaged extension, end to end.

``tests/e2e/vscode/run.mjs`` installs ``clients/vscode/dist/slimstage.vsix`` into
code-server, opens a copy of the node-service example, and then: opens the Dockerfile,
waits for SLIM101 in the Problems panel, hovers the FROM line, takes the screenshot for
``docs/editors.md``, stores an API key with "slimstage: Set Anthropic API Key", runs
"slimstage: Convert to Multi-Stage Build" against the local fake Messages API, saves, and
restarts the server. It starts with a fresh Python that has neither slimstage nor the
Claude SDK, so the first steps run the server bundled in the .vsix; later it switches to
an interpreter with slimstage (importStrategy fromEnvironment), and finally back to the
fresh one to convert with Claude, which installs the SDK on first use after asking. It
records each step in a JSON file; each test below checks one step, so a failure names the
feature that broke.

Setup (Chromium, code-server, the .vsix, puppeteer-core): ``clients/vscode/scripts/setup-e2e.sh``.
Without it the tests skip, except under CI, where they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
DRIVER = REPO / "tests" / "e2e" / "vscode" / "run.mjs"
EXAMPLE = REPO / "examples" / "node-service"
VSIX = REPO / "clients" / "vscode" / "dist" / "slimstage.vsix"
SCREENSHOT = REPO / "docs" / "img" / "vscode-finding-hover.png"
CODE_SERVER_VERSION = "4.100.3"
E2E_HOME = Path(os.environ.get("SLIMSTAGE_E2E_HOME", "/opt/slimstage-e2e"))
API_KEY = "sk-ant-e2e-secret-storage-key"
RUN_TIMEOUT_S = 600
SETUP_HINT = "run clients/vscode/scripts/setup-e2e.sh"


def _missing(what: str) -> None:
    message = f"{what} is missing ({SETUP_HINT})"
    if os.environ.get("CI"):
        pytest.fail(message + "; CI must run the VS Code end-to-end test")
    pytest.skip(message)


def _code_server() -> str:
    candidates = [
        os.environ.get("SLIMSTAGE_CODE_SERVER", ""),
        str(E2E_HOME / f"code-server-{CODE_SERVER_VERSION}" / "node_modules" / ".bin" / "code-server"),
        shutil.which("code-server") or "",
    ]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return candidate
    _missing(f"code-server {CODE_SERVER_VERSION}")
    raise AssertionError  # unreachable


def _chromium() -> str:
    for name in (os.environ.get("SLIMSTAGE_CHROMIUM", ""), "chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name) if name else None
        if path:
            return path
    _missing("Chromium (apt-get install chromium)")
    raise AssertionError  # unreachable


def _tools() -> dict[str, str]:
    node = shutil.which("node")
    if node is None:
        _missing("node")
    if not (DRIVER.parent / "node_modules" / "puppeteer-core").is_dir():
        _missing("puppeteer-core in tests/e2e/vscode/node_modules")
    if not VSIX.is_file():
        _missing("clients/vscode/dist/slimstage.vsix")
    return {"node": str(node), "codeServer": _code_server(), "chromium": _chromium()}


@dataclass
class VSCodeRun:
    results: dict[str, Any]
    returncode: int
    output: str
    artifacts: Path
    fake: Any = None
    user_settings: str = ""
    bare_interpreter: Any = None
    user_data: Any = None

    def step(self, name: str) -> dict[str, Any]:
        return self.results.get("steps", {}).get(name) or {"ok": False, "detail": "step did not run"}

    def explain(self, name: str) -> str:
        step = self.step(name)
        keep = {k: v for k, v in self.results.items() if k not in ("steps", "events", "outputLog")}
        log = self.artifacts / "code-server.log"
        return "\n".join(
            [
                f"step {name!r} failed: {step.get('detail')}",
                f"driver exit code {self.returncode}; steps: "
                + ", ".join(f"{n}={'ok' if self.step(n)['ok'] else 'FAILED'}" for n in self.results.get("order", [])),
                f"artifacts (screenshots of failed steps, code-server.log): {self.artifacts}",
                "events: " + "\n  ".join(self.results.get("events", [])[-40:]),
                "results: " + json.dumps(keep, indent=1)[:5000],
                "slimstage output channel (tail): " + str(self.results.get("outputLog", ""))[-4000:],
                "driver output (tail): " + self.output[-2000:],
                "code-server.log (tail): "
                + (log.read_text(encoding="utf-8", errors="replace")[-3000:] if log.exists() else "(none)"),
            ]
        )

    def check(self, name: str) -> None:
        assert self.step(name)["ok"], self.explain(name)


def _server_env(scratch: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "VSCODE_", "XDG_"))}
    env.update(
        {
            "XDG_CONFIG_HOME": str(scratch / "xdg-config"),
            "XDG_DATA_HOME": str(scratch / "xdg-data"),
            "XDG_CACHE_HOME": str(scratch / "xdg-cache"),
            # The server runs from this checkout even when slimstage is not pip-installed.
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO / "server"), os.environ.get("PYTHONPATH")])),
        }
    )
    return env


def _user_settings(fake_url: str, interpreter: list[str]) -> dict[str, Any]:
    return {
        "slimstage.interpreter": interpreter,
        "slimstage.debounceMs": 0,
        "slimstage.engine": "claude",
        "slimstage.claude.baseUrl": fake_url,
        "slimstage.claude.timeout": 30,
        "slimstage.claude.maxRetries": 0,
        "slimstage.trace.server": os.environ.get("SLIMSTAGE_E2E_TRACE", "off"),
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": False,
        "workbench.enableExperiments": False,
        "workbench.welcomePage.walkthroughs.openOnInstall": False,
        "telemetry.telemetryLevel": "off",
        "extensions.autoCheckUpdates": False,
        "extensions.autoUpdate": False,
        "extensions.ignoreRecommendations": True,
        "security.workspace.trust.enabled": False,
        "editor.hover.delay": 200,
        # Quick Open must not open the Dockerfile as a preview that the next editor replaces.
        "workbench.editor.enablePreview": False,
        "workbench.editor.enablePreviewFromQuickOpen": False,
        "editor.minimap.enabled": False,
        "window.restoreWindows": "none",
        "files.hotExit": "off",
        "chat.commandCenter.enabled": False,
        "workbench.colorTheme": "Default Dark Modern",
    }


@pytest.fixture(scope="module")
def vscode(tmp_path_factory: pytest.TempPathFactory) -> VSCodeRun:
    tools = _tools()
    from tests.e2e.vscode.claude_reply import ConvertingFake

    scratch = tmp_path_factory.mktemp("vscode")
    workspace = scratch / "node-service"
    shutil.copytree(EXAMPLE, workspace, ignore=shutil.ignore_patterns("node_modules", "dist"))
    user_data = scratch / "user-data"
    (user_data / "User").mkdir(parents=True)
    artifacts = scratch / "artifacts"
    results_file = scratch / "results.json"
    # A fresh Python with pip but without slimstage or the Claude SDK: the extension must
    # work with it out of the box (bundled server) and install the SDK on first use.
    bare = scratch / "bare-venv"
    subprocess.run([sys.executable, "-m", "venv", str(bare)], check=True)
    # -E: PYTHONPATH (set for the real server below) must not lend it slimstage.
    bare_interpreter = [str(bare / "bin" / "python"), "-E"]
    # A second of thinking keeps the progress notification on screen long enough to see.
    fake = ConvertingFake(require_api_key=API_KEY, delay=1.5).start()
    try:
        settings = _user_settings(fake.url, bare_interpreter)
        (user_data / "User" / "settings.json").write_text(json.dumps(settings, indent=2), encoding="utf-8")
        config = {
            "codeServer": tools["codeServer"],
            "chromium": tools["chromium"],
            "vsix": str(VSIX),
            "scratch": str(scratch),
            "workspace": str(workspace),
            "file": "Dockerfile",
            "userDataDir": str(user_data),
            "extensionsDir": str(scratch / "extensions"),
            "artifacts": str(artifacts),
            "results": str(results_file),
            "screenshot": str(artifacts / SCREENSHOT.name),
            "code": "SLIM101",
            "hoverPattern": "stage",
            "apiKey": API_KEY,
            "interpreter": [sys.executable],
            "bareInterpreter": bare_interpreter,
            "originalText": (EXAMPLE / "Dockerfile").read_text(encoding="utf-8"),
            "sdkInstallTimeoutMs": 240_000,
            "env": _server_env(scratch),
            "stepTimeoutMs": 45_000,
            "convertTimeoutMs": 90_000,
            "runTimeoutMs": (RUN_TIMEOUT_S - 20) * 1000,
            # For debugging one feature: SLIMSTAGE_E2E_STEPS=open,activate,hover (the rest skip).
            "onlySteps": [s for s in os.environ.get("SLIMSTAGE_E2E_STEPS", "").split(",") if s],
        }
        config_file = scratch / "config.json"
        config_file.write_text(json.dumps(config, indent=1), encoding="utf-8")
        started = time.monotonic()
        try:
            proc = subprocess.run(
                [tools["node"], str(DRIVER), str(config_file)],
                cwd=DRIVER.parent,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=RUN_TIMEOUT_S,
            )
            returncode, output = proc.returncode, proc.stdout + proc.stderr
        except subprocess.TimeoutExpired as exc:
            returncode, output = -1, f"driver killed after {RUN_TIMEOUT_S}s\n{exc.stdout or ''}{exc.stderr or ''}"
        results: dict[str, Any] = {}
        if results_file.exists():
            try:
                results = json.loads(results_file.read_text(encoding="utf-8") or "{}")
            except json.JSONDecodeError as exc:
                results = {"error": f"unreadable results: {exc}"}
        results["seconds"] = round(time.monotonic() - started, 1)
    finally:
        fake.stop()
    run = VSCodeRun(results, returncode, output, artifacts, fake, json.dumps(settings))
    run.bare_interpreter = bare_interpreter
    run.user_data = user_data
    _publish_screenshot(run)
    return run


def _publish_screenshot(run: VSCodeRun) -> None:
    """Copy the screenshot into docs/img when it is missing or an update is asked for."""
    shot = run.artifacts / SCREENSHOT.name
    if not (run.step("screenshot")["ok"] and shot.is_file()):
        return
    if not SCREENSHOT.exists() or os.environ.get("SLIMSTAGE_UPDATE_SCREENSHOTS"):
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)


def test_vsix_installs_and_workbench_opens_the_project(vscode: VSCodeRun) -> None:
    vscode.check("install")
    vscode.check("start")


def test_dockerfile_opens_in_dockerfile_language_mode(vscode: VSCodeRun) -> None:
    vscode.check("open")
    # VS Code's own name for the dockerfile language is "Docker" (1.100) or "Dockerfile".
    assert vscode.results.get("languageMode") in ("Docker", "Dockerfile"), vscode.explain("open")


def test_server_runs_bundled_with_an_interpreter_that_has_no_slimstage(vscode: VSCodeRun) -> None:
    """The fresh-install path: a clean profile, a Python without slimstage, the .vsix: findings."""
    vscode.check("activate")
    log = vscode.results.get("outputLog", "")
    assert f"with {' '.join(vscode.bare_interpreter)} [from setting]" in log, vscode.explain("activate")
    assert "Running the bundled slimstage" in log, vscode.explain("activate")
    vscode.check("diagnostics")


def test_the_users_installed_slimstage_wins_when_asked_for(vscode: VSCodeRun) -> None:
    vscode.check("settings")
    assert "Running the slimstage installed for Python" in vscode.results.get("outputLog", "")


def test_finding_shows_in_the_problems_panel(vscode: VSCodeRun) -> None:
    vscode.check("diagnostics")
    problems = vscode.results["problems"]
    assert "slimstage" in problems and "SLIM101" in problems, vscode.explain("diagnostics")


def test_hover_on_from_explains_the_stage(vscode: VSCodeRun) -> None:
    vscode.check("hover")


def test_screenshot_shows_finding_and_hover(vscode: VSCodeRun) -> None:
    vscode.check("screenshot")
    shot = vscode.artifacts / SCREENSHOT.name
    assert shot.read_bytes().startswith(b"\x89PNG"), vscode.explain("screenshot")


def test_settings_apply_live_and_interpreter_change_restarts(vscode: VSCodeRun) -> None:
    vscode.check("settings")


def test_api_key_from_secret_storage_reaches_the_server(vscode: VSCodeRun) -> None:
    vscode.check("apikey")
    assert API_KEY not in vscode.results.get("outputLog", ""), "the API key was written to the output channel"
    assert API_KEY not in vscode.user_settings


def test_convert_rewrites_the_file_with_claude(vscode: VSCodeRun) -> None:
    vscode.check("convert")
    requests = vscode.fake.message_requests
    assert requests, "the server never called the fake Messages API:\n" + vscode.explain("convert")
    assert {r.api_key for r in requests} == {API_KEY}, "the stored key was not the one sent to Claude"
    # The server may annotate stages with comments; the instructions must be Claude's.
    assert _instructions(vscode.results["textFinal"]) == _instructions(vscode.fake.dockerfile), vscode.explain("convert")
    assert any("with Claude" in m for m in vscode.results.get("messages", [])), vscode.explain("convert")


def _instructions(dockerfile: str) -> list[str]:
    lines = [line.strip() for line in dockerfile.splitlines()]
    return [line for line in lines if line and (not line.startswith("#") or line.startswith("# syntax="))]


def test_convert_shows_progress_in_the_notification_area(vscode: VSCodeRun) -> None:
    vscode.check("convert")
    assert vscode.results.get("progressNotification"), vscode.explain("convert")


def test_restart_server_command_restarts_it(vscode: VSCodeRun) -> None:
    vscode.check("restart")
    assert "Starting server (Restart Server command)" in vscode.results.get("outputLog", "")


def test_show_output_command_shows_the_server_log(vscode: VSCodeRun) -> None:
    vscode.check("output")


def test_claude_sdk_is_installed_on_first_use_with_consent(vscode: VSCodeRun) -> None:
    vscode.check("sdk")
    assert "Install Claude SDK" in vscode.results.get("sdkOffer", ""), vscode.explain("sdk")
    installed = list((vscode.user_data / "User" / "globalStorage").glob("*/python3.*/libs/anthropic/__init__.py"))
    assert installed, "no anthropic package in the extension's global storage:\n" + vscode.explain("sdk")
    # Both conversions reached the fake Messages API: the second through the SDK just installed.
    assert len(vscode.fake.message_requests) >= 2, vscode.explain("sdk")


def test_run_finishes_cleanly(vscode: VSCodeRun) -> None:
    assert not vscode.results.get("watchdog"), vscode.explain("watchdog")
    assert "error" not in vscode.results, vscode.results.get("error")
    assert vscode.returncode == 0, vscode.explain("exit")
