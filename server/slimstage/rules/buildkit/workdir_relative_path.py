"""WorkdirRelativePath: a relative WORKDIR before any absolute one."""

from __future__ import annotations

import re
from typing import Iterator

from ...analysis import Analysis
from ..base import Violation
from ._common import BuildKitCheck
from .undefined_var import StageEnv

_WINDOWS_ABS = re.compile(r"^(?:[A-Za-z]:)?[\\/]")


class WorkdirRelativePath(BuildKitCheck):
    """The first `WORKDIR` of a stage chain is a relative path.

    ## What it does
    Flags a `WORKDIR` with a relative path (after its variables are expanded) when no
    `WORKDIR` earlier in the stage, or in a stage it is built `FROM`, set one. Later
    relative `WORKDIR`s are fine: fixing the first fixes them all. When a variable's
    value cannot be known (it comes from the base image) the check stays quiet.

    ## Why it matters
    A relative `WORKDIR` lands under whatever working directory the base image sets; if a
    new image version moves it, every path after it moves too, without a change to the
    Dockerfile.

    ## Example
    ```dockerfile
    FROM nginx AS web
    WORKDIR usr/share/nginx/html
    COPY public .
    ```
    Use instead:
    ```dockerfile
    FROM nginx AS web
    WORKDIR /usr/share/nginx/html
    COPY public .
    ```

    ## Fix
    None automatic: only you know which absolute folder was meant (the base image's
    working directory is not always `/`).
    """

    code = "WorkdirRelativePath"
    summary = "The first WORKDIR of a stage chain is relative: it depends on the base image's working directory."

    def check(self, a: Analysis) -> Iterator[Violation]:
        for ins, path in StageEnv.of(a).collected.workdirs:
            if path and not _WINDOWS_ABS.match(path):
                yield self.violation(ins.range, f'Relative workdir "{path}" can have unexpected results if the base image changes')
