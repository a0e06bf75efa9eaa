"""The fake Messages API behaves like the real one as far as the real anthropic SDK can tell."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Callable, Iterator

import anthropic
import pytest

from tests.fakes.fake_anthropic import (
    TEST_API_KEY,
    ConnectionReset,
    ErrorReply,
    FakeAnthropic,
    MalformedReply,
    MaxTokensReply,
    SlowReply,
    TextReply,
    ToolUseReply,
)

pytest_plugins = ["tests.fakes.conftest_plugin"]

Connect = Callable[..., anthropic.Anthropic]

MODEL = "claude-sonnet-4-6"
DOCKERFILE = "FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\n"
PLAN_TOOL = {
    "name": "emit_multistage_dockerfile",
    "description": "Return the rewritten Dockerfile.",
    "input_schema": {
        "type": "object",
        "properties": {"dockerfile": {"type": "string"}, "notes": {"type": "string"}},
        "required": ["dockerfile"],
    },
}
PLAN = {
    "dockerfile": "FROM node:22 AS build\nFROM gcr.io/distroless/nodejs22\n",
    "notes": "two stages",
}


@pytest.fixture
def connect(fake_claude: FakeAnthropic) -> Iterator[Connect]:
    """Make SDK clients pointed at the fake (no retries unless asked); closed afterwards."""
    clients: list[anthropic.Anthropic] = []

    def make(**options: object) -> anthropic.Anthropic:
        settings: dict[str, object] = {"max_retries": 0, "timeout": 5.0}
        settings.update(options)
        client = anthropic.Anthropic(base_url=fake_claude.url, api_key=TEST_API_KEY, **settings)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def ask(client: anthropic.Anthropic, **params: object) -> anthropic.types.Message:
    request: dict[str, object] = {
        "model": MODEL,
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": DOCKERFILE}],
    }
    request.update(params)
    return client.messages.create(**request)


def user(content: object) -> dict[str, object]:
    return {"role": "user", "content": content}


# ----------------------------------------------------------------------------- messages


def test_tool_use_round_trip(fake_claude: FakeAnthropic, connect: Connect) -> None:
    fake_claude.script(ToolUseReply(PLAN_TOOL["name"], PLAN), TextReply("Done."))
    client = connect()

    first = ask(client, tools=[PLAN_TOOL], tool_choice={"type": "tool", "name": PLAN_TOOL["name"]})

    assert (first.type, first.role, first.model) == ("message", "assistant", MODEL)
    assert first.id.startswith("msg_")
    assert first.stop_reason == "tool_use"
    (call,) = first.content
    assert (call.type, call.name, call.input) == ("tool_use", PLAN_TOOL["name"], PLAN)
    assert call.id.startswith("toolu_")

    assistant_turn = [block.model_dump(exclude_none=True) for block in first.content]
    tool_result = {"type": "tool_result", "tool_use_id": call.id, "content": "valid"}
    second = ask(
        client,
        tools=[PLAN_TOOL],
        messages=[
            user(DOCKERFILE),
            {"role": "assistant", "content": assistant_turn},
            user([tool_result]),
        ],
    )

    assert second.stop_reason == "end_turn"
    assert second.content[0].text == "Done."
    sent = fake_claude.message_requests[1].body
    assert sent["messages"][2]["content"][0]["tool_use_id"] == call.id
    assert sent["tools"][0]["name"] == PLAN_TOOL["name"]


def test_max_tokens_reply_reports_truncation(fake_claude: FakeAnthropic, connect: Connect) -> None:
    fake_claude.script(MaxTokensReply("FROM node:22 AS bu"))

    message = ask(connect(), max_tokens=64)

    assert message.stop_reason == "max_tokens"
    assert message.content[0].text == "FROM node:22 AS bu"
    assert message.usage.output_tokens == 64


def test_max_tokens_can_cut_a_tool_call_short(fake_claude: FakeAnthropic, connect: Connect) -> None:
    partial = {"notes": "two"}
    fake_claude.script(MaxTokensReply(tool_name=PLAN_TOOL["name"], partial_input=partial))

    message = ask(connect(), tools=[PLAN_TOOL])

    assert message.stop_reason == "max_tokens"
    assert message.content[-1].type == "tool_use"
    assert message.content[-1].input == partial


def test_last_reply_repeats_when_the_script_runs_out(
    fake_claude: FakeAnthropic, connect: Connect
) -> None:
    fake_claude.script(TextReply("one"), TextReply("again"))
    client = connect()

    texts = [ask(client).content[0].text for _ in range(3)]

    assert texts == ["one", "again", "again"]


def test_streamed_tool_call_assembles_into_the_same_message(
    fake_claude: FakeAnthropic, connect: Connect
) -> None:
    fake_claude.script(ToolUseReply(PLAN_TOOL["name"], PLAN, text="Here is the plan."))

    with connect().messages.stream(
        model=MODEL, max_tokens=1024, tools=[PLAN_TOOL], messages=[user(DOCKERFILE)]
    ) as stream:
        text = "".join(stream.text_stream)
        message = stream.get_final_message()

    assert text == "Here is the plan."
    assert message.stop_reason == "tool_use"
    assert message.content[1].input == PLAN
    assert message.usage.output_tokens > 1


# ------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("status", "exception", "error_type"),
    [
        (401, anthropic.AuthenticationError, "authentication_error"),
        (403, anthropic.PermissionDeniedError, "permission_error"),
        (500, anthropic.InternalServerError, "api_error"),
        (529, anthropic.OverloadedError, "overloaded_error"),
    ],
)
def test_http_errors_raise_the_sdk_exception(
    fake_claude: FakeAnthropic,
    connect: Connect,
    status: int,
    exception: type[anthropic.APIStatusError],
    error_type: str,
) -> None:
    fake_claude.script(ErrorReply(status))

    with pytest.raises(exception) as raised:
        ask(connect(max_retries=0))

    assert raised.value.status_code == status
    assert raised.value.body["type"] == "error"
    assert raised.value.body["error"]["type"] == error_type
    assert raised.value.request_id and raised.value.request_id.startswith("req_")
    assert len(fake_claude.message_requests) == 1


def test_rate_limit_is_retried_after_the_wait_the_server_asks_for(
    fake_claude: FakeAnthropic, connect: Connect
) -> None:
    fake_claude.script(ErrorReply(429, retry_after=1), TextReply("after the wait"))

    started = time.monotonic()
    message = ask(connect(max_retries=2))
    elapsed = time.monotonic() - started

    assert message.content[0].text == "after the wait"
    assert len(fake_claude.message_requests) == 2
    # The SDK's own first backoff is at most 0.5 s, so a full second means retry-after won.
    assert 1.0 <= elapsed < 3.0


def test_rate_limit_without_retries_raises_with_retry_after(
    fake_claude: FakeAnthropic, connect: Connect
) -> None:
    fake_claude.script(ErrorReply(429, retry_after=7))

    with pytest.raises(anthropic.RateLimitError) as raised:
        ask(connect(max_retries=0))

    assert raised.value.response.headers["retry-after"] == "7"


def test_slow_reply_times_out(fake_claude: FakeAnthropic, connect: Connect) -> None:
    fake_claude.script(SlowReply(3))

    started = time.monotonic()
    with pytest.raises(anthropic.APITimeoutError):
        ask(connect(timeout=0.5, max_retries=0))

    assert time.monotonic() - started < 2.0
    assert len(fake_claude.message_requests) == 1


def test_slow_reply_within_the_timeout_arrives(
    fake_claude: FakeAnthropic, connect: Connect
) -> None:
    fake_claude.script(SlowReply(0.2, then=TextReply("late but fine")))

    assert ask(connect(timeout=2.0)).content[0].text == "late but fine"


def test_connection_reset_raises_connection_error(
    fake_claude: FakeAnthropic, connect: Connect
) -> None:
    fake_claude.script(ConnectionReset())

    with pytest.raises(anthropic.APIConnectionError) as raised:
        ask(connect(max_retries=0))

    assert not isinstance(raised.value, anthropic.APITimeoutError)


def test_connection_reset_is_retried_by_the_sdk(
    fake_claude: FakeAnthropic, connect: Connect
) -> None:
    fake_claude.script(ConnectionReset(), TextReply("second try"))

    assert ask(connect(max_retries=1)).content[0].text == "second try"


def test_malformed_json_body_is_not_a_message(fake_claude: FakeAnthropic, connect: Connect) -> None:
    fake_claude.script(MalformedReply())

    # SDK 2.x lets json.JSONDecodeError escape; callers must catch it as well.
    with pytest.raises((json.JSONDecodeError, anthropic.APIResponseValidationError)):
        ask(connect())


# --------------------------------------------------------------------- recorded requests


def test_requests_record_system_prompt_cache_control_and_key(
    fake_claude: FakeAnthropic, connect: Connect
) -> None:
    instructions = "You rewrite Dockerfiles into multi-stage builds. " * 20
    system = [{"type": "text", "text": instructions, "cache_control": {"type": "ephemeral"}}]
    client = connect()

    first = ask(client, system=system)
    second = ask(client, system=system, messages=[user("FROM python:3.12\n")])

    recorded = fake_claude.message_requests[0]
    assert recorded.path == "/v1/messages"
    assert recorded.body["system"] == system
    assert recorded.api_key == TEST_API_KEY
    assert TEST_API_KEY not in recorded.raw.decode()
    assert "anthropic-version" in recorded.headers

    assert first.usage.cache_creation_input_tokens > 0
    assert first.usage.cache_read_input_tokens == 0
    assert second.usage.cache_creation_input_tokens == 0
    assert second.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens
    assert first.usage.input_tokens > 0 and first.usage.output_tokens > 0


def test_count_tokens_answers_without_using_the_script(
    fake_claude: FakeAnthropic, connect: Connect
) -> None:
    fake_claude.script(TextReply("only reply"))
    client = connect()

    counted = client.messages.count_tokens(model=MODEL, messages=[user(DOCKERFILE)])

    assert counted.input_tokens > 0
    assert ask(client).content[0].text == "only reply"


def test_unknown_paths_are_not_found(connect: Connect) -> None:
    with pytest.raises(anthropic.NotFoundError):
        connect().models.list()


def test_a_required_key_rejects_other_keys() -> None:
    with FakeAnthropic([TextReply("hi")], require_api_key="sk-right") as fake:
        with (
            anthropic.Anthropic(base_url=fake.url, api_key="sk-wrong", max_retries=0) as wrong,
            anthropic.Anthropic(base_url=fake.url, api_key="sk-right", max_retries=0) as right,
        ):
            with pytest.raises(anthropic.AuthenticationError):
                ask(wrong)
            assert ask(right).content[0].text == "hi"


def test_requests_the_api_would_reject_get_its_400(fake_claude: FakeAnthropic) -> None:
    request = urllib.request.Request(
        f"{fake_claude.url}/v1/messages",
        data=json.dumps({"model": MODEL, "messages": []}).encode(),
        headers={
            "x-api-key": TEST_API_KEY,
            "anthropic-version": "2023-06-01",
            "content-type": "application/json",
        },
        method="POST",
    )

    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=5)

    with raised.value as response:
        body = json.loads(response.read())
    assert raised.value.code == 400
    assert body["error"]["type"] == "invalid_request_error"
    assert body["error"]["message"] == "max_tokens: Field required"
    assert fake_claude.requests[0].api_key == TEST_API_KEY
