"""textDocument/documentLink: registry pages of images, build-context files, frontend docs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from lsprotocol import types

from .convert import to_range

if TYPE_CHECKING:
    from .server import SlimstageServer


def register(server: "SlimstageServer") -> None:
    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_LINK, types.DocumentLinkOptions(resolve_provider=False))
    def document_link(ls: "SlimstageServer", params: types.DocumentLinkParams) -> Optional[list[types.DocumentLink]]:
        """Links from ``editor.links``: FROM images, COPY/ADD sources, ``# syntax=``."""
        from ..editor.links import document_links

        result = ls.result(params.text_document.uri)
        if result is None:
            return None
        caps = ls.client_capabilities
        dl = caps.text_document.document_link if caps and caps.text_document else None
        tooltips = bool(dl and dl.tooltip_support)
        return [
            types.DocumentLink(range=to_range(l.range), target=l.target, tooltip=l.tooltip if tooltips else None)
            for l in document_links(result.analysis)
        ]
