"""The one way slimstage reads a file from disk: side files of a build context or project, and
the files named on the command line.

A repository the user merely opens decides what its files are. A ``.dockerignore`` can be a
link to ``/proc/self/environ`` or ``~/.aws/credentials`` (whose text would then be sent to
Claude), a FIFO (reading it blocks forever), or a gigabyte of text. So a file is read only
when all of these hold:

- resolved (every link followed), it lies inside one of the folders it may come from (the
  build context, the Dockerfile's folder, the folder a config file was found in); a link
  that stays inside is fine, one that leaves is refused;
- it is a regular file, checked before it is opened (opening a device can have effects)
  and again on the open descriptor, which is opened non-blocking and without following a
  final link (a swap between the check and the open is refused, not followed);
- it holds at most ``max_bytes``, checked on the descriptor and while reading (a file that
  grows past the cap is refused, not truncated).

Nothing here raises: ``read_bytes`` answers ``(data, problem)``. A missing file is
``(None, None)``; a refused or unreadable one is ``(None, "<path>: <why>; not read")``.
"""

from __future__ import annotations

import os
import stat
from typing import Iterable, Optional, Union

SIDE_FILE_MAX_BYTES = 1024 * 1024
"""Cap for side files (ignore files, manifests, config files): real ones are a few KB."""

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
_CHUNK = 64 * 1024

PathLike = Union[str, "os.PathLike[str]"]


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.0f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} bytes"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def inside(path: PathLike, roots: Iterable[PathLike]) -> bool:
    """Whether ``path``, every link resolved, is one of ``roots`` or below one (also resolved)."""
    real = os.path.realpath(path)
    for root in roots:
        r = os.path.realpath(root)
        if real == r or real.startswith(r.rstrip(os.sep) + os.sep):
            return True
    return False


def read_bytes(path: PathLike, *, within: Optional[Iterable[PathLike]] = None, max_bytes: int = SIDE_FILE_MAX_BYTES) -> tuple[Optional[bytes], Optional[str]]:
    """``(data, problem)`` for ``path``: see the module docstring for what is refused.

    ``within``: the folders the file must resolve inside (None: a file the user named
    themselves, which may be anywhere but must still be a regular file under the cap).
    """
    shown = os.fspath(path)
    try:
        os.lstat(path)
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, f"{shown}: cannot read: {exc.strerror or exc}; not read"
    except ValueError:  # a NUL in the name
        return None, f"{shown!r}: not a valid file name; not read"
    roots = list(within) if within is not None else None
    real = os.path.realpath(path)
    if roots is not None and not inside(real, roots):
        return None, f"{shown}: a link to a file outside the build context; not read"
    try:
        st = os.stat(real)
    except FileNotFoundError:
        return None, None  # a dangling link is no file
    except OSError as exc:
        return None, f"{shown}: cannot read: {exc.strerror or exc}; not read"
    if not stat.S_ISREG(st.st_mode):
        return None, f"{shown}: {_kind(st.st_mode)}, not a regular file; not read"
    if st.st_size > max_bytes:
        return None, f"{shown}: {_size(st.st_size)} is larger than the {_size(max_bytes)} slimstage reads; not read"
    try:
        fd = os.open(real, _FLAGS)
    except OSError as exc:
        return None, f"{shown}: cannot read: {exc.strerror or exc}; not read"
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None, f"{shown}: {_kind(st.st_mode)}, not a regular file; not read"
        if st.st_size > max_bytes:
            return None, f"{shown}: {_size(st.st_size)} is larger than the {_size(max_bytes)} slimstage reads; not read"
        parts: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(_CHUNK, max_bytes + 1 - total))
            if not chunk:
                break
            parts.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                return None, f"{shown}: larger than the {_size(max_bytes)} slimstage reads; not read"
        return b"".join(parts), None
    except OSError as exc:
        return None, f"{shown}: cannot read: {exc.strerror or exc}; not read"
    finally:
        os.close(fd)


def read_text(path: PathLike, *, within: Optional[Iterable[PathLike]] = None, max_bytes: int = SIDE_FILE_MAX_BYTES) -> tuple[Optional[str], Optional[str]]:
    """``read_bytes``, decoded as UTF-8 (undecodable bytes replaced)."""
    data, problem = read_bytes(path, within=within, max_bytes=max_bytes)
    if data is None:
        return None, problem
    return data.decode("utf-8", errors="replace"), None


def exists(path: PathLike) -> bool:
    """Whether something is at ``path`` (a link counts, even dangling; nothing is opened)."""
    try:
        os.lstat(path)
        return True
    except (OSError, ValueError):
        return False


__all__ = ["SIDE_FILE_MAX_BYTES", "read_bytes", "read_text", "inside", "exists"]
