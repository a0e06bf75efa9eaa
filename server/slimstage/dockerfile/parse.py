"""Text -> Dockerfile model, splitting instructions exactly where BuildKit does.

The line handling follows BuildKit's parser (``moby/buildkit/frontend/dockerfile/parser``):
parser directives at the top, comments anywhere (also inside continuations), the escape
character's line continuation, empty continuation lines, and heredocs for RUN/COPY/ADD,
whose bodies run until a line equal to the terminator. Nothing here raises: text that is
not a valid Dockerfile still gives a model, with ``Problem`` entries saying what is wrong.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Optional

from .model import (
    Comment,
    Directive,
    Dockerfile,
    Flag,
    Heredoc,
    Instruction,
    Pos,
    Problem,
    Range,
    Stage,
    Word,
    utf16_col,
    utf16_len,
)

KEYWORDS = frozenset(
    "ADD ARG CMD COPY ENTRYPOINT ENV EXPOSE FROM HEALTHCHECK LABEL MAINTAINER ONBUILD RUN SHELL "
    "STOPSIGNAL USER VOLUME WORKDIR".split()
)
HEREDOC_KEYWORDS = frozenset(("RUN", "COPY", "ADD"))
JSON_KEYWORDS = frozenset(("RUN", "CMD", "ENTRYPOINT", "COPY", "ADD", "VOLUME", "SHELL"))
NO_ARGS_OK = frozenset()  # every instruction needs arguments

_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")
_KNOWN_DIRECTIVES = frozenset(("syntax", "escape", "check"))
_HEREDOC_WORD = re.compile(r"^(\d*)<<(-?)([^<]*)$")
_WS = " \t\v\f\r"


class _LineMap:
    """Maps offsets in a logical (continuation-joined) line to document positions."""

    __slots__ = ("starts", "segs", "raws")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.segs: list[tuple[int, int, int]] = []  # (logical offset, line, char index)
        self.raws: list[str] = []

    def add(self, offset: int, line: int, char: int, raw: str) -> None:
        self.starts.append(offset)
        self.segs.append((offset, line, char))
        self.raws.append(raw)

    def pos(self, offset: int) -> Pos:
        starts = self.starts
        i = len(starts) - 1
        while i > 0 and starts[i] > offset:
            i -= 1
        start, line, char = self.segs[i]
        raw = self.raws[i]
        idx = min(char + offset - start, len(raw))
        return Pos(line, utf16_col(raw, idx))

    def end_pos(self, offset: int) -> Pos:
        """Position just after ``logical[offset - 1]``."""
        if offset <= 0:
            return self.pos(0)
        p = self.pos(offset - 1)
        # One more character; astral characters take two UTF-16 units.
        i = len(self.starts) - 1
        while i > 0 and self.starts[i] > offset - 1:
            i -= 1
        start, _, char = self.segs[i]
        raw = self.raws[i]
        idx = char + offset - 1 - start
        width = 2 if idx < len(raw) and ord(raw[idx]) > 0xFFFF else 1
        return Pos(p.line, p.character + width)

    def range(self, start: int, end: int) -> Range:
        return Range(self.pos(start), self.end_pos(end) if end > start else self.pos(start))

    def shifted(self, by: int, lines: list[str]) -> tuple[tuple[tuple[int, int, int], ...], tuple[str, ...]]:
        return tuple((o - by, ln, ch) for o, ln, ch in self.segs), tuple(self.raws)


def _is_comment(raw: str) -> bool:
    return raw.lstrip(_WS + "\n").startswith("#")


def _split_words(text: str, base: int = 0) -> list[tuple[str, int, int]]:
    """Whitespace-separated words, quotes kept together (and removed from the word text).

    Returns (unquoted text, start offset, end offset) relative to ``base``.
    """
    out: list[tuple[str, int, int]] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in _WS:
            i += 1
        if i >= n:
            break
        start = i
        buf: list[str] = []
        quote = ""
        while i < n and (quote or text[i] not in _WS):
            ch = text[i]
            if quote:
                if ch == quote:
                    quote = ""
                elif ch == "\\" and quote == '"' and i + 1 < n and text[i + 1] in '"\\$`':
                    i += 1
                    buf.append(text[i])
                else:
                    buf.append(ch)
            elif ch in "'\"":
                quote = ch
            elif ch == "\\" and i + 1 < n:
                i += 1
                buf.append(text[i])
            else:
                buf.append(ch)
            i += 1
        out.append(("".join(buf), base + start, base + i))
    return out


split_words = _split_words


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


def _json_words(text: str, base: int) -> list[tuple[str, int, int]]:
    """Positions of the string items of a JSON array (best effort for escapes)."""
    out: list[tuple[str, int, int]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] == '"':
            start = i
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            end = min(i + 1, n)
            try:
                value = json.loads(text[start:end])
            except ValueError:
                value = text[start + 1 : end - 1]
            out.append((value, base + start, base + end))
            i = end
        else:
            i += 1
    return out


def _heredocs_in(line: str) -> list[tuple[str, bool, bool]]:
    """(name, strip_tabs, expand) for each heredoc redirection on a RUN/COPY/ADD line."""
    docs = []
    for raw_word in _raw_words(line):
        m = _HEREDOC_WORD.match(raw_word)
        if not m or not m.group(3):
            continue
        rest = m.group(3)
        words = _split_words(rest)
        if len(words) != 1:
            continue
        name = words[0][0]
        if not name:
            continue
        docs.append((name, m.group(2) == "-", not any(q in rest for q in "'\"")))
    return docs


def _raw_words(text: str) -> list[str]:
    """Words with their quotes kept, as BuildKit's raw-quote lexer sees them."""
    return [text[s:e] for _, s, e in _split_words(text)]


