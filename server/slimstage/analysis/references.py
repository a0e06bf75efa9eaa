"""Every place a stage is named by another: FROM, COPY --from, RUN --mount=from, with the
exact range of the name, so rules can point at it and rewrite it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ..dockerfile.model import Dockerfile, Instruction, Range


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
    m = re.search(r"(?:^|[,=\s\"'])from=" + re.escape(ref) + r"(?=[,\s\"']|$)", segment)
    if not m:
        return None
    start = flag_range.start.character + m.end() - len(ref)
    return Range.of(flag_range.start.line, start, flag_range.start.line, start + len(ref))


def stage_references(doc: Dockerfile) -> list[StageReference]:
    out: list[StageReference] = []
    for st in doc.stages:
        if st.base_word is not None:
            out.append(StageReference(st.base, st.index, "base", st.from_instruction, st.base_word.range, st.base_word.range))
        for ins in st.instructions[1:]:
            if ins.keyword in ("COPY", "ADD"):
                frm = ins.flag("from")
                if frm is not None and frm.value:
                    vr = frm.value_range
                    exact = vr if vr is not None and vr.start.line == vr.end.line and vr.end.character - vr.start.character == len(frm.value) else None
                    out.append(StageReference(frm.value, st.index, "copy", ins, frm.range, exact))
            elif ins.keyword == "RUN":
                for flag in ins.flags_named("mount"):
                    ref = flag.options().get("from")
                    if ref:
                        out.append(StageReference(ref, st.index, "mount", ins, flag.range, _mount_name_range(doc, flag.range, ref)))
    return out
