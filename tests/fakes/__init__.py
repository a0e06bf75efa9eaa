"""Test doubles for the services slimstage talks to (the Anthropic Messages API)."""

from tests.fakes.fake_anthropic import (
    TEST_API_KEY,
    ConnectionReset,
    ErrorReply,
    FakeAnthropic,
    MalformedReply,
    MaxTokensReply,
    RecordedRequest,
    Reply,
    SlowReply,
    TextReply,
    ToolUseReply,
)

__all__ = [
    "TEST_API_KEY",
    "ConnectionReset",
    "ErrorReply",
    "FakeAnthropic",
    "MalformedReply",
    "MaxTokensReply",
    "RecordedRequest",
    "Reply",
    "SlowReply",
    "TextReply",
    "ToolUseReply",
]
