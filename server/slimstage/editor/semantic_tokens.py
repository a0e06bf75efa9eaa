"""Semantic tokens: what each part of a Dockerfile is, for highlighting that knows Dockerfiles.

Token types (the legend's order is the protocol's numbering):

- ``keyword``: instruction keywords (``ONBUILD``'s trigger too), ``AS`` in FROM
- ``parameter``: a flag's ``--name``; ``property``: a key inside a flag value
  (``type=``, ``target=`` of ``--mount``) or a LABEL key
- ``string``: flag values, quoted strings, JSON-form items, COPY/ADD heredoc bodies
- ``class``: stage names, with ``declaration`` on ``FROM … AS name`` and none on the
  references (``FROM name``, ``--from=name``, ``--mount=…,from=name``)
- ``variable``: ARG/ENV names and ``$X`` / ``${X:-d}`` uses, with ``declaration`` where
  defined and ``arg`` or ``env`` for what defines them (none: from the base image or the
  build environment)
- ``comment``, ``macro`` (a parser directive's name; its value is a ``string``),
  ``label`` (heredoc markers ``<<EOF`` and terminators), ``number`` (EXPOSE ports),
  ``type`` (image references after FROM)

RUN heredoc bodies are shell scripts: only their variables are marked, never words that
look like Dockerfile instructions, so the editor's shell colouring stays. Tokens never
overlap (a variable inside a quoted string splits the string) and never span lines.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Optional

from ..dockerfile.model import Dockerfile, Instruction, Range, index_of_utf16, utf16_col, utf16_len

if TYPE_CHECKING:
    from ..analysis import Analysis

TOKEN_TYPES = ("keyword", "parameter", "property", "string", "class", "variable", "comment", "macro", "label", "number", "type")
TOKEN_MODIFIERS = ("declaration", "arg", "env")
_TYPE = {name: i for i, name in enumerate(TOKEN_TYPES)}
_MOD = {name: 1 << i for i, name in enumerate(TOKEN_MODIFIERS)}

# Which wins where tokens overlap: a variable inside a string, a stage name inside a flag value.
_PRIORITY = {"string": 1, "type": 1, "number": 1, "property": 2, "parameter": 2, "label": 3, "class": 4, "variable": 5, "keyword": 6, "comment": 7, "macro": 7}

_HEREDOC_MARK = re.compile(r"\d*<<-?\s*([\"']?)([^\s\"'<>|&;]+)\1")


@dataclass(frozen=True, order=True)
class Token:
    line: int
    start: int  # UTF-16 column
    length: int  # UTF-16 units
    type: str
    modifiers: tuple[str, ...] = ()


class _Painter:
    def __init__(self, doc: Dockerfile) -> None:
        self.doc = doc
        self.by_line: dict[int, list[tuple[int, int, int, str, tuple[str, ...]]]] = {}
        self.order = 0

    def add(self, rng: Optional[Range], kind: str, mods: tuple[str, ...] = ()) -> None:
        if rng is None or rng.start.line != rng.end.line or rng.end.character <= rng.start.character:
            return
        self.span(rng.start.line, rng.start.character, rng.end.character, kind, mods)

    def span(self, line: int, start: int, end: int, kind: str, mods: tuple[str, ...] = ()) -> None:
        if end <= start or line < 0 or line >= len(self.doc.lines):
            return
        self.by_line.setdefault(line, []).append((start, end, _PRIORITY[kind], kind, mods))

    def tokens(self) -> list[Token]:
        """Non-overlapping tokens: where spans overlap the higher priority wins (a sweep, n log n per line)."""
        out: list[Token] = []
        for line in sorted(self.by_line):
            spans = sorted(self.by_line[line])
            if all(a[1] <= b[0] for a, b in zip(spans, spans[1:])):  # the usual case: nothing overlaps
                out += [Token(line, s, e - s, kind, mods) for s, e, _, kind, mods in spans]
                continue
            points = sorted({p for s, e, *_ in spans for p in (s, e)})
            active: list[tuple[int, int, int, str, tuple[str, ...]]] = []  # heap of (-priority, start, end, kind, mods)
            k = 0
            pieces: list[list] = []
            for a, b in zip(points, points[1:]):
                while k < len(spans) and spans[k][0] <= a:
                    s, e, prio, kind, mods = spans[k]
                    heapq.heappush(active, (-prio, s, e, kind, mods))
                    k += 1
                while active and active[0][2] <= a:
                    heapq.heappop(active)
                if not active:
                    continue
                _, s, _, kind, mods = active[0]
                if pieces and pieces[-1][1] == a and pieces[-1][2:] == [kind, mods, s]:
                    pieces[-1][1] = b
                else:
                    pieces.append([a, b, kind, mods, s])
            out += [Token(line, a, b - a, kind, mods) for a, b, kind, mods, _ in pieces]
        return out


def _strings(p: _Painter, ins: Instruction) -> None:
    """Quoted strings of a shell-form argument text (single-line parts only)."""
    text = ins.text
    if '"' not in text and "'" not in text:
        return
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch in "'\"":
            j = i + 1
            while j < n and text[j] != ch:
                j += 2 if (text[j] == "\\" and ch == '"') else 1
            p.add(ins.range_of(i, min(j + 1, n)), "string")
            i = j + 1
            continue
        i += 1


def _flags(p: _Painter, ins: Instruction, stage_names: dict[str, int]) -> None:
    for flag in ins.flags:
        r = flag.range
        if r.start.line == r.end.line:
            p.span(r.start.line, r.start.character, r.start.character + 2 + utf16_len(flag.name), "parameter")
        vr = flag.value_range
        if vr is None or vr.start.line != vr.end.line:
            continue
        line = p.doc.lines[vr.start.line]
        s, e = index_of_utf16(line, vr.start.character), index_of_utf16(line, vr.end.character)
        value = line[s:e]
        if flag.name == "mount" or (flag.name in ("secret", "network", "security") and "=" in value):
            pos = s
            for part in value.split(","):
                key, sep, val = part.partition("=")
                k0 = pos + len(key) - len(key.lstrip(" \"'"))
                if sep:
                    p.span(vr.start.line, utf16_col(line, k0), utf16_col(line, pos + len(key)), "property")
                    v0 = pos + len(key) + 1
                    p.span(vr.start.line, utf16_col(line, v0), utf16_col(line, pos + len(part)), "string")
                pos += len(part) + 1
        else:
            p.add(vr, "string")


def _heredocs(p: _Painter, ins: Instruction, target: Instruction) -> None:
    doc = p.doc
    for m in _HEREDOC_MARK.finditer(ins.text):
        if m.group(2) in {h.name for h in target.heredocs}:
            p.add(ins.range_of(m.start(), m.end()), "label")
    for h in target.heredocs:
        first, last = h.range.start.line, h.range.end.line
        body_lines = h.body.count("\n")
        terminator = first + body_lines
        if terminator <= last and terminator < len(doc.lines):
            raw = doc.lines[terminator]
            lead = len(raw) - len(raw.lstrip("\t"))
            p.span(terminator, utf16_col(raw, lead), utf16_len(raw), "label")
        if target.keyword in ("COPY", "ADD"):  # a file's content; RUN bodies are scripts: left to the shell colouring
            for k in range(first, min(first + body_lines, len(doc.lines))):
                p.span(k, 0, utf16_len(doc.lines[k]), "string")


def semantic_tokens(analysis: "Analysis") -> list[Token]:
    """Every token of the analysed document, in document order."""
    from .navigation import STAGE, symbols

    doc = analysis.doc
    p = _Painter(doc)
    for d in doc.directives:
        line = doc.lines[d.range.start.line]
        m = re.match(r"(\s*#\s*)(\w+)(\s*=\s*)(.*?)\s*$", line)
        if m:
            p.span(d.range.start.line, 0, utf16_col(line, m.end(1)), "comment")
            p.span(d.range.start.line, utf16_col(line, m.start(2)), utf16_col(line, m.end(2)), "macro")
            p.span(d.range.start.line, utf16_col(line, m.start(4)), utf16_col(line, m.end(4)), "string")
    directive_lines = {d.range.start.line for d in doc.directives}
    for c in doc.comments:
        if c.line in directive_lines:
            continue
        raw = doc.lines[c.line]
        lead = len(raw) - len(raw.lstrip())
        p.span(c.line, utf16_col(raw, lead), utf16_len(raw), "comment")
    stage_names = {name: st.index for name, st in doc.stage_by_name.items()}
    for ins in doc.instructions:
        p.add(ins.keyword_range, "keyword")
        target = ins
        if ins.keyword == "ONBUILD" and ins.sub is not None:
            target = ins.sub
            p.add(target.keyword_range, "keyword")
        _flags(p, target, stage_names)
        if target.is_json:
            for w in target.args:
                p.add(w.range, "string")
        else:
            _strings(p, target)
        kw = target.keyword
        if kw == "FROM":
            args = target.args
            if args and doc.stage_ref(args[0].text) is None:
                p.add(args[0].range, "type")
            if len(args) >= 3 and args[1].text.lower() == "as":
                p.add(args[1].range, "keyword")
        elif kw == "EXPOSE":
            for w in target.args:
                m = re.match(r"\d+(?:-\d+)?", w.text)
                if m and w.range.start.line == w.range.end.line:
                    p.span(w.range.start.line, w.range.start.character, w.range.start.character + m.end(), "number")
        elif kw == "LABEL":
            for w in target.args:
                key = w.text.split("=", 1)[0]
                if "=" in w.text and w.range.start.line == w.range.end.line and key:
                    p.span(w.range.start.line, w.range.start.character, w.range.start.character + utf16_len(key), "property")
        if target.heredocs:
            _heredocs(p, ins, target)
    # stage names and variables, resolved as navigation resolves them
    sym = symbols(analysis)
    keyword_of_line: dict[int, str] = {}
    for ins in doc.instructions:  # where each ARG/ENV definition sits (one pass, not a search per variable)
        if ins.keyword in ("ARG", "ENV"):
            for n in range(ins.start_line, ins.end_line + 1):
                keyword_of_line[n] = ins.keyword
    for occ in sym.occurrences:
        if occ.kind == STAGE:
            p.add(occ.range, "class", ("declaration",) if occ.is_definition else ())
            continue
        defined_at = occ.range if occ.is_definition else occ.target
        mods: tuple[str, ...] = ("declaration",) if occ.is_definition else ()
        if defined_at is not None:
            kind = keyword_of_line.get(defined_at.start.line, "")
            if kind in ("ARG", "ENV"):
                mods += (kind.lower(),)
        p.add(occ.range, "variable", mods)
    return p.tokens()


def encode(tokens: Iterable[Token]) -> list[int]:
    """The protocol's relative encoding: (Δline, Δstart, length, type, modifier bits) per token."""
    data: list[int] = []
    prev_line = prev_start = 0
    for t in tokens:
        delta_line = t.line - prev_line
        delta_start = t.start - prev_start if delta_line == 0 else t.start
        bits = 0
        for m in t.modifiers:
            bits |= _MOD[m]
        data += [delta_line, delta_start, t.length, _TYPE[t.type], bits]
        prev_line, prev_start = t.line, t.start
    return data


def decode(data: list[int]) -> list[Token]:
    """``encode``'s inverse (for tests and tools)."""
    out: list[Token] = []
    line = start = 0
    for k in range(0, len(data) - 4, 5):
        dl, ds, length, kind, bits = data[k : k + 5]
        line += dl
        start = start + ds if dl == 0 else ds
        out.append(Token(line, start, length, TOKEN_TYPES[kind], tuple(m for i, m in enumerate(TOKEN_MODIFIERS) if bits & (1 << i))))
    return out


def delta(old: list[int], new: list[int]) -> Optional[tuple[int, int, list[int]]]:
    """One edit turning ``old`` into ``new``: (start, delete count, data), or None when equal.

    Cut on whole tokens (multiples of 5), after the common prefix and before the common suffix.
    """
    if old == new:
        return None
    n = min(len(old), len(new))
    pre = 0
    while pre < n and old[pre] == new[pre]:
        pre += 1
    pre -= pre % 5
    suf = 0
    while suf < n - pre and old[len(old) - 1 - suf] == new[len(new) - 1 - suf]:
        suf += 1
    suf -= suf % 5
    return pre, len(old) - pre - suf, new[pre : len(new) - suf]
