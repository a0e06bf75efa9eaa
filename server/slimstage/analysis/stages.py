"""The stage graph: which stage builds on, copies from or mounts which, and what ships.

``docker build`` produces the target stage (the last one, or ``--target``). Its image
contains the layers of the target and of every stage it is built ``FROM`` (the base
chain); stages it only copies from or mounts are built but do not ship.
"""

from __future__ import annotations

import re

from dataclasses import dataclass
from functools import cached_property
from typing import Iterator, Optional

from ..dockerfile.model import Dockerfile, Instruction, Stage


@dataclass(frozen=True)
class Edge:
    """``dst`` uses ``src``: built FROM it, COPY --from it, or RUN --mount=from it."""

    src: int
    dst: int
    kind: str  # "base" | "copy" | "mount"
    instruction: Instruction
    paths: tuple[str, ...] = ()  # source paths, for "copy"


@dataclass(frozen=True)
class ExternalRef:
    """A ``COPY --from`` / ``--mount=from`` that names an image, not a stage."""

    ref: str
    stage: int
    instruction: Instruction
    looks_like_image: bool  # has a registry, a tag, a digest or a slash


def copy_sources(ins: Instruction) -> tuple[str, ...]:
    """Source paths of a COPY/ADD (all arguments but the destination)."""
    if ins.heredocs:
        names = {h.name for h in ins.heredocs}
        return tuple(w.text for w in ins.args[:-1] if not w.text.lstrip("0123456789").startswith("<<") and w.text not in names)
    return tuple(w.text for w in ins.args[:-1])


_URL = re.compile(r"^[a-z][a-z0-9+.-]*://|^git@", re.I)


def context_sources(doc: Dockerfile) -> list[tuple[Instruction, str]]:
    """Every COPY/ADD source taken from the build context: no ``--from``, no heredoc, no URL,
    no variable (whose value is not known here)."""
    out: list[tuple[Instruction, str]] = []
    for ins in doc.instructions:
        if ins.keyword not in ("COPY", "ADD") or ins.heredocs:
            continue
        frm = ins.flag("from")
        if frm is not None and frm.value:
            continue
        for src in copy_sources(ins):
            src = src.strip()
            if src and "$" not in src and not _URL.search(src):
                out.append((ins, src))
    return out


def copy_dest(ins: Instruction) -> str:
    return ins.args[-1].text if ins.args else ""


def _looks_like_image(ref: str) -> bool:
    return any(c in ref for c in "/:@.") or ref in ("scratch",)


class StageGraph:
    def __init__(self, doc: Dockerfile, target: str = "") -> None:
        self.doc = doc
        self.edges: list[Edge] = []
        self.external: list[ExternalRef] = []
        self.unresolved_target = False
        for st in doc.stages:
            if st.base_stage is not None:
                self.edges.append(Edge(st.base_stage, st.index, "base", st.from_instruction))
            for ins in st.instructions[1:]:
                self._scan(st, ins)
        self.target = self._target(target)

    def _scan(self, st: Stage, ins: Instruction) -> None:
        if ins.keyword in ("COPY", "ADD"):
            frm = ins.flag("from")
            if frm is not None and frm.value:
                self._ref(st, ins, frm.value, "copy", copy_sources(ins))
        elif ins.keyword == "RUN":
            for flag in ins.flags_named("mount"):
                ref = flag.options().get("from")
                if ref:
                    self._ref(st, ins, ref, "mount", ())

    def _ref(self, st: Stage, ins: Instruction, ref: str, kind: str, paths: tuple[str, ...]) -> None:
        src = self.doc.stage_ref(ref, before=st.index)
        if src is not None:
            self.edges.append(Edge(src.index, st.index, kind, ins, paths))
        else:
            self.external.append(ExternalRef(ref, st.index, ins, _looks_like_image(ref)))

    def _target(self, name: str) -> Optional[int]:
        if not self.doc.stages:
            return None
        if name:
            st = self.doc.stage_ref(name)
            if st is not None:
                return st.index
            self.unresolved_target = True
        return len(self.doc.stages) - 1

    # -- queries --------------------------------------------------------------------------
    def uses(self, index: int) -> Iterator[Edge]:
        return (e for e in self.edges if e.dst == index)

    def used_by(self, index: int) -> Iterator[Edge]:
        return (e for e in self.edges if e.src == index)

    @cached_property
    def needed(self) -> frozenset[int]:
        """Stages the target needs: itself and everything it transitively uses."""
        if self.target is None:
            return frozenset()
        seen = {self.target}
        todo = [self.target]
        while todo:
            cur = todo.pop()
            for e in self.uses(cur):
                if e.src not in seen:
                    seen.add(e.src)
                    todo.append(e.src)
        return frozenset(seen)

    @cached_property
    def ships(self) -> frozenset[int]:
        """Stages whose layers end up in the target image: the target and its FROM chain."""
        out: set[int] = set()
        cur = self.target
        while cur is not None and cur not in out:
            out.add(cur)
            cur = self.doc.stages[cur].base_stage
        return frozenset(out)

    def is_final(self, index: int) -> bool:
        return index == self.target

    @property
    def multi_stage(self) -> bool:
        return len(self.doc.stages) > 1

    def root_image(self, index: int) -> str:
        """The external image a stage ultimately builds on (following FROM <stage>)."""
        seen: set[int] = set()
        st = self.doc.stages[index]
        while st.base_stage is not None and st.index not in seen:
            seen.add(st.index)
            st = self.doc.stages[st.base_stage]
        return st.base
