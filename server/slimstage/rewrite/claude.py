"""The Claude engine: one conversation that proposes a rewrite and is told what was wrong with it.

The only module that imports ``anthropic``, and only when a conversion runs (the import
takes over a second, so it happens in a worker thread). The client's ``max_retries`` and
``timeout`` come from the settings; the SDK retries 429/5xx/529 itself, honouring
``retry-after``, and a middleware stops it from waiting longer than ``MAX_RETRY_AFTER``
seconds. The API key is passed in by the caller and never logged, echoed or stored
anywhere but the SDK client.
"""

from __future__ import annotations

import asyncio
import importlib
import re
from dataclasses import dataclass, field
from typing import Any, Optional

from ..echo import display_url, scrub
from ..settings import Settings
from .prompt import TOOL_NAME, retry_message, system_prompt, tool
from .result import Proposal, StageNote

__all__ = ["TOOL_NAME", "ClaudeError", "ClaudeConfig", "ClaudeSession", "Reply"]

MAX_RETRY_AFTER = 60.0  # seconds the SDK may wait for a 429/529 before slimstage gives up
_FENCE = re.compile(r"```(?:dockerfile|Dockerfile|docker)?[ \t]*\n(.*?)```", re.S)
_sdk: Any = None


class ClaudeError(Exception):
    """A failure to get an answer, with a one-line message that says what to do."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class RetryAfterTooLong(Exception):
    """The API asked to wait longer than slimstage is willing to (raised by the middleware)."""

    def __init__(self, status: int, seconds: float) -> None:
        super().__init__(f"HTTP {status}, retry-after {seconds:g}s")
        self.status = status
        self.seconds = seconds


@dataclass(frozen=True)
class ClaudeConfig:
    model: str
    max_tokens: int
    timeout: float
    max_retries: int
    base_url: str
    api_key: str = field(repr=False)
    api_key_env: str = "ANTHROPIC_API_KEY"

    @staticmethod
    def from_settings(settings: Settings, api_key: str) -> "ClaudeConfig":
        c = settings.claude
        return ClaudeConfig(c.model, c.max_tokens, c.timeout, c.max_retries, c.base_url, api_key, c.api_key_env or "ANTHROPIC_API_KEY")


@dataclass(frozen=True)
class Reply:
    """One answer: a proposal, or None when the answer held no Dockerfile."""

    proposal: Optional[Proposal]
    stop_reason: str


def _import_and_warm() -> Any:
    sdk = importlib.import_module("anthropic")
    # The SDK imports its HTTP stack and builds its response models on first use; doing
    # that here keeps the first request from blocking the event loop for most of a second.
    sdk.AsyncAnthropic(api_key="warm-up", base_url="http://127.0.0.1:9")
    sdk.types.Message.model_validate(
        {"id": "m", "type": "message", "role": "assistant", "model": "m", "content": [{"type": "tool_use", "id": "t", "name": "n", "input": {}}],
         "stop_reason": "tool_use", "stop_sequence": None, "usage": {"input_tokens": 0, "output_tokens": 0}}
    )
    return sdk


async def load_sdk() -> Any:
    """Import anthropic in a worker thread (once), keeping the event loop free meanwhile."""
    global _sdk
    if _sdk is None:
        _sdk = await asyncio.to_thread(_import_and_warm)
    return _sdk


def _retry_after(headers: Any) -> Optional[float]:
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name) if headers is not None else None
        if value is None:
            continue
        try:
            return float(value) * scale
        except (TypeError, ValueError):
            continue
    return None


async def _bound_retry_after(request: Any, call_next: Any) -> Any:
    """Middleware: a 429/503/529 whose retry-after exceeds the bound ends the attempt at once."""
    response = await call_next(request)
    status = getattr(response, "status_code", 200)
    if status in (429, 503, 529):
        wait = _retry_after(getattr(response, "headers", None))
        if wait is not None and wait > MAX_RETRY_AFTER:
            raise RetryAfterTooLong(status, wait)
    return response


def _client(sdk: Any, config: ClaudeConfig) -> Any:
    options: dict[str, Any] = {"api_key": config.api_key, "max_retries": config.max_retries, "timeout": config.timeout}
    if config.base_url:
        options["base_url"] = config.base_url
    try:
        return sdk.AsyncAnthropic(middleware=[_bound_retry_after], **options)
    except TypeError:  # an SDK without middleware: retry-after is then bounded by the SDK alone
        return sdk.AsyncAnthropic(**options)


def explain_error(sdk: Any, exc: BaseException, config: ClaudeConfig) -> ClaudeError:
    """A clear message for anything the SDK raised, with no key and no URL credentials in it."""
    error = _explain_error(sdk, exc, config)
    error.message = scrub(error.message, (config.api_key,))
    error.args = (error.message,)
    return error


def _explain_error(sdk: Any, exc: BaseException, config: ClaudeConfig) -> ClaudeError:
    where = display_url(config.base_url) if config.base_url else "the Anthropic API"
    tries = f"after {config.max_retries + 1} attempts" if config.max_retries else "(claude.maxRetries is 0)"
    if isinstance(exc, RetryAfterTooLong):
        what = "is rate limiting requests" if exc.status == 429 else "is overloaded"
        return ClaudeError(
            "rate_limit" if exc.status == 429 else "overloaded",
            f"Claude {what} (HTTP {exc.status}) and asked to wait {exc.seconds:.0f} s; try again later.",
        )
    if isinstance(exc, sdk.AuthenticationError) or isinstance(exc, sdk.PermissionDeniedError):
        status = getattr(exc, "status_code", 401)
        return ClaudeError(
            "auth",
            f"Claude rejected the API key (HTTP {status}). Set a valid key in the {config.api_key_env} environment "
            "variable of the slimstage server (in VS Code: \"slimstage: Set Anthropic API Key\") and try again.",
        )
    if isinstance(exc, sdk.RateLimitError):
        return ClaudeError("rate_limit", f"Claude is rate limiting requests (HTTP 429) {tries}; try again in a minute.")
    status = getattr(exc, "status_code", None)
    if status == 529 or type(exc).__name__ == "OverloadedError":
        return ClaudeError("overloaded", f"Claude is overloaded (HTTP 529) {tries}; try again in a few minutes.")
    if isinstance(exc, sdk.APITimeoutError):
        return ClaudeError(
            "timeout",
            f"Claude did not answer within {config.timeout:g} s {tries}; raise claude.timeout or try again.",
        )
    if isinstance(exc, sdk.APIConnectionError):
        return ClaudeError("connection", f"Cannot reach {where} {tries}: check the network or claude.baseUrl.")
    if isinstance(exc, sdk.APIStatusError):
        status = exc.status_code
        detail = _api_message(exc)
        if status >= 500:
            return ClaudeError("server", f"The Claude API failed (HTTP {status}) {tries}: {detail}")
        if status == 404:
            return ClaudeError("request", f"Claude does not know the model {config.model!r} (HTTP 404): check claude.model.")
        return ClaudeError("request", f"The Claude API refused the request (HTTP {status}): {detail}")
    if isinstance(exc, sdk.APIResponseValidationError) or isinstance(exc, ValueError):
        return ClaudeError("server", f"The Claude API sent an answer slimstage could not read: {type(exc).__name__}.")
    return ClaudeError("error", f"Calling Claude failed: {type(exc).__name__}: {exc}")


def _api_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])
    return str(getattr(exc, "message", "")) or type(exc).__name__


def _block(block: Any) -> dict[str, Any]:
    kind = getattr(block, "type", "")
    if kind == "tool_use":
        return {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
    if kind == "text":
        return {"type": "text", "text": block.text}
    return {"type": "text", "text": ""}


def proposal_from_input(data: Any) -> Optional[Proposal]:
    """The tool call's input as a Proposal (tolerant of missing or odd fields)."""
    if not isinstance(data, dict):
        return None
    dockerfile = data.get("dockerfile")
    if not isinstance(dockerfile, str) or not dockerfile.strip():
        return None
    stages = []
    for item in data.get("stages") or []:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            stages.append(StageNote(item["name"].strip(), str(item.get("explanation") or "").strip()))
    changes = tuple(str(c) for c in (data.get("contract_changes") or []) if isinstance(c, (str, int, float)))
    summary = data.get("size_reduction")
    ignore = data.get("dockerignore")
    warnings = tuple(str(w).strip() for w in (data.get("warnings") or []) if isinstance(w, (str, int, float)) and str(w).strip())
    return Proposal(
        dockerfile,
        tuple(stages),
        summary if isinstance(summary, str) else "",
        changes,
        dockerignore=ignore if isinstance(ignore, str) else "",
        warnings=warnings[:20],
    )


