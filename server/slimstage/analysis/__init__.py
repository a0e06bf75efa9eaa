"""Analysis of a parsed Dockerfile: the stage graph, package-manager steps, image facts.

``Analysis`` is built once per document version and settings; every rule reads it.
"""

from __future__ import annotations

import weakref
from functools import cached_property

from ..dockerfile.model import Dockerfile, Instruction
from ..settings import Settings
from .context import UNKNOWN, BuildContext
from .ecosystems import PackageStep, package_steps
from .stages import StageGraph


# Package steps depend only on the instruction (its text and position). The parser hands
# unchanged instructions of the previous version back as the same objects, so this cache
# carries the work over from keystroke to keystroke; entries die with their instructions.
_STEPS: "weakref.WeakKeyDictionary[Instruction, list[PackageStep]]" = weakref.WeakKeyDictionary()


class Analysis:
    def __init__(self, doc: Dockerfile, settings: Settings | None = None, context: BuildContext = UNKNOWN) -> None:
        self.doc = doc
        self.settings = settings or Settings()
        self.context = context

    @cached_property
    def graph(self) -> StageGraph:
        return StageGraph(self.doc, self.settings.target)

    def steps(self, ins: Instruction) -> list[PackageStep]:
        """Package-manager steps of a RUN (cached per instruction object, across versions)."""
        if ins.keyword != "RUN":
            return []
        found = _STEPS.get(ins)
        if found is None:
            found = _STEPS[ins] = package_steps(ins)
        return found

    def ships(self, stage_index: int) -> bool:
        return stage_index in self.graph.ships

    def is_final(self, stage_index: int) -> bool:
        return self.graph.is_final(stage_index)


__all__ = ["Analysis", "BuildContext", "UNKNOWN"]
