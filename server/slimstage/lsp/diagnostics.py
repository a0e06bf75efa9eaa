"""Diagnostics as you type: push after a per-document debounce, and pull on request.

Clients that can pull (``textDocument/diagnostic``) are answered on request and are not
also pushed to, so no client shows a finding twice. Pushed diagnostics are always
computed from the document's text at the moment they are sent and carry that version,
so a slow check can never overwrite the diagnostics of a newer version.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Optional

from lsprotocol import types

from .convert import to_diagnostic

if TYPE_CHECKING:
    from .server import SlimstageServer

log = logging.getLogger("slimstage")


class Diagnostics:
    """Schedules checks: one debounce timer and at most one check in flight per document.

    Checks run in a worker thread so the server keeps reading messages while it works.
    A check whose document changed meanwhile is not published: one more check runs on
    the newest text instead, so a burst of edits costs at most two checks, and nothing
    older than what is already shown is ever published.
    """

    def __init__(self, server: "SlimstageServer") -> None:
        self.server = server
        self._pending: dict[str, asyncio.TimerHandle] = {}
        self._running: set[str] = set()
        self._dirty: set[str] = set()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="slimstage-check")

    @property
    def pull_mode(self) -> bool:
        caps = self.server.client_capabilities
        return bool(caps and caps.text_document and caps.text_document.diagnostic)

    def schedule(self, uri: str, immediate: bool = False) -> None:
        if self.pull_mode:
            return
        handle = self._pending.pop(uri, None)
        if handle is not None:
            handle.cancel()
        delay = 0.0 if immediate else max(0, self.server.state.settings.debounce_ms) / 1000
        self._pending[uri] = asyncio.get_event_loop().call_later(delay, self._start, uri)

    def _start(self, uri: str) -> None:
        self._pending.pop(uri, None)
        if uri in self._running:
            self._dirty.add(uri)
            return
        doc = self.server.open_document(uri)
        if doc is None:
            return
        text, version = doc.source, doc.version
        self._running.add(uri)
        future = asyncio.get_event_loop().run_in_executor(self._executor, self.server.state.result, uri, text, version)
        future.add_done_callback(lambda f: self._done(uri, text, version, f))

    def _done(self, uri: str, text: str, version: Optional[int], future: "asyncio.Future") -> None:
        self._running.discard(uri)
        doc = self.server.open_document(uri)
        if doc is None or future.cancelled():
            return
        if uri in self._dirty or doc.version != version or (doc.source is not text and doc.source != text):
            self._dirty.discard(uri)
            self._start(uri)
            return
        exc = future.exception()
        if exc is not None:
            log.error("slimstage: checking %s failed: %r", uri, exc)
            return
        result = future.result()
        state = self.server.state
        while state.pending_problems:
            problem = state.pending_problems.pop(0)
            self.server.window_show_message(types.ShowMessageParams(types.MessageType.Warning, f"{problem}{problem.fallback}"))
        self.server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[to_diagnostic(v, uri) for v in result.violations], version=version)
        )

    def compute(self, uri: str) -> list[types.Diagnostic]:
        result = self.server.result(uri)
        if result is None:
            return []
        return [to_diagnostic(v, uri) for v in result.violations]

    def clear(self, uri: str) -> None:
        handle = self._pending.pop(uri, None)
        if handle is not None:
            handle.cancel()
        self._dirty.discard(uri)
        if not self.pull_mode:
            self.server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def recheck_all(self) -> None:
        if self.pull_mode:
            caps = self.server.client_capabilities
            ws = caps.workspace if caps else None
            if ws and ws.diagnostics and ws.diagnostics.refresh_support:
                self.server.workspace_diagnostic_refresh(None)
            return
        for uri in list(self.server.workspace.text_documents):
            self.schedule(uri, immediate=True)

    def pull(self, params: types.DocumentDiagnosticParams) -> types.DocumentDiagnosticReport:
        uri = params.text_document.uri
        doc = self.server.open_document(uri)
        result_id = None
        if doc is not None:
            result = self.server.result(uri)
            result_id = f"{doc.version}:{self.server.state.generation}:{id(result)}"
            if params.previous_result_id == result_id:
                return types.UnchangedDocumentDiagnosticReport(result_id=result_id)
        return types.FullDocumentDiagnosticReport(items=self.compute(uri), result_id=result_id)


def register(server: "SlimstageServer") -> None:
    @server.feature(types.TEXT_DOCUMENT_DIAGNOSTIC, types.DiagnosticOptions(inter_file_dependencies=False, workspace_diagnostics=False, identifier="slimstage"))
    def document_diagnostic(ls: "SlimstageServer", params: types.DocumentDiagnosticParams):
        """Pull diagnostics: the findings for the document's current text."""
        return ls.diagnostics.pull(params)
