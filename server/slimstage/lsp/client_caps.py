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


def completion_markdown(ls: "SlimstageServer") -> bool:
    caps = ls.client_capabilities
    comp = caps.text_document.completion if caps and caps.text_document else None
    item = comp.completion_item if comp else None
    return _prefers_markdown(item.documentation_format if item else None)


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
