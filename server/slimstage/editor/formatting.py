"""Dockerfile formatting that never changes what BuildKit parses.

What changes: instruction keywords are upper-cased (``ONBUILD``'s trigger too), the
instruction starts at column 0 with one space after the keyword, continuation lines are
indented by ``indent`` spaces (the shallowest one; deeper lines keep their extra depth, so
nested ``if``/``fi`` blocks stay nested, tabs counted as ``indent`` columns), trailing whitespace is removed (after a line-continuation
escape as well), whitespace-only lines become empty and, when ``split_and_chains`` is on,
every ``&&`` of a shell-form RUN that has a command after it on the same line ends that
line (``cmd1 && \\`` / ``    cmd2``; a line that starts with ``&&`` keeps it there).

What never changes: parser directives (``# syntax=``, ``# escape=``, ``# check=``), comment
text, heredoc bodies and terminators (not even trailing whitespace), JSON-form arguments,
blank-line layout, line endings, and every character that BuildKit keeps in a value.
The argument text before a continuation escape is kept byte for byte (a space added
there would land inside the joined line); a continuation line is re-indented only where
its leading whitespace separates two words (outside quotes, not after a backslash) or
where the previous line already ends with a word separator. Files with ``# escape=```
(Windows shells with other quoting rules) get keywords and trailing whitespace only.

So for BuildKit (the PyPI ``dockerfile`` package, tested on every corpus file) the
instructions, flags, JSON values, heredocs and every non-shell value stay identical; a
shell-form command (RUN, CMD, ENTRYPOINT, HEALTHCHECK CMD) may differ only in the
whitespace between shell words, which ``/bin/sh -c`` does not see. ``format`` is
idempotent: ``format(format(x)) == format(x)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, Optional

from ..dockerfile.model import utf16_len
from ..dockerfile.parse import KEYWORDS, parse

_WS = " \t\v\f\r"
_LINE_WS = " \t"
# BuildKit trims these around a line (Go's unicode.IsSpace); kept in step with dockerfile/parse.py
_SPACE = " \t\n\v\f\r\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


@dataclass(frozen=True)
class FormatOptions:
    indent: int = 4
    split_and_chains: bool = False


MAX_INDENT = 16  # a larger setting is clamped: a typo must not write megabytes of spaces


def options_from(settings) -> FormatOptions:
    """The formatting options of a ``Settings`` (its ``format`` group)."""
    fmt = settings.format
    return FormatOptions(indent=max(0, min(int(fmt.indent), MAX_INDENT)), split_and_chains=bool(fmt.split_and_chains))


@dataclass(frozen=True)
class LineEdit:
    """Replace physical lines ``start`` .. ``end`` (inclusive) by ``lines`` (without line ends)."""

    start: int
    end: int
    lines: tuple[str, ...]


# -- scanning -------------------------------------------------------------------------------


@dataclass
class _Piece:
    line: int  # document line
    kind: str  # "first", "cont", "comment", "blank"
    raw: str  # the line without its line end
    text: str = ""  # for first/cont: the line without the continuation escape (and what follows it)
    continued: bool = False  # ended by a continuation escape
    # state of the joined line where this piece starts
    in_quote: bool = False
    escaped: bool = False
    boundary: bool = True  # the joined line before it ends with an unquoted, unescaped separator
    splits: tuple[int, ...] = ()  # offsets in ``text`` just after a top-level ``&&`` to break at


def _trim_continuation(s: str, escape: str) -> tuple[str, bool]:
    """(text before the escape, continued?) as BuildKit's ``([^E]|^)E[ \\t]*$``."""
    body = s.rstrip(_LINE_WS)
    if body.endswith(escape) and not body.endswith(escape * 2):
        return body[:-1], True
    return s, False


def _is_comment(raw: str) -> bool:
    return raw.lstrip(_SPACE).startswith("#")


_SHELL_SPECIAL = re.compile(r"['\"`\\\\()#&]")


