"""textDocument/documentHighlight: mark the other occurrences of the symbol under the cursor."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from lsprotocol import types

from .convert import from_position, to_range

if TYPE_CHECKING:
    from .server import SlimstageServer


def register(server: "SlimstageServer") -> None:
    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT)
    def document_highlight(ls: "SlimstageServer", params: types.DocumentHighlightParams) -> Optional[list[types.DocumentHighlight]]:
        """Definitions are highlighted as writes, uses as reads."""
        from ..editor.navigation import symbols  # imported on first use: keeps server start fast

        result = ls.result(params.text_document.uri)
        if result is None:
            return None
        sym = symbols(result.analysis)
        occ = sym.at(from_position(params.position))
        if occ is None:
            return None
        return [
            types.DocumentHighlight(
                range=to_range(o.range),
                kind=types.DocumentHighlightKind.Write if o.is_definition else types.DocumentHighlightKind.Read,
            )
            for o in sym.group(occ)
        ]
