"""Keep each stage's explanation in the file: a short comment above its FROM.

Readers of the Dockerfile (and hover) then see why a stage exists without the
conversion's report. A FROM that already has a comment directly above it keeps it.
"""

from __future__ import annotations

import textwrap

from ..dockerfile import parse
from .result import StageNote

WIDTH = 88
MAX_LINES = 3


def comment_lines(name: str, explanation: str) -> list[str]:
    """``# name: explanation``, wrapped, at most a few lines, safe to put in a Dockerfile."""
    text = " ".join(explanation.replace("\r", " ").split())
    if not text:
        return []
    # A comment must never read as a parser directive or a slimstage suppression.
    text = text.replace("slimstage ignore", "slimstage-ignore")
    lines = textwrap.wrap(f"{name}: {text}", width=WIDTH - 2, break_long_words=False, break_on_hyphens=False)
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES]
        lines[-1] = textwrap.shorten(lines[-1] + " and more", width=WIDTH - 2, placeholder=" ...")
    return ["# " + line for line in lines]


def annotate(text: str, notes: tuple[StageNote, ...] | list[StageNote]) -> str:
    """``text`` with a comment above each named stage's FROM that has an explanation and no comment yet."""
    by_name = {n.name.lower(): n.explanation for n in notes if n.name and n.explanation}
    if not by_name:
        return text
    doc = parse(text)
    commented = {c.line for c in doc.comments} - {d.range.start.line for d in doc.directives}
    inserts: dict[int, list[str]] = {}
    for st in doc.stages:
        if not st.name or st.name not in by_name:
            continue
        line = st.from_instruction.start_line
        if line - 1 in commented:
            continue
        block = comment_lines(st.name, by_name[st.name])
        if block:
            inserts[line] = block
    if not inserts:
        return text
    out: list[str] = []
    for i, line in enumerate(text.split("\n")):
        block = inserts.get(i)
        if block:
            # A blank line before the comment keeps stages apart, unless one is there already.
            if out and out[-1].strip():
                out.append("")
            out.extend(block)
        out.append(line)
    return "\n".join(out)