class _Shell:
    """Quote, escape and nesting state across the pieces of one joined line."""

    def __init__(self) -> None:
        self.quote = ""
        self.escaped = False
        self.depth = 0
        self.commented = False
        self.broken = False  # unbalanced nesting: give up on splitting
        self.sep = True  # the last character seen was an unquoted, unescaped separator

    def feed(self, text: str, start: int, want_splits: bool) -> list[int]:
        if not (self.quote or self.escaped) and not _SHELL_SPECIAL.search(text, start):
            if len(text) > start:  # plain words and blanks: only the last character matters
                self.sep = text[-1] in _WS
            return []
        splits: list[int] = []
        i, n = start, len(text)
        while i < n:
            ch = text[i]
            if self.escaped:
                self.escaped = False
                self.sep = False
            elif self.quote:
                if ch == self.quote:
                    self.quote = ""
                elif ch == "\\" and self.quote == '"':
                    self.escaped = True
                self.sep = False
            elif ch == "\\":
                self.escaped = True
                self.sep = False
            elif ch in "'\"`":
                self.quote = ch
                self.sep = False
            elif ch in _WS:
                self.sep = True
            else:
                if ch == "#" and self.sep:
                    self.commented = True
                elif ch == "(":
                    self.depth += 1
                elif ch == ")":
                    self.depth -= 1
                    if self.depth < 0:
                        self.broken = True
                elif (
                    ch == "&"
                    and want_splits
                    and not self.commented
                    and not self.broken
                    and self.depth == 0
                    and text.startswith("&&", i)
                    and not text.startswith("&&&", i)
                ):
                    # a line may lead with ``&&`` (that style is one command per line already)
                    if text[i + 2 :].strip(_WS) and text[start:i].strip(_WS):
                        splits.append(i + 2)
                    i += 2
                    self.sep = False
                    continue
                self.sep = False
            i += 1
        return splits


def _blocks(lines: list[str], doc) -> Iterator[tuple[object, list[_Piece], int]]:
    """For each instruction: (instruction, its own lines as pieces, its last line incl. heredocs)."""
    n = len(lines)
    last = n - 1 if lines and lines[-1] == "" else n
    for ins in doc.instructions:
        start = ins.range.start.line
        if start >= n:
            continue
        escape = doc.escape
        pieces: list[_Piece] = []
        text, continued = _trim_continuation(lines[start].lstrip(_SPACE), escape)
        pieces.append(_Piece(start, "first", lines[start], text, continued))
        i = start + 1
        while continued and i < last:
            raw = lines[i]
            if _is_comment(raw):
                pieces.append(_Piece(i, "comment", raw))
            elif not raw.strip(_SPACE):
                pieces.append(_Piece(i, "blank", raw))
            else:
                text, continued = _trim_continuation(raw, escape)
                pieces.append(_Piece(i, "cont", raw, text, continued))
            i += 1
        yield ins, pieces, max(ins.range.end.line, i - 1)


def _analyse(ins, pieces: list[_Piece], escape: str, options: FormatOptions) -> None:
    """Fill in the joined-line state at each piece and where ``&&`` chains break."""
    want = (
        options.split_and_chains
        and ins.keyword == "RUN"
        and not ins.is_json
        and not ins.heredocs
        and escape == "\\"
        and "<<" not in ins.text
    )
    sh = _Shell()
    for p in pieces:
        if p.kind not in ("first", "cont"):
            continue
        p.in_quote, p.escaped, p.boundary = bool(sh.quote), sh.escaped, sh.sep
        p.splits = tuple(sh.feed(p.text, 0, want))


# -- rendering -------------------------------------------------------------------------------


def _first_line(text: str) -> str:
    """``  run   apt-get`` -> ``RUN apt-get``: keyword (and ONBUILD's trigger) upper-cased, one space after."""
    body = text.lstrip(_SPACE)
    k = 0
    while k < len(body) and body[k] not in _WS:
        k += 1
    keyword, rest = body[:k], body[k:]
    up = keyword.upper()
    if up in KEYWORDS:
        keyword = up
    if not rest:
        return keyword
    args = rest.lstrip(_WS)
    if not args:
        return keyword + " "  # only the separator before a continuation escape
    if up == "ONBUILD":
        args = _first_line(args)
    return keyword + " " + args


