"""ReservedStageName: a stage named `scratch` or `context`."""

from __future__ import annotations

from typing import Iterator

from ...analysis import Analysis
from ..base import Violation
from ._common import BuildKitCheck

RESERVED = ("context", "scratch")


class ReservedStageName(BuildKitCheck):
    """A stage is named after one of BuildKit's reserved names.

    ## What it does
    Flags `FROM ... AS scratch` and `FROM ... AS context` (in any case).

    ## Why it matters
    `scratch` is the empty image and `context` names the build context in BuildKit; a stage
    with either name makes `FROM scratch` or `--from=context` mean something other than
    what every reader expects.

    ## Example
    ```dockerfile
    FROM alpine AS scratch
    ```
    Use instead:
    ```dockerfile
    FROM alpine AS builder
    ```

    ## Fix
    None automatic: choose a name that says what the stage is for.
    """

    code = "ReservedStageName"
    summary = "A stage is named scratch or context."

    def check(self, a: Analysis) -> Iterator[Violation]:
        for st in a.doc.stages:
            if st.name in RESERVED and st.name_word is not None:
                yield self.violation(st.name_word.range, f'Stage name should not use the same name as reserved stage "{st.name}"')
