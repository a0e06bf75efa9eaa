"""The simple commands inside a RUN, with their words and where each word is.

A RUN's shell-form text, its exec-form array (and the script of ``sh -c``), and the
heredoc bodies it runs as scripts are split into simple commands at unquoted ``&&``,
``||``, ``;``, ``|``, ``&`` and newlines. Each command keeps its words (quotes removed,
redirections dropped), what was written in front of it (``VAR=value``, ``sudo``, ``env``,
``xargs``...), the directory an earlier ``cd`` in the same RUN moved to, the operator
that follows it, and the offsets of its words, so a rule can point at one word or insert
a flag after it. This is a reading of shell text good enough for package-manager
commands, not a shell: command substitutions and control structures are kept opaque.
"""

from __future__ import annotations

import dataclasses

import posixpath
import re
import weakref
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Optional

from ..dockerfile.model import Heredoc, Instruction, Pos, Range, utf16_col

Locate = Callable[[int, int], Range]

_WS = " \t\r\v\f"
_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_REDIRECT = re.compile(r"^(\d*|&)(>>?|<|>&|<&|>\||<>)(.*)$")
_HEREDOC_REF = re.compile(r"^\d*<<-?(.+)$")
_SHELLS = frozenset(("sh", "bash", "ash", "dash", "zsh", "ksh", "busybox"))
_RESERVED = frozenset(("!", "{", "}", "(", ")", "then", "do", "else", "elif", "if", "while", "until", "fi", "done", "esac", "time"))
_NOT_COMMANDS = frozenset(("case", "for", "select", "function", "in"))
# Words run in front of the real command; the value says how many option words they take.
_WRAPPERS: dict[str, dict[str, int]] = {
    "sudo": {"-u": 1, "-g": 1, "-h": 1, "-p": 1, "-C": 1, "-D": 1, "-r": 1, "-t": 1, "-U": 1},
    "env": {"-u": 1, "-C": 1, "-S": 1},
    "exec": {"-a": 1},
    "nice": {"-n": 1},
    "timeout": {"-s": 1, "-k": 1},
    "xargs": {"-n": 1, "-I": 1, "-P": 1, "-L": 1, "-d": 1, "-a": 1, "-E": 1, "-s": 1},
    "stdbuf": {},
    "nohup": {},
    "command": {},
    "builtin": {},
    "eatmydata": {},
    "chronic": {},
    "gosu": {},
    "su-exec": {},
    "runuser": {"-u": 1, "-g": 1},
}
_TAKES_POSITIONAL = {"timeout": 1, "gosu": 1, "su-exec": 1}


@dataclass(frozen=True)
class Command:
    """One simple shell command inside a RUN."""

    words: tuple[str, ...]  # the command and its arguments, quotes removed, prefixes and redirections left out
    text: str  # the command as written, with what was written in front of it
    start: int  # offset of ``text`` in its source (the RUN text, or a heredoc body); -1 for exec form
    end: int
    spans: tuple[tuple[int, int], ...] = ()  # source offsets of each word; () when not known (exec form, ``sh -c``)
    env: tuple[tuple[str, str], ...] = ()  # VAR=value assignments written in front of the command
    cwd: Optional[str] = ""  # where an earlier ``cd`` in the same RUN moved to: "" none, None unknown
    joiner: str = ""  # the operator after it: "&&", "||", ";", "|", "&", "\n", or "" at the end
    heredoc: int = -1  # index of the heredoc body the command comes from; -1 for the RUN text
    via: str = ""  # "xargs" when its arguments come from stdin, "sh -c" inside a nested script
    _locate: Optional[Locate] = field(default=None, repr=False, compare=False)
    _range: Optional[Range] = field(default=None, repr=False, compare=False)  # for commands without offsets

    @classmethod
    def synthetic(cls, words: tuple[str, ...], text: str = "") -> "Command":
        """A command that is not in any document (to classify words built elsewhere)."""
        return cls(tuple(words), text or " ".join(words), 0, len(text or " ".join(words)))

    @cached_property
    def range(self) -> Range:
        """From the command's first word to its end (the RUN, for exec form and ``sh -c`` scripts)."""
        if self._range is not None or not self.editable:
            return self._range or Range(Pos(0, 0), Pos(0, 0))
        return self._locate(self.spans[0][0], self.end)  # type: ignore[misc]

    @property
    def editable(self) -> bool:
        """Word offsets are known, so an edit can insert or replace text at a word."""
        return bool(self.spans) and self._locate is not None

    def locate(self, start: int, end: int) -> Optional[Range]:
        """Document range of offsets ``start:end`` of the command's source, if offsets are known."""
        if not self.editable:
            return None
        return self._locate(start, end)  # type: ignore[misc]

    @property
    def start_range(self) -> Optional[Range]:
        """Empty range where the command's text starts (before any ``VAR=value`` prefix)."""
        found = self.locate(self.start, self.start + 1)
        return Range(found.start, found.start) if found else None

    def word_range(self, i: int, last: Optional[int] = None) -> Range:
        """Document range of word ``i`` (through word ``last``); the command's range when unknown."""
        if not self.editable or not (0 <= i < len(self.spans)):
            return self.range
        j = i if last is None else max(i, min(last, len(self.spans) - 1))
        return self._locate(self.spans[i][0], self.spans[j][1])  # type: ignore[misc]

    def after_word(self, i: int) -> Optional[Range]:
        """Empty range just after word ``i`` (to insert text there), if offsets are known."""
        if not self.editable or not (0 <= i < len(self.spans)):
            return None
        end = self._locate(self.spans[i][1] - 1, self.spans[i][1]).end  # type: ignore[misc]
        return Range(end, end)

    def env_value(self, name: str) -> Optional[str]:
        for key, value in self.env:
            if key == name:
                return value
        return None

    @property
    def name(self) -> str:
        """The program run, without its folder: ``./mvnw`` -> ``mvnw``."""
        return self.words[0].rsplit("/", 1)[-1] if self.words else ""