# BuildKit splits these values into words (shell words for the shell forms): whitespace
# between words is not part of any value. Others (WORKDIR, USER, MAINTAINER, legacy
# ``ENV KEY value``...) keep the joined text whole, so their continuation lines stay as written.
_WORDS = frozenset(("RUN", "CMD", "ENTRYPOINT", "HEALTHCHECK", "FROM", "COPY", "ADD", "EXPOSE", "VOLUME", "ARG"))


def _reindentable(ins) -> bool:
    target = ins.sub if ins.keyword == "ONBUILD" and ins.sub is not None else ins
    if target.is_json:
        return False
    if target.keyword in _WORDS:
        return True
    if target.keyword in ("ENV", "LABEL"):
        first = target.text.split(None, 1)[0] if target.text.strip() else ""
        return "=" in first  # KEY=value pairs; ``ENV KEY value`` keeps its value whole
    return False


def _render(ins, pieces: list[_Piece], escape: str, options: FormatOptions) -> list[str]:
    out: list[str] = []
    pad = " " * options.indent
    keep = escape != "\\" or not _reindentable(ins)
    tab = options.indent or 4

    def lead_of(p: _Piece) -> str:
        return p.raw[: len(p.raw) - len(p.raw.lstrip(_LINE_WS))]

    def movable(p: _Piece) -> bool:
        lead_ws = lead_of(p)
        return not (keep or p.in_quote or p.escaped or not (lead_ws or p.boundary) or (not p.boundary and options.indent == 0))

    # The shallowest continuation line moves to ``indent``; deeper ones keep their extra depth
    # (nested ``if``/``fi`` blocks stay nested), tabs counted as ``indent`` columns.
    widths = [len(lead_of(p).expandtabs(tab)) for p in pieces if p.kind == "cont" and movable(p)]
    base = min(widths) if widths else 0

    for p in pieces:
        if p.kind == "comment":
            out.append(p.raw.rstrip(_LINE_WS))
            continue
        if p.kind == "blank":
            out.append("")
            continue
        if p.kind == "first":
            head = _first_line(p.text[: p.splits[0]] if p.splits else p.text)
            segments = [head] + _segments(p.text, p.splits)[1:]
            lead = ""
        else:
            lead_ws = lead_of(p)
            content = p.text[len(lead_ws) :]
            lead = pad + " " * (len(lead_ws.expandtabs(tab)) - base) if movable(p) else lead_ws
            segments = [content[: p.splits[0] - len(lead_ws)]] + _segments(p.text, p.splits)[1:] if p.splits else [content]
        for j, seg in enumerate(segments):
            last = j == len(segments) - 1
            if not last:
                out.append((lead if j == 0 else pad) + seg + " " + escape)
            elif p.continued:
                out.append((lead if j == 0 else pad) + seg + escape)
            else:
                out.append(((lead if j == 0 else pad) + seg).rstrip(_LINE_WS))
    return out


def _segments(text: str, splits: tuple[int, ...]) -> list[str]:
    """``text`` cut after each split offset; every later segment without its leading blanks."""
    out, prev = [], 0
    for s in splits:
        out.append(text[prev:s])
        prev = s
    out.append(text[prev:])
    return [out[0]] + [seg.lstrip(_WS) for seg in out[1:]]


# -- entry points ----------------------------------------------------------------------------


def _split_lines(text: str) -> tuple[str, list[str], list[str]]:
    """(BOM, lines without their ends, the ends) -- lines split as the parser splits them."""
    bom = ""
    if text.startswith("\ufeff"):
        bom, text = "\ufeff", text[1:]
    raws = text.split("\n")
    lines, ends = [], []
    for k, raw in enumerate(raws):
        body = raw.rstrip("\r")
        lines.append(body)
        ends.append(raw[len(body) :] + ("\n" if k < len(raws) - 1 else ""))
    return bom, lines, ends


