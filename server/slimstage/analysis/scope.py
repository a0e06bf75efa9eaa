"""What is in effect at each instruction of a stage: WORKDIR, USER, and ENV/ARG values.

A stage built ``FROM`` another stage starts where that one ended. A stage built from an
image starts in the image's own WORKDIR, which slimstage does not know: paths relative
to it are written ``@/app`` (``@`` stands for that unknown folder), so two paths can
still be compared. Values that depend on something unknown are None.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Iterator, Mapping, Optional

from ..dockerfile.model import Dockerfile, Instruction, Stage

UNKNOWN_ROOT = "@"
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
        """``text`` with ``$VAR`` / ``${VAR}`` replaced; None when a variable has no known value."""
        if "$" not in text:
            return text
        missing = False

        def sub(m: re.Match) -> str:
            nonlocal missing
            name = m.group(1) or m.group(2)
            if name in self.env:
                return self.env[name]
            missing = True
            return ""

        out = _VAR.sub(sub, text)
        return None if missing or "$" in out else out

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


_START = Scope(UNKNOWN_ROOT, "", {})


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
        env = dict(scope.env)
        for key, value in _env_pairs(ins):
            if kw == "ARG" and not value:
                env.pop(key, None)  # its value comes from --build-arg: unknown
                continue
            expanded = scope.expand(value)
            if expanded is None:
                env.pop(key, None)
            else:
                env[key] = expanded
        return Scope(scope.workdir, scope.user, env)
    return scope


def walk(doc: Dockerfile, stage: Stage) -> Iterator[tuple[Instruction, Scope]]:
    """Each instruction of ``stage`` after its FROM, with the scope in effect before it."""
    scope = start_of(doc, stage)
    for ins in stage.instructions[1:]:
        yield ins, scope
        scope = step(scope, ins)


def start_of(doc: Dockerfile, stage: Stage, _depth: int = 0) -> Scope:
    """The scope a stage starts with: its base stage's final scope, or the image's defaults."""
    if stage.base_stage is None or _depth > len(doc.stages):
        return _START
    parent = doc.stages[stage.base_stage]
    scope = start_of(doc, parent, _depth + 1)
    for ins in parent.instructions[1:]:
        scope = step(scope, ins)
    return scope
