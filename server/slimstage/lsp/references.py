"""textDocument/references: every use of the stage name or variable under the cursor."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from lsprotocol import types

from .convert import from_position, to_range

if TYPE_CHECKING:
    from .server import SlimstageServer


def register(server: "SlimstageServer") -> None:
    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    def references(ls: "SlimstageServer", params: types.ReferenceParams) -> Optional[list[types.Location]]:
        """Uses of a stage (by name or index) or of an ARG/ENV variable; the definition when asked."""
        from ..editor.navigation import symbols  # imported on first use: keeps server start fast

        uri = params.text_document.uri
        result = ls.result(uri)
        if result is None:
            return None
        sym = symbols(result.analysis)
        occ = sym.at(from_position(params.position))
        if occ is None:
            return None
        include = params.context.include_declaration if params.context else True
        return [types.Location(uri, to_range(o.range)) for o in sym.group(occ) if include or not o.is_definition]
