"""The Dockerfile model: frozen nodes, each with an exact LSP range.

Lines are 0-based, characters are UTF-16 code units (the LSP default), so ranges can be
handed to any client unchanged. The model is built once per document version by
``parse.parse`` and is never mutated.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterator, Optional


@dataclass(frozen=True, slots=True, order=True)
class Pos:
    line: int
    character: int


@dataclass(frozen=True, slots=True)
class Range:
    start: Pos
    end: Pos

    @staticmethod
    def of(line: int, char: int, end_line: int, end_char: int) -> "Range":
        return Range(Pos(line, char), Pos(end_line, end_char))

    def contains(self, pos: Pos) -> bool:
        return self.start <= pos <= self.end


def utf16_len(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def utf16_col(line: str, index: int) -> int:
    """UTF-16 column of code-point ``index`` in ``line``."""
    return utf16_len(line[:index]) if not line.isascii() else index


def index_of_utf16(line: str, col: int) -> int:
    """Code-point index in ``line`` of UTF-16 column ``col`` (clamped to the line)."""
    if line.isascii():
        return max(0, min(col, len(line)))
    units = 0
    for i, ch in enumerate(line):
        if units >= col:
            return i
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(line)


@dataclass(frozen=True, slots=True)
class Word:
    """One argument (a path, an image, a JSON array item...) and where it is."""

    text: str
    range: Range


@dataclass(frozen=True, slots=True)
class Flag:
    """``--name=value`` (or bare ``--name``) before an instruction's arguments."""

    name: str
    value: Optional[str]
    range: Range
    value_range: Optional[Range] = None

    def options(self) -> dict[str, str]:
        """``--mount=type=cache,target=/x`` -> ``{"type": "cache", "target": "/x"}``."""
        out: dict[str, str] = {}
        for part in (self.value or "").split(","):
            key, sep, val = part.partition("=")
            out[key.strip().lower()] = val.strip() if sep else ""
        return out


@dataclass(frozen=True, slots=True)
class Heredoc:
    name: str
    body: str
    strip_tabs: bool
    expand: bool
    range: Range  # from the first body line to the end of the terminator line


@dataclass(frozen=True, slots=True)
class Directive:
    name: str  # lower case: syntax, escape, check
    value: str
    range: Range


@dataclass(frozen=True, slots=True)
class Comment:
    text: str  # without the leading '#', stripped
    line: int
    range: Range


@dataclass(frozen=True, slots=True)
class Problem:
    """Something a Dockerfile parser (BuildKit included) would reject or warn about."""

    message: str
    range: Range
    severity: str = "error"


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, RUN, COPY...
    keyword_range: Range
    flags: tuple[Flag, ...]
    args: tuple[Word, ...]
    text: str  # the logical argument text after the flags (continuations joined)
    is_json: bool  # exec form: a JSON array
    heredocs: tuple[Heredoc, ...]
    range: Range  # keyword start .. end of the last line (heredoc terminator included)
    stage_index: int  # -1 for ARGs before the first FROM
    sub: Optional["Instruction"] = None  # ONBUILD's instruction
    # Map from offsets in ``text`` to document positions: (text offset, line, char index, line text).
    _segments: tuple[tuple[int, int, int], ...] = field(default=(), repr=False, compare=False)
    _lines: tuple[str, ...] = field(default=(), repr=False, compare=False)

    @property
    def start_line(self) -> int:
        return self.range.start.line

    @property
    def end_line(self) -> int:
        return self.range.end.line

    def flag(self, name: str) -> Optional[Flag]:
        for f in self.flags:
            if f.name == name:
                return f
        return None

    def flags_named(self, name: str) -> Iterator[Flag]:
        return (f for f in self.flags if f.name == name)

    def position_at(self, offset: int) -> Pos:
        """Document position of ``text[offset]`` (the end of the text for offsets past it)."""
        segs = self._segments
        if not segs:
            return self.keyword_range.end
        i = max(0, bisect_right([s[0] for s in segs], offset) - 1)
        start, line, char = segs[i]
        line_text = self._lines[i]
        idx = min(char + (offset - start), len(line_text))
        return Pos(line, utf16_col(line_text, idx))

    def range_of(self, start: int, end: int) -> Range:
        """Range of ``text[start:end]`` in the document."""
        return Range(self.position_at(start), self._end_position(end))

    def _end_position(self, end: int) -> Pos:
        if end <= 0:
            return self.position_at(0)
        p = self.position_at(end - 1)
        return Pos(p.line, p.character + (2 if self._char_at(end - 1) > "\uffff" else 1))

    def _char_at(self, offset: int) -> str:
        return self.text[offset] if 0 <= offset < len(self.text) else " "

    @property
    def is_shell_form(self) -> bool:
        return not self.is_json


@dataclass(frozen=True)
class Stage:
    index: int
    name: Optional[str]  # lower case, as BuildKit compares them
    name_word: Optional[Word]
    base: str  # the image reference or stage name written after FROM ('' if missing)
    base_word: Optional[Word]
    base_stage: Optional[int]  # index of the stage this one is built FROM, if any
    platform: Optional[str]
    instructions: tuple[Instruction, ...]  # FROM first
    range: Range

    @property
    def from_instruction(self) -> Instruction:
        return self.instructions[0]

    @property
    def label(self) -> str:
        """How a user refers to the stage: its name, else its index."""
        return self.name if self.name else str(self.index)

    def find(self, *keywords: str) -> Iterator[Instruction]:
        return (i for i in self.instructions if i.keyword in keywords)


@dataclass(frozen=True)
class Dockerfile:
    text: str
    lines: tuple[str, ...]
    escape: str
    directives: tuple[Directive, ...]
    comments: tuple[Comment, ...]
    instructions: tuple[Instruction, ...]  # every instruction, in order
    global_args: tuple[Instruction, ...]  # ARGs before the first FROM
    stages: tuple[Stage, ...]
    problems: tuple[Problem, ...]

    @cached_property
    def stage_by_name(self) -> dict[str, Stage]:
        out: dict[str, Stage] = {}
        for st in self.stages:
            if st.name and st.name not in out:
                out[st.name] = st
        return out

    def stage_ref(self, ref: str, before: int | None = None) -> Optional[Stage]:
        """The stage that ``ref`` (a name or an index) refers to, looking only at stages before ``before``."""
        limit = len(self.stages) if before is None else before
        key = ref.lower()
        st = self.stage_by_name.get(key)
        if st is not None and st.index < limit:
            return st
        if key.isdigit():
            idx = int(key)
            if idx < limit:
                return self.stages[idx]
        return None

    def instruction_at(self, line: int) -> Optional[Instruction]:
        for ins in self.instructions:
            if ins.start_line <= line <= ins.end_line:
                return ins
            if ins.start_line > line:
                break
        return None

    def stage_at(self, line: int) -> Optional[Stage]:
        for st in self.stages:
            if st.range.start.line <= line <= st.range.end.line:
                return st
        return None

    def comment_above(self, line: int) -> Optional[Comment]:
        """The own-line comment directly above ``line``, if any."""
        for c in self.comments:
            if c.line == line - 1:
                return c
        return None

    @property
    def end(self) -> Pos:
        if not self.lines:
            return Pos(0, 0)
        return Pos(len(self.lines) - 1, utf16_len(self.lines[-1]))
