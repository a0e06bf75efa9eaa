"""The shape of a Dockerfile for an editor: the outline, folding regions, selection ranges.

The outline has one entry per stage (named after the stage; the detail is its base
image and role) with its instructions as children, and the global ARGs before the first
FROM at the top level. Folding covers each stage, each instruction that spans several
lines (long RUNs, heredocs) and blocks of comments. Selection ranges grow from the word
under the cursor to its flag or argument, the instruction, the stage and the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from ..analysis.roles import role_of
from ..dockerfile.model import Dockerfile, Instruction, Pos, Range, Stage, utf16_len

if TYPE_CHECKING:
    from ..analysis import Analysis


@dataclass(frozen=True)
class OutlineItem:
    name: str
    detail: str
    kind: str  # "stage" | "variable" | "instruction" | "label" | "command"
    range: Range
    selection_range: Range
    children: tuple["OutlineItem", ...] = ()


_KINDS = {"ARG": "variable", "ENV": "variable", "LABEL": "label", "CMD": "command", "ENTRYPOINT": "command", "HEALTHCHECK": "command"}


def _short(text: str, limit: int = 60) -> str:
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


def _instruction_item(ins: Instruction) -> OutlineItem:
    flags = " ".join(f"--{f.name}" + (f"={f.value}" if f.value is not None else "") for f in ins.flags)
    detail = _short(f"{flags} {ins.text}".strip() if flags else ins.text)
    name = _visible(ins.keyword, "(empty)")  # a lone continuation line, a stray control character...
    return OutlineItem(name, detail, _KINDS.get(ins.keyword, "instruction"), ins.range, ins.keyword_range)


def _visible(name: str, fallback: str) -> str:
    """``name``, or ``fallback`` when it is only whitespace: VS Code rejects blank symbol names."""
    return name if name.replace("\ufeff", "").strip() else fallback


def stage_title(st: Stage) -> str:
    """How the outline names a stage: its name, else ``stage N``."""
    return _visible(st.name_word.text, f"stage {st.index}") if st.name_word is not None else f"stage {st.index}"


def outline(a: "Analysis") -> list[OutlineItem]:
    items = [_instruction_item(ins) for ins in a.doc.global_args]
    for st in a.doc.stages:
        role = role_of(a, st.index).role
        detail = f"{st.base or '(no image)'} · {role}"
        selection = st.name_word.range if st.name_word is not None else st.from_instruction.keyword_range
        children = tuple(_instruction_item(ins) for ins in st.instructions[1:])
        items.append(OutlineItem(stage_title(st), detail, "stage", st.range, selection, children))
    return items


@dataclass(frozen=True)
class Fold:
    start_line: int
    end_line: int
    kind: str  # "region" | "comment"


def folds(doc: Dockerfile) -> list[Fold]:
    out = [Fold(st.range.start.line, st.range.end.line, "region") for st in doc.stages if st.range.end.line > st.range.start.line]
    out += [Fold(ins.start_line, ins.end_line, "region") for ins in doc.instructions if ins.end_line > ins.start_line and ins.keyword != "FROM"]
    run: list[int] = []
    for c in doc.comments:
        if run and c.line != run[-1] + 1:
            if len(run) > 1:
                out.append(Fold(run[0], run[-1], "comment"))
            run = []
        run.append(c.line)
    if len(run) > 1:
        out.append(Fold(run[0], run[-1], "comment"))
    return sorted(set(out), key=lambda f: (f.start_line, -f.end_line))


def _innermost(ins: Instruction, pos: Pos) -> list[Range]:
    """The ranges inside an instruction that contain ``pos``, innermost first."""
    found: list[Range] = []
    if ins.keyword_range.contains(pos):
        return [ins.keyword_range]
    for flag in ins.flags:
        if flag.range.contains(pos):
            if flag.value_range is not None and flag.value_range.contains(pos):
                found.append(flag.value_range)
            found.append(flag.range)
            return found
    for word in ins.args:
        if word.range.contains(pos):
            return [word.range]
    for doc in ins.heredocs:
        if doc.range.contains(pos):
            return [doc.range]
    return found


def selection_chain(doc: Dockerfile, pos: Pos, extra: Optional[Range] = None) -> list[Range]:
    """Ranges around ``pos``, innermost first, each containing the one before.

    ``extra`` is an even smaller range to start from (a variable or stage name inside a word).
    """
    if pos > doc.end:  # a cursor past the end of the file or of a line is at its end
        pos = doc.end
    elif doc.lines and pos.character > utf16_len(doc.lines[pos.line]):
        pos = Pos(pos.line, utf16_len(doc.lines[pos.line]))
    chain: list[Range] = [extra] if extra is not None else []
    ins = doc.instruction_at(pos.line)
    if ins is not None and ins.range.contains(pos):
        chain += _innermost(ins, pos)
        chain.append(ins.range)
    st = doc.stage_at(pos.line)
    if st is not None:
        chain.append(st.range)
    chain.append(Range(Pos(0, 0), doc.end))
    chain = [r for r in chain if r.contains(pos)]  # a stage starts at FROM, not at the indentation before it
    out: list[Range] = []
    for r in chain:
        if out and (r == out[-1] or not (r.contains(out[-1].start) and r.contains(out[-1].end))):
            continue
        out.append(r)
    if not out or not out[0].contains(pos):
        out.insert(0, Range(pos, pos))
    return out