# -- splitting text into commands -------------------------------------------------------------


_SPECIAL = re.compile(r"[\\'\"`$()#\n;&|]")
_IN_DOUBLE = re.compile(r'[\\"$)]')
_SIMPLE_WORD = re.compile(r"[^ \t\r\v\f\n]+")


def _skip_double(text: str, i: int) -> int:
    """Index just after the double-quoted string whose body starts at ``i``."""
    depth = 0  # inside $( ... ), where a quote does not end the string
    while True:
        m = _IN_DOUBLE.search(text, i)
        if m is None:
            return len(text)
        i = m.start()
        c = text[i]
        if c == "\\":
            i += 2
        elif c == "$":
            if text.startswith("$(", i):
                depth += 1
                i += 1
            i += 1
        elif c == ")":
            depth = max(0, depth - 1)
            i += 1
        elif depth:
            i += 1
        else:
            return i + 1


def _segments(text: str) -> list[tuple[int, int, str]]:
    """(start, end, operator after it) for each simple command in ``text``."""
    out: list[tuple[int, int, str]] = []
    n, seg, i = len(text), 0, 0
    depth = 0  # inside $( ... )
    backtick = False
    while True:
        m = _SPECIAL.search(text, i)
        if m is None:
            break
        i = m.start()
        c = text[i]
        if c == "\\":
            i += 2
        elif c == "'":
            j = text.find("'", i + 1)
            i = n if j < 0 else j + 1
        elif c == '"':
            i = _skip_double(text, i + 1)
        elif c == "`":
            backtick = not backtick
            i += 1
        elif c == "$":
            if text.startswith("$(", i):
                depth += 1
                i += 1
            i += 1
        elif c == "(":
            depth += 1 if depth else 0
            i += 1
        elif c == ")":
            depth = max(0, depth - 1)
            i += 1
        elif depth or backtick:
            i += 1
        elif c == "#":
            if i and text[i - 1] not in _WS + "\n;&|()":
                i += 1
                continue
            out.append((seg, i, "\n"))  # the command ends where the comment starts
            j = text.find("\n", i)
            i = seg = n if j < 0 else j + 1
        else:  # one of \n ; & |
            prev = text[i - 1] if i else ""
            if (c == "&" and (prev in "<>" or text.startswith("&>", i))) or (c == "|" and prev == ">"):
                i += 1  # a redirection (2>&1, &>file, >|file), not an operator
                continue
            op = text[i : i + 2] if text[i : i + 2] in ("&&", "||", ";;", "|&") else c
            out.append((seg, i, op))
            i += len(op)
            seg = i
    out.append((seg, n, ""))
    return out


