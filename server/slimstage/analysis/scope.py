"""What is in effect at each instruction of a stage: WORKDIR, USER, and ENV/ARG values.

A stage built ``FROM`` another stage starts where that one ended. A stage built from an
image starts in the image's own WORKDIR, which slimstage does not know: paths relative
to it are written ``@/app`` (``@`` stands for that unknown folder), so two paths can
still be compared. Values that depend on something unknown are None.
"""

from __future__ import annotations

import posixpath
import re
import weakref
from dataclasses import dataclass
from typing import Iterator, Mapping, Optional

from ..dockerfile.model import Dockerfile, Instruction, Stage
from .images import MAX_EXPANDED

UNKNOWN_ROOT = "@"
_MAX_DEPTH = 64  # an Env chain is flattened into one dict after this many ENV/ARG instructions


class Env(Mapping[str, str]):
    """ENV/ARG values: a chain of small per-instruction dicts, so each instruction's scope costs
    what it changes, not the size of everything declared before it."""

    __slots__ = ("_own", "_parent", "_depth")

    def __init__(self, own: dict[str, Optional[str]], parent: Optional["Env"] = None) -> None:
        if parent is not None and parent._depth >= _MAX_DEPTH:
            flat = {k: v for k, v in parent._merged().items() if v is not None}
            flat.update(own)
            own, parent = flat, None
        self._own = own  # a None value: the name was unset here
        self._parent = parent
        self._depth = 0 if parent is None else parent._depth + 1

    def __getitem__(self, key: str) -> str:
        env: Optional[Env] = self
        while env is not None:
            if key in env._own:
                value = env._own[key]
                if value is None:
                    break
                return value
            env = env._parent
        raise KeyError(key)

    def _merged(self) -> dict[str, Optional[str]]:
        chain = []
        env: Optional[Env] = self
        while env is not None:
            chain.append(env._own)
            env = env._parent
        out: dict[str, Optional[str]] = {}
        for own in reversed(chain):
            out.update(own)
        return out

    def __iter__(self) -> Iterator[str]:
        return (k for k, v in self._merged().items() if v is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


_EMPTY = Env({})
_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+=?][^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))")


@dataclass(frozen=True)
class Scope:
    workdir: Optional[str]  # absolute ("/app"), under the image's unknown WORKDIR ("@/app"), or None
    user: Optional[str]  # "" when no USER was set (root, unless the image says otherwise), the USER value, or None
    env: Mapping[str, str]  # ENV values and ARG defaults in effect

    @property
    def is_root(self) -> bool:
        """Running as root as far as the Dockerfile says (no USER, or USER root/0)."""
        return self.user is not None and self.user.split(":", 1)[0] in ("", "root", "0")

    def expand(self, text: str) -> Optional[str]:
        """``text`` with ``$VAR`` / ``${VAR}`` replaced; None when a variable has no known value
        or the result is longer than ``MAX_EXPANDED`` (a doubling chain of ARGs)."""
        if "$" not in text:
            return text
        missing = False
        size = len(text)

        def sub(m: re.Match) -> str:
            nonlocal missing, size
            if missing:
                return ""
            name = m.group(1) or m.group(2)
            value = self.env.get(name)
            if value is None:
                missing = True
                return ""
            size += len(value)
            if size > 2 * MAX_EXPANDED:  # doubling chains stop here: the value is "not known"
                missing = True
                return ""
            return value

        out = _VAR.sub(sub, text)
        return None if missing or "$" in out or len(out) > MAX_EXPANDED else out

    def resolve(self, path: str) -> Optional[str]:
        """``path`` (absolute, or relative to the WORKDIR) as a normalised absolute path."""
        expanded = self.expand(path)
        if expanded is None:
            return None
        return join(self.workdir, expanded)


def join(folder: Optional[str], path: str) -> Optional[str]:
    if path.startswith("/"):
        return posixpath.normpath(path)
    if folder is None:
        return None
    out = posixpath.normpath(posixpath.join(folder, path))
    if not (out.startswith("/") or out == UNKNOWN_ROOT or out.startswith(UNKNOWN_ROOT + "/")):
        return None  # climbed above the unknown WORKDIR
    return out


def is_within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


_START = Scope(UNKNOWN_ROOT, "", _EMPTY)


def _env_pairs(ins: Instruction) -> list[tuple[str, str]]:
    words = [w.text for w in ins.args]
    if not words:
        return []
    if ins.keyword == "ENV" and "=" not in words[0]:
        return [(words[0], " ".join(words[1:]))]  # legacy ``ENV NAME value``
    out = []
    for w in words:
        key, eq, value = w.partition("=")
        if eq or ins.keyword == "ENV":
            out.append((key, value))
    return out


def step(scope: Scope, ins: Instruction) -> Scope:
    """The scope after ``ins``."""
    kw = ins.keyword
    if kw == "WORKDIR" and ins.args:
        return Scope(scope.resolve(ins.args[0].text), scope.user, scope.env)
    if kw == "USER" and ins.args:
        return Scope(scope.workdir, scope.expand(ins.args[0].text), scope.env)
    if kw in ("ENV", "ARG"):
        own: dict[str, Optional[str]] = {}
        for key, value in _env_pairs(ins):
            # An ARG without a value takes it from --build-arg: unknown, like a value that cannot be expanded.
            own[key] = None if kw == "ARG" and not value else scope.expand(value)
        parent = scope.env if isinstance(scope.env, Env) else Env(dict(scope.env))
        return Scope(scope.workdir, scope.user, Env(own, parent))
    return scope


def walk(doc: Dockerfile, stage: Stage) -> Iterator[tuple[Instruction, Scope]]:
    """Each instruction of ``stage`` after its FROM, with the scope in effect before it."""
    scope = start_of(doc, stage)
    for ins in stage.instructions[1:]:
        yield ins, scope
        scope = step(scope, ins)


_STARTS: dict[int, tuple["weakref.ref[Dockerfile]", list[Scope]]] = {}


def start_of(doc: Dockerfile, stage: Stage) -> Scope:
    """The scope a stage starts with: its base stage's final scope, or the image's defaults."""
    found = _STARTS.get(id(doc))
    if found is None or found[0]() is not doc:
        found = (weakref.ref(doc, lambda _, key=id(doc): _STARTS.pop(key, None)), _stage_starts(doc))
        _STARTS[id(doc)] = found
    return found[1][stage.index]


def _stage_starts(doc: Dockerfile) -> list[Scope]:
    """The start scope of every stage, in one pass (a base stage always comes first)."""
    starts: list[Scope] = []
    ends: list[Scope] = []
    for st in doc.stages:
        base = st.base_stage
        scope = ends[base] if base is not None and base < len(ends) else _START
        starts.append(scope)
        for ins in st.instructions[1:]:
            scope = step(scope, ins)
        ends.append(scope)
    return starts
