"""textDocument/documentSymbol: the outline, stages with their instructions as children."""

from __future__ import annotations

from typing import TYPE_CHECKING, Union

from lsprotocol import types

from .client_caps import hierarchical_symbols
from .convert import to_range

if TYPE_CHECKING:
    from ..editor.structure import OutlineItem
    from .server import SlimstageServer

KINDS = {
    "stage": types.SymbolKind.Class,
    "variable": types.SymbolKind.Variable,
    "label": types.SymbolKind.Property,
    "command": types.SymbolKind.Event,
    "instruction": types.SymbolKind.Function,
}


def _symbol(item: "OutlineItem") -> types.DocumentSymbol:
    return types.DocumentSymbol(
        name=item.name,
        detail=item.detail,
        kind=KINDS[item.kind],
        range=to_range(item.range),
        selection_range=to_range(item.selection_range),
        children=[_symbol(c) for c in item.children] if item.kind == "stage" else None,
    )


def _flat(items: "list[OutlineItem]", uri: str) -> list[types.SymbolInformation]:
    out = []
    for item in items:
        out.append(types.SymbolInformation(name=item.name, kind=KINDS[item.kind], location=types.Location(uri, to_range(item.range))))
        out += [
            types.SymbolInformation(name=c.name, kind=KINDS[c.kind], location=types.Location(uri, to_range(c.range)), container_name=item.name)
            for c in item.children
        ]
    return out


def register(server: "SlimstageServer") -> None:
    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def document_symbol(
        ls: "SlimstageServer", params: types.DocumentSymbolParams
    ) -> Union[list[types.DocumentSymbol], list[types.SymbolInformation], None]:
        """Stages as symbols (detail: base image and role), or a flat list for clients without hierarchy."""
        from ..editor.structure import outline  # imported on first use: keeps server start fast

        uri = params.text_document.uri
        result = ls.result(uri)
        if result is None:
            return None
        items = outline(result.analysis)
        if hierarchical_symbols(ls):
            return [_symbol(i) for i in items]
        return _flat(items, uri)
