"""textDocument/semanticTokens/full and /full/delta, from ``editor.semantic_tokens``.

The last token data sent per document is kept (one entry per open document, dropped on
close through the bounded map below) so a delta request answers with one edit.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from typing import TYPE_CHECKING, Optional, Union

from lsprotocol import types

if TYPE_CHECKING:
    from .server import SlimstageServer

MAX_REMEMBERED = 64  # documents whose last tokens are kept for deltas


def legend() -> types.SemanticTokensLegend:
    from ..editor.semantic_tokens import TOKEN_MODIFIERS, TOKEN_TYPES

    return types.SemanticTokensLegend(token_types=list(TOKEN_TYPES), token_modifiers=list(TOKEN_MODIFIERS))


def register(server: "SlimstageServer") -> None:
    sent: "OrderedDict[str, tuple[str, list[int]]]" = OrderedDict()
    ids = itertools.count(1)

    def current(ls: "SlimstageServer", uri: str) -> Optional[list[int]]:
        from ..editor.semantic_tokens import encode, semantic_tokens

        result = ls.result(uri)
        if result is None:
            return None
        return encode(semantic_tokens(result.analysis))

    def remember(uri: str, data: list[int]) -> str:
        result_id = str(next(ids))
        sent[uri] = (result_id, data)
        sent.move_to_end(uri)
        while len(sent) > MAX_REMEMBERED:
            sent.popitem(last=False)
        return result_id

    @server.feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, legend())
    def full(ls: "SlimstageServer", params: types.SemanticTokensParams) -> Optional[types.SemanticTokens]:
        """Every token of the document."""
        data = current(ls, params.text_document.uri)
        if data is None:
            return None
        return types.SemanticTokens(data=data, result_id=remember(params.text_document.uri, data))

    @server.feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL_DELTA)
    def full_delta(ls: "SlimstageServer", params: types.SemanticTokensDeltaParams) -> Union[types.SemanticTokens, types.SemanticTokensDelta, None]:
        """One edit from the tokens last sent (by ``previousResultId``), else all of them."""
        from ..editor.semantic_tokens import delta

        uri = params.text_document.uri
        data = current(ls, uri)
        if data is None:
            return None
        before = sent.get(uri)
        result_id = remember(uri, data)
        if before is None or before[0] != params.previous_result_id:
            return types.SemanticTokens(data=data, result_id=result_id)
        edit = delta(before[1], data)
        edits = [] if edit is None else [types.SemanticTokensEdit(start=edit[0], delete_count=edit[1], data=edit[2])]
        return types.SemanticTokensDelta(edits=edits, result_id=result_id)
