"""textDocument/foldingRange: fold each stage, each multi-line instruction, comment blocks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from lsprotocol import types


if TYPE_CHECKING:
    from .server import SlimstageServer

KINDS = {"region": types.FoldingRangeKind.Region, "comment": types.FoldingRangeKind.Comment}


def register(server: "SlimstageServer") -> None:
    @server.feature(types.TEXT_DOCUMENT_FOLDING_RANGE)
    def folding_range(ls: "SlimstageServer", params: types.FoldingRangeParams) -> Optional[list[types.FoldingRange]]:
        """Line ranges the editor can collapse."""
        from ..editor.structure import folds  # imported on first use: keeps server start fast

        result = ls.result(params.text_document.uri)
        if result is None:
            return None
        return [types.FoldingRange(start_line=f.start_line, end_line=f.end_line, kind=KINDS[f.kind]) for f in folds(result.analysis.doc)]
