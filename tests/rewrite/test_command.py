"""``slimstage convert``: output streams, --diff, --write, exit codes, Claude through the fake API."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from slimstage.cli import main
from slimstage.dockerfile import parse
from slimstage.rewrite.claude import TOOL_NAME
from tests.fakes.fake_anthropic import TEST_API_KEY, ErrorReply, FakeAnthropic, ToolUseReply

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "go-binary"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in [k for k in os.environ if k.startswith("ANTHROPIC_")]:
        monkeypatch.delenv(key)
    target = tmp_path / "go-binary"
    shutil.copytree(EXAMPLE, target)
    return target / "Dockerfile"


def test_prints_the_new_file_and_explains_on_stderr(project: Path, capsys) -> None:
    before = project.read_text()
    assert main(["convert", str(project)]) == 0
    out, err = capsys.readouterr()
    assert [s.name for s in parse(out).stages] == ["builder", "runtime"]
    assert "Estimated base image size" in err and "offline planner" in err
    assert project.read_text() == before  # not written without --write


def test_diff(project: Path, capsys) -> None:
    assert main(["convert", str(project), "--diff"]) == 0
    out, _ = capsys.readouterr()
    assert out.startswith("--- a/Dockerfile\n+++ b/Dockerfile\n") and "+FROM gcr.io/distroless/static-debian12 AS runtime" in out


def test_write_replaces_the_file_and_keeps_its_mode(project: Path, capsys) -> None:
    project.chmod(0o640)
    assert main(["convert", str(project), "--write"]) == 0
    _, err = capsys.readouterr()
    assert f"wrote {project}" in err
    assert "AS runtime" in project.read_text()
    assert stat.S_IMODE(project.stat().st_mode) == 0o640
    assert [p.name for p in project.parent.iterdir() if p.name.startswith(".Dockerfile")] == []


def test_declined_exits_3_and_leaves_the_file(tmp_path: Path, capsys) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text("FROM debian:12\nRUN ./build.sh\nCMD [\"/app\"]\n")
    assert main(["convert", str(path), "--write", "--engine", "offline"]) == 3
    _, err = capsys.readouterr()
    assert "not converted" in err and "application build found" in err
    assert path.read_text() == "FROM debian:12\nRUN ./build.sh\nCMD [\"/app\"]\n"


def test_claude_without_a_key_is_an_error(project: Path, capsys) -> None:
    assert main(["convert", str(project), "--engine", "claude"]) == 2
    _, err = capsys.readouterr()
    assert err.strip().count("\n") == 0 and "ANTHROPIC_API_KEY" in err


def test_settings_flags_reach_the_planner(project: Path, capsys) -> None:
    assert main(["convert", str(project), "--set", "target_base=scratch"]) == 0
    out, _ = capsys.readouterr()
    assert "FROM scratch AS runtime" in out


def test_claude_through_the_fake_api(project: Path, fake_claude: FakeAnthropic, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    rewrite = (ROOT / "tests" / "golden" / "expected" / "example-go-binary.Dockerfile").read_text()
    fake_claude.script(ToolUseReply(TOOL_NAME, {"dockerfile": rewrite, "stages": [], "size_reduction": "much smaller", "warnings": ["No HEALTHCHECK: distroless static has no program to probe port 8080 with."]}))
    monkeypatch.setenv("ANTHROPIC_API_KEY", TEST_API_KEY)
    assert main(["convert", str(project), "--set", f"claude.base_url={fake_claude.url}"]) == 0
    out, err = capsys.readouterr()
    assert out == rewrite and "with Claude" in err
    assert TEST_API_KEY not in out + err
    assert fake_claude.message_requests[0].body["model"] == "claude-sonnet-4-6"


def test_claude_error_is_one_line_exit_2(project: Path, fake_claude: FakeAnthropic) -> None:
    fake_claude.script(ErrorReply(401))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env["ANTHROPIC_API_KEY"] = TEST_API_KEY
    proc = subprocess.run(
        [sys.executable, "-m", "slimstage", "convert", str(project), "--set", f"claude.base_url={fake_claude.url}"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "401" in lines[0] and TEST_API_KEY not in lines[0]


def test_write_puts_a_proposed_dockerignore_beside_the_dockerfile(project: Path, fake_claude: FakeAnthropic, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    rewrite = (ROOT / "tests" / "golden" / "expected" / "example-go-binary.Dockerfile").read_text()
    answer = {
        "dockerfile": rewrite,
        "stages": [],
        "size_reduction": "much smaller",
        "warnings": ["No HEALTHCHECK: distroless static has no program to probe port 8080 with."],
        "dockerignore": ".git\n*.md\n",
    }
    monkeypatch.setenv("ANTHROPIC_API_KEY", TEST_API_KEY)
    ignore = project.parent / ".dockerignore"
    assert not ignore.exists()
    # Without --write the proposal is shown, nothing is written.
    fake_claude.script(ToolUseReply(TOOL_NAME, answer))
    assert main(["convert", str(project), "--set", f"claude.base_url={fake_claude.url}"]) == 0
    _, err = capsys.readouterr()
    assert "New .dockerignore" in err and "*.md" in err and not ignore.exists()
    assert "Warnings" in err and "No HEALTHCHECK" in err  # warnings are shown, not hidden
    # With --write it is written beside the Dockerfile.
    fake_claude.script(ToolUseReply(TOOL_NAME, answer))
    assert main(["convert", str(project), "--write", "--set", f"claude.base_url={fake_claude.url}"]) == 0
    _, err = capsys.readouterr()
    assert ignore.read_text() == ".git\n*.md\n" and f"wrote {ignore}" in err
