"""textDocument/signatureHelp: an instruction's syntax, and the keys of ``RUN --mount=`` by type."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from lsprotocol import types

from .client_caps import hover_markdown, markup
from .convert import from_position

if TYPE_CHECKING:
    from .server import SlimstageServer


def register(server: "SlimstageServer") -> None:
    @server.feature(
        types.TEXT_DOCUMENT_SIGNATURE_HELP,
        types.SignatureHelpOptions(trigger_characters=[" ", "=", ","], retrigger_characters=[","]),
    )
    def signature_help(ls: "SlimstageServer", params: types.SignatureHelpParams) -> Optional[types.SignatureHelp]:
        """What the instruction (or mount) under the cursor takes, with the parameter being typed active."""
        from ..editor.signature_help import signature_help as find

        result = ls.result(params.text_document.uri)
        if result is None:
            return None
        found = find(result.analysis.doc, from_position(params.position))
        if found is None:
            return None
        markdown = hover_markdown(ls)
        return types.SignatureHelp(
            signatures=[
                types.SignatureInformation(
                    label=s.label,
                    documentation=markup(s.documentation, markdown),
                    parameters=[
                        types.ParameterInformation(label=(p.start, p.end), documentation=p.documentation or None) for p in s.parameters
                    ],
                    active_parameter=s.active_parameter,
                )
                for s in found.signatures
            ],
            active_signature=found.active_signature,
            active_parameter=found.signatures[found.active_signature].active_parameter,
        )
