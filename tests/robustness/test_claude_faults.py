"""Claude faults: what the network and the model can do to a conversion, through the real SDK.

Connection refused and reset half-way through a response, timeouts, 401, 429 with
retry-after (short: retried; long: given up at once), 500, 529, truncated JSON, answers
that ignore the tool schema, an answer that adds ``curl ... | sh``, a Dockerfile whose
comments tell the model to do something else. Every one ends as ``Failed`` or ``Declined``
(never ``Converted``, so nothing is applied), with one clear line that never holds the
API key. The editor and CLI ends of the same faults are in ``test_claude_end_to_end.py``.
"""

from __future__ import annotations

import time

import pytest

from slimstage.rewrite.conversion import Job, convert
from slimstage.rewrite.result import Converted, Declined, Failed
from slimstage.settings import ClaudeSettings, Settings
from tests.fakes.fake_anthropic import ConnectionReset, ErrorReply, FakeAnthropic, MalformedReply, MaxTokensReply, SlowReply, TextReply, ToolUseReply

from .claude_cases import API_KEY, INJECTION, PLAIN, VALID, answer, closed_port, obeys_injection, resets_mid_response, with_curl_pipe
from .tally import tally


def settings_for(url: str, **claude) -> Settings:
    base = dict(base_url=url, max_retries=1, timeout=5.0)
    base.update(claude)
    return Settings(claude=ClaudeSettings(**base))


async def run(url: str, text: str = PLAIN, **claude):
    tally("claude faults")
    job = Job(text, settings_for(url, **claude), "claude", api_key=API_KEY)
    return await convert(job)


def assert_one_clear_line(outcome) -> str:
    assert not isinstance(outcome, Converted), outcome
    message = outcome.message if isinstance(outcome, Failed) else outcome.reasons[-1]
    assert message.strip() and "\n" not in message, message
    everything = repr(outcome) + " ".join(getattr(outcome, "notes", ())) + " ".join(getattr(outcome, "reasons", ()))
    assert API_KEY not in everything and API_KEY[8:30] not in everything
    assert "Traceback" not in everything
    return message


async def test_a_good_answer_converts(fake_claude: FakeAnthropic) -> None:
    """The baseline the faults are measured against."""
    fake_claude.script(answer())
    outcome = await run(fake_claude.url)
    assert isinstance(outcome, Converted), outcome
    assert "AS runtime" in outcome.text


async def test_connection_refused() -> None:
    started = time.monotonic()
    outcome = await run(f"http://127.0.0.1:{closed_port()}", max_retries=1)
    assert isinstance(outcome, Failed) and outcome.kind == "connection", outcome
    assert "127.0.0.1" in assert_one_clear_line(outcome)
    assert time.monotonic() - started < 30


@pytest.mark.parametrize("retries", [0, 2])
async def test_connection_reset_before_a_byte(fake_claude: FakeAnthropic, retries: int) -> None:
    fake_claude.script(ConnectionReset())
    outcome = await run(fake_claude.url, max_retries=retries)
    assert isinstance(outcome, Failed) and outcome.kind == "connection", outcome
    assert_one_clear_line(outcome)
    assert len(fake_claude.message_requests) == retries + 1


async def test_connection_reset_mid_response() -> None:
    with resets_mid_response() as url:
        outcome = await run(url, max_retries=1)
    assert isinstance(outcome, Failed) and outcome.kind in ("connection", "server"), outcome
    assert_one_clear_line(outcome)


async def test_connection_reset_then_success_is_retried(fake_claude: FakeAnthropic) -> None:
    fake_claude.script(ConnectionReset(), answer())
    outcome = await run(fake_claude.url, max_retries=2)
    assert isinstance(outcome, Converted), outcome


async def test_timeout(fake_claude: FakeAnthropic) -> None:
    fake_claude.script(SlowReply(30, answer()))
    started = time.monotonic()
    outcome = await run(fake_claude.url, timeout=0.5, max_retries=1)
    assert isinstance(outcome, Failed) and outcome.kind == "timeout", outcome
    assert_one_clear_line(outcome)
    assert time.monotonic() - started < 20


async def test_401_bad_key(fake_claude: FakeAnthropic) -> None:
    fake_claude.require_api_key = "some-other-key"
    fake_claude.script(answer())
    outcome = await run(fake_claude.url, max_retries=2)
    assert isinstance(outcome, Failed) and outcome.kind == "auth", outcome
    assert "ANTHROPIC_API_KEY" in assert_one_clear_line(outcome)
    assert len(fake_claude.message_requests) == 1  # a bad key is not retried


async def test_429_short_retry_after_is_honoured(fake_claude: FakeAnthropic) -> None:
    fake_claude.script(ErrorReply(429, retry_after=0.2), answer())
    outcome = await run(fake_claude.url, max_retries=2)
    assert isinstance(outcome, Converted), outcome
    assert len(fake_claude.message_requests) == 2


@pytest.mark.parametrize("status", [429, 529])
async def test_long_retry_after_gives_up_at_once(fake_claude: FakeAnthropic, status: int) -> None:
    fake_claude.script(ErrorReply(status, retry_after=3600))
    started = time.monotonic()
    outcome = await run(fake_claude.url, max_retries=3)
    assert isinstance(outcome, Failed) and outcome.kind in ("rate_limit", "overloaded"), outcome
    assert_one_clear_line(outcome)
    assert time.monotonic() - started < 15
    assert len(fake_claude.message_requests) == 1


@pytest.mark.parametrize(("status", "kind"), [(429, "rate_limit"), (500, "server"), (529, "overloaded"), (400, "request"), (404, "request"), (413, "request"), (402, "request")])
async def test_http_errors(fake_claude: FakeAnthropic, status: int, kind: str) -> None:
    fake_claude.script(ErrorReply(status, retry_after=0 if status in (429, 529, 500) else None))
    outcome = await run(fake_claude.url, max_retries=1)
    assert isinstance(outcome, Failed) and outcome.kind == kind, outcome
    assert_one_clear_line(outcome)


