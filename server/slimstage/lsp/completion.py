"""textDocument/completion: stage names, flags, mount options, keywords, ARG/ENV names."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from lsprotocol import types

from .client_caps import completion_markdown, markup
from .convert import from_position, to_range

if TYPE_CHECKING:
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


def register(server: "SlimstageServer") -> None:
    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=TRIGGERS, resolve_provider=False))
    def completion(ls: "SlimstageServer", params: types.CompletionParams) -> Optional[types.CompletionList]:
        """Suggestions for the word being typed, each replacing exactly that word."""
        from ..completions import complete  # imported on first use: keeps server start fast

        result = ls.result(params.text_document.uri)
        if result is None:
            return None
        markdown = completion_markdown(ls)
        items = [
            types.CompletionItem(
                label=s.label,
                kind=KINDS[s.kind],
                detail=s.detail,
                documentation=markup(s.doc.markdown() if markdown else s.doc.text(), markdown) if s.doc else None,
                text_edit=types.TextEdit(to_range(s.replace), s.insert_text),
                sort_text=f"{i:04d}",
            )
            for i, s in enumerate(complete(result.analysis, from_position(params.position)))
        ]
        return types.CompletionList(is_incomplete=False, items=items)
