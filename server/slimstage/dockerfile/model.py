"""The Dockerfile model: frozen nodes, each with an exact LSP range.

Lines are 0-based, characters are UTF-16 code units (the LSP default), so ranges can be
handed to any client unchanged. The model is built once per document version by
``parse.parse`` and is never mutated.
"""

from __future__ import annotations

import weakref
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Iterator, Optional


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


class LineMap:
    """Maps offsets in a logical (continuation-joined) line to document positions.

    Built by the parser for every instruction; ranges of words and flags are computed
    from it only when asked for, which keeps parsing a 5,000-line file cheap.
    """

    __slots__ = ("starts", "lines", "chars", "raws", "single")

    def __init__(self) -> None:
        self.starts: list[int] = []  # logical offset where each physical piece starts
        self.lines: list[int] = []  # its document line
        self.chars: list[int] = []  # its code-point index in that line
        self.raws: list[str] = []  # that line's text
        self.single = True

    def add(self, offset: int, line: int, char: int, raw: str) -> None:
        if self.starts:
            self.single = False
        self.starts.append(offset)
        self.lines.append(line)
        self.chars.append(char)
        self.raws.append(raw)

    def _piece(self, offset: int) -> int:
        if self.single:
            return 0
        return max(0, bisect_right(self.starts, offset) - 1)

    def pos(self, offset: int) -> Pos:
        i = self._piece(offset)
        raw = self.raws[i]
        idx = self.chars[i] + offset - self.starts[i]
        if idx > len(raw):
            idx = len(raw)
        elif idx < 0:
            idx = 0
        return Pos(self.lines[i], idx if raw.isascii() else utf16_col(raw, idx))

    def end_pos(self, offset: int) -> Pos:
        """Position just after the character at ``offset - 1``."""
        if offset <= 0:
            return self.pos(0)
        i = self._piece(offset - 1)
        raw = self.raws[i]
        idx = self.chars[i] + offset - 1 - self.starts[i]
        if idx >= len(raw):
            return Pos(self.lines[i], utf16_len(raw))
        if idx < 0:
            idx = 0
        return Pos(self.lines[i], (idx if raw.isascii() else utf16_col(raw, idx)) + (2 if ord(raw[idx]) > 0xFFFF else 1))

    def range(self, start: int, end: int) -> Range:
        return Range(self.pos(start), self.end_pos(end) if end > start else self.pos(start))


@dataclass(frozen=True, eq=False)
class Instruction:
    keyword: str  # upper case: FROM, RUN, COPY...
    keyword_range: Range
    text: str  # the logical argument text after the flags (continuations joined)
    is_json: bool  # exec form: a JSON array
    heredocs: tuple[Heredoc, ...]
    range: Range  # keyword start .. end of the last line (heredoc terminator included)
    stage_index: int  # -1 for ARGs before the first FROM
    sub: Optional["Instruction"] = None  # ONBUILD's instruction
    # Lazily turned into ``flags`` and ``args``: (text, start, end) in the logical line.
    _flag_spans: tuple = field(default=(), repr=False)
    _text_offset: int = field(default=0, repr=False)  # where ``text`` starts in the logical line
    _map: Optional[LineMap] = field(default=None, repr=False)
    _key: str = field(default="", repr=False)  # the instruction's lines, for reuse by the next parse
    _first: int = field(default=0, repr=False)  # the line where those lines start
    _origin: Optional["weakref.ref[Instruction]"] = field(default=None, repr=False)  # the instruction this one was moved from

    @cached_property
    def flags(self) -> tuple[Flag, ...]:
        out = []
        lm = self._map
        for word, s, e in self._flag_spans:
            name, sep, value = word[2:].partition("=")
            vr = lm.range(s + 3 + len(name), e) if (sep and lm) else None
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            out.append(Flag(name.lower(), value if sep else None, lm.range(s, e) if lm else self.keyword_range, vr))
        return tuple(out)

    @cached_property
    def args(self) -> tuple[Word, ...]:
        """The arguments after the flags: JSON array items, or whitespace-separated words (quotes removed)."""
        from .words import json_words, split_words

        spans = json_words(self.text, self._text_offset) if self.is_json else split_words(self.text, self._text_offset)
        lm = self._map
        if lm is None:
            return tuple(Word(w, self.keyword_range) for w, _, _ in spans)
        return tuple(Word(w, lm.range(s, e)) for w, s, e in spans)

    @property
    def start_line(self) -> int:
        return self.range.start.line

    @property
    def end_line(self) -> int:
        return self.range.end.line

    def flag(self, name: str) -> Optional[Flag]:
        if not self._flag_spans:
            return None
        for f in self.flags:
            if f.name == name:
                return f
        return None

    def flags_named(self, name: str) -> Iterator[Flag]:
        return (f for f in self.flags if f.name == name)

    def range_of(self, start: int, end: int) -> Range:
        """Range of ``text[start:end]`` in the document."""
        if self._map is None:
            return self.keyword_range
        return self._map.range(self._text_offset + start, self._text_offset + end)

    def locator(self) -> "Callable[[int, int], Range]":
        """``range_of`` as a function that does not keep this instruction alive (for caches
        keyed weakly by the instruction)."""
        lm, offset, fallback = self._map, self._text_offset, self.keyword_range
        if lm is None:
            return lambda start, end: fallback
        return lambda start, end: lm.range(offset + start, offset + end)


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