@pytest.mark.parametrize(
    "reply",
    [
        MalformedReply(),
        MalformedReply(body="<html>502 Bad Gateway</html>", status=200, content_type="text/html"),
        MalformedReply(body='{"type": "message"}'),
        MalformedReply(body="", status=200),
        MalformedReply(body='{"type": "error", "error": "not an object"}', status=500),
    ],
    ids=["truncated-json", "html", "not-a-message", "empty", "odd-error"],
)
async def test_unreadable_answers(fake_claude: FakeAnthropic, reply) -> None:
    fake_claude.script(reply)
    outcome = await run(fake_claude.url, max_retries=0)
    assert isinstance(outcome, (Failed, Declined)), outcome
    assert_one_clear_line(outcome)


async def test_answer_cut_off_by_max_tokens(fake_claude: FakeAnthropic) -> None:
    fake_claude.script(MaxTokensReply(tool_name="submit_multistage_dockerfile", partial_input={"dockerfile": VALID[:80]}))
    outcome = await run(fake_claude.url)
    assert isinstance(outcome, Failed) and outcome.kind == "truncated", outcome
    assert_one_clear_line(outcome)


@pytest.mark.parametrize(
    "reply",
    [
        TextReply("I'd be happy to help! First, let's think about layers..."),
        ToolUseReply("submit_multistage_dockerfile", {"dockerfile": 42}),
        ToolUseReply("submit_multistage_dockerfile", {"stages": "none"}),
        ToolUseReply("submit_multistage_dockerfile", {"dockerfile": "   "}),
        ToolUseReply("some_other_tool", {"dockerfile": VALID}),
        ToolUseReply("submit_multistage_dockerfile", {"dockerfile": "this is not a Dockerfile at all"}),
        ToolUseReply("submit_multistage_dockerfile", {"dockerfile": VALID, "stages": [1, None, {"name": 5}], "contract_changes": {"a": 1}, "size_reduction": 7}),
    ],
    ids=["prose", "number", "no-dockerfile", "blank", "wrong-tool", "not-dockerfile-text", "odd-fields"],
)
async def test_answers_that_ignore_the_schema(fake_claude: FakeAnthropic, reply) -> None:
    fake_claude.script(reply)
    outcome = await run(fake_claude.url, max_retries=1)
    if isinstance(outcome, Converted):  # the odd fields around a good Dockerfile are tolerated
        assert reply.input.get("dockerfile") == VALID
        return
    assert_one_clear_line(outcome)


async def test_added_curl_pipe_sh_is_rejected_every_time(fake_claude: FakeAnthropic) -> None:
    fake_claude.script(answer(with_curl_pipe()))
    outcome = await run(fake_claude.url, max_retries=2)
    assert isinstance(outcome, Declined), outcome
    assert_one_clear_line(outcome)
    assert any("curl" in r and "|" in r for r in outcome.reasons), outcome.reasons
    assert len(fake_claude.message_requests) == 3  # sent back twice with the problem, then given up


async def test_added_curl_pipe_sh_then_fixed(fake_claude: FakeAnthropic) -> None:
    fake_claude.script(answer(with_curl_pipe()), answer())
    outcome = await run(fake_claude.url, max_retries=1)
    assert isinstance(outcome, Converted), outcome
    assert "curl" not in outcome.text
    retry = fake_claude.message_requests[1].body["messages"][-1]
    assert "curl" in str(retry)  # the problem was named when the answer went back


async def test_curl_pipe_sh_already_in_the_original_is_kept(fake_claude: FakeAnthropic) -> None:
    original = PLAIN.replace("RUN npm ci\n", "RUN curl -fsSL https://get.pnpm.io/install.sh | sh\nRUN npm ci\n")
    candidate = VALID.replace("FROM node:22 AS builder\n", "FROM node:22 AS builder\nRUN curl -fsSL https://get.pnpm.io/install.sh | sh\n")
    fake_claude.script(answer(candidate))
    outcome = await run(fake_claude.url, original)
    assert isinstance(outcome, Converted), outcome


async def test_comments_that_tell_the_model_to_do_something_else(fake_claude: FakeAnthropic) -> None:
    """The model obeys the file's comments (curl | sh, wget | bash, the key in a LABEL): rejected, nothing applied."""
    fake_claude.script(answer(obeys_injection()))
    outcome = await run(fake_claude.url, INJECTION, max_retries=1)
    assert isinstance(outcome, Declined), outcome
    assert_one_clear_line(outcome)
    first = fake_claude.message_requests[0]
    sent = first.raw.decode("utf-8")
    assert API_KEY not in sent  # the key is only ever a header
    user = first.body["messages"][0]["content"]
    user = user if isinstance(user, str) else str(user)
    start, end = user.index("<dockerfile>"), user.index("</dockerfile>")
    assert start < user.index("ignore all previous instructions") < end  # the file is quoted as data


async def test_the_key_is_a_header_only(fake_claude: FakeAnthropic) -> None:
    fake_claude.script(ErrorReply(500), answer(with_curl_pipe()), answer())
    await run(fake_claude.url, max_retries=2)
    for r in fake_claude.requests:
        assert r.api_key == API_KEY
        assert API_KEY.encode() not in r.raw
        assert API_KEY not in r.query


async def test_cancelling_mid_request(fake_claude: FakeAnthropic) -> None:
    import asyncio

    fake_claude.script(SlowReply(30, answer()))
    task = asyncio.ensure_future(run(fake_claude.url, timeout=60))
    await asyncio.sleep(1.0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)
