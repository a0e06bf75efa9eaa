"""A fake Anthropic Messages API on 127.0.0.1, for tests that drive the real `anthropic` SDK.

The server answers from a script of replies, consumed one per `POST /v1/messages` (the
last one repeats once the script runs out), and records every request it receives.
Replies are the documented shapes of the API: messages that end in `tool_use`, `end_turn`
or `max_tokens`; error bodies `{"type": "error", "error": {...}}` with the status codes
the SDK maps to its exceptions (and `retry-after` where the API sends it); and transport
failures the SDK must survive: slow answers, connection resets and malformed JSON.
A request with `"stream": true` is answered with the same message as server-sent events.

    with FakeAnthropic([ToolUseReply("emit_plan", {"stages": []})]) as fake:
        client = anthropic.Anthropic(base_url=fake.url, api_key=TEST_API_KEY)
        ...
        assert fake.requests[0].body["model"] == "claude-..."

Token counts are estimates (four characters a token), but they add up the way the API's
do: `input_tokens` counts only what is after the last cache breakpoint, the cached prefix
is reported as `cache_creation_input_tokens` the first time and as
`cache_read_input_tokens` when the same prefix comes again.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
import socket
import string
import struct
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Mapping, Sequence, Union

TEST_API_KEY = "test-key"
"""The API key tests give the SDK; any non-empty key is accepted unless one is required.
SDK 2.x sends it as `Authorization: Bearer <key>`, older ones as `x-api-key`: both count."""

MESSAGES_PATH = "/v1/messages"
COUNT_TOKENS_PATH = "/v1/messages/count_tokens"

# The `error.type` the API uses for each status code.
ERROR_TYPES: Mapping[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}

DEFAULT_ERROR_MESSAGES: Mapping[int, str] = {
    400: "Invalid request.",
    401: "invalid x-api-key",
    402: "Your credit balance is too low to access the Anthropic API.",
    403: "Your API key does not have permission to use the specified resource.",
    404: "Not found.",
    413: "Request exceeds the maximum allowed number of bytes.",
    429: "Number of request tokens has exceeded your per-minute rate limit.",
    500: "Internal server error.",
    504: "Request timed out before a response could be produced.",
    529: "Overloaded",
}

_CHARS_PER_TOKEN = 4
_STREAM_CHUNK_CHARS = 24


# --------------------------------------------------------------------------- replies


@dataclass(frozen=True)
class TextReply:
    """A message holding one text block."""

    text: str
    stop_reason: str = "end_turn"
    usage: Mapping[str, int] | None = None
    """Overrides for the estimated `usage` fields."""


@dataclass(frozen=True)
class ToolUseReply:
    """A message that calls the tool `name` with `input` (`stop_reason: "tool_use"`)."""

    name: str
    input: Mapping[str, Any]
    text: str | None = None
    """Optional text block before the tool call, as the model sometimes writes."""
    tool_use_id: str | None = None
    usage: Mapping[str, int] | None = None


@dataclass(frozen=True)
class MaxTokensReply:
    """A message cut off by `max_tokens`: truncated text, or a tool call with partial input."""

    text: str = ""
    tool_name: str | None = None
    partial_input: Mapping[str, Any] = field(default_factory=dict)
    usage: Mapping[str, int] | None = None


@dataclass(frozen=True)
class ErrorReply:
    """An HTTP error with the API's error body; `retry_after` (seconds) sets `retry-after`."""

    status: int
    message: str | None = None
    error_type: str | None = None
    retry_after: float | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SlowReply:
    """Wait `seconds` before answering with `then`; the server's stop cuts the wait short."""

    seconds: float
    then: "Reply" = TextReply("Sorry for the wait.")


@dataclass(frozen=True)
class ConnectionReset:
    """Read the request, then reset the connection without sending a byte."""


@dataclass(frozen=True)
class MalformedReply:
    """A response whose body is not the JSON it claims to be."""

    body: str = '{"id": "msg_01TRUNCATED", "type": "message", "content": [{"type": "te'
    status: int = 200
    content_type: str = "application/json"


Reply = Union[
    TextReply, ToolUseReply, MaxTokensReply, ErrorReply, SlowReply, ConnectionReset, MalformedReply
]
MessageReply = Union[TextReply, ToolUseReply, MaxTokensReply]