def _words(text: str, base: int) -> list[tuple[str, int, int]]:
    """Words of a command, quotes removed: (text, start, end) with offsets plus ``base``."""
    if "$(" not in text and not any(c in text for c in "'\"\\`"):
        return [(m.group(), base + m.start(), base + m.end()) for m in _SIMPLE_WORD.finditer(text)]
    out: list[tuple[str, int, int]] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and (text[i] in _WS + "\n" or text.startswith("\\\n", i)):
            i += 2 if text[i] == "\\" else 1
        if i >= n:
            break
        start = i
        buf: list[str] = []
        quote = ""
        depth = 0
        while i < n and (quote or depth or text[i] not in _WS + "\n"):
            ch = text[i]
            if quote == "'":
                if ch == "'":
                    quote = ""
                else:
                    buf.append(ch)
            elif ch == "\\" and i + 1 < n and quote != "'":
                i += 1
                if text[i] != "\n":
                    buf.append(text[i] if quote != '"' or text[i] in '"\\$`' else "\\" + text[i])
            elif quote == '"':
                if ch == '"':
                    quote = ""
                else:
                    buf.append(ch)
            elif ch in "'\"":
                quote = ch
            else:
                if ch == "(" and i and text[i - 1] == "$":
                    depth += 1
                elif ch == ")" and depth:
                    depth -= 1
                buf.append(ch)
            i += 1
        out.append(("".join(buf), base + start, base + i))
    return out


