"""The Claude engine with the real anthropic SDK against the fake Messages API (no network, no key)."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from slimstage.rewrite.claude import TOOL_NAME
from slimstage.rewrite.conversion import Job, choose_engine, convert
from slimstage.rewrite.result import Converted, Declined, Failed
from slimstage.settings import Settings, merge
from tests.fakes.fake_anthropic import (
    TEST_API_KEY,
    ConnectionReset,
    ErrorReply,
    FakeAnthropic,
    MalformedReply,
    SlowReply,
    TextReply,
    ToolUseReply,
)

ORIGINAL = """FROM golang:1.27
WORKDIR /src
COPY . .
RUN go build -o /out/app .
EXPOSE 8080
CMD ["/out/app"]
"""
REWRITE = """FROM golang:1.27 AS builder
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .

FROM gcr.io/distroless/static-debian12 AS runtime
WORKDIR /src
COPY --from=builder /out/app /out/app
EXPOSE 8080
USER nonroot:nonroot
CMD ["/out/app"]
"""


def run(fake: FakeAnthropic, retries: int = 1, timeout: float = 10, **extra):
    settings, problems = merge(Settings(), {"claude": {"base_url": fake.url, "max_retries": retries, "timeout": timeout}, **extra})
    assert not problems
    progress: list[str] = []
    outcome = asyncio.run(convert(Job(ORIGINAL, settings, "claude", api_key=TEST_API_KEY), progress.append))
    return outcome, progress


def test_engine_choice() -> None:
    assert choose_engine(Settings(), "k") == ("claude", ())
    engine, notes = choose_engine(Settings(), None)
    assert engine == "offline" and "ANTHROPIC_API_KEY" in notes[0]
    assert choose_engine(Settings(engine="offline"), "k") == ("offline", ())


def test_a_valid_tool_call_is_converted(fake_claude: FakeAnthropic) -> None:
    fake_claude.script(ToolUseReply(TOOL_NAME, {"dockerfile": REWRITE, "stages": [{"name": "builder", "explanation": "Compiles."}], "size_reduction": "99%"}))
    outcome, progress = run(fake_claude)
    assert isinstance(outcome, Converted), outcome
    assert outcome.text.startswith("# builder: Compiles.\nFROM golang:1.27 AS builder")
    assert outcome.estimate is not None and outcome.estimate.reduction_pct > 90
    assert progress[:2] == ["Asking Claude…", "Validating…"]


def test_a_fenced_dockerfile_in_text_is_accepted(fake_claude: FakeAnthropic) -> None:
    fake_claude.script(TextReply(f"Here you go:\n```dockerfile\n{REWRITE}```\n"))
    outcome, _ = run(fake_claude)
    assert isinstance(outcome, Converted)


def test_an_answer_without_a_dockerfile_fails_after_the_retries(fake_claude: FakeAnthropic) -> None:
    fake_claude.script(TextReply("I cannot help with that."))
    outcome, progress = run(fake_claude, retries=1)
    assert isinstance(outcome, Failed) and outcome.kind == "not_dockerfile"
    assert len(fake_claude.message_requests) == 2
    assert "Retrying: 1 problem" in progress


def test_the_retry_carries_the_problems_as_a_tool_result(fake_claude: FakeAnthropic) -> None:
    bad = REWRITE.replace("EXPOSE 8080\n", "")
    fake_claude.script(ToolUseReply(TOOL_NAME, {"dockerfile": bad}), ToolUseReply(TOOL_NAME, {"dockerfile": REWRITE}))
    outcome, _ = run(fake_claude)
    assert isinstance(outcome, Converted) and outcome.attempts == 2
    second = fake_claude.message_requests[1].body["messages"]
    assert [m["role"] for m in second] == ["user", "assistant", "user"]
    assert second[1]["content"][0]["type"] == "tool_use"
    result = second[2]["content"][0]
    assert result["type"] == "tool_result" and result["is_error"] and "EXPOSE" in result["content"]


def test_no_retries_when_max_retries_is_zero(fake_claude: FakeAnthropic) -> None:
    fake_claude.script(ToolUseReply(TOOL_NAME, {"dockerfile": ORIGINAL}))
    outcome, _ = run(fake_claude, retries=0)
    assert isinstance(outcome, Declined) and len(fake_claude.message_requests) == 1


@pytest.mark.parametrize(
    "reply, kind, words",
    [
        (ErrorReply(403), "auth", "ANTHROPIC_API_KEY"),
        (ErrorReply(529), "overloaded", "overloaded"),
        (ErrorReply(529, retry_after=600), "overloaded", "asked to wait"),
        (ConnectionReset(), "connection", "Cannot reach"),
        (MalformedReply(), "server", "could not read"),
        (ErrorReply(400, "max_tokens: too large"), "request", "max_tokens: too large"),
    ],
)
def test_errors_have_clear_messages(fake_claude: FakeAnthropic, reply, kind: str, words: str) -> None:
    fake_claude.script(reply)
    outcome, _ = run(fake_claude, retries=0)
    assert isinstance(outcome, Failed), outcome
    assert outcome.kind == kind and words in outcome.message
    assert TEST_API_KEY not in outcome.message


def test_timeout(fake_claude: FakeAnthropic) -> None:
    fake_claude.script(SlowReply(5, ToolUseReply(TOOL_NAME, {"dockerfile": REWRITE})))
    outcome, _ = run(fake_claude, retries=0, timeout=0.5)
    assert isinstance(outcome, Failed) and outcome.kind == "timeout" and "claude.timeout" in outcome.message


def test_overloaded_then_fine_is_retried_by_the_sdk(fake_claude: FakeAnthropic) -> None:
    fake_claude.script(ErrorReply(529, retry_after=0.2), ToolUseReply(TOOL_NAME, {"dockerfile": REWRITE}))
    outcome, _ = run(fake_claude, retries=1)
    assert isinstance(outcome, Converted)
    assert len(fake_claude.message_requests) == 2


def test_unknown_placeholders_are_rejected(fake_claude: FakeAnthropic) -> None:
    fake_claude.script(ToolUseReply(TOOL_NAME, {"dockerfile": REWRITE.replace("WORKDIR /src\nCOPY go.mod", "ARG TOKEN=SLIMSTAGE_SECRET_9\nWORKDIR /src\nCOPY go.mod")}))
    outcome, _ = run(fake_claude, retries=0)
    assert isinstance(outcome, Declined) and "SLIMSTAGE_SECRET_9" in outcome.reasons[0]


def test_the_server_does_not_import_anthropic_at_start() -> None:
    code = "import sys, slimstage.lsp.server, slimstage.cli, slimstage.rewrite.conversion; print('anthropic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_without_the_sdk_claude_falls_back_to_the_offline_planner_and_says_so(tmp_path) -> None:
    """A Python without ``anthropic`` (the VS Code extension's bundled server) converts offline."""
    import os
    import subprocess
    import sys

    from tests.conftest import EXAMPLES

    script = (
        "import sys; sys.modules['anthropic'] = None\n"  # import anthropic now fails, as when absent
        "from slimstage.cli import main\n"
        f"sys.exit(main(['convert', {str(EXAMPLES / 'node-service' / 'Dockerfile')!r}, '--engine', 'claude']))\n"
    )
    env = {**os.environ, "ANTHROPIC_API_KEY": "sk-ant-test-not-sent"}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "anthropic package) is not installed" in proc.stderr
    assert "FROM" in proc.stdout and "sk-ant-test-not-sent" not in proc.stdout + proc.stderr