DEFAULT_REPLY: Reply = TextReply("Hello from the fake Messages API.")


# ------------------------------------------------------------------------ recordings


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it; header names are lower-cased."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    raw: bytes
    body: Any
    """The parsed JSON body, or None when the body was empty or not JSON."""

    @property
    def api_key(self) -> str | None:
        """The key sent as `x-api-key` or, as recent SDKs do, as `Authorization: Bearer`."""
        return _api_key_of(self.headers)


# -------------------------------------------------------------------------- the fake


class FakeAnthropic:
    """The fake server: start it (or use it as a context manager), point the SDK at `.url`.

    `require_api_key`: when set, requests carrying any other key get the API's 401.
    `cache_min_tokens`: prefixes shorter than this are not cached, like the real API's
    per-model minimum; 0 (the default) caches any marked prefix so small tests see it.
    """

    def __init__(
        self,
        replies: Sequence[Reply] = (),
        *,
        require_api_key: str | None = None,
        cache_min_tokens: int = 0,
    ) -> None:
        self.require_api_key = require_api_key
        self.cache_min_tokens = cache_min_tokens
        self._lock = threading.Lock()
        self._replies: list[Reply] = list(replies)
        self._next = 0
        self._requests: list[RecordedRequest] = []
        self._cached_prefixes: set[str] = set()
        self._stopping = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle

    def start(self) -> FakeAnthropic:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        self._httpd = _Server(("127.0.0.1", 0), _Handler, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-anthropic",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.close_open_connections()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> FakeAnthropic:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL to give `anthropic.Anthropic(base_url=...)`."""
        if self._httpd is None:
            raise RuntimeError("FakeAnthropic is not running; call start() first")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    # -- script

    def script(self, *replies: Reply) -> None:
        """Replace the script and start again from its first reply."""
        with self._lock:
            self._replies = list(replies)
            self._next = 0

    def add(self, *replies: Reply) -> None:
        """Append replies to the script."""
        with self._lock:
            self._replies.extend(replies)

    def _take_reply(self) -> Reply:
        with self._lock:
            if not self._replies:
                return DEFAULT_REPLY
            reply = self._replies[min(self._next, len(self._replies) - 1)]
            self._next += 1
            return reply

    # -- recordings

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def message_requests(self) -> list[RecordedRequest]:
        """Only the `POST /v1/messages` requests."""
        return [r for r in self.requests if r.method == "POST" and r.path == MESSAGES_PATH]

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _wait(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    # -- usage

    def _usage_for(self, body: Mapping[str, Any], output_tokens: int) -> dict[str, Any]:
        pieces, breakpoint_index, ttl = _cacheable_pieces(body)
        sizes = [_estimate_tokens(p) for p in pieces]
        total = sum(sizes) + 3
        prefix = sum(sizes[: breakpoint_index + 1]) if breakpoint_index >= 0 else 0
        created = read = 0
        if prefix and prefix >= self.cache_min_tokens:
            key = _prefix_key(body.get("model"), pieces[: breakpoint_index + 1])
            with self._lock:
                if key in self._cached_prefixes:
                    read = prefix
                else:
                    self._cached_prefixes.add(key)
                    created = prefix
        else:
            prefix = 0
        return {
            "input_tokens": total - prefix,
            "output_tokens": output_tokens,
            "cache_creation_input_tokens": created,
            "cache_read_input_tokens": read,
            "cache_creation": {
                "ephemeral_5m_input_tokens": created if ttl != "1h" else 0,
                "ephemeral_1h_input_tokens": created if ttl == "1h" else 0,
            },
            "service_tier": "standard",
        }

    def _message_for(self, reply: MessageReply, body: Mapping[str, Any]) -> dict[str, Any]:
        content, stop_reason = _content_of(reply)
        if isinstance(reply, MaxTokensReply):
            output_tokens = int(body.get("max_tokens") or 0)
        else:
            output_tokens = max(1, sum(_estimate_tokens(block) for block in content))
        usage = self._usage_for(body, output_tokens)
        usage.update(reply.usage or {})
        return {
            "id": _new_id("msg_01"),
            "type": "message",
            "role": "assistant",
            "model": body.get("model"),
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": usage,
        }


# ----------------------------------------------------------------- message building


def _content_of(reply: MessageReply) -> tuple[list[dict[str, Any]], str]:
    if isinstance(reply, TextReply):
        return [_text_block(reply.text)], reply.stop_reason
    if isinstance(reply, ToolUseReply):
        blocks = [_text_block(reply.text)] if reply.text else []
        blocks.append(_tool_use_block(reply.name, reply.input, reply.tool_use_id))
        return blocks, "tool_use"
    if reply.tool_name is not None:
        blocks = [_text_block(reply.text)] if reply.text else []
        blocks.append(_tool_use_block(reply.tool_name, reply.partial_input, None))
        return blocks, "max_tokens"
    return [_text_block(reply.text)], "max_tokens"


def _text_block(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def _tool_use_block(
    name: str, tool_input: Mapping[str, Any], tool_use_id: str | None
) -> dict[str, Any]:
    return {
        "type": "tool_use",
        "id": tool_use_id or _new_id("toolu_01"),
        "name": name,
        "input": dict(tool_input),
    }


def _new_id(prefix: str) -> str:
    alphabet = string.ascii_letters + string.digits
    return prefix + "".join(secrets.choice(alphabet) for _ in range(22))


def _estimate_tokens(value: Any) -> int:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return math.ceil(len(text) / _CHARS_PER_TOKEN)


def _cacheable_pieces(body: Mapping[str, Any]) -> tuple[list[Any], int, str | None]:
    """The prompt in cache order (tools, system, messages) and the last breakpoint in it."""
    pieces: list[Any] = list(body.get("tools") or [])
    system = body.get("system")
    if isinstance(system, str):
        pieces.append(_text_block(system))
    elif isinstance(system, list):
        pieces.extend(system)
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list):
            pieces.extend(content)
        elif content is not None:
            pieces.append({"role": message.get("role"), "text": content})

    breakpoint_index, ttl = -1, None
    for index, piece in enumerate(pieces):
        if isinstance(piece, dict) and isinstance(piece.get("cache_control"), dict):
            breakpoint_index, ttl = index, piece["cache_control"].get("ttl")
    top_level = body.get("cache_control")
    if isinstance(top_level, dict) and pieces:
        breakpoint_index, ttl = len(pieces) - 1, top_level.get("ttl")
    return pieces, breakpoint_index, ttl


def _prefix_key(model: Any, prefix: list[Any]) -> str:
    serialized = json.dumps([model, prefix], sort_keys=True).encode()
    return hashlib.sha256(serialized).hexdigest()


def _error_body(status: int, message: str | None, error_type: str | None, request_id: str) -> bytes:
    error = {
        "type": error_type or ERROR_TYPES.get(status, "api_error"),
        "message": message or DEFAULT_ERROR_MESSAGES.get(status) or _reason(status),
    }
    return json.dumps({"type": "error", "error": error, "request_id": request_id}).encode()


def _sse_events(message: Mapping[str, Any]) -> bytes:
    """The stream the API sends for `message`: start, blocks with deltas, delta, stop."""
    usage = message["usage"]
    opening = dict(message, content=[], stop_reason=None, stop_sequence=None)
    opening["usage"] = dict(usage, output_tokens=1)
    events: list[dict[str, Any]] = [{"type": "message_start", "message": opening}, {"type": "ping"}]
    for index, block in enumerate(message["content"]):
        empty_block, deltas = _streamed_block(block)
        events.append({"type": "content_block_start", "index": index, "content_block": empty_block})
        events.extend({"type": "content_block_delta", "index": index, "delta": d} for d in deltas)
        events.append({"type": "content_block_stop", "index": index})
    events.append({
        "type": "message_delta",
        "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
        "usage": {name: usage[name] for name in _DELTA_USAGE_FIELDS},
    })
    events.append({"type": "message_stop"})
    return b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)


_DELTA_USAGE_FIELDS = (
    "input_tokens",
    "output_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
)


def _streamed_block(block: Mapping[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A content block as it opens (empty) and the deltas that fill it in."""
    if block["type"] == "text":
        texts = _chunks(block["text"])
        return dict(block, text=""), [{"type": "text_delta", "text": t} for t in texts]
    partial = _chunks(json.dumps(block["input"])) if block["input"] else []
    return dict(block, input={}), [{"type": "input_json_delta", "partial_json": p} for p in partial]


def _chunks(text: str) -> list[str]:
    size = _STREAM_CHUNK_CHARS
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


# ----------------------------------------------------------------------- HTTP plumbing


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type, fake: FakeAnthropic) -> None:
        super().__init__(address, handler)
        self.fake = fake
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_open_connections(self) -> None:
        """Wake handler threads parked on idle keep-alive connections so they end."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-anthropic/1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self._dispatch()

    do_GET = do_PUT = do_PATCH = do_DELETE = do_POST

    # -- routing

    def _dispatch(self) -> None:
        fake = self.server.fake
        raw = self._read_body()
        path, _, query = self.path.partition("?")
        headers = {name.lower(): value for name, value in self.headers.items()}
        body = _parse_json(raw)
        fake._record(RecordedRequest(self.command, path, query, headers, raw, body))
        request_id = _new_id("req_01")

        if self.command != "POST" or path not in (MESSAGES_PATH, COUNT_TOKENS_PATH):
            self._send_error(404, f"{self.command} {path} does not exist.", request_id)
            return
        problem = self._request_problem(path, headers, body)
        if problem is not None:
            status, message = problem
            self._send_error(status, message, request_id)
            return
        if path == COUNT_TOKENS_PATH:
            pieces, _, _ = _cacheable_pieces(body)
            tokens = sum(_estimate_tokens(p) for p in pieces) + 3
            self._send_json(200, {"input_tokens": tokens}, request_id)
            return
        self._answer(fake._take_reply(), body, request_id)

    def _request_problem(
        self, path: str, headers: Mapping[str, str], body: Any
    ) -> tuple[int, str] | None:
        """What the real API would reject before it looks at the prompt, if anything."""
        fake = self.server.fake
        key = _api_key_of(headers)
        if key is None:
            return 401, "x-api-key header is required"
        if fake.require_api_key is not None and key != fake.require_api_key:
            return 401, "invalid x-api-key"
        if "anthropic-version" not in headers:
            return 400, "anthropic-version: header is required"
        if not isinstance(body, dict):
            return 400, "The request body is not valid JSON."
        required = ["model", "messages"]
        if path == MESSAGES_PATH:
            required.append("max_tokens")
        for name in required:
            if name not in body:
                return 400, f"{name}: Field required"
        return None

    def _answer(self, reply: Reply, body: Mapping[str, Any], request_id: str) -> None:
        fake = self.server.fake
        if isinstance(reply, SlowReply):
            fake._wait(reply.seconds)
            self._answer(reply.then, body, request_id)
        elif isinstance(reply, ErrorReply):
            extra = dict(reply.headers)
            if reply.retry_after is not None:
                extra["retry-after"] = _format_seconds(reply.retry_after)
            payload = _error_body(reply.status, reply.message, reply.error_type, request_id)
            self._send(reply.status, payload, "application/json", request_id, extra)
        elif isinstance(reply, ConnectionReset):
            self._reset()
        elif isinstance(reply, MalformedReply):
            self._send(reply.status, reply.body.encode(), reply.content_type, request_id)
        else:
            message = fake._message_for(reply, body)
            if body.get("stream"):
                events = _sse_events(message)
                self._send(200, events, "text/event-stream; charset=utf-8", request_id)
            else:
                self._send_json(200, message, request_id)

    # -- I/O

    def _read_body(self) -> bytes:
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send_json(self, status: int, payload: Any, request_id: str) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json", request_id)

    def _send_error(self, status: int, message: str, request_id: str) -> None:
        payload = _error_body(status, message, None, request_id)
        self._send(status, payload, "application/json", request_id)

    def _send(
        self,
        status: int,
        payload: bytes,
        content_type: str,
        request_id: str,
        extra_headers: Mapping[str, str] | None = None,
    ) -> None:
        try:
            self.send_response(status, _reason(status))
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(payload)))
            self.send_header("request-id", request_id)
            for name, value in (extra_headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (its timeout fired) before a slow reply was ready.
            self.close_connection = True

    def _reset(self) -> None:
        # Linger 0 turns the close into a TCP RST instead of an orderly FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()


def _api_key_of(headers: Mapping[str, str]) -> str | None:
    if headers.get("x-api-key"):
        return headers["x-api-key"]
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _parse_json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None


def _format_seconds(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else str(seconds)


def _reason(status: int) -> str:
    if status == 529:
        return "Overloaded"
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
