"""textDocument/prepareRename and textDocument/rename: rename a stage or an ARG/ENV variable.

A name that is invalid or already taken is refused with a message (a RequestFailed
error), as is a stage referred to by index.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from lsprotocol import types
from pygls.exceptions import JsonRpcException

from .client_caps import versioned_edits
from .convert import from_position, to_range

if TYPE_CHECKING:
    from .server import SlimstageServer


def _refuse(message: str) -> JsonRpcException:
    return JsonRpcException(message=message, code=types.LSPErrorCodes.RequestFailed)


def register(server: "SlimstageServer") -> None:
    @server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    def prepare_rename(ls: "SlimstageServer", params: types.PrepareRenameParams) -> Optional[types.PrepareRenamePlaceholder]:
        """The name under the cursor, if it can be renamed; an error saying why not otherwise."""
        from ..editor.navigation import RenameError, renamable, symbols  # imported on first use

        result = ls.result(params.text_document.uri)
        if result is None:
            return None
        try:
            occ = renamable(symbols(result.analysis), from_position(params.position))
        except RenameError as exc:
            raise _refuse(str(exc)) from None
        return types.PrepareRenamePlaceholder(range=to_range(occ.range), placeholder=occ.name)

    @server.feature(types.TEXT_DOCUMENT_RENAME)
    def rename(ls: "SlimstageServer", params: types.RenameParams) -> Optional[types.WorkspaceEdit]:
        """Every occurrence of the stage name or variable, as one edit pinned to the document version."""
        from ..editor.navigation import RenameError, rename_edits, symbols

        uri = params.text_document.uri
        doc = ls.open_document(uri)
        result = ls.result(uri)
        if doc is None or result is None:
            return None
        try:
            edits = rename_edits(symbols(result.analysis), from_position(params.position), params.new_name)
        except RenameError as exc:
            raise _refuse(str(exc)) from None
        text_edits = [types.TextEdit(to_range(r), text) for r, text in edits]
        if versioned_edits(ls):
            return types.WorkspaceEdit(
                document_changes=[
                    types.TextDocumentEdit(
                        text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=doc.version),
                        edits=text_edits,
                    )
                ]
            )
        return types.WorkspaceEdit(changes={uri: text_edits})
