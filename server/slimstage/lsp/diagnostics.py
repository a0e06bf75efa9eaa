"""Diagnostics as you type: push after a per-document debounce, and pull on request.

Clients that can pull (``textDocument/diagnostic``) are answered on request and are not
also pushed to, so no client shows a finding twice. Pushed diagnostics are always
computed from the document's text at the moment they are sent and carry that version,
so a slow check can never overwrite the diagnostics of a newer version.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Future, TimeoutError as FutureTimeout
from typing import TYPE_CHECKING, Optional

from lsprotocol import types

from ..lint import LintResult
from .checks import REQUEST_WAIT, Abandoned, Checker
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
        self._checker = Checker()
        self._abandoned: dict[str, tuple[Optional[int], str, float]] = {}  # uri -> (version, text, budget)

    @property
    def pull_mode(self) -> bool:
        caps = self.server.client_capabilities
        return bool(caps and caps.text_document and caps.text_document.diagnostic)

    # -- checks in the worker threads ---------------------------------------------------------
    def submit(self, uri: str, text: str, version: Optional[int]) -> Future:
        """The check of this version in a worker thread (the one in flight when there is one)."""
        state = self.server.state
        budget = state.settings_for(uri).check_timeout_ms / 1000
        key = (version, hash(text), state.generation)
        return self._checker.submit(uri, key, lambda: state.result(uri, text, version), budget)

    def abandoned(self, uri: str, text: str, version: Optional[int]) -> Optional[float]:
        """The budget (seconds) of the check of this version that was abandoned, else None."""
        found = self._abandoned.get(uri)
        if found is not None and found[0] == version and (found[1] is text or found[1] == text):
            return found[2]
        return None

    def result_for(self, uri: str, text: str, version: Optional[int], wait: float = REQUEST_WAIT) -> Optional[LintResult]:
        """The findings for a request: cached, or computed in a worker thread within ``wait``
        seconds; None when the check is slower than that or was abandoned."""
        found = self.server.state.cached(uri, text, version)
        if found is not None:
            return found
        if self.abandoned(uri, text, version) is not None:
            return None
        future = self.submit(uri, text, version)
        try:
            value = future.result(timeout=wait)
        except FutureTimeout:
            log.info("slimstage: %s is still being checked; answering without its findings", uri)
            return None
        if isinstance(value, Abandoned):
            self._abandoned[uri] = (version, text, value.budget)
            return None
        return value

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
        loop = asyncio.get_event_loop()
        future = self.submit(uri, text, version)

        def deliver(f: Future) -> None:
            try:
                loop.call_soon_threadsafe(self._done, uri, text, version, f)
            except RuntimeError:  # the event loop is closed: the server is exiting
                pass

        future.add_done_callback(deliver)

    def _done(self, uri: str, text: str, version: Optional[int], future: Future) -> None:
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
        if isinstance(result, Abandoned):
            self._abandoned[uri] = (version, text, result.budget)
            diagnostics = [abandoned_diagnostic(result.budget)]
        else:
            diagnostics = [to_diagnostic(v, uri) for v in result.violations]
        self.server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version))

    def compute(self, uri: str) -> list[types.Diagnostic]:
        result = self.server.result(uri)
        if result is None:
            doc = self.server.open_document(uri)
            budget = self.abandoned(uri, doc.source, doc.version) if doc is not None else None
            return [abandoned_diagnostic(budget)] if budget is not None else []
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
            if result is not None:  # None: still being checked, or abandoned (no id: ask again)
                result_id = f"{doc.version}:{self.server.state.generation}:{id(result)}"
                if params.previous_result_id == result_id:
                    return types.UnchangedDocumentDiagnosticReport(result_id=result_id)
        return types.FullDocumentDiagnosticReport(items=self.compute(uri), result_id=result_id)


def abandoned_diagnostic(budget: float) -> types.Diagnostic:
    """What a file shows when its check ran past ``check_timeout_ms`` and was abandoned."""
    return types.Diagnostic(
        range=types.Range(types.Position(0, 0), types.Position(0, 0)),
        message=(
            f"slimstage stopped checking this file after {budget:g} s (setting checkTimeoutMs): "
            "no findings are shown for this version. Edit the file to check it again, or raise the limit."
        ),
        severity=types.DiagnosticSeverity.Warning,
        source="slimstage",
        code="timeout",
    )


def register(server: "SlimstageServer") -> None:
    @server.feature(types.TEXT_DOCUMENT_DIAGNOSTIC, types.DiagnosticOptions(inter_file_dependencies=False, workspace_diagnostics=False, identifier="slimstage"))
    def document_diagnostic(ls: "SlimstageServer", params: types.DocumentDiagnosticParams):
        """Pull diagnostics: the findings for the document's current text."""
        return ls.diagnostics.pull(params)