def proposal_from_text(text: str) -> Optional[Proposal]:
    """A Dockerfile in a fenced block of a text answer (when the model did not use the tool)."""
    for m in _FENCE.finditer(text):
        body = m.group(1)
        if re.search(r"^\s*FROM\s", body, re.M | re.I):
            return Proposal(body)
    return None


# The minimum prefix Anthropic caches, per model family (tokens). Below it a cache_control
# marker is silently ignored, so slimstage marks nothing and claims no caching. Where public
# tables disagree (Sonnet 4.6: 2,048 or 1,024), the larger figure is used; an unknown model
# gets the largest.
_CACHE_MINIMUM = (
    ("claude-opus-4-5", 4096),
    ("claude-opus-4-6", 4096),
    ("claude-haiku-4", 4096),
    ("claude-sonnet-4-6", 2048),
    ("claude-3-5-haiku", 2048),
    ("claude-3-haiku", 2048),
    ("claude-sonnet-4", 1024),
    ("claude-opus-4", 1024),
    ("claude-3-7-sonnet", 1024),
)
_CHARS_PER_TOKEN = 4.0  # English prose and JSON: a conservative (high) characters-per-token figure


def cache_minimum(model: str) -> int:
    for prefix, tokens in _CACHE_MINIMUM:
        if model.startswith(prefix):
            return tokens
    return 4096


