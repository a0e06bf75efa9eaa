"""SLIM303: two stages have the same name."""

from __future__ import annotations

from typing import Iterator

from ..analysis import Analysis
from ..dockerfile.model import Stage
from .base import Related, Rule, Violation


class DuplicateStageName(Rule):
    """Two stages have the same name.

    ## What it does
    Flags the second (and any later) `FROM ... AS <name>` that reuses a stage name
    already given above. Names are compared without case, as BuildKit does.

    ## Why it matters
    BuildKit refuses the file ("duplicate stage name"), and the legacy builder silently
    lets `COPY --from=<name>` and `--target <name>` pick one of them. Either way the build
    is not what the file says.

    ## Example
    ```dockerfile
    FROM node:22 AS build
    RUN npm ci && npm run build

    FROM golang:1.27 AS build
    RUN go build -o /out/api .
    ```
    Use instead: `AS web-build` and `AS api-build`, and update the references.

    ## Fix
    None automatic: which references meant which stage is for you to say.

    BuildKit's `DuplicateStageName` check reports the same thing; when both are enabled,
    only `DuplicateStageName` is shown, and SLIM303 reports when that check is skipped
    (`# check=skip=DuplicateStageName`) or ignored.
    """

    code = "SLIM303"
    name = "duplicate-stage-name"
    severity = "error"
    summary = "Two stages have the same name: BuildKit rejects the file."

    def check(self, a: Analysis) -> Iterator[Violation]:
        first: dict[str, Stage] = {}
        for st in a.doc.stages:
            if not st.name or st.name_word is None:
                continue
            earlier = first.setdefault(st.name, st)
            if earlier is st:
                continue
            message = (
                f"Stage name `{st.name_word.text}` is already used by the stage on line {earlier.range.start.line + 1}: "
                "BuildKit rejects the file with \"duplicate stage name\". Give each stage its own name."
            )
            related = [Related(earlier.name_word.range if earlier.name_word else earlier.range, "first defined here")]
            yield self.violation(st.name_word.range, message, related)
