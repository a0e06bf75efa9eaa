"""A tiny raw JSON-RPC client for the language server over stdio (Content-Length framing).

pytest-lsp's typed client cannot send what a broken or hostile client sends: malformed
params, invalid JSON, raw bytes, NUL bytes, lone surrogates, requests after shutdown.
This one writes whatever it is given, answers the server's own requests (configuration,
progress tokens, applyEdit...), records every notification, and reads the server's
stderr and memory, so a test can check the process stays alive, answers, and stays small.
"""

from __future__ import annotations

import itertools
import json
import os
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

SERVER = [sys.executable, "-m", "slimstage", "serve"]


class ServerDied(AssertionError):
    pass


@dataclass
class Response:
    id: Any
    result: Any = None
    error: Optional[dict] = None
    raw: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def encode(message: dict) -> bytes:
    # ensure_ascii keeps lone surrogates as \udXXX escapes: valid JSON text, invalid Unicode
    return json.dumps(message, ensure_ascii=True).encode("ascii")


class RawServer:
    """One server process. Use as a context manager; ``initialize()`` does the handshake."""

    def __init__(self, env: Optional[dict] = None, settings: Optional[dict] = None, cwd: Optional[str] = None) -> None:
        self.settings = settings if settings is not None else {"debounceMs": 0}
        run_env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
        run_env.update(env or {})
        self.proc = subprocess.Popen(SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=run_env, cwd=cwd)
        self._ids = itertools.count(1)
        self._inbox: "queue.Queue[Optional[dict]]" = queue.Queue()
        self._stderr = bytearray()
        self.notifications: list[dict] = []
        self.server_requests: list[dict] = []
        self.responses: dict[Any, Response] = {}
        self.applied_edits: list[dict] = []
        self.apply_edit_result: dict = {"applied": True}
        self.handlers: dict[str, Callable[[dict], Any]] = {
            "workspace/configuration": lambda p: [self.settings for _ in (p or {}).get("items", [])],
            "workspace/applyEdit": self._apply_edit,
        }
        self._lock = threading.Lock()
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    # -- process ----------------------------------------------------------------------------
    def __enter__(self) -> "RawServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def rss_mb(self) -> float:
        with open(f"/proc/{self.proc.pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    @property
    def stderr(self) -> str:
        with self._lock:
            return self._stderr.decode("utf-8", "replace")

    def close(self) -> None:
        if self.alive():
            try:
                self.proc.stdin.close()  # EOF: the server's read loop ends
            except OSError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        for stream in (self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except OSError:
                pass

    def _apply_edit(self, params: dict) -> dict:
        self.applied_edits.append(params)
        return self.apply_edit_result

    # -- reading ----------------------------------------------------------------------------
    def _read_stdout(self) -> None:
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self._inbox.put(None)
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii", "replace").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if length is None:
                continue
            body = out.read(length)
            try:
                self._inbox.put(json.loads(body))
            except ValueError:
                self._inbox.put({"__unparseable__": body})

    def _read_stderr(self) -> None:
        for chunk in iter(lambda: self.proc.stderr.read1(65536), b""):
            with self._lock:
                self._stderr += chunk

    def _dispatch(self, msg: dict) -> None:
        if "__unparseable__" in msg:
            raise AssertionError(f"the server wrote a frame that is not JSON: {msg['__unparseable__'][:200]!r}")
        assert msg.get("jsonrpc") == "2.0", f"not a JSON-RPC 2.0 message: {msg}"
        if "method" in msg and "id" in msg:  # a request from the server
            self.server_requests.append(msg)
            handler = self.handlers.get(msg["method"])
            result = handler(msg.get("params")) if handler else None
            self.send({"jsonrpc": "2.0", "id": msg["id"], "result": result})
        elif "method" in msg:
            self.notifications.append(msg)
        else:
            assert ("result" in msg) != ("error" in msg), f"a response needs exactly one of result/error: {msg}"
            if "error" in msg:
                err = msg["error"]
                assert isinstance(err.get("code"), int) and isinstance(err.get("message"), str), f"malformed error: {msg}"
            self.responses[msg.get("id")] = Response(msg.get("id"), msg.get("result"), msg.get("error"), msg)

    def pump(self, timeout: float, once: bool = False) -> None:
        """Handle what arrives for ``timeout`` seconds (``once``: until one message is handled)."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            try:
                msg = self._inbox.get(timeout=left)
            except queue.Empty:
                return
            if msg is None:
                self._inbox.put(None)
                return
            self._dispatch(msg)
            if once:
                return

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 20.0, what: str = "a message") -> Any:
        end = time.monotonic() + timeout
        while True:
            found = predicate()
            if found:
                return found
            if time.monotonic() > end:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}; stderr:\n{self.stderr[-3000:]}")
            if not self.alive() and self._inbox.empty():
                raise ServerDied(f"the server exited ({self.proc.returncode}) while waiting for {what}; stderr:\n{self.stderr[-3000:]}")
            self.pump(0.05, once=True)

    # -- writing ----------------------------------------------------------------------------
    def send_bytes(self, data: bytes) -> None:
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, message: dict) -> None:
        self.send_bytes(frame(encode(message)))

    def notify(self, method: str, params: Any = None) -> None:
        msg: dict = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)

    def request_async(self, method: str, params: Any = None, msg_id: Any = None) -> Any:
        msg_id = next(self._ids) if msg_id is None else msg_id
        msg: dict = {"jsonrpc": "2.0", "id": msg_id, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return msg_id

    def response(self, msg_id: Any, timeout: float = 30.0) -> Response:
        return self.wait_for(lambda: self.responses.get(msg_id), timeout, f"the response to request {msg_id!r}")

    def request(self, method: str, params: Any = None, timeout: float = 30.0) -> Response:
        return self.response(self.request_async(method, params), timeout)

    # -- LSP conveniences -------------------------------------------------------------------
    def initialize(self, capabilities: Optional[dict] = None, options: Optional[dict] = None) -> dict:
        caps = capabilities if capabilities is not None else CLIENT_CAPABILITIES
        r = self.request("initialize", {"processId": os.getpid(), "rootUri": None, "capabilities": caps, "initializationOptions": options or self.settings})
        assert r.ok, r.error
        self.notify("initialized", {})
        return r.result

    def open(self, uri: str, text: str, version: int = 1) -> None:
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "dockerfile", "version": version, "text": text}})

    def change(self, uri: str, version: int, *changes: dict) -> None:
        self.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": list(changes)})

    def publishes(self, uri: str) -> list[dict]:
        return [n["params"] for n in self.notifications if n["method"] == "textDocument/publishDiagnostics" and n["params"]["uri"] == uri]

    def wait_for_publish(self, uri: str, version: Optional[int] = None, timeout: float = 30.0) -> dict:
        def found():
            for p in reversed(self.publishes(uri)):
                if version is None or p.get("version") == version:
                    return p
            return None

        return self.wait_for(found, timeout, f"diagnostics for {uri} version {version}")

    def messages(self, method: str) -> list[dict]:
        return [n["params"] for n in self.notifications if n["method"] == method]

    def shutdown(self) -> None:
        r = self.request("shutdown")
        assert r.ok and r.result is None, r.raw
        self.notify("exit")


CLIENT_CAPABILITIES: dict = {
    "workspace": {"configuration": True, "applyEdit": True, "workspaceEdit": {"documentChanges": True}},
    "textDocument": {
        "publishDiagnostics": {"versionSupport": True, "relatedInformation": True},
        "hover": {"contentFormat": ["markdown", "plaintext"]},
        "documentSymbol": {"hierarchicalDocumentSymbolSupport": True},
        "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "refactor", "source"]}}},
    },
    "window": {"workDoneProgress": True, "showMessage": {}},
}
