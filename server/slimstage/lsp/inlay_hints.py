"""textDocument/inlayHint: the base image size at the end of each FROM line (opt-in): measured
where the image is present on this machine (``local_image_sizes``), else the table's estimate.

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

        uri = params.text_document.uri
        if not ls.state.settings_for(uri).inlay_hints:
            return []
        result = ls.result(uri)
        if result is None:
            return None
        measured = ls.measured_sizes(uri)
        wanted = from_range(params.range)
        hints = []
        for s in summaries(result.analysis):
            label = inlay_label(s, measured)
            if label is None or not overlaps(s.range, wanted):
                continue
            if label.endswith("(measured)"):
                tooltip = f"Size of {s.root_image} as the local container engine measured it (image inspect)"
            else:
                tooltip = f"Estimated size of {s.root_image} (slimstage's table of base image sizes)"
            end = s.range.end
            hints.append(
                types.InlayHint(
                    position=types.Position(end.line, end.character),
                    label=label,
                    padding_left=True,
                    tooltip=tooltip,
                )
            )
        return hints