class _Parser:
    def __init__(self, text: str) -> None:
        if text.startswith("\ufeff"):
            text = text[1:]
        self.text = text
        self.lines = [ln[:-1] if ln.endswith("\r") else ln for ln in text.split("\n")]
        self.escape = "\\"
        self.directives: list[Directive] = []
        self.comments: list[Comment] = []
        self.instructions: list[Instruction] = []
        self.problems: list[Problem] = []

    # -- directives -------------------------------------------------------------------------
    def read_directives(self) -> None:
        seen: set[str] = set()
        for n, raw in enumerate(self.lines):
            m = _DIRECTIVE.match(raw.lstrip(_WS))
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
        if body.endswith(self.escape):
            return body[:-1], False
        return s, True

    def run(self) -> Dockerfile:
        self.read_directives()
        lines, n, i = self.lines, len(self.lines), 0
        while i < n:
            raw = lines[i]
            if _is_comment(raw):
                self.add_comment(i, raw)
                i += 1
                continue
            stripped = raw.lstrip(_WS)
            first, is_end = self.trim_continuation(stripped)
            if is_end and not first.strip(_WS):
                i += 1
                continue
            lm = _LineMap()
            lm.add(0, i, len(raw) - len(stripped), raw)
            logical = first
            start_line = i
            i += 1
            while not is_end and i < n:
                raw = lines[i]
                if _is_comment(raw):
                    self.add_comment(i, raw)
                    i += 1
                    continue
                if not raw.strip(_WS):
                    i += 1
                    continue
                cont, is_end = self.trim_continuation(raw)
                lm.add(len(logical), i, 0, raw)
                logical += cont
                i += 1
            end_line = i - 1
            if not is_end:
                self.problems.append(
                    Problem("the file ends inside a line continuation", Range.of(end_line, 0, end_line, utf16_len(lines[end_line])), "warning")
                )
            i = self.make_instruction(logical, lm, start_line, end_line, i)
        return self.build()

    def add_comment(self, line: int, raw: str) -> None:
        body = raw.lstrip(_WS + "\n")[1:].strip()
        self.comments.append(Comment(body, line, Range.of(line, 0, line, utf16_len(raw))))

    def make_instruction(self, logical: str, lm: _LineMap, start_line: int, end_line: int, i: int) -> int:
        heredocs: list[Heredoc] = []
        ins = self.build_instruction(logical, lm, 0)
        if ins.keyword in HEREDOC_KEYWORDS and not ins.is_json and "<<" in logical:
            for name, strip_tabs, expand in _heredocs_in(logical[ins_offset_after_keyword(logical):]):
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
                if not terminated:
                    self.problems.append(Problem(f"unterminated heredoc: no line '{name}' ends it", rng))
                heredocs.append(Heredoc(name, "".join(body), strip_tabs, expand, rng))
        end_text = self.lines[end_line] if end_line < len(self.lines) else ""
        full = Range(ins.keyword_range.start, Pos(end_line, utf16_len(end_text)))
        ins = _replace(ins, heredocs=tuple(heredocs), range=full)
        self.check(ins)
        self.instructions.append(ins)
        return i

    def build_instruction(self, logical: str, lm: _LineMap, offset: int) -> Instruction:
        """Parse ``logical[offset:]`` (keyword, flags, arguments) into an instruction."""
        n = len(logical)
        k0 = offset
        while k0 < n and logical[k0] in _WS:
            k0 += 1
        k1 = k0
        while k1 < n and logical[k1] not in _WS:
            k1 += 1
        keyword = logical[k0:k1].upper()
        rest_start = k1
        flag_words, args_rel = _split_flags(logical[rest_start:])
        flags = []
        for word, s, e in flag_words:
            name, sep, value = word[2:].partition("=")
            s += rest_start
            e += rest_start
            vr = lm.range(s + 3 + len(name), e) if sep else None
            flags.append(Flag(name.lower(), _unquote(value) if sep else None, lm.range(s, e), vr))
        args_start = rest_start + args_rel
        text = logical[args_start:].rstrip(_WS)
        sub = None
        is_json = False
        if keyword == "ONBUILD" and text:
            sub = self.build_instruction(logical, lm, args_start)
            words = _split_words(text, args_start)
        else:
            arr = _json_array(text) if keyword in JSON_KEYWORDS or keyword == "HEALTHCHECK" else None
            if arr is not None and keyword != "HEALTHCHECK":
                is_json = True
                words = _json_words(text, args_start)
            else:
                words = _split_words(text, args_start)
        segs, raws = lm.shifted(args_start, self.lines)
        return Instruction(
            keyword=keyword,
            keyword_range=lm.range(k0, k1),
            flags=tuple(flags),
            args=tuple(Word(w, lm.range(s, e)) for w, s, e in words),
            text=text,
            is_json=is_json,
            heredocs=(),
            range=lm.range(k0, max(k1, len(logical))),
            stage_index=-1,
            sub=sub,
            _segments=segs,
            _lines=raws,
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
                ins = _replace(ins, stage_index=-1)
                if ins.keyword != "ARG" and ins.keyword in KEYWORDS:
                    self.problems.append(Problem(f"{ins.keyword} comes before the first FROM", ins.keyword_range))
                global_args.append(ins)
            else:
                ins = _replace(ins, stage_index=len(stages))
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


def ins_offset_after_keyword(logical: str) -> int:
    s = logical.lstrip(_WS)
    k = len(logical) - len(s)
    while k < len(logical) and logical[k] not in _WS:
        k += 1
    return k


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _replace(ins: Instruction, **changes: object) -> Instruction:
    return dataclasses.replace(ins, **changes)


def parse(text: str) -> Dockerfile:
    """Parse ``text`` into a Dockerfile model. Never raises."""
    try:
        return _Parser(text).run()
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
