"""textDocument/hover: explain the stage, variable, keyword, flag or finding under the cursor."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from lsprotocol import types

from .client_caps import hover_markdown, markup
from .convert import from_position, to_range

if TYPE_CHECKING:
    from .server import SlimstageServer


def register(server: "SlimstageServer") -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: "SlimstageServer", params: types.HoverParams) -> Optional[types.Hover]:
        """Stage summaries on FROM lines and stage references; reference text; rule docs of findings."""
        from ..editor.hover_text import hover_at  # imported on first use: keeps server start fast

        result = ls.result(params.text_document.uri)
        if result is None:
            return None
        markdown = hover_markdown(ls)
        found = hover_at(result, from_position(params.position), markdown, measured=ls.measured_sizes(params.text_document.uri))
        if found is None:
            return None
        return types.Hover(contents=markup(found.text, markdown), range=to_range(found.range) if found.range else None)
