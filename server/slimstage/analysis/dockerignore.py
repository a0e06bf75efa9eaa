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
    def regex(self) -> Optional[re.Pattern[str]]:
        try:
            return re.compile(_to_regex(self.text))
        except re.error:
            return None

    def matches(self, path: str) -> bool:
        rx = self.regex
        return bool(rx is not None and rx.match(path))

    @property
    def literal_prefix(self) -> str:
        """The part before the first wildcard (``src/*.go`` -> ``src/``)."""
        for i, ch in enumerate(self.text):
            if ch in _WILDCARDS or ch == "\\":
                return self.text[:i]
        return self.text


def _to_regex(pattern: str) -> str:
    out = ["^"]
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            if i + 1 < n and pattern[i + 1] == "*":
                i += 2
                if i < n and pattern[i] == "/":
                    i += 1
                out.append(".*" if i >= n else "(.*/)?")
                continue
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                out.append(re.escape(ch))
            else:
                body = pattern[i + 1 : end]
                if body.startswith("^"):
                    body = "!" + body[1:]
                out.append("[" + ("^" + body[1:] if body.startswith("!") else body).replace("\\", "\\\\") + "]")
                i = end
        else:
            out.append(re.escape(ch))
        i += 1
    out.append("$")
    return "".join(out)


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
        parents = file.split("/")[:-1]
        found: Optional[IgnorePattern] = None
        for pattern in self.patterns:
            if pattern.matches(file) or any(pattern.matches("/".join(parents[: i + 1])) for i in range(len(parents))):
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
