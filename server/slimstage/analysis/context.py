"""The build context a Dockerfile is built with: which files are at its root, and its .dockerignore.

Read once per check (the CLI) or per change of the folder (the language server); rules
only look at the resulting frozen value.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Optional

from ..sidefile import read_text
from .dockerignore import Dockerignore

_MAX_ENTRIES = 2000
MAX_SIDE_FILE = 256 * 1024  # bytes read of a side file (Makefile, package.json, a build script)


@dataclass(frozen=True)
class BuildContext:
    root: Optional[Path]
    files: frozenset[str]  # names (files and folders) at the root of the context
    dockerignore: Optional[str]  # the .dockerignore text, None when there is none
    known: bool = True  # False when the folder could not be read (unsaved buffer, no folder)
    dockerignore_path: str = ".dockerignore"  # where the ignore file is (or would go), relative to root
    _texts: dict = field(default_factory=dict, hash=False, compare=False, repr=False)  # side files read so far
    unread: tuple[str, ...] = ()  # side files that are there but were refused (a link out, a FIFO, too big), and why
    _stamps: dict = field(default_factory=dict, hash=False, compare=False, repr=False)  # (mtime, size) of each, when read

    @property
    def has_dockerignore(self) -> bool:
        return self.dockerignore is not None

    def has(self, name: str) -> bool:
        return name in self.files

    @cached_property
    def ignore(self) -> Dockerignore:
        """The parsed .dockerignore (no patterns when there is none)."""
        return Dockerignore.parse(self.dockerignore or "")

    def read_text(self, name: str) -> Optional[str]:
        """The text of side file ``name`` (a path relative to the context root), None when unreadable.

        Only regular files inside the context, at most ``MAX_SIDE_FILE`` bytes, are read;
        each is read once per context value (the front ends make a new value when the
        folder changes).
        """
        if name in self._texts:
            return self._texts[name]
        text = _read_side_file(self.root, name) if self.known and self.root is not None else None
        if len(self._texts) < 64:
            self._texts[name] = text
            if self.root is not None:
                self._stamps[name] = _stamp(self.root, name)
        return text

    def side_files_changed(self) -> bool:
        """Whether a side file read so far changed on disk since (an edit in place leaves the
        folder's mtime alone, so the front ends' cache asks this too)."""
        return self.root is not None and any(_stamp(self.root, n) != st for n, st in list(self._stamps.items()))

    def ignore_patterns(self) -> list[str]:
        if not self.dockerignore:
            return []
        out = []
        for line in self.dockerignore.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                out.append(line)
        return out


UNKNOWN = BuildContext(None, frozenset(), None, known=False)


def _stamp(root: Path, name: str) -> Optional[tuple[int, int, int]]:
    try:
        st = os.stat(root / name)
    except (OSError, ValueError):
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _read_side_file(root: Path, name: str) -> Optional[str]:
    """Through the one safe reader (``slimstage.sidefile``): a regular file inside the
    context, at most ``MAX_SIDE_FILE`` bytes, never a FIFO or a link leading out."""
    parts = name.replace("\\", "/").split("/")
    if not name or name.startswith("/") or any(p in ("", "..") for p in parts if p != "."):
        return None
    path = root.joinpath(*[p for p in parts if p != "."])
    text, _problem = read_text(path, within=(root,), max_bytes=MAX_SIDE_FILE)
    return text


def read_context(dockerfile: Path, context: str = "") -> BuildContext:
    """The build context of ``dockerfile``: its folder, or ``context`` relative to it."""
    root = dockerfile.parent if not context else (dockerfile.parent / context)
    try:
        names = []
        with os.scandir(root) as it:
            for i, entry in enumerate(it):
                if i >= _MAX_ENTRIES:
                    break
                names.append(entry.name)
    except OSError:
        return UNKNOWN
    ignore = None
    where = ".dockerignore"
    unread: list[str] = []
    # Docker prefers <Dockerfile>.dockerignore next to the Dockerfile, then .dockerignore at the root.
    # Either is read only as a regular file inside the context or the Dockerfile's folder (sidefile).
    for candidate in (dockerfile.parent / (dockerfile.name + ".dockerignore"), root / ".dockerignore"):
        text, problem = read_text(candidate, within=(root, dockerfile.parent))
        if text is None and problem is None:
            continue
        where = os.path.relpath(candidate, root).replace(os.sep, "/")
        if problem:
            # It is there but refused: say so, and check as if it ignored nothing (not as if it were missing).
            unread.append(problem)
            ignore = ""
        else:
            ignore = text
        break
    return BuildContext(root, frozenset(names), ignore, dockerignore_path=where, unread=tuple(unread))