def estimated_tokens(*parts: Any) -> int:
    import json

    text = "".join(p if isinstance(p, str) else json.dumps(p) for p in parts)
    return int(len(text) / _CHARS_PER_TOKEN)


class ClaudeSession:
    """The conversation for one conversion: ask, then (bounded by the caller) send back problems."""

    def __init__(self, settings: Settings, config: ClaudeConfig, user_text: str) -> None:
        self.settings = settings
        self.config = config
        system = system_prompt(settings)
        self.system: list[dict[str, Any]] = [{"type": "text", "text": system}]
        first: dict[str, Any] = {"type": "text", "text": user_text}
        # One cache breakpoint after the first request (tools, system prompt, the request with
        # its facts): every retry repeats that prefix. Marked only when it is long enough for
        # the model to cache it; otherwise nothing is marked and no caching is claimed.
        self.cached_prefix_tokens = estimated_tokens(tool(), system, user_text)
        self.caching = self.cached_prefix_tokens >= cache_minimum(config.model)
        if self.caching:
            first["cache_control"] = {"type": "ephemeral"}
        self.messages: list[dict[str, Any]] = [{"role": "user", "content": [first]}]
        self._last_tool_id: Optional[str] = None
        self._sdk: Any = None
        self._client: Any = None

    async def __aenter__(self) -> "ClaudeSession":
        self._sdk = await load_sdk()
        self._client = await asyncio.to_thread(_client, self._sdk, self.config)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            try:
                await self._client.close()
            except Exception:
                pass

    def request_body(self) -> dict[str, Any]:
        """The Messages API request as sent (docs/convert-request.md shows one)."""
        return {
            "model": self.config.model,
            "max_tokens": self.config.max_tokens,
            "system": self.system,
            "tools": [tool()],
            "tool_choice": {"type": "tool", "name": TOOL_NAME},
            "messages": self.messages,
        }

    async def ask(self) -> Reply:
        sdk = self._sdk
        try:
            message = await self._client.messages.create(**self.request_body())
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            raise explain_error(sdk, exc, self.config) from None
        if not isinstance(getattr(message, "content", None), list):  # a 200 whose body is not a message (HTML, `{}`...)
            raise ClaudeError("server", f"The Claude API sent an answer slimstage could not read: not a message ({type(message).__name__}).")
        self.messages.append({"role": "assistant", "content": [_block(b) for b in message.content]})
        if message.stop_reason == "max_tokens":
            raise ClaudeError(
                "truncated",
                f"Claude's answer was cut off at {self.config.max_tokens} tokens (claude.maxTokens); "
                "raise the setting and try again. Nothing was changed.",
            )
        self._last_tool_id = None
        for block in message.content:
            if getattr(block, "type", "") == "tool_use" and block.name == TOOL_NAME:
                self._last_tool_id = block.id
                return Reply(proposal_from_input(block.input), message.stop_reason or "")
        text = "\n".join(getattr(b, "text", "") for b in message.content if getattr(b, "type", "") == "text")
        return Reply(proposal_from_text(text), message.stop_reason or "")

    def reject(self, problems: list[str]) -> None:
        """Send the problems back as the answer to the last tool call."""
        text = retry_message(problems)
        if self._last_tool_id is not None:
            content: Any = [{"type": "tool_result", "tool_use_id": self._last_tool_id, "is_error": True, "content": text}]
        else:
            content = text
        self.messages.append({"role": "user", "content": content})
