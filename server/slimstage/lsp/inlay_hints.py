"""textDocument/inlayHint: the estimated base image size at the end of each FROM line (opt-in).

Off unless the ``inlayHints`` setting is true.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from lsprotocol import types

from .convert import from_range, overlaps

if TYPE_CHECKING:
    from .server import SlimstageServer


def register(server: "SlimstageServer") -> None:
    @server.feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=False))
    def inlay_hint(ls: "SlimstageServer", params: types.InlayHintParams) -> Optional[list[types.InlayHint]]:
        """`~231 MB (estimate)` after each FROM whose base image size is known."""
        from ..editor.stageinfo import inlay_label, summaries  # imported on first use: keeps server start fast

        if not ls.state.settings.inlay_hints:
            return []
        result = ls.result(params.text_document.uri)
        if result is None:
            return None
        wanted = from_range(params.range)
        hints = []
        for s in summaries(result.analysis):
            label = inlay_label(s)
            if label is None or not overlaps(s.range, wanted):
                continue
            end = s.range.end
            hints.append(
                types.InlayHint(
                    position=types.Position(end.line, end.character),
                    label=label,
                    padding_left=True,
                    tooltip=f"Estimated size of {s.root_image} (slimstage's table of base image sizes)",
                )
            )
        return hints