def _unwrap(words: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Words without the subshell or group parentheses around them: ``(cd web && npm ci)``."""
    if words and words[0][0].startswith(("(", "{")) and len(words[0][0]) > 1 and not words[0][0].startswith("(("):
        w, a, b = words[0]
        words = [(w[1:], a + 1, b)] + words[1:]
    while words and words[-1][0] in (")", "}", ";"):
        words = words[:-1]
    if words:
        w, a, b = words[-1]
        if w.endswith(")") and w.count(")") > w.count("("):
            words = words[:-1] + [(w[:-1], a, b - 1)]
    return [x for x in words if x[0]]


def _strip_prefixes(words: list[tuple[str, int, int]]) -> tuple[list[tuple[str, int, int]], list[tuple[str, str]], str]:
    """Drop what is written in front of the real command; return (words, assignments, via)."""
    env: list[tuple[str, str]] = []
    via = ""
    i = 0
    while i < len(words):
        w = words[i][0]
        if w in _RESERVED or (i == 0 and w.endswith(")") and "$(" not in w and "(" not in w):
            i += 1  # shell keywords, subshell parens, case patterns
            continue
        if _ASSIGN.match(w):
            key, _, value = w.partition("=")
            env.append((key, value))
            i += 1
            continue
        name = w.rsplit("/", 1)[-1]
        if name in _WRAPPERS:
            if name == "xargs":
                via = "xargs"
            takes = _WRAPPERS[name]
            i += 1
            while i < len(words) and words[i][0].startswith("-") and words[i][0] != "--":
                i += 1 + takes.get(words[i][0], 0)
            if i < len(words) and words[i][0] == "--":
                i += 1
            i += _TAKES_POSITIONAL.get(name, 0)
            continue
        break
    return words[i:], env, via


def _drop_redirections(words: list[tuple[str, int, int]]) -> tuple[list[tuple[str, int, int]], list[str]]:
    """Words without redirections (``> /dev/null``, ``2>&1``); also the heredoc names it reads."""
    out: list[tuple[str, int, int]] = []
    heredocs: list[str] = []
    skip = False
    for word in words:
        if skip:
            skip = False
            continue
        w = word[0]
        m = _HEREDOC_REF.match(w)
        if m:
            heredocs.append(m.group(1))
            continue
        m = _REDIRECT.match(w)
        if m and (m.group(1) or w[0] in "<>"):
            skip = not m.group(3)
            continue
        out.append(word)
    return out, heredocs


def _join(cwd: Optional[str], path: str) -> Optional[str]:
    if cwd is None or "$" in path or path in ("-", "~") or path.startswith("~"):
        return None
    if path.startswith("/"):
        return posixpath.normpath(path)
    return posixpath.normpath(posixpath.join(cwd or ".", path))


@dataclass
class _Splitter:
    locate: Optional[Locate]
    heredoc: int = -1
    via: str = ""
    out: list[Command] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)  # heredoc names run as scripts

    def run(self, text: str, outer: Optional[Command] = None) -> None:
        cwd: Optional[str] = ""
        stack: list[Optional[str]] = []
        for start, end, op in _segments(text):
            raw = text[start:end]
            lead = len(raw) - len(raw.lstrip(_WS + "\n"))
            s, e = start + lead, start + len(raw.rstrip(_WS + "\n"))
            if s >= e:
                continue
            segment = text[s:e]
            opens = segment.startswith("(")
            closes = segment.endswith(")") and segment.count(")") > segment.count("(")
            if opens:
                stack.append(cwd)
            words, env, via = _strip_prefixes(_unwrap(_words(segment, s)))
            words, heredocs = _drop_redirections(words)
            if not words or words[0][0] in _NOT_COMMANDS:
                self.scripts += heredocs if not words else []
            else:
                self._add(text, s, e, words, env, via or self.via, cwd, op, outer, heredocs)
                if words[0][0] == "cd":
                    cwd = _join(cwd, words[1][0]) if len(words) == 2 else None
            if closes and stack:
                cwd = stack.pop()

    def _add(self, text, s, e, words, env, via, cwd, op, outer, heredocs) -> None:
        first = words[0][0].rsplit("/", 1)[-1]
        if heredocs and first in _SHELLS:
            self.scripts += heredocs
        plain = tuple(w for w, _, _ in words)
        if outer is not None:
            cmd = Command(plain, text[s:e], outer.start, outer.end, (), tuple(env), cwd, op, self.heredoc, via, None, outer.range)
        else:
            spans = tuple((a, b) for _, a, b in words)
            cmd = Command(plain, text[s:e], s, e, spans, tuple(env), cwd, op, self.heredoc, via, self.locate)
        self.out.append(cmd)
        nested = _nested_script(plain)
        if nested is not None:
            inner = _Splitter(None, self.heredoc, "sh -c")
            inner.run(nested, cmd)
            self.out += inner.out


def _nested_script(words: tuple[str, ...]) -> Optional[str]:
    """The script of ``sh -c 'script'`` / ``bash -ec "script"``."""
    if len(words) >= 3 and words[0].rsplit("/", 1)[-1] in _SHELLS:
        for i, w in enumerate(words[1:-1], 1):
            if w.startswith("-") and not w.startswith("--") and w.endswith("c"):
                return words[i + 1]
            if not w.startswith("-"):
                return None
    return None


_CLIENT_EOL = re.compile(r"\r\n|\n|\r")


def _heredoc_locator(doc: Heredoc) -> Locate:
    """Offsets in a heredoc body -> document ranges (the body is the document's own lines)."""
    # Lines as the model counts them: an LSP client also ends a line at a lone CR.
    starts, ends = [0], []
    for m in _CLIENT_EOL.finditer(doc.body):
        ends.append(m.start())
        starts.append(m.end())
    ends.append(len(doc.body))
    first = doc.range.start.line

    def pos(offset: int) -> Pos:
        i = max(0, bisect_right(starts, offset) - 1)
        line = doc.body[starts[i] : ends[i]]
        return Pos(first + i, utf16_col(line, min(offset - starts[i], len(line))))

    def locate(start: int, end: int) -> Range:
        if not doc.body:
            return doc.range
        return Range(pos(start), pos(end))

    return locate


def _split(ins: Instruction) -> tuple[Command, ...]:
    if ins.is_json:
        words = tuple(w.text for w in ins.args)
        if not words:
            return ()
        whole = Command(words, " ".join(words), -1, -1, _range=ins.range)
        out = [whole]
        script = _nested_script(words)
        if script is not None:
            inner = _Splitter(None, -1, "sh -c")
            inner.run(script, whole)
            out += inner.out
        return tuple(out)
    main = _Splitter(ins.locator())
    main.run(ins.text)
    out = list(main.out)
    for index, doc in enumerate(ins.heredocs):
        if doc.name not in main.scripts:
            continue  # data for a command (``cat <<EOF > file``), not a script
        part = _Splitter(_heredoc_locator(doc), index)
        part.run(doc.body)
        out += part.out
    return tuple(out)


_CACHE: "weakref.WeakKeyDictionary[Instruction, tuple[Command, ...]]" = weakref.WeakKeyDictionary()
def commands(ins: Instruction) -> tuple[Command, ...]:
    """The simple commands of a RUN, in order (cached per instruction, across versions)."""
    if ins.keyword != "RUN":
        return ()
    found = _CACHE.get(ins)
    if found is None:
        # A RUN that only moved (a line was inserted above it) is a new object made from
        # the previous version's: reuse that split, with ranges following the new position.
        origin = ins._origin() if ins._origin is not None else None
        earlier = _CACHE.get(origin) if origin is not None else None
        if earlier is not None and not ins.heredocs and all(c._range is None for c in earlier):
            found = tuple(dataclasses.replace(c, _locate=ins.locator()) for c in earlier)
        else:
            found = _split(ins)
        _CACHE[ins] = found
    return found


def script_commands(text: str, outer: Command, via: str = "script") -> tuple[Command, ...]:
    """The simple commands of a script that ``outer`` runs (a Makefile recipe, a project's
    build script), each located at ``outer``."""
    inner = _Splitter(None, outer.heredoc, via)
    inner.run(text, outer)
    return tuple(inner.out)


def split_commands(ins: Instruction) -> list[Command]:
    """The simple commands of a RUN: shell-form text, exec form, and heredoc scripts."""
    return list(commands(ins))
