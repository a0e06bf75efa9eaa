"""Text -> Dockerfile model, splitting instructions exactly where BuildKit does.

The line handling follows BuildKit's parser (``moby/buildkit/frontend/dockerfile/parser``):
parser directives at the top, comments anywhere (also inside continuations), the escape
character's line continuation, empty continuation lines, and heredocs for RUN/COPY/ADD,
whose bodies run until a line equal to the terminator. Nothing here raises: text that is
not a valid Dockerfile still gives a model, with ``Problem`` entries saying what is wrong.
"""

from __future__ import annotations

import json
import re
import weakref
from typing import Optional

from . import lone_cr
from .words import split_words, unterminated
from .model import (
    LineMap,
    Comment,
    Directive,
    Dockerfile,
    Heredoc,
    Instruction,
    Pos,
    Problem,
    Range,
    Stage,
    utf16_col,
    utf16_len,
)

KEYWORDS = frozenset(
    "ADD ARG CMD COPY ENTRYPOINT ENV EXPOSE FROM HEALTHCHECK LABEL MAINTAINER ONBUILD RUN SHELL "
    "STOPSIGNAL USER VOLUME WORKDIR".split()
)
HEREDOC_KEYWORDS = frozenset(("RUN", "COPY", "ADD"))
JSON_KEYWORDS = frozenset(("RUN", "CMD", "ENTRYPOINT", "COPY", "ADD", "VOLUME", "SHELL"))

_DIRECTIVE = re.compile(r"^#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*$")  # Go regexp: \s is [\t\n\f\r ]
_KNOWN_DIRECTIVES = frozenset(("syntax", "escape", "check"))
_NOT_GO_SPACE = "\x1c\x1d\x1e\x1f"  # str.isspace() says yes, Go's unicode.IsSpace says no
_HEREDOC_WORD = re.compile(r"^(\d*)<<(-?)([^<]*)$")
_WS = " \t\v\f\r"
# Go's unicode.IsSpace: what BuildKit trims around lines and values (NEL, NBSP, U+2028, U+3000...),
# while it splits keywords and flags on ASCII whitespace only (_WS).
_SPACE = " \t\n\v\f\r\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def _is_comment(raw: str) -> bool:
    return raw.lstrip(_SPACE).startswith("#")




def _split_flags(text: str) -> tuple[list[tuple[str, int, int]], int]:
    """Leading ``--flag[=value]`` words, and the offset where the arguments start."""
    flags: list[tuple[str, int, int]] = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in _WS:
            i += 1
        if not text.startswith("--", i):
            return flags, i
        start = i
        quote = ""
        while i < n and (quote or text[i] not in _WS):
            if quote:
                if text[i] == quote:
                    quote = ""
            elif text[i] in "'\"":
                quote = text[i]
            i += 1
        word = text[start:i]
        if word == "--":
            return flags, i
        flags.append((word, start, i))


def _json_array(text: str) -> Optional[list[str]]:
    stripped = text.strip()
    if not stripped.startswith("["):
        return None
    try:
        value = json.loads(stripped)
    except (ValueError, RecursionError):
        return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def _heredocs_in(line: str) -> list[tuple[str, bool, bool]]:
    """(name, strip_tabs, expand) for each heredoc redirection on a RUN/COPY/ADD line."""
    docs = []
    if ("'" in line or '"' in line or "${" in line) and unterminated(line):
        return docs
    if not line.isascii():
        # BuildKit's shell lexer separates words at any Unicode space (NBSP, NEL...).
        line = "".join(" " if ch.isspace() and ch not in _NOT_GO_SPACE else ch for ch in line)
    for raw_word in _raw_words(line):
        m = _HEREDOC_WORD.match(raw_word)
        if not m or not m.group(3):
            continue
        rest = m.group(3)
        words = split_words(rest)
        if len(words) != 1:
            continue
        name = words[0][0]
        if not name:
            continue
        docs.append((name, m.group(2) == "-", not any(q in rest for q in "'\"")))
    return docs


def _raw_words(text: str) -> list[str]:
    """Words with their quotes kept, as BuildKit's raw-quote lexer sees them."""
    return [text[s:e] for _, s, e in split_words(text)]


