"""The JSON-RPC layer under the server, hardened against broken clients and pygls' own gaps.

- A request whose params do not match the protocol (``"line": "x"``, ``params: []``...) is
  answered with ``InvalidParams`` (-32602). pygls fails such a message while decoding it and
  sends nothing, which leaves the client waiting forever.
- A request after ``shutdown`` is answered with ``InvalidRequest`` (-32600), as the LSP
  specification says; pygls drops it silently. A request before ``initialize`` gets
  ``ServerNotInitialized`` (-32002), not an internal error with a traceback; ``exit``
  without ``shutdown`` ends the process with code 1.
- Incremental ``didChange`` edits are applied here with the LSP's own rules: lines end at
  ``\\n``, ``\\r\\n`` or ``\\r`` only, and a position past the end of a line or of the file
  means its end. pygls splits lines with ``str.splitlines`` (so U+2028, form feeds or NEL in
  a comment shift every edit below them) and clamps a column past the end of the last line
  one character short; either way the server's text silently stops matching the editor's,
  and a fix or a conversion computed from it would overwrite the user's file with the wrong
  text. The edits are turned into the resulting whole text before pygls sees them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcInvalidRequest, JsonRpcServerNotInitialized
from pygls.protocol import LanguageServerProtocol

from ..dockerfile.model import index_of_utf16

_EOL = re.compile(r"\r\n|\n|\r")


@dataclass
class _Unreadable:
    """A request pygls could not decode: answered with ``error`` instead of being dropped."""

    id: Any
    method: str
    error: JsonRpcException


def _offset(text: str, starts: list[int], ends: list[int], pos: types.Position) -> int:
    """Index in ``text`` of an LSP position (UTF-16 column), clamped to the line and the file."""
    if pos.line >= len(starts):
        return len(text)
    line = text[starts[pos.line] : ends[pos.line]]
    return starts[pos.line] + index_of_utf16(line, pos.character)


def apply_change(text: str, change: types.TextDocumentContentChangeEvent) -> str:
    """``text`` after one content change, by the LSP's rules for lines and positions."""
    if not isinstance(change, types.TextDocumentContentChangePartial):
        return change.text
    starts, ends = [0], []
    for m in _EOL.finditer(text):
        ends.append(m.start())
        starts.append(m.end())
    ends.append(len(text))
    start = _offset(text, starts, ends, change.range.start)
    end = max(start, _offset(text, starts, ends, change.range.end))
    return text[:start] + change.text + text[end:]


class SlimstageProtocol(LanguageServerProtocol):
    exit_code = 0
    exiting = False

    def structure_message(self, data: dict[str, Any]):
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if not (isinstance(data, dict) and "method" in data and "id" in data):
                raise  # a notification or response: nobody waits for an answer
            msg_id = data["id"] if isinstance(data["id"], (int, str)) and not isinstance(data["id"], bool) else None
            method = str(data.get("method"))
            cause = exc.__cause__ or exc
            return _Unreadable(msg_id, method, JsonRpcInvalidParams(f"invalid params for {method}: {_first_line(cause)}"))

    def handle_message(self, message):
        if isinstance(message, _Unreadable):
            self._send_response(message.id, None, message.error.to_response_error())
            return
        method = getattr(message, "method", None)
        is_request = method is not None and getattr(message, "id", None) is not None
        if self._shutdown and is_request and method != types.EXIT:
            error = JsonRpcInvalidRequest(f"the server is shutting down: {method} refused")
            self._send_response(message.id, None, error.to_response_error())
            return
        if is_request and self._workspace is None and method != types.INITIALIZE:
            error = JsonRpcServerNotInitialized(f"{method} before initialize")
            self._send_response(message.id, None, error.to_response_error())
            return
        if method == types.SHUTDOWN and is_request:
            # pygls cancels every pending request while iterating over the dict that a
            # cancelled request removes itself from ("dictionary changed size during
            # iteration", -32603): cancel them here, over a copy, so it finds them done.
            for msg_id, future in list(self._request_futures.items()):
                if msg_id != message.id and not future.done():
                    future.cancel()
        if method == types.EXIT:
            self.exiting = True
            self.exit_code = 0 if self._shutdown else 1  # pygls loses it; serve() returns it
        if method == types.TEXT_DOCUMENT_DID_CHANGE:
            self._whole_text(message.params)
        super().handle_message(message)

    def _send_data(self, data) -> None:
        if self.exiting:
            # After exit pygls closes stdout; asyncio then runs what was still queued
            # (diagnostics of a check that just finished), and each would print an
            # "Error sending data" traceback. Nobody reads them any more: drop them.
            return
        super()._send_data(data)

    def _whole_text(self, params: types.DidChangeTextDocumentParams) -> None:
        workspace = getattr(self, "_workspace", None)
        doc = workspace.text_documents.get(unquote(params.text_document.uri)) if workspace is not None else None
        if doc is None or not any(isinstance(c, types.TextDocumentContentChangePartial) for c in params.content_changes):
            return  # unknown document: pygls reports it; whole-text changes need no help
        text = doc.source
        for change in params.content_changes:
            text = apply_change(text, change)
        params.content_changes = [types.TextDocumentContentChangeWholeDocument(text=text)]


def _first_line(exc: BaseException) -> str:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:  # cattrs: the first leaf says what was wrong
        exc = exc.exceptions[0]
    if isinstance(exc, KeyError):
        return f"{exc} is missing"
    if isinstance(exc, (TypeError, AttributeError)):
        return f"a field has the wrong type ({exc})"
    text = str(exc).strip() or type(exc).__name__
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return type(exc).__name__
