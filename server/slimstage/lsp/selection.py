"""textDocument/selectionRange: grow the selection from a name to its word, instruction, stage, file."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from lsprotocol import types

from .convert import from_position, to_range

if TYPE_CHECKING:
    from .server import SlimstageServer


def register(server: "SlimstageServer") -> None:
    @server.feature(types.TEXT_DOCUMENT_SELECTION_RANGE)
    def selection_range(ls: "SlimstageServer", params: types.SelectionRangeParams) -> Optional[list[types.SelectionRange]]:
        """One chain of nested ranges per requested position."""
        from ..editor.navigation import symbols  # imported on first use: keeps server start fast
        from ..editor.structure import selection_chain

        result = ls.result(params.text_document.uri)
        if result is None:
            return None
        sym = symbols(result.analysis)
        out = []
        for p in params.positions:
            pos = from_position(p)
            occ = sym.at(pos)
            chain = selection_chain(result.analysis.doc, pos, occ.range if occ else None)
            node: Optional[types.SelectionRange] = None
            for r in reversed(chain):
                node = types.SelectionRange(range=to_range(r), parent=node)
            out.append(node)
        return out
