"""What the connected client can take: markdown, hierarchical symbols, versioned edits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from lsprotocol import types

if TYPE_CHECKING:
    from .server import SlimstageServer


def _prefers_markdown(formats: Optional[list]) -> bool:
    """The client's preference order decides; no list means plain text (the protocol default)."""
    for kind in formats or ():
        if kind == types.MarkupKind.Markdown:
            return True
        if kind == types.MarkupKind.PlainText:
            return False
    return False


def hover_markdown(ls: "SlimstageServer") -> bool:
    caps = ls.client_capabilities
    hover = caps.text_document.hover if caps and caps.text_document else None
    return _prefers_markdown(hover.content_format if hover else None)


def completion_documentation(ls: "SlimstageServer") -> Optional[str]:
    """Markdown or plaintext for completion docs; None: the client declared neither, send a plain string."""
    caps = ls.client_capabilities
    comp = caps.text_document.completion if caps and caps.text_document else None
    formats = comp.completion_item.documentation_format if comp and comp.completion_item else None
    if not formats:
        return None
    return types.MarkupKind.Markdown if _prefers_markdown(formats) else types.MarkupKind.PlainText


def hierarchical_symbols(ls: "SlimstageServer") -> bool:
    caps = ls.client_capabilities
    sym = caps.text_document.document_symbol if caps and caps.text_document else None
    return bool(sym and sym.hierarchical_document_symbol_support)


def versioned_edits(ls: "SlimstageServer") -> bool:
    caps = ls.client_capabilities
    ws = caps.workspace if caps else None
    return bool(ws and ws.workspace_edit and ws.workspace_edit.document_changes)


def markup(text: str, markdown: bool) -> types.MarkupContent:
    return types.MarkupContent(kind=types.MarkupKind.Markdown if markdown else types.MarkupKind.PlainText, value=text)
