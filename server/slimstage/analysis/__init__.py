"""Analysis of a parsed Dockerfile: the stage graph, package-manager steps, image facts.

``Analysis`` is built once per document version and settings; every rule reads it.
"""

from __future__ import annotations

from functools import cached_property

from ..dockerfile.model import Dockerfile, Instruction
from ..settings import Settings
from .context import UNKNOWN, BuildContext
from .ecosystems import PackageStep, package_steps
from .stages import StageGraph


class Analysis:
    def __init__(self, doc: Dockerfile, settings: Settings | None = None, context: BuildContext = UNKNOWN) -> None:
        self.doc = doc
        self.settings = settings or Settings()
        self.context = context
        self._steps: dict[int, list[PackageStep]] = {}

    @cached_property
    def graph(self) -> StageGraph:
        return StageGraph(self.doc, self.settings.target)

    def steps(self, ins: Instruction) -> list[PackageStep]:
        """Package-manager steps of a RUN (cached per instruction)."""
        key = id(ins)
        found = self._steps.get(key)
        if found is None:
            found = self._steps[key] = package_steps(ins)
        return found

    def ships(self, stage_index: int) -> bool:
        return stage_index in self.graph.ships

    def is_final(self, stage_index: int) -> bool:
        return self.graph.is_final(stage_index)


__all__ = ["Analysis", "BuildContext", "UNKNOWN"]
