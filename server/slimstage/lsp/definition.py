"""textDocument/definition: from a stage or variable use to where it is defined."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from lsprotocol import types

from .convert import from_position, to_range

if TYPE_CHECKING:
    from .server import SlimstageServer


def register(server: "SlimstageServer") -> None:
    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: "SlimstageServer", params: types.DefinitionParams) -> Optional[list[types.Location]]:
        """`FROM x`, `--from=x`, `from=x` go to `AS x`; `$VAR` goes to its ARG/ENV."""
        from ..editor.navigation import symbols  # imported on first use: keeps server start fast

        uri = params.text_document.uri
        result = ls.result(uri)
        if result is None:
            return None
        sym = symbols(result.analysis)
        occ = sym.at(from_position(params.position))
        if occ is None:
            return None
        return [types.Location(uri, to_range(d.range)) for d in sym.definitions(occ)] or None
