"""What to suggest at the cursor: stage names, flags, mount options, keywords, variables.

Works from the line as typed (the text may not parse into the instruction yet) and the
analysis of the document: stage names come from the stages above the cursor, variables
from the scope of the instruction there (see ``navigation``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from ..dockerfile.model import Pos, Range, index_of_utf16, utf16_col
from ..dockerfile.parse import KEYWORDS
from .navigation import PREDEFINED_ARGS, symbols
from .reference import MOUNT_OPTIONS, MOUNT_TYPES, RefDoc, flags_of, instruction_doc

if TYPE_CHECKING:
    from ..analysis import Analysis


@dataclass(frozen=True)
class Suggestion:
    label: str
    kind: str  # "stage" | "flag" | "keyword" | "variable" | "option" | "value"
    detail: str
    insert_text: str
    replace: Range  # the partial word the suggestion replaces
    doc: Optional[RefDoc] = None


_VAR = re.compile(r"\$(\{?)([A-Za-z_][A-Za-z0-9_]*)?$")
_FLAG_FROM = re.compile(r"^\s*(?:COPY|ADD)\s+(?:--\S+\s+)*--from=([\w.-]*)$", re.I)
_MOUNT = re.compile(r"^\s*RUN\s+(?:--\S+\s+)*--mount=(\S*)$", re.I)
_FROM_IMAGE = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*([\w.-]*)$", re.I)
_FLAG = re.compile(r"^\s*(?:ONBUILD\s+)?([A-Za-z]+)\s+(?:--\S+\s+)*(-{1,2}[\w-]*)$")
_KEYWORD = re.compile(r"^\s*(ONBUILD\s+)?([A-Za-z]*)$", re.I)


def complete(a: "Analysis", pos: Pos) -> list[Suggestion]:
    doc = a.doc
    if pos.line >= len(doc.lines):
        return []
    line = doc.lines[pos.line]
    prefix = line[: index_of_utf16(line, pos.character)]
    pos = Pos(pos.line, utf16_col(line, len(prefix)))  # a cursor past the end of the line is at its end

    def span(partial: str) -> Range:
        return Range(Pos(pos.line, utf16_col(line, len(prefix) - len(partial))), pos)

    m = _VAR.search(prefix)
    if m is not None:
        close = bool(m.group(1)) and not line[len(prefix) :].startswith("}")
        return _variables(a, pos, m.group(2) or "", close, span(m.group(2) or ""))
    m = _FLAG_FROM.match(prefix)
    if m is not None:
        return _stages(a, pos.line, span(m.group(1)), with_index=True)
    m = _MOUNT.match(prefix)
    if m is not None:
        return _mount(a, pos.line, m.group(1), span)
    m = _FLAG.match(prefix)
    if m is not None and not _continues(a, pos.line):
        return _flags(m.group(1), span(m.group(2)))
    m = _FROM_IMAGE.match(prefix)
    if m is not None and not _continues(a, pos.line):
        return _stages(a, pos.line, span(m.group(1)), with_index=False, on_from=True)
    m = _KEYWORD.match(prefix)
    if m is not None and not _continues(a, pos.line):
        return _keywords(span(m.group(2)), onbuild=bool(m.group(1)))
    return []


def _continues(a: "Analysis", line: int) -> bool:
    """True when ``line`` continues an instruction that started above (a RUN's second line...)."""
    ins = a.doc.instruction_at(line)
    return ins is not None and ins.start_line < line


def _stages_before(a: "Analysis", line: int, on_from: bool) -> int:
    """How many stages a reference on ``line`` may name: those above it, less its own stage."""
    above = sum(1 for st in a.doc.stages if st.range.start.line < line)
    return above if on_from else max(0, above - 1)


def _stages(a: "Analysis", line: int, replace: Range, with_index: bool, on_from: bool = False) -> list[Suggestion]:
    out = []
    for st in a.doc.stages[: _stages_before(a, line, on_from)]:
        detail = f"stage {st.index} · FROM {st.base}"
        if st.name_word is not None:
            out.append(Suggestion(st.name_word.text, "stage", detail, st.name_word.text, replace))
        elif with_index:
            out.append(Suggestion(str(st.index), "stage", detail, str(st.index), replace))
    return out


def _mount(a: "Analysis", line: int, value: str, span) -> list[Suggestion]:
    current = value.rsplit(",", 1)[-1]
    key, eq, val = current.partition("=")
    if eq and key.lower() == "from":
        return _stages(a, line, span(val), with_index=True)
    if eq and key.lower() == "type":
        return [Suggestion(t, "value", doc.summary, t, span(val), doc) for t, doc in MOUNT_TYPES.items()]
    if eq:
        return []
    used = {part.partition("=")[0].lower() for part in value.split(",")[:-1]}
    return [Suggestion(k, "option", doc.summary, f"{k}=" if k not in ("readonly", "rw", "required") else k, span(key), doc) for k, doc in MOUNT_OPTIONS.items() if k not in used]


def _flags(keyword: str, replace: Range) -> list[Suggestion]:
    return [Suggestion(f"--{name}", "flag", doc.summary, f"--{name}" + ("=" if name not in ("link", "parents", "keep-git-dir") else ""), replace, doc) for name, doc in flags_of(keyword)]


def _keywords(replace: Range, onbuild: bool) -> list[Suggestion]:
    out = []
    for kw in sorted(KEYWORDS):
        if onbuild and kw in ("ONBUILD", "FROM", "MAINTAINER"):
            continue
        doc = instruction_doc(kw)
        out.append(Suggestion(kw, "keyword", doc.summary if doc else "", kw + " ", replace, doc))
    return out


def _variables(a: "Analysis", pos: Pos, partial: str, close: bool, replace: Range) -> list[Suggestion]:
    sym = symbols(a)
    ins = a.doc.instruction_at(pos.line)
    on_from = ins is not None and ins.keyword == "FROM"
    visible = sym.variables_at(pos.line)
    out = []
    for name, where in sorted(visible.items()):
        text = name + ("}" if close else "")
        out.append(Suggestion(name, "variable", f"defined on line {where.start.line + 1}", text, replace))
    if on_from or ins is None and not a.doc.stages:
        for name in PREDEFINED_ARGS:
            if name not in visible:
                out.append(Suggestion(name, "variable", "set by BuildKit", name + ("}" if close else ""), replace))
    return [s for s in out if s.label.lower().startswith(partial.lower())]