def line_edits(text: str, options: FormatOptions = FormatOptions(), first: int = 0, last: Optional[int] = None, doc=None) -> list[LineEdit]:
    """The changes that format ``text``, limited to instructions and lines touching ``first`` .. ``last``.

    ``doc`` is the parsed model of ``text`` when the caller has it (else it is parsed here).
    """
    bom, lines, _ = _split_lines(text)
    if doc is None or doc.text != text[len(bom) :]:
        doc = parse(text)
    if last is None:
        last = len(lines)
    escape = doc.escape
    owned = [False] * len(lines)
    for d in doc.directives:
        if d.range.start.line < len(owned):
            owned[d.range.start.line] = True
    edits: list[LineEdit] = []
    for ins, pieces, end in _blocks(lines, doc):
        for k in range(pieces[0].line, min(end, len(lines) - 1) + 1):
            owned[k] = True
        if end < first or pieces[0].line > last:
            continue
        if pieces[0].raw.lstrip(_SPACE).startswith("\ufeff"):
            continue  # a stray U+FEFF: moved to the start of the file it would turn into a byte-order mark
        _analyse(ins, pieces, escape, options)
        new = _render(ins, pieces, escape, options)
        old = [p.raw for p in pieces]
        if new != old:
            edits.append(LineEdit(pieces[0].line, pieces[-1].line, tuple(new)))
    # comments and blank lines between instructions: trailing whitespace only
    for k, raw in enumerate(lines):
        if owned[k] or k < first or k > last:
            continue
        stripped = raw.rstrip(_LINE_WS) if _is_comment(raw) else ("" if not raw.strip(_SPACE) else raw)
        if stripped != raw:
            edits.append(LineEdit(k, k, (stripped,)))
    edits.sort(key=lambda e: e.start)
    return edits


@dataclass(frozen=True)
class TextEdit:
    """Replace from (line, 0) to (end_line, end_character) by ``new_text``; columns in UTF-16 units."""

    line: int
    end_line: int
    end_character: int
    new_text: str


def text_edits(text: str, options: FormatOptions = FormatOptions(), first: int = 0, last: Optional[int] = None, doc=None) -> list[TextEdit]:
    """``line_edits`` as text replacements, new lines ending as the file's lines end."""
    _, lines, ends = _split_lines(text)
    newline = next((e for e in ends if e), "\n")
    return [
        TextEdit(e.start, e.end, utf16_len(lines[e.end]), newline.join(e.lines))
        for e in line_edits(text, options, first, last, doc)
    ]


def apply(text: str, edits: list[LineEdit]) -> str:
    bom, lines, ends = _split_lines(text)
    default_end = next((e for e in ends if e), "\n")
    out: list[str] = []
    k = 0
    for e in edits:
        while k < e.start:
            out.append(lines[k] + ends[k])
            k += 1
        end_of_block = ends[e.end] or ""
        inner = ends[e.start] if ends[e.start] else default_end
        for j, line in enumerate(e.lines):
            out.append(line + (end_of_block if j == len(e.lines) - 1 else inner))
        k = e.end + 1
    while k < len(lines):
        out.append(lines[k] + ends[k])
        k += 1
    return bom + "".join(out)


def format_text(text: str, options: FormatOptions = FormatOptions()) -> str:
    """``text`` formatted (unchanged when there is nothing to do)."""
    return apply(text, line_edits(text, options))


def newline_indent(text: str, line: int, options: FormatOptions = FormatOptions()) -> Optional[str]:
    """After Enter on ``line - 1``: the indentation the new ``line`` should get, or None.

    Only when the line above continues an instruction (ends with the escape) outside a
    quoted string, so typing inside a multi-line string is left alone.
    """
    bom, lines, _ = _split_lines(text)
    if line <= 0 or line >= len(lines):
        return None
    doc = parse(text)
    above = line - 1
    for ins, pieces, _end in _blocks(lines, doc):
        if not pieces[0].line <= above <= pieces[-1].line:
            continue
        _analyse(ins, pieces, doc.escape, FormatOptions(options.indent, False))
        ended = [p for p in pieces if p.kind in ("first", "cont") and p.line <= above]
        if not ended or not ended[-1].continued:
            return None
        sh = _Shell()  # the joined line's state where the new line starts
        for p in ended:
            sh.feed(p.text, 0, False)
        if sh.quote or sh.escaped:
            return None  # inside a quoted string: its whitespace is part of the value
        if doc.escape != "\\":
            return None
        return " " * options.indent
    return None
