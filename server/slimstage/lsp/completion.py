"""textDocument/completion: stage names, flags, mount options, keywords, ARG/ENV names."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from lsprotocol import types

from .client_caps import completion_documentation, markup
from .convert import from_position, to_range

if TYPE_CHECKING:
    from ..editor.reference import RefDoc
    from .server import SlimstageServer

KINDS = {
    "stage": types.CompletionItemKind.Module,
    "flag": types.CompletionItemKind.Property,
    "keyword": types.CompletionItemKind.Keyword,
    "variable": types.CompletionItemKind.Variable,
    "option": types.CompletionItemKind.Field,
    "value": types.CompletionItemKind.EnumMember,
}
TRIGGERS = ["-", "=", "$", "{", ","]


def _documentation(doc: Optional["RefDoc"], fmt: Optional[str]) -> "types.MarkupContent | str | None":
    """Reference text in the client's format; a plain string when it declared none."""
    if doc is None:
        return None
    if fmt is None:
        return doc.text()
    markdown = fmt == types.MarkupKind.Markdown
    return markup(doc.markdown() if markdown else doc.text(), markdown)


def register(server: "SlimstageServer") -> None:
    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=TRIGGERS, resolve_provider=False))
    def completion(ls: "SlimstageServer", params: types.CompletionParams) -> Optional[types.CompletionList]:
        """Suggestions for the word being typed, each replacing exactly that word."""
        from ..editor.completions import complete  # imported on first use: keeps server start fast

        result = ls.result(params.text_document.uri)
        if result is None:
            return None
        fmt = completion_documentation(ls)
        items = [
            types.CompletionItem(
                label=s.label,
                kind=KINDS[s.kind],
                detail=s.detail,
                documentation=_documentation(s.doc, fmt),
                text_edit=types.TextEdit(to_range(s.replace), s.insert_text),
                sort_text=f"{i:04d}",
            )
            for i, s in enumerate(complete(result.analysis, from_position(params.position)))
        ]
        return types.CompletionList(is_incomplete=False, items=items)