class _Parser:
    def __init__(self, text: str, previous: Optional[Dockerfile] = None) -> None:
        if text.startswith("\ufeff"):
            text = text[1:]
        self.text = text
        self.lines = [ln.rstrip("\r") for ln in text.split("\n")]  # BuildKit trims every CR before a LF
        self.escape = "\\"
        self.directives: list[Directive] = []
        self.comments: list[Comment] = []
        self.instructions: list[Instruction] = []
        self.problems: list[Problem] = []
        self.stage_count = 0
        self.previous = previous
        self._reuse: Optional[dict[tuple[str, int], Instruction]] = None
        self._reuse_any: dict[str, Instruction] = {}

    # -- directives -------------------------------------------------------------------------
    def read_directives(self) -> None:
        seen: set[str] = set()
        for n, raw in enumerate(self.lines):
            m = _DIRECTIVE.match(raw.lstrip(_SPACE))
            if not m:
                return
            name, value = m.group(1).lower(), m.group(2)
            if name not in _KNOWN_DIRECTIVES:
                return
            rng = Range.of(n, 0, n, utf16_len(raw))
            if name in seen:
                self.problems.append(Problem(f"only one {name} parser directive can be used", rng))
                continue
            seen.add(name)
            if name == "escape":
                if value not in ("\\", "`"):
                    self.problems.append(Problem(f"invalid escape token '{value}' does not match ` or \\", rng))
                else:
                    self.escape = value
            self.directives.append(Directive(name, value, rng))

    # -- instructions -----------------------------------------------------------------------
    def trim_continuation(self, s: str) -> tuple[str, bool]:
        body = s.rstrip(" \t")
        # BuildKit: `([^E]|^)E[ \t]*$`, so an escaped escape (`\\`) at the end is no continuation.
        if body.endswith(self.escape) and not body.endswith(self.escape * 2):
            return body[:-1], False
        return s, True

    def run(self) -> Dockerfile:
        self.read_directives()
        lines, n, i = self.lines, len(self.lines), 0
        last = n - 1 if lines[-1] == "" else n  # the "" after a final newline is not a line
        while i < n:
            raw = lines[i]
            if _is_comment(raw):
                self.add_comment(i, raw)
                i += 1
                continue
            stripped = raw.lstrip(_SPACE)
            first, is_end = self.trim_continuation(stripped)
            if is_end and not first.strip(_SPACE):
                i += 1
                continue
            lm = LineMap()
            lm.add(0, i, len(raw) - len(stripped), raw)
            parts = [first]  # joined once at the end: `+=` on a long string copies it every line
            size = len(first)
            start_line = i
            i += 1
            while not is_end and i < last:
                raw = lines[i]
                if _is_comment(raw):
                    self.add_comment(i, raw)
                    i += 1
                    continue
                if not raw.strip(_SPACE):
                    i += 1
                    continue
                cont, is_end = self.trim_continuation(raw)
                lm.add(size, i, 0, raw)
                parts.append(cont)
                size += len(cont)
                i += 1
            logical = "".join(parts) if len(parts) > 1 else first
            end_line = i - 1
            if not is_end:
                self.problems.append(
                    Problem("the file ends inside a line continuation", Range.of(end_line, 0, end_line, utf16_len(lines[end_line])), "warning")
                )
            i = self.make_instruction(logical, lm, start_line, end_line, i)
        return self.build()

    def add_comment(self, line: int, raw: str) -> None:
        body = raw.lstrip(_SPACE)[1:].strip()
        self.comments.append(Comment(body, line, Range.of(line, 0, line, utf16_len(raw))))

    def reusable(self, key: str, first: int) -> Optional[Instruction]:
        """An instruction of the previous version with exactly these lines (escape unchanged),
        preferably one that started on the same line."""
        prev = self.previous
        if prev is None or prev.escape != self.escape:
            return None
        if self._reuse is None:
            self._reuse = {(ins._key, ins._first): ins for ins in prev.instructions if ins._key}
            self._reuse_any = {ins._key: ins for ins in prev.instructions if ins._key}
        return self._reuse.get((key, first)) or self._reuse_any.get(key)

    def make_instruction(self, logical: str, lm: LineMap, start_line: int, end_line: int, i: int) -> int:
        key = ""
        if "<<" not in logical:
            key = "\n".join(self.lines[start_line : end_line + 1])
            old = self.reusable(key, start_line) if self.previous is not None else None
            if old is not None:
                if old.keyword == "FROM":
                    self.stage_count += 1
                ins = _shift(old, start_line - old._first, self.stage_count - 1)
                self.check(ins)
                self.instructions.append(ins)
                return i
        heredocs: list[Heredoc] = []
        head = self.split_head(logical, 0)
        keyword = head[0]
        doc_head = self.split_head(logical, head[4]) if keyword == "ONBUILD" else head  # ONBUILD RUN <<EOF too
        if doc_head[0] in HEREDOC_KEYWORDS and "<<" in logical and _json_array(doc_head[3]) is None:
            for name, strip_tabs, expand in _heredocs_in(logical[doc_head[2]:]):
                body_start = i
                body: list[str] = []
                terminated = False
                while i < len(self.lines):
                    raw = self.lines[i]
                    i += 1
                    candidate = raw.lstrip("\t") if strip_tabs else raw
                    if candidate == name:
                        terminated = True
                        break
                    body.append(raw + "\n")
                last = max(i - 1, body_start)
                end_line = max(end_line, i - 1)
                last_text = self.lines[last] if last < len(self.lines) else ""
                rng = Range.of(body_start, 0, last, utf16_len(last_text))
                if body_start >= len(self.lines):  # the file ended before this heredoc's body
                    eof = Pos(len(self.lines) - 1, utf16_len(self.lines[-1]))
                    rng = Range(eof, eof)
                if not terminated:
                    self.problems.append(Problem(f"unterminated heredoc: no line '{name}' ends it", rng))
                heredocs.append(Heredoc(name, "".join(body), strip_tabs, expand, rng))
        end_text = self.lines[end_line] if end_line < len(self.lines) else ""
        if keyword == "FROM":
            self.stage_count += 1
        ins = self.build_instruction(logical, lm, 0, head, tuple(heredocs), Pos(end_line, utf16_len(end_text)), self.stage_count - 1)
        if key:
            object.__setattr__(ins, "_key", key)
            object.__setattr__(ins, "_first", start_line)
        self.check(ins)
        self.instructions.append(ins)
        return i

    @staticmethod
    def split_head(logical: str, offset: int) -> tuple[str, int, int, str, int]:
        """(KEYWORD, keyword start, keyword end, rest after the keyword, rest start)."""
        n = len(logical)
        k0 = offset
        while k0 < n and logical[k0] in _WS:
            k0 += 1
        k1 = k0
        while k1 < n and logical[k1] not in _WS:
            k1 += 1
        return logical[k0:k1].upper(), k0, k1, logical[k1:], k1

    def build_instruction(
        self,
        logical: str,
        lm: LineMap,
        offset: int,
        head: Optional[tuple] = None,
        heredocs: tuple = (),
        end: Optional[Pos] = None,
        stage_index: int = -1,
    ) -> Instruction:
        """Parse ``logical[offset:]`` (keyword, flags, arguments) into an instruction."""
        keyword, k0, k1, rest, rest_start = head or self.split_head(logical, offset)
        if rest.lstrip(_WS).startswith("--"):
            flag_words, args_rel = _split_flags(rest)
            flags = tuple((w, s + rest_start, e + rest_start) for w, s, e in flag_words)
        else:
            flags, args_rel = (), len(rest) - len(rest.lstrip(_WS))
        args_start = rest_start + args_rel
        text = logical[args_start:].rstrip(_SPACE)
        sub = None
        is_json = False
        if keyword == "ONBUILD" and text:
            # the trigger's heredocs belong to it (BuildKit reports none on ONBUILD itself)
            sub = self.build_instruction(logical, lm, args_start, heredocs=heredocs, stage_index=stage_index)
            heredocs = ()
        elif keyword in JSON_KEYWORDS and text[:1] == "[" and _json_array(text) is not None:
            is_json = True
        kr = lm.range(k0, k1)
        # An instruction starts on its first line, even when that line is only a continuation (`\`).
        start = Pos(lm.lines[0], utf16_col(lm.raws[0], lm.chars[0])) if offset == 0 and lm.lines and lm.lines[0] < kr.start.line else kr.start
        return Instruction(
            keyword=keyword,
            keyword_range=kr,
            text=text,
            is_json=is_json,
            heredocs=heredocs,
            range=Range(start, end if end is not None else lm.end_pos(max(k1, len(logical)))),
            stage_index=stage_index,
            sub=sub,
            _flag_spans=flags,
            _text_offset=args_start,
            _map=lm,
        )

    def check(self, ins: Instruction) -> None:
        if ins.keyword not in KEYWORDS:
            self.problems.append(Problem(f"unknown instruction: {ins.keyword or '(empty)'}", ins.keyword_range))
        elif not ins.text and not ins.heredocs:
            self.problems.append(Problem(f"{ins.keyword} requires at least one argument", ins.keyword_range))
        elif ins.keyword == "ONBUILD" and ins.sub is not None and ins.sub.keyword in ("ONBUILD", "FROM", "MAINTAINER"):
            self.problems.append(Problem(f"{ins.sub.keyword} isn't allowed as an ONBUILD trigger", ins.sub.keyword_range))

    # -- stages -----------------------------------------------------------------------------
    def build(self) -> Dockerfile:
        stages: list[Stage] = []
        global_args: list[Instruction] = []
        current: list[Instruction] = []
        instructions: list[Instruction] = []
        names: dict[str, int] = {}

        def close() -> None:
            if not current:
                return
            frm = current[0]
            idx = len(stages)
            image_word = frm.args[0] if frm.args else None
            name_word = None
            if len(frm.args) >= 3 and frm.args[1].text.lower() == "as":
                name_word = frm.args[2]
            elif len(frm.args) == 2 or len(frm.args) > 3 or (len(frm.args) == 3 and frm.args[1].text.lower() != "as"):
                self.problems.append(Problem("FROM takes an image and an optional 'AS name'", frm.range))
            name = name_word.text.lower() if name_word else None
            base = image_word.text if image_word else ""
            base_stage = names.get(base.lower())
            if name is not None:
                if not re.fullmatch(r"[a-z][a-z0-9_.-]*", name):
                    self.problems.append(Problem(f"invalid stage name '{name_word.text}'", name_word.range))  # type: ignore[union-attr]
                if name not in names:
                    names[name] = idx
            platform = frm.flag("platform")
            rng = Range(frm.range.start, current[-1].range.end)
            stages.append(
                Stage(
                    index=idx,
                    name=name,
                    name_word=name_word,
                    base=base,
                    base_word=image_word,
                    base_stage=base_stage,
                    platform=platform.value if platform else None,
                    instructions=tuple(current),
                    range=rng,
                )
            )

        for ins in self.instructions:
            if ins.keyword == "FROM":
                close()
                current = []
            if ins.keyword != "FROM" and not stages and not current:
                if ins.keyword != "ARG" and ins.keyword in KEYWORDS:
                    self.problems.append(Problem(f"{ins.keyword} comes before the first FROM", ins.keyword_range))
                global_args.append(ins)
            else:
                current.append(ins)
            instructions.append(ins)
        close()
        if not stages and self.instructions:
            last = self.instructions[-1].range.end
            self.problems.append(Problem("no FROM instruction: a Dockerfile needs at least one stage", Range(last, last), "error"))
        return Dockerfile(
            text=self.text,
            lines=tuple(self.lines),
            escape=self.escape,
            directives=tuple(self.directives),
            comments=tuple(self.comments),
            instructions=tuple(instructions),
            global_args=tuple(global_args),
            stages=tuple(stages),
            problems=tuple(self.problems),
        )


