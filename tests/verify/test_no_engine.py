"""Verification without a usable engine, and the parts that need none: always run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from slimstage.rewrite.verify.check import failing_step
from slimstage.rewrite.verify.engine import discover, image_info, parse_size
from slimstage.settings import load

ROOT = Path(__file__).resolve().parents[2]


def slimstage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "slimstage", *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def no_engine_env(tmp_path: Path) -> dict:
    """PATH holds only the Python interpreter: no docker, podman or buildah."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    os.symlink(sys.executable, bin_dir / "python3")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env["PATH"] = str(bin_dir)
    return env


@pytest.fixture
def app(tmp_path: Path) -> Path:
    target = tmp_path / "node-service"
    shutil.copytree(ROOT / "examples" / "node-service", target)
    return target / "Dockerfile"


def test_no_engine_convert_still_prints_says_unverified_and_does_not_write(app: Path, no_engine_env: dict) -> None:
    before = app.read_text()
    printed = slimstage("convert", str(app), "--engine", "offline", "--verify", env=no_engine_env)
    assert printed.returncode == 5, printed.stderr
    assert "AS runtime" in printed.stdout  # the conversion still works, unverified
    assert "Not verified: no container engine found (docker, podman or buildah on PATH)" in printed.stderr
    written = slimstage("convert", str(app), "--engine", "offline", "--verify", "--write", env=no_engine_env)
    assert written.returncode == 5
    assert app.read_text() == before
    assert "was not written (--accept-unverified writes it anyway)" in written.stderr
    forced = slimstage("convert", str(app), "--engine", "offline", "--verify", "--write", "--accept-unverified", env=no_engine_env)
    assert forced.returncode == 5 and app.read_text() != before


def test_no_engine_verify_is_exit_5_with_the_reason(app: Path, no_engine_env: dict) -> None:
    done = slimstage("verify", str(app), env=no_engine_env)
    assert done.returncode == 5
    assert done.stderr.startswith("Not verified: no container engine found")
    named = slimstage("verify", str(app), "--verify-engine", "podman", env=no_engine_env)
    assert named.returncode == 5 and "verify.engine is podman, but no podman command is on PATH" in named.stderr


def test_docker_with_its_daemon_down(app: Path) -> None:
    if shutil.which("docker") is None:
        pytest.skip("no docker CLI on this machine: the daemon-down case needs the real client")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env["DOCKER_HOST"] = "unix:///nonexistent/slimstage-test.sock"  # down, whatever the machine runs
    before = app.read_text()
    done = slimstage("convert", str(app), "--engine", "offline", "--verify", "--verify-engine", "docker", "--write", env=env)
    assert done.returncode == 5, done.stderr
    assert "docker is installed but its daemon is not answering" in done.stderr
    assert app.read_text() == before


def test_verify_is_off_unless_asked(app: Path, no_engine_env: dict) -> None:
    done = slimstage("convert", str(app), "--engine", "offline", env=no_engine_env)
    assert done.returncode == 0 and "verified" not in done.stderr.lower()


def test_settings_group() -> None:
    settings, problems = load(None, {"verify": {"enabled": True, "engine": "buildah", "buildTimeout": 30, "runTimeout": 5}})
    assert not problems
    assert (settings.verify.enabled, settings.verify.engine, settings.verify.build_timeout, settings.verify.run_timeout) == (True, "buildah", 30.0, 5.0)
    _, problems = load(None, {"verify": {"engine": "claude"}})
    assert [p.key for p in problems] == ["verify.engine"]
    _, problems = load(None, {"engine": "buildah"})
    assert [p.key for p in problems] == ["engine"]  # the conversion engine keeps its own choices


def test_discover_names_what_it_skipped(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    found = discover("auto")
    assert found.engine is None and "no container engine found" in found.message


def test_failing_step_of_a_buildah_log() -> None:
    log = (
        "[1/2] STEP 4/5: RUN npm install --omit=dev",
        "up to date in 0.2s",
        "[1/2] STEP 5/5: COPY app ./app",
        'Error: building at STEP "COPY app ./app": checking on sources under "/ctx": copier: stat: "/app": no such file or directory',
    )
    step, errors = failing_step(log)
    assert step == "[1/2] STEP 5/5: COPY app ./app"
    assert errors[-1].startswith("Error: building at STEP")


def test_failing_step_of_a_docker_log() -> None:
    log = ("#7 [builder 3/4] RUN npm ci", "#7 0.5 npm ERR! missing", "#7 ERROR: process \"/bin/sh -c npm ci\" did not complete successfully: exit code: 1", "ERROR: failed to solve: exit code: 1")
    step, errors = failing_step(log)
    assert step == "#7 [builder 3/4] RUN npm ci"
    assert "failed to solve" in errors[-1]


def test_image_config_as_docker_run_uses_it() -> None:
    info = image_info(
        {
            "Entrypoint": ["/nodejs/bin/node"], "Cmd": ["dist/server.js"], "User": "nonroot", "WorkingDir": "/app",
            "ExposedPorts": {"3000/tcp": {}, "53/udp": {}, "8080": {}},
            "Healthcheck": {"Test": ["CMD-SHELL", "curl -f localhost:3000"]}, "Labels": {"io.slimstage.standin": "3"},
        },
        layers=4,
        size=277_000_000,
    )
    assert info.argv == ("/nodejs/bin/node", "dist/server.js")
    assert info.ports == (3000, 8080)
    assert info.health_argv() == ("/bin/sh", "-c", "curl -f localhost:3000")
    assert info.standin
    assert parse_size("277 MB") == 277_000_000 and parse_size("229 KB") == 229_000 and parse_size("n/a") is None
