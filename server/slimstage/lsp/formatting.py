"""textDocument/formatting, rangeFormatting and onTypeFormatting (Enter after a continuation).

The layout comes from ``editor.formatting`` with the document's ``format`` settings; the
editor's own tab size is not used, so the CLI, CI and every editor agree on one layout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from lsprotocol import types

if TYPE_CHECKING:
    from .server import SlimstageServer


def _edits(ls: "SlimstageServer", uri: str, first: int = 0, last: Optional[int] = None) -> Optional[list[types.TextEdit]]:
    from ..editor.formatting import options_from, text_edits

    doc = ls.open_document(uri)
    if doc is None:
        return None
    text = doc.source
    result = ls.result(uri)
    model = result.analysis.doc if result is not None else None
    options = options_from(ls.state.settings_for(uri))
    return [
        types.TextEdit(types.Range(types.Position(e.line, 0), types.Position(e.end_line, e.end_character)), e.new_text)
        for e in text_edits(text, options, first, last, model)
    ]


def register(server: "SlimstageServer") -> None:
    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    def formatting(ls: "SlimstageServer", params: types.DocumentFormattingParams) -> Optional[list[types.TextEdit]]:
        """The whole document: one edit per instruction or line that changes."""
        return _edits(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_RANGE_FORMATTING)
    def range_formatting(ls: "SlimstageServer", params: types.DocumentRangeFormattingParams) -> Optional[list[types.TextEdit]]:
        """The instructions (whole) and lines the range touches."""
        return _edits(ls, params.text_document.uri, params.range.start.line, params.range.end.line)

    @server.feature(types.TEXT_DOCUMENT_ON_TYPE_FORMATTING, types.DocumentOnTypeFormattingOptions(first_trigger_character="\n"))
    def on_type_formatting(ls: "SlimstageServer", params: types.DocumentOnTypeFormattingParams) -> Optional[list[types.TextEdit]]:
        """Enter after a line ending in the escape: indent the new line as a continuation."""
        from ..editor.formatting import newline_indent, options_from

        doc = ls.open_document(params.text_document.uri)
        if doc is None or params.ch != "\n":
            return None
        line = params.position.line
        indent = newline_indent(doc.source, line, options_from(ls.state.settings_for(params.text_document.uri)))
        if indent is None:
            return None
        lines = doc.lines
        current = lines[line].rstrip("\r\n") if line < len(lines) else ""
        lead = len(current) - len(current.lstrip(" \t"))
        if current[:lead] == indent:
            return []
        return [types.TextEdit(types.Range(types.Position(line, 0), types.Position(line, lead)), indent)]