def _shift_range(r: Range, delta: int) -> Range:
    return Range(Pos(r.start.line + delta, r.start.character), Pos(r.end.line + delta, r.end.character))


def _shift(ins: Instruction, delta: int, stage_index: int) -> Instruction:
    """``ins`` moved ``delta`` lines (the same object when nothing moved)."""
    if delta == 0 and ins.stage_index == stage_index:
        return ins
    lm = ins._map
    if lm is not None and delta:
        moved = LineMap()
        moved.starts, moved.chars, moved.raws, moved.single = lm.starts, lm.chars, lm.raws, lm.single
        moved.lines = [line + delta for line in lm.lines]
        lm = moved
    return Instruction(
        keyword=ins.keyword,
        keyword_range=_shift_range(ins.keyword_range, delta),
        text=ins.text,
        is_json=ins.is_json,
        heredocs=ins.heredocs,
        range=_shift_range(ins.range, delta),
        stage_index=stage_index,
        sub=_shift(ins.sub, delta, stage_index) if ins.sub is not None else None,
        _flag_spans=ins._flag_spans,
        _text_offset=ins._text_offset,
        _map=lm,
        _key=ins._key,
        _first=ins._first + delta,
        _origin=weakref.ref(ins),
    )


def parse(text: str, previous: Optional[Dockerfile] = None) -> Dockerfile:
    """Parse ``text`` into a Dockerfile model. Never raises.

    ``previous``, the model of an earlier version of the same document, lets unchanged
    instructions be reused instead of parsed again (the language server passes it).
    """
    try:
        doc = _Parser(text, previous).run()
        if lone_cr.needed(text):  # positions as an LSP client counts lines (a lone CR ends one)
            doc = lone_cr.remap(doc, text)
        return doc
    except RecursionError:  # pragma: no cover - defensive: deeply nested JSON
        return _Parser("").run()


def decode(data: bytes) -> tuple[str, Optional[str]]:
    """Bytes -> text for parsing, and a note when the bytes were not valid UTF-8 or look binary."""
    note = None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8", errors="replace")
        note = f"not valid UTF-8 (first bad byte at offset {exc.start}); undecodable bytes shown as U+FFFD"
    if "\x00" in text[:8192]:
        note = "looks like a binary file (contains NUL bytes)"
    return text, note
