"""What a ``.dockerignore`` keeps out of the build context, matched the way BuildKit does.

BuildKit reads one pattern per line (``#`` lines are comments), cleans each pattern like a
path (a leading ``/`` is dropped), and checks a file against every pattern in order: a
pattern matches when it matches the file's path or any of the folders above it, and the
last matching pattern decides (``!pattern`` puts a file back). ``*`` and ``?`` stay inside
one path segment, ``**`` spans any number of segments.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Optional

_WILDCARDS = frozenset("*?[")


@dataclass(frozen=True)
class IgnorePattern:
    text: str  # cleaned pattern, without the leading '!'
    exclusion: bool  # a '!' line: puts matching files back
    line: int  # 1-based line in the .dockerignore

    @cached_property
    def matcher(self) -> Optional["_Matcher"]:
        """None when the pattern is invalid (a bad ``[...]`` class): it then matches nothing."""
        return _Matcher.compile(self.text)

    def matches(self, path: str) -> bool:
        m = self.matcher
        return m is not None and m.run(path, False)

    def matches_or_parent(self, path: str) -> bool:
        """True when the pattern matches ``path`` or one of the folders above it (``a``, ``a/b``
        for ``a/b/c``), in one pass over ``path``."""
        m = self.matcher
        return m is not None and m.run(path, True)

    @property
    def literal_prefix(self) -> str:
        """The part before the first wildcard (``src/*.go`` -> ``src/``)."""
        for i, ch in enumerate(self.text):
            if ch in _WILDCARDS or ch == "\\":
                return self.text[:i]
        return self.text


# -- matching in linear time ---------------------------------------------------------------------
#
# BuildKit turns a pattern into a Go regular expression (RE2: linear time). Python's ``re``
# backtracks, so ``**/**/**/**/z`` or ``*a*a*a*a*c`` against a long path takes exponential time.
# The pattern is read here into a short list of tokens and run as an NFA (all states at
# once, Thompson's construction), with the state sets it meets cached as a DFA: time is
# O(len(path) * len(pattern)) at worst, and O(len(path)) once the cache is warm.

_LIT, _ONE, _CLASS, _STAR, _ALL, _DIRS = range(6)
# _ONE: ``?`` = [^/]; _CLASS: ``[...]``; _STAR: ``*`` = [^/]*; _ALL: ``**`` at the end = .*;
# _DIRS: ``**`` or ``**/`` before more pattern = (.*/)?  (``.`` never matches a newline, as in Go)
_CACHE_LIMIT = 4096


def _tokens(pattern: str) -> Optional[list[tuple[int, object]]]:
    out: list[tuple[int, object]] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            if i + 1 < n and pattern[i + 1] == "*":
                i += 2
                if i < n and pattern[i] == "/":
                    i += 1
                out.append((_ALL, None) if i >= n else (_DIRS, None))
                continue
            out.append((_STAR, None))
        elif ch == "?":
            out.append((_ONE, None))
        elif ch == "\\" and i + 1 < n:
            i += 1
            out.append((_LIT, pattern[i]))
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                out.append((_LIT, ch))
            else:
                body = pattern[i + 1 : end]
                if body.startswith("^"):
                    body = "!" + body[1:]
                cls = "[" + ("^" + body[1:] if body.startswith("!") else body).replace("\\", "\\\\") + "]"
                try:
                    out.append((_CLASS, re.compile(cls)))  # one character at a time: no backtracking
                except re.error:
                    return None
                i = end
        else:
            out.append((_LIT, ch))
        i += 1
    # ``*`` next to ``*`` or ``**`` adds nothing but states: ``a***b``, ``**/*/**``...
    merged: list[tuple[int, object]] = []
    for tok in out:
        if merged and tok[0] == _STAR and merged[-1][0] in (_STAR, _ALL):
            continue
        if merged and tok[0] == _ALL and merged[-1][0] == _STAR:
            merged[-1] = tok
            continue
        merged.append(tok)
    return merged


class _Matcher:
    __slots__ = ("tokens", "accept", "start", "_steps")

    def __init__(self, tokens: list[tuple[int, object]]) -> None:
        self.tokens = tokens
        self.accept = len(tokens)
        self.start = self._closure((0,))
        self._steps: dict[tuple[frozenset[int], str], frozenset[int]] = {}

    @staticmethod
    def compile(pattern: str) -> Optional["_Matcher"]:
        tokens = _tokens(pattern)
        return None if tokens is None else _Matcher(tokens)

    def _closure(self, states) -> frozenset[int]:
        out = set(states)
        todo = list(states)
        tokens, accept = self.tokens, self.accept
        while todo:
            s = todo.pop()
            if s < accept and tokens[s][0] in (_STAR, _ALL, _DIRS) and s + 1 not in out:
                out.add(s + 1)  # these may match nothing
                todo.append(s + 1)
        return frozenset(out)

    def _step(self, states: frozenset[int], c: str) -> frozenset[int]:
        key = (states, c)
        found = self._steps.get(key)
        if found is not None:
            return found
        nxt: set[int] = set()
        tokens, accept = self.tokens, self.accept
        for s in states:
            if s > accept:  # inside the ``.*/`` of a _DIRS token: leave it after any '/'
                if c != "\n":
                    nxt.add(s)
                if c == "/":
                    nxt.add(s - accept)
                continue
            if s == accept:
                continue
            kind, arg = tokens[s]
            if kind == _LIT:
                if c == arg:
                    nxt.add(s + 1)
            elif kind == _ONE:
                if c != "/":
                    nxt.add(s + 1)
            elif kind == _CLASS:
                if arg.fullmatch(c):  # type: ignore[union-attr]
                    nxt.add(s + 1)
            elif kind == _STAR:
                if c != "/":
                    nxt.add(s)
            elif kind == _ALL:
                if c != "\n":
                    nxt.add(s)
            else:  # _DIRS
                if c != "\n":
                    nxt.add(accept + 1 + s)
                if c == "/":
                    nxt.add(s + 1)
        found = self._closure(nxt)
        if len(self._steps) >= _CACHE_LIMIT:
            self._steps.clear()
        self._steps[key] = found
        return found

    def run(self, path: str, or_parent: bool) -> bool:
        states = self.start
        accept = self.accept
        for c in path:
            if or_parent and c == "/" and accept in states:
                return True  # the folder above this '/' matches
            states = self._step(states, c)
            if not states:
                return False
        return accept in states


def clean_path(path: str) -> str:
    """A context path as BuildKit compares it: no leading ``/`` or ``./``, no ``..`` games."""
    cleaned = posixpath.normpath(path.strip() or ".")
    cleaned = cleaned.lstrip("/")
    return cleaned or "."


@dataclass(frozen=True)
class Dockerignore:
    patterns: tuple[IgnorePattern, ...]

    @staticmethod
    def parse(text: str) -> "Dockerignore":
        out = []
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            exclusion = line.startswith("!")
            if exclusion:
                line = line[1:].strip()
            if not line:
                continue
            cleaned = posixpath.normpath(line)
            if len(cleaned) > 1 and cleaned.startswith("/"):
                cleaned = cleaned.lstrip("/") or "/"
            out.append(IgnorePattern(cleaned, exclusion, number))
        return Dockerignore(tuple(out))

    @property
    def has_exclusions(self) -> bool:
        return any(p.exclusion for p in self.patterns)

    def decisive(self, path: str) -> Optional[IgnorePattern]:
        """The last pattern that matches ``path`` or a folder above it (None: nothing matches)."""
        file = clean_path(path)
        found: Optional[IgnorePattern] = None
        for pattern in self.patterns:
            if pattern.matches_or_parent(file):
                found = pattern
        return found

    def excludes(self, path: str) -> bool:
        """True when ``path`` (a file or folder in the context) is left out of the build."""
        found = self.decisive(path)
        return found is not None and not found.exclusion

    def may_put_back_inside(self, folder: str) -> bool:
        """True when a ``!`` pattern could re-include something below ``folder``.

        BuildKit then still walks the folder, so a COPY of it is not certain to fail.
        """
        prefix = clean_path(folder) + "/"
        for pattern in self.patterns:
            if not pattern.exclusion:
                continue
            lit = pattern.literal_prefix
            if lit.startswith(prefix) or prefix.startswith(lit) or pattern.text.startswith("**"):
                return True
        return False
