"""Build-and-run verification through a real engine (buildah, chroot isolation, stand-in bases).

Each test runs the real CLI in a subprocess, as a user would, and the ``engine`` fixture
checks afterwards that no container or image was left behind. Sizes are printed (``-s``
shows them); they are measured on stand-in base images, see docs/convert.md.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from slimstage.rewrite.claude import TOOL_NAME
from tests.fakes.fake_anthropic import TEST_API_KEY, FakeAnthropic, ToolUseReply

from .conftest import ROOT, TINY, inventory

pytestmark = pytest.mark.engine

EXIT_VERIFY_FAILED, EXIT_UNVERIFIED = 4, 5


def slimstage(*args: str, env: dict | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "slimstage", *args], capture_output=True, text=True, env=env, timeout=timeout)


def copy_app(tmp_path: Path, source: Path) -> Path:
    target = tmp_path / source.name
    shutil.copytree(source, target)
    return target


# example, port, whether the rewrite has a HEALTHCHECK (none on distroless/static: nothing there could run one)
@pytest.mark.parametrize("example,port,health", [("node-service", 3000, True), ("python-service", 8000, True), ("go-binary", 8080, False)])
def test_convert_verify_builds_runs_and_measures_the_examples(example: str, port: int, health: bool, engine: str, tmp_path: Path, cli_env: dict) -> None:
    app = copy_app(tmp_path, ROOT / "examples" / example)
    before = (app / "Dockerfile").read_text()
    started = time.monotonic()
    done = slimstage("convert", str(app / "Dockerfile"), "--engine", "offline", "--verify", "--verify-engine", engine, "--write", env=cli_env)
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    err = done.stderr
    assert f"- original: built, stayed up, port {port} answered" in err
    assert f"- rewrite: built, stayed up, port {port} answered" + (", HEALTHCHECK passed" if health else "") in err
    assert "Measured " in err and "measured on stand-in base images" in err
    assert "Size (estimate)" not in err  # the measured figure replaced it
    after = (app / "Dockerfile").read_text()
    assert after != before and "AS runtime" in after
    measured = next(line for line in err.splitlines() if line.startswith("Measured "))
    print(f"\n{example}: {measured} ({seconds:.0f} s)")


def test_convert_verify_a_dependency_free_go_service(engine: str, tmp_path: Path, cli_env: dict) -> None:
    """Go modules are not reachable from builds here; a module without dependencies builds."""
    app = copy_app(tmp_path, TINY / "tiny-go")
    done = slimstage("convert", str(app / "Dockerfile"), "--engine", "offline", "--verify", "--verify-engine", engine, "--write", env=cli_env)
    assert done.returncode == 0, done.stderr
    assert "- original: built, stayed up, port 18082 answered" in done.stderr
    assert "- rewrite: built, stayed up, port 18082 answered" in done.stderr
    assert "FROM gcr.io/distroless/static-debian12 AS runtime" in (app / "Dockerfile").read_text()
    print("\ntiny-go: " + next(line for line in done.stderr.splitlines() if line.startswith("Measured ")))


@pytest.mark.parametrize(
    "app,rewrite,says",
    [
        ("tiny-node", "wrong-cmd.Dockerfile", "the rewrite exited with code 1 (Error: Cannot find module '/app/node'"),
        ("tiny-node", "missing-copy.Dockerfile", "the rewrite failed to build at [1/2] STEP 5/5: COPY app ./app"),
        ("tiny-pylib", "missing-lib.Dockerfile", "ImportError: failed to find libmagic"),
    ],
)
def test_a_broken_rewrite_fails_verification(app: str, rewrite: str, says: str, engine: str, cli_env: dict) -> None:
    folder = TINY / app
    done = slimstage("verify", str(folder / "Dockerfile"), "--rewrite", str(folder / rewrite), "--verify-engine", engine, "--run-timeout", "15", env=cli_env)
    assert done.returncode == EXIT_VERIFY_FAILED, done.stderr
    assert done.stderr.startswith("Verification failed: "), done.stderr
    assert says in done.stderr


def _claude_env(fake: FakeAnthropic, cli_env: dict) -> dict:
    env = dict(cli_env)
    env["ANTHROPIC_API_KEY"] = TEST_API_KEY
    return env


def _reply(path: Path, changes: list[str]) -> ToolUseReply:
    return ToolUseReply(
        TOOL_NAME,
        {
            "dockerfile": path.read_text(),
            "stages": [{"name": "builder", "explanation": "installs the packages"}, {"name": "runtime", "explanation": "only what runs"}],
            "size_reduction": "smaller: distroless runtime",
            "contract_changes": changes,
            # What the gate asks a rewrite to declare when it leaves a setting unmet.
            "warnings": [
                "include_healthcheck: no HEALTHCHECK, the distroless runtime has no shell or HTTP client to probe the port with",
                "cache_mounts: `npm install` runs without a cache mount, to keep the test image build independent of BuildKit",
            ],
        },
    )


CHANGES = [
    "USER nonroot: runs as the nonroot user of the distroless image",
    "CMD: the distroless image's ENTRYPOINT starts node, so CMD node server.js now runs /nodejs/bin/node node server.js",
]


def test_claude_rewrite_that_fails_to_run_is_not_written(engine: str, tmp_path: Path, fake_claude: FakeAnthropic, cli_env: dict) -> None:
    app = copy_app(tmp_path, TINY / "tiny-node")
    before = (app / "Dockerfile").read_text()
    fake_claude.script(_reply(TINY / "tiny-node" / "wrong-cmd.Dockerfile", CHANGES))
    done = slimstage(
        "convert", str(app / "Dockerfile"), "--engine", "claude", "--verify", "--verify-engine", engine, "--write", "--run-timeout", "15",
        "--set", f"claude.base_url={fake_claude.url}", "--set", "claude.max_retries=0", env=_claude_env(fake_claude, cli_env),
    )
    assert done.returncode == EXIT_VERIFY_FAILED, done.stderr
    assert (app / "Dockerfile").read_text() == before
    assert "was not written; nothing was changed" in done.stderr
    assert "Cannot find module '/app/node'" in done.stderr


def test_claude_is_sent_the_failure_and_its_repair_is_written(engine: str, tmp_path: Path, fake_claude: FakeAnthropic, cli_env: dict) -> None:
    app = copy_app(tmp_path, TINY / "tiny-node")
    fake_claude.script(_reply(TINY / "tiny-node" / "wrong-cmd.Dockerfile", CHANGES), _reply(TINY / "tiny-node" / "good.Dockerfile", CHANGES[:1]))
    done = slimstage(
        "convert", str(app / "Dockerfile"), "--engine", "claude", "--verify", "--verify-engine", engine, "--write", "--run-timeout", "15",
        "--set", f"claude.base_url={fake_claude.url}", "--set", "claude.max_retries=1", env=_claude_env(fake_claude, cli_env),
    )
    assert done.returncode == 0, done.stderr
    written = [ln for ln in (app / "Dockerfile").read_text().splitlines() if not ln.startswith("#")]
    assert written == [ln for ln in (TINY / "tiny-node" / "good.Dockerfile").read_text().splitlines()]
    assert "it took Claude 2 rounds" in done.stderr
    retry = str(fake_claude.message_requests[1].body["messages"])
    assert "when built and run" in retry and "Cannot find module" in retry


def test_the_engine_found_on_path_verifies(engine: str, cli_env: dict) -> None:
    """No engine named: docker, podman, buildah, the first that answers (and works) is used."""
    done = slimstage("verify", str(TINY / "tiny-node" / "Dockerfile"), "--run-timeout", "15", env=cli_env)
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("Verified with ") and "port 18080 answered" in done.stderr
    print("\n" + done.stderr.splitlines()[0])


def test_a_failed_build_names_its_step_with_secrets_masked(engine: str, tmp_path: Path, cli_env: dict) -> None:
    app = copy_app(tmp_path, TINY / "tiny-node")
    token = "npm_Zx81QpLmT42nVbC7sKdE9wRtYu3oA56hJgQ"
    (app / "Dockerfile").write_text(f"FROM node:22\nARG NPM_TOKEN={token}\nWORKDIR /app\nCOPY . .\nRUN echo \"token $NPM_TOKEN rejected\" && exit 3\nCMD [\"node\", \"server.js\"]\n")
    done = slimstage("verify", str(app / "Dockerfile"), "--verify-engine", engine, env=cli_env)
    assert done.returncode == EXIT_VERIFY_FAILED, done.stderr
    assert "failed to build at STEP 5/6: RUN echo" in done.stderr
    assert "token SLIMSTAGE_SECRET_1 rejected" in done.stderr
    assert token not in done.stderr


def test_a_build_that_hangs_is_stopped_at_the_time_bound(engine: str, cli_env: dict) -> None:
    folder = TINY / "tiny-node"
    started = time.monotonic()
    done = slimstage("verify", str(folder / "hangs.Dockerfile"), "--verify-engine", engine, "--build-timeout", "5", env=cli_env)
    assert time.monotonic() - started < 60
    assert done.returncode == EXIT_VERIFY_FAILED, done.stderr
    assert "did not finish building within 5 s (verify.build_timeout); it was at STEP 4/5: RUN sleep 600" in done.stderr


def test_a_port_that_never_opens_is_named(engine: str, cli_env: dict) -> None:
    folder = TINY / "tiny-node"
    done = slimstage("verify", str(folder / "no-port.Dockerfile"), "--verify-engine", engine, "--run-timeout", "4", env=cli_env)
    assert done.returncode == EXIT_VERIFY_FAILED, done.stderr
    assert "never accepted a connection on port 18080" in done.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_cancelled_verification_kills_the_build_and_removes_everything(sig: int, engine: str, cli_env: dict) -> None:
    folder = TINY / "tiny-node"
    before = inventory()
    proc = subprocess.Popen(
        [sys.executable, "-m", "slimstage", "verify", str(folder / "hangs.Dockerfile"), "--verify-engine", engine],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and inventory()[0] == before[0]:  # the build's working container exists
        time.sleep(0.5)
    time.sleep(2)  # into RUN sleep 600
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "verification cancelled; its containers and images were removed" in err
    assert not any("sleep 600" in " ".join(_cmdline(pid)) for pid in _pids())


def _pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _cmdline(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().decode("utf-8", "replace").split("\0")
    except OSError:
        return []


def test_verify_env_reaches_the_container_and_secret_values_are_masked(engine: str, cli_env: dict) -> None:
    app = TINY / "port-from-env" / "Dockerfile"
    token = "ghp_" + "abcdefghijklmnopqrstuvwxyz0123456789"
    given = slimstage("verify", str(app), "--verify-engine", engine, "--verify-env", "PORT=18931", env=cli_env)
    assert given.returncode == 0, given.stderr
    assert "- original: built, stayed up, port 18931 answered" in given.stderr
    missing = slimstage("verify", str(app), "--verify-engine", engine, "--verify-env", f"API_TOKEN={token}", env=cli_env)
    assert missing.returncode == EXIT_VERIFY_FAILED, missing.stderr
    assert "exited 1" in missing.stderr and "no PORT given (token <API_TOKEN masked>)" in missing.stderr
    assert token not in missing.stderr + missing.stdout
