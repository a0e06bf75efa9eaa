"""Conversions between slimstage's model types and ``lsprotocol.types``.

The only place that knows both sides, so rules and analysis never import the protocol.
"""

from __future__ import annotations

import re
import os
from pathlib import Path, PurePath, PureWindowsPath
from typing import Optional
from urllib.parse import unquote, urlparse

from lsprotocol import types

from ..dockerfile.model import Pos, Range, utf16_len
from ..rules.base import Fix, Violation, docs_url
from ..sidefile import read_text

SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}


_EOL = re.compile(r"\r\n|\n|\r")


def end_of(text: str) -> types.Position:
    """Where ``text`` ends, counted as an LSP client counts: lines end at ``\\n``, ``\\r\\n`` or
    ``\\r``, columns are UTF-16 units (a lone surrogate is one)."""
    line, last = 0, 0
    for m in _EOL.finditer(text):
        line += 1
        last = m.end()
    return types.Position(line, utf16_len(text[last:]))


def to_range(r: Range) -> types.Range:
    return types.Range(types.Position(r.start.line, r.start.character), types.Position(r.end.line, r.end.character))


def from_position(p: types.Position) -> Pos:
    return Pos(p.line, p.character)


def from_range(r: types.Range) -> Range:
    return Range(from_position(r.start), from_position(r.end))


def overlaps(a: Range, b: Range) -> bool:
    return not (a.end < b.start or b.end < a.start)


def to_diagnostic(v: Violation, uri: str) -> types.Diagnostic:
    return types.Diagnostic(
        range=to_range(v.range),
        message=v.message,
        severity=SEVERITY.get(v.severity, types.DiagnosticSeverity.Warning),
        code=v.code,
        code_description=types.CodeDescription(href=docs_url(v.code)),
        source="slimstage",
        related_information=[
            types.DiagnosticRelatedInformation(types.Location(uri, to_range(r.range)), r.message) for r in v.related
        ]
        or None,
        data={"name": v.name, "fixable": v.fix is not None},
    )


_DRIVE = re.compile(r"^/[A-Za-z]:")


def uri_to_path(uri: str, flavour: Optional[type[PurePath]] = None) -> Optional[Path]:
    """The file a ``file:`` URI names (None for other schemes).

    On Windows (or with ``flavour=PureWindowsPath``) ``file:///c%3A/src/Dockerfile`` is
    ``C:\\src\\Dockerfile`` (the drive letter VS Code sends lower case and escaped) and
    ``file://server/share/x`` is ``\\\\server\\share\\x``.
    """
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    path = unquote(parsed.path)
    windows = (flavour or type(Path())) is PureWindowsPath or (flavour is None and os.name == "nt")
    if windows:
        if _DRIVE.match(path):
            path = path[1].upper() + path[2:]
        if parsed.netloc and parsed.netloc != "localhost":
            path = f"//{parsed.netloc}{path}"
        out: PurePath = PureWindowsPath(path)
        return out if flavour is not None else Path(out)  # type: ignore[return-value]
    if parsed.netloc and parsed.netloc != "localhost":
        path = f"//{parsed.netloc}{path}"
    return (flavour or Path)(path)  # type: ignore[return-value]


def path_to_uri(path: Path) -> str:
    return path.resolve().as_uri()


def fix_to_workspace_edit(
    fix: Fix, uri: str, version: Optional[int], context_root: Optional[Path], eol: str = "\n"
) -> Optional[types.WorkspaceEdit]:
    """A versioned WorkspaceEdit for ``fix``; file changes need a known build context folder.
    ``eol``: the document's line end, used for the lines the fix inserts (CRLF stays CRLF)."""
    changes: list = []
    if fix.edits:
        changes.append(
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
                edits=[types.TextEdit(to_range(e.range), e.new_text.replace("\n", eol) if eol != "\n" else e.new_text) for e in fix.edits],
            )
        )
    for fc in fix.files:
        if context_root is None:
            return None
        target = context_root / fc.path
        target_uri = target.as_uri()
        if fc.mode == "create":
            changes.append(types.CreateFile(uri=target_uri, options=types.CreateFileOptions(overwrite=False, ignore_if_exists=True)))
            changes.append(
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(uri=target_uri, version=None),
                    edits=[types.TextEdit(types.Range(types.Position(0, 0), types.Position(0, 0)), fc.text)],
                )
            )
        else:
            existing, _problem = read_text(target, within=(context_root,))
            if existing is None:  # missing, or refused (a link out of the context, a FIFO, too big)
                return None
            end = end_of(existing)
            prefix = "" if existing.endswith("\n") or not existing else "\n"
            changes.append(
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(uri=target_uri, version=None),
                    edits=[types.TextEdit(types.Range(end, end), prefix + fc.text)],
                )
            )
    return types.WorkspaceEdit(document_changes=changes)
