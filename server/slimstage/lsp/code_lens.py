"""textDocument/codeLens: role, size (measured where the image is local) and shipping above each FROM; "Convert" on single-stage files."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from lsprotocol import types

from .convert import to_range

if TYPE_CHECKING:
    from .server import SlimstageServer

CONVERT_COMMAND = "slimstage.server.convert"


def register(server: "SlimstageServer") -> None:
    @server.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False))
    def code_lens(ls: "SlimstageServer", params: types.CodeLensParams) -> Optional[list[types.CodeLens]]:
        """A label lens per stage ("runtime · ~24 MB · ships"); a command lens to convert single-stage files."""
        from ..editor.stageinfo import lens_title, summaries  # imported on first use: keeps server start fast

        uri = params.text_document.uri
        doc = ls.open_document(uri)
        result = ls.result(uri)
        if doc is None or result is None:
            return None
        items = summaries(result.analysis)
        measured = ls.measured_sizes(uri)
        lenses = [types.CodeLens(range=to_range(s.range), command=types.Command(title=lens_title(s, measured), command="")) for s in items]
        if len(items) == 1:
            lenses.append(
                types.CodeLens(
                    range=to_range(items[0].range),
                    command=types.Command(
                        title="Convert to multi-stage build",
                        command=CONVERT_COMMAND,
                        arguments=[{"uri": uri, "version": doc.version}],
                    ),
                )
            )
        return lenses
