"""Diagnostics as you type: push after a per-document debounce, and pull on request.

Clients that can pull (``textDocument/diagnostic``) are answered on request and are not
also pushed to, so no client shows a finding twice. Pushed diagnostics are always
computed from the document's text at the moment they are sent and carry that version,
so a slow check can never overwrite the diagnostics of a newer version.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Optional

from lsprotocol import types

from .convert import to_diagnostic

if TYPE_CHECKING:
    from .server import SlimstageServer


class Diagnostics:
    def __init__(self, server: "SlimstageServer") -> None:
        self.server = server
        self._pending: dict[str, asyncio.TimerHandle | asyncio.Handle] = {}

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
        loop = asyncio.get_event_loop()
        delay = 0 if immediate else self.server.state.settings.debounce_ms / 1000
        if delay <= 0:
            self._pending[uri] = loop.call_soon(self._publish, uri)
        else:
            self._pending[uri] = loop.call_later(delay, self._publish, uri)

    def _publish(self, uri: str) -> None:
        self._pending.pop(uri, None)
        doc = self.server.open_document(uri)
        if doc is None:
            return
        items = self.compute(uri)
        self.server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=items, version=doc.version)
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
