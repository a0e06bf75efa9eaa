"""Checks shared by the robustness suites: ranges inside the document, edits that apply."""

from __future__ import annotations

import re
from typing import Iterable

from slimstage.dockerfile.model import Dockerfile, Pos, Range, utf16_len


def client_lines(text: str) -> list[str]:
    """The document's lines as an LSP client counts them, and so slimstage's positions
    (``\\n``, ``\\r\\n`` and a lone ``\\r`` end a line; BuildKit ends lines only at ``\\n``)."""
    return re.split(r"\r\n|\n|\r", text)


def assert_pos_inside(pos: Pos, lines: list[str], what: str) -> None:
    assert 0 <= pos.line < len(lines), f"{what}: line {pos.line} outside 0..{len(lines) - 1}"
    width = utf16_len(lines[pos.line])
    assert 0 <= pos.character <= width, f"{what}: character {pos.character} outside 0..{width} on line {pos.line} {lines[pos.line]!r}"
    # A position must not split a surrogate pair (the two UTF-16 units of an astral character).
    units = 0
    for ch in lines[pos.line]:
        if units >= pos.character:
            break
        units += 2 if ord(ch) > 0xFFFF else 1
    assert units == pos.character, f"{what}: character {pos.character} splits an astral character on line {pos.line}"


def assert_range_inside(r: Range, lines: list[str], what: str) -> None:
    assert_pos_inside(r.start, lines, what + " start")
    assert_pos_inside(r.end, lines, what + " end")
    assert r.start <= r.end, f"{what}: start {r.start} after end {r.end}"


def model_ranges(doc: Dockerfile) -> Iterable[tuple[str, Range]]:
    """Every range the model hands out (words and flags are computed here, lazily)."""
    for d in doc.directives:
        yield f"directive {d.name}", d.range
    for c in doc.comments:
        yield f"comment line {c.line}", c.range
    for p in doc.problems:
        yield f"problem {p.message!r}", p.range
    for ins in doc.instructions:
        yield from _instruction_ranges(ins)
    for s in doc.stages:
        yield f"stage {s.index}", s.range
        if s.name_word is not None:
            yield f"stage {s.index} name", s.name_word.range
        if s.base_word is not None:
            yield f"stage {s.index} base", s.base_word.range


def _instruction_ranges(ins) -> Iterable[tuple[str, Range]]:
    tag = f"{ins.keyword} at line {ins.start_line}"
    yield tag, ins.range
    yield tag + " keyword", ins.keyword_range
    for f in ins.flags:
        yield f"{tag} flag --{f.name}", f.range
        if f.value_range is not None:
            yield f"{tag} flag --{f.name} value", f.value_range
    for w in ins.args:
        yield f"{tag} word {w.text!r}", w.range
    for h in ins.heredocs:
        yield f"{tag} heredoc {h.name}", h.range
    if ins.text:
        yield f"{tag} text", ins.range_of(0, len(ins.text))
    if ins.sub is not None:
        yield from _instruction_ranges(ins.sub)


def assert_model_sound(doc: Dockerfile, text: str) -> None:
    lines = client_lines(text)
    for what, r in model_ranges(doc):
        assert_range_inside(r, lines, what)
    # Instructions come in document order and do not overlap.
    last = -1
    for ins in doc.instructions:
        assert ins.start_line > last, f"{ins.keyword} at {ins.start_line} overlaps the previous instruction (ends {last})"
        assert ins.keyword_range.start >= ins.range.start
        last = ins.end_line
