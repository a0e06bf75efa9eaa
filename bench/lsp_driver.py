"""A minimal LSP client over stdio that timestamps every message it receives.

The same driver talks to every server in the benchmark, so that what differs between
two measurements is the server and nothing else. A reader thread frames messages
(``Content-Length`` headers), stamps each one with ``time.perf_counter()`` the moment
its last byte has been read, and answers the few requests a server may send to its
client (configuration, capability registration, progress) at once.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence


class ServerDied(RuntimeError):
    """The server closed its stdout (exited or crashed) while we were waiting."""


class Timeout(RuntimeError):
    """What we waited for did not arrive in time."""


@dataclass(frozen=True)
class Received:
    """One message from the server and when its last byte arrived."""

    at: float
    message: Mapping[str, Any]


@dataclass(frozen=True)
class Publish:
    """One ``textDocument/publishDiagnostics`` notification."""

    at: float
    index: int
    """Position among the publishes for this URI (0 = first)."""
    version: int | None
    diagnostics: list[Mapping[str, Any]]


@dataclass
class _UriLog:
    publishes: list[Publish] = field(default_factory=list)


class LspClient:
    """Spawn a language server and speak JSON-RPC to it over its stdin/stdout."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        configuration: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
        stderr_path: str | None = None,
    ) -> None:
        self.command = list(command)
        self.configuration = dict(configuration or {})
        self._stderr = open(stderr_path or os.devnull, "wb")
        self.spawned_at = time.perf_counter()
        self.proc = subprocess.Popen(
            self.command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            bufsize=0,
            env=dict(env) if env is not None else None,
            cwd=cwd,
        )
        self._write_lock = threading.Lock()
        self._cond = threading.Condition()
        self._responses: dict[int, Received] = {}
        self._uris: dict[str, _UriLog] = {}
        self._next_id = 0
        self._closed = False
        self.messages_received = 0
        self._reader = threading.Thread(target=self._read_loop, name="lsp-reader", daemon=True)
        self._reader.start()

    # -- wire ---------------------------------------------------------------------------

    def _write(self, payload: Mapping[str, Any]) -> float:
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        frame = b"Content-Length: %d\r\n\r\n" % len(body) + body
        with self._write_lock:
            sent = time.perf_counter()
            assert self.proc.stdin is not None
            self.proc.stdin.write(frame)
            self.proc.stdin.flush()
        return sent

    def _read_exact(self, stream: Any, n: int) -> bytes:
        chunks: list[bytes] = []
        while n > 0:
            chunk = stream.read(n)
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def _read_loop(self) -> None:
        assert self.proc.stdout is not None
        # Buffered so header lines are not read one byte per system call.
        stream = io.BufferedReader(self.proc.stdout, 1 << 16)
        try:
            while True:
                length = None
                while True:
                    line = stream.readline()
                    if not line:
                        raise EOFError
                    line = line.strip()
                    if not line:
                        break
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                if length is None:
                    continue
                body = self._read_exact(stream, length)
                at = time.perf_counter()
                self._dispatch(Received(at, json.loads(body)))
        except (EOFError, ValueError, OSError):
            pass
        finally:
            with self._cond:
                self._closed = True
                self._cond.notify_all()

    def _dispatch(self, received: Received) -> None:
        msg = received.message
        if "method" in msg and "id" in msg:
            self._answer_request(msg)
            return
        with self._cond:
            self.messages_received += 1
            if "id" in msg and "method" not in msg:
                self._responses[msg["id"]] = received
            elif msg.get("method") == "textDocument/publishDiagnostics":
                params = msg.get("params") or {}
                log = self._uris.setdefault(params.get("uri", ""), _UriLog())
                log.publishes.append(
                    Publish(received.at, len(log.publishes), params.get("version"), params.get("diagnostics") or [])
                )
            self._cond.notify_all()

    def _answer_request(self, msg: Mapping[str, Any]) -> None:
        result: Any = None
        if msg["method"] == "workspace/configuration":
            items = (msg.get("params") or {}).get("items") or []
            result = [self.configuration.get(item.get("section", ""), None) for item in items]
        try:
            self._write({"jsonrpc": "2.0", "id": msg["id"], "result": result})
        except OSError:
            pass

    # -- requests and notifications -----------------------------------------------------

    def request(self, method: str, params: Any, timeout: float = 60.0) -> tuple[float, Received]:
        """Send a request and wait for its response; returns (sent_at, response)."""
        with self._cond:
            self._next_id += 1
            rid = self._next_id
        sent = self._write({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        response = self._wait(lambda: self._responses.pop(rid, None), timeout, f"response to {method}")
        return sent, response

    def notify(self, method: str, params: Any) -> float:
        """Send a notification; returns the moment it was written."""
        return self._write({"jsonrpc": "2.0", "method": method, "params": params})

    def _wait(self, probe: Callable[[], Any], timeout: float, what: str) -> Any:
        deadline = time.perf_counter() + timeout
        with self._cond:
            while True:
                found = probe()
                if found is not None:
                    return found
                if self._closed:
                    raise ServerDied(f"server exited while waiting for {what} (exit code {self.proc.poll()})")
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise Timeout(f"no {what} within {timeout:.0f}s")
                self._cond.wait(left)

    # -- diagnostics --------------------------------------------------------------------

    def publish_count(self, uri: str) -> int:
        with self._cond:
            log = self._uris.get(uri)
            return len(log.publishes) if log else 0

    def publishes(self, uri: str) -> list[Publish]:
        with self._cond:
            log = self._uris.get(uri)
            return list(log.publishes) if log else []

    def wait_publish(
        self, uri: str, *, version: int | None = None, after: int | None = None, timeout: float = 60.0
    ) -> Publish:
        """Wait for diagnostics of ``uri``.

        With ``version``, the first publish that carries that version. With ``after``
        (for servers that do not echo versions), the first publish whose index is at
        least ``after``, i.e. the next one after the change that was sent when
        ``publish_count`` was ``after``.
        """

        def probe() -> Publish | None:
            log = self._uris.get(uri)
            if not log:
                return None
            start = after or 0
            for pub in log.publishes[start:]:
                if version is None or pub.version == version:
                    return pub
            return None

        what = f"diagnostics for {uri}" + (f" version {version}" if version is not None else "")
        return self._wait(probe, timeout, what)

    # -- documents ----------------------------------------------------------------------

    def did_open(self, uri: str, text: str, version: int = 1, language_id: str = "dockerfile") -> float:
        return self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": language_id, "version": version, "text": text}},
        )

    def did_change(self, uri: str, version: int, changes: list[Mapping[str, Any]]) -> float:
        return self.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": changes},
        )

    def did_close(self, uri: str) -> float:
        return self.notify("textDocument/didClose", {"textDocument": {"uri": uri}})

    # -- lifecycle ----------------------------------------------------------------------

    def initialize(self, root_uri: str, initialization_options: Any = None, timeout: float = 60.0) -> Received:
        """``initialize`` + ``initialized``; the response's arrival time is ``.at``."""
        capabilities = {
            "textDocument": {
                "synchronization": {"didSave": True, "dynamicRegistration": False},
                "publishDiagnostics": {"relatedInformation": True, "versionSupport": True},
                "hover": {"contentFormat": ["markdown", "plaintext"]},
                "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "refactor"]}}},
            },
            "workspace": {"configuration": False, "workspaceFolders": True},
            "general": {"positionEncodings": ["utf-16"]},
        }
        _, response = self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": root_uri,
                "workspaceFolders": [{"uri": root_uri, "name": "bench"}],
                "capabilities": capabilities,
                "initializationOptions": initialization_options,
            },
            timeout=timeout,
        )
        if "error" in response.message:
            raise RuntimeError(f"initialize failed: {response.message['error']}")
        self.server_capabilities = response.message.get("result", {}).get("capabilities", {})
        self.notify("initialized", {})
        return response

    def sync_kind(self) -> int:
        """1 = full text, 2 = incremental (what the server asked for)."""
        sync = getattr(self, "server_capabilities", {}).get("textDocumentSync", 1)
        if isinstance(sync, Mapping):
            sync = sync.get("change", 1)
        return int(sync or 1)

    def shutdown(self, timeout: float = 10.0) -> int | None:
        """Polite shutdown, then kill if the server lingers. Returns the exit code."""
        try:
            if self.proc.poll() is None and not self._closed:
                self.request("shutdown", None, timeout=timeout)
                self.notify("exit", None)
        except (ServerDied, Timeout, OSError):
            pass
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._stderr.close()
        return self.proc.returncode

    def __enter__(self) -> "LspClient":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.shutdown()
        else:
            self._stderr.close()
