"""RedundantTargetPlatform: `FROM --platform=$TARGETPLATFORM`."""

from __future__ import annotations

from typing import Iterator

from ...analysis import Analysis
from ...dockerfile.model import Range
from ..base import Edit, Fix, Violation
from ._common import PLATFORM_ARGS, BuildKitCheck, expand, facts


class RedundantTargetPlatform(BuildKitCheck):
    """`FROM --platform=$TARGETPLATFORM` asks for what is already the default.

    ## What it does
    Flags a `FROM` whose `--platform` value is nothing but the predefined `TARGETPLATFORM`
    variable (`$TARGETPLATFORM`, `${TARGETPLATFORM}`).

    ## Why it matters
    A stage is built for the target platform unless told otherwise, so the flag adds
    nothing; worse, it reads as if the stage were special, and hides the stages where
    `--platform=$BUILDPLATFORM` (cross-compiling on the build machine) was meant.

    ## Example
    ```dockerfile
    FROM --platform=$TARGETPLATFORM alpine AS builder
    ```
    Use instead:
    ```dockerfile
    FROM alpine AS builder
    ```

    ## Fix
    Removes the `--platform` flag.
    """

    code = "RedundantTargetPlatform"
    summary = "FROM --platform=$TARGETPLATFORM asks for the default."
    fixable = True

    def check(self, a: Analysis) -> Iterator[Violation]:
        env = facts(a).global_defaults or dict(PLATFORM_ARGS)
        for st in a.doc.stages:
            frm = st.from_instruction
            flag = frm.flag("platform")
            if flag is None or not flag.value:
                continue
            exp = expand(flag.value, env, a.doc.escape)
            if exp.matched != {"TARGETPLATFORM"} or exp.unmatched or exp.result != env.get("TARGETPLATFORM"):
                continue
            fix = None
            if flag.range.start.line == flag.range.end.line:
                line = a.doc.lines[flag.range.start.line]
                end = flag.range.end.character
                while end < len(line) and line[end] in " \t" and line.isascii():
                    end += 1
                fix = Fix("Remove --platform", (Edit(Range.of(flag.range.start.line, flag.range.start.character, flag.range.start.line, end), ""),))
            yield self.violation(
                flag.range, f"Setting platform to predefined {flag.value} in FROM is redundant as this is the default behavior", fix=fix
            )
