"""Positions in files with a lone CR, moved to the lines an LSP client counts.

BuildKit ends a line only at ``\\n`` (and trims the CRs before it), so a lone ``\\r`` is
part of its line; the parser follows BuildKit and so reads the file the way ``docker
build`` does. An LSP client ends a line at ``\\n``, ``\\r\\n`` and ``\\r``. When the text
holds a lone CR, every position of the model is moved here to the client's line and
column (a position after a lone CR goes to the next client line), and ``Dockerfile.lines``
becomes the client's lines: diagnostics, fixes and every LSP feature then agree with
the editor, while what the file means is still what BuildKit reads.

Files without a lone CR (nearly all) are not touched: ``needed()`` is one ``in`` test.
"""

from __future__ import annotations

import dataclasses
import re
from bisect import bisect_left
from typing import Any

from .model import Comment, Dockerfile, Instruction, LineMap, Pos, Range, index_of_utf16, utf16_len

_CLIENT_EOL = re.compile(r"\r\n|\n|\r")


def needed(text: str) -> bool:
    """True when ``text`` has a CR that is not part of a CRLF (BuildKit and LSP count lines differently)."""
    if "\r" not in text:
        return False
    return text.count("\r") != text.count("\r\n")


def client_lines(text: str) -> list[str]:
    """The lines as an LSP client counts them."""
    return _CLIENT_EOL.split(text)


class Mapper:
    """BuildKit (line, UTF-16 column) -> client (line, UTF-16 column)."""

    def __init__(self, text: str) -> None:
        if text.startswith("\ufeff"):
            text = text[1:]
        segments = text.split("\n")
        self.base: list[int] = []  # the client line where each BuildKit line starts
        self.crs: list[list[int]] = []  # code-point indexes of the lone CRs inside each (trimmed) BuildKit line
        self.trimmed: list[str] = []
        line = 0
        for seg in segments:
            trimmed = seg.rstrip("\r")
            self.base.append(line)
            self.trimmed.append(trimmed)
            self.crs.append([i for i, ch in enumerate(trimmed) if ch == "\r"])
            # every CR of the segment ends a client line, except one that pairs with the '\n'
            line += seg.count("\r") + 1 - (1 if seg.endswith("\r") else 0)
        self.last = line

    def pos(self, p: Pos) -> Pos:
        n = p.line
        if n >= len(self.base):
            return Pos(self.base[-1] + (n - len(self.base) + 1), p.character) if self.base else p
        crs = self.crs[n]
        if not crs:
            return Pos(self.base[n], p.character)
        raw = self.trimmed[n]
        idx = index_of_utf16(raw, p.character)
        k = bisect_left(crs, idx)  # lone CRs before idx (a position right at a CR stays on its line)
        if k == 0:
            return Pos(self.base[n], p.character)
        start = crs[k - 1] + 1
        return Pos(self.base[n] + k, utf16_len(raw[start:idx]) + max(0, p.character - utf16_len(raw)))

    def range(self, r: Range) -> Range:
        return Range(self.pos(r.start), self.pos(r.end))


class _MappedLineMap(LineMap):
    __slots__ = ("mapper",)

    def pos(self, offset: int) -> Pos:
        return self.mapper.pos(LineMap.pos(self, offset))

    def end_pos(self, offset: int) -> Pos:
        return self.mapper.pos(LineMap.end_pos(self, offset))


def _mapped_line_map(lm: LineMap, mapper: Mapper) -> LineMap:
    out = _MappedLineMap()
    out.starts, out.lines, out.chars, out.raws, out.single = lm.starts, lm.lines, lm.chars, lm.raws, lm.single
    out.mapper = mapper
    return out


def remap(doc: Dockerfile, text: str) -> Dockerfile:
    """``doc`` with every position in the client's lines (see the module docstring)."""
    mapper = Mapper(text)
    memo: dict[int, Any] = {}

    def walk(value: Any) -> Any:
        if isinstance(value, Pos):
            return mapper.pos(value)
        if isinstance(value, Range):
            return mapper.range(value)
        if isinstance(value, (str, int, float, bool)) or value is None:
            return value
        key = id(value)
        if key in memo:
            return memo[key]
        if isinstance(value, tuple):
            out: Any = tuple(walk(v) for v in value)
        elif isinstance(value, LineMap):
            out = _mapped_line_map(value, mapper)
        elif isinstance(value, Instruction):
            changes = {f.name: walk(getattr(value, f.name)) for f in dataclasses.fields(value) if f.name not in ("_origin", "_key", "_first")}
            out = dataclasses.replace(value, **changes, _key="", _first=0, _origin=None)  # never reused by the next parse
        elif isinstance(value, Comment):
            out = Comment(value.text, mapper.pos(Pos(value.line, 0)).line, mapper.range(value.range))
        elif dataclasses.is_dataclass(value):
            out = dataclasses.replace(value, **{f.name: walk(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init})
        else:
            out = value
        memo[key] = out
        return out

    changes = {f.name: walk(getattr(doc, f.name)) for f in dataclasses.fields(doc) if f.name not in ("text", "lines")}
    lines = client_lines(text[1:] if text.startswith("\ufeff") else text)
    return dataclasses.replace(doc, **changes, lines=tuple(lines))


def slice_lines(text: str, first: int, last: int) -> str:
    """Client lines ``first``..``last`` of ``text`` exactly as written (their own line ends
    between them, none after the last)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    starts, ends = [0], []
    for m in _CLIENT_EOL.finditer(text):
        ends.append(m.start())
        starts.append(m.end())
    ends.append(len(text))
    if first >= len(starts):
        return ""
    return text[starts[first] : ends[min(last, len(ends) - 1)]]
