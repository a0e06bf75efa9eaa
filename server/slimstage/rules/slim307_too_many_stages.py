"""SLIM307: the build has more stages than max_stages."""

from __future__ import annotations

from typing import Iterator

from ..analysis import Analysis
from .base import Related, Rule, Violation


class TooManyStages(Rule):
    """The build has more stages than the `max_stages` setting allows.

    ## What it does
    Points at the first stage beyond `max_stages` (default 4). `max_stages = 0` turns the
    rule off.

    ## Why it matters
    Each stage is a place to look when the image is wrong, and stages that do the same
    job (two dependency stages for one package manager, a copy-only stage) make the file
    harder to follow without making the image smaller. The limit is a team's choice:
    raise it for builds that really have more parts.

    ## Example
    With `max_stages = 2`:
    ```dockerfile
    FROM node:22 AS deps
    FROM deps AS build
    FROM node:22-slim AS runtime
    ```

    ## Fix
    None automatic: merge stages that do the same job, or raise `max_stages`.
    """

    code = "SLIM307"
    name = "too-many-stages"
    severity = "info"
    summary = "The build has more stages than the max_stages setting allows."
    settings = ("max_stages",)

    def check(self, a: Analysis) -> Iterator[Violation]:
        limit = a.settings.max_stages
        stages = a.doc.stages
        if limit <= 0 or len(stages) <= limit:
            return
        first_over = stages[limit]
        message = (
            f"This build has {len(stages)} stages, more than `max_stages` ({limit}). Merge stages that do the same job, "
            "or raise `max_stages` if the build needs them all."
        )
        related = [Related(st.from_instruction.range, f"stage {st.label}") for st in stages[limit + 1 :]]
        yield self.violation(first_over.from_instruction.range, message, related)
