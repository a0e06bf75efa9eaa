"""Every place a stage is named by another: FROM, COPY --from, RUN --mount=from, with the
exact range of the name, so rules can point at it and rewrite it. The one finder: rules
(SLIM302, SLIM304) and the editor's navigation (``editor/navigation.py``: definitions,
references, rename, highlighting) both use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ..dockerfile.model import Dockerfile, Instruction, Pos, Range, index_of_utf16, utf16_col


@dataclass(frozen=True)
class StageReference:
    ref: str  # as written: a stage name, an index, or an image
    stage: int  # the stage that holds the reference
    kind: str  # "base" | "copy" | "mount"
    instruction: Instruction
    range: Range  # the whole flag (or the FROM image word)
    name_range: Optional[Range]  # just the name, when it can be rewritten in place


def _mount_name_range(doc: Dockerfile, flag_range: Range, ref: str) -> Optional[Range]:
    """The range of ``from=<ref>`` 's value inside a one-line ``--mount`` flag."""
    if flag_range.start.line != flag_range.end.line:
        return None
    line = doc.lines[flag_range.start.line]
    if not line.isascii():
        return None
    segment = line[flag_range.start.character : flag_range.end.character]
    m = re.search(r"(?:^|[,=\s\"'])from=" + re.escape(ref) + r"(?=[,\s\"']|$)", segment, re.I)
    if not m:
        return None
    start = flag_range.start.character + m.end() - len(ref)
    return Range.of(flag_range.start.line, start, flag_range.start.line, start + len(ref))


def _value_range(doc: Dockerfile, vr: Optional[Range], value: str) -> Optional[Range]:
    """The range of a one-line flag value without its surrounding quotes (``--from="build"``)."""
    if vr is None or vr.start.line != vr.end.line or vr.start.line >= len(doc.lines):
        return None
    line = doc.lines[vr.start.line]
    s, e = index_of_utf16(line, vr.start.character), index_of_utf16(line, vr.end.character)
    if e - s >= 2 and line[s] == line[e - 1] and line[s] in "'\"":
        s, e = s + 1, e - 1
    if line[s:e] != value:
        return None
    return Range(Pos(vr.start.line, utf16_col(line, s)), Pos(vr.start.line, utf16_col(line, e)))


def stage_references(doc: Dockerfile) -> list[StageReference]:
    out: list[StageReference] = []
    for st in doc.stages:
        if st.base_word is not None:
            out.append(StageReference(st.base, st.index, "base", st.from_instruction, st.base_word.range, st.base_word.range))
        for ins in st.instructions[1:]:
            if ins.keyword in ("COPY", "ADD"):
                frm = ins.flag("from")
                if frm is not None and frm.value:
                    out.append(StageReference(frm.value, st.index, "copy", ins, frm.range, _value_range(doc, frm.value_range, frm.value)))
            elif ins.keyword == "RUN":
                for flag in ins.flags_named("mount"):
                    ref = flag.options().get("from")
                    if ref:
                        out.append(StageReference(ref, st.index, "mount", ins, flag.range, _mount_name_range(doc, flag.range, ref)))
    return out
