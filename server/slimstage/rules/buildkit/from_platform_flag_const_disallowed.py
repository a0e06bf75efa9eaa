"""FromPlatformFlagConstDisallowed: `FROM --platform=linux/amd64`."""

from __future__ import annotations

from typing import Iterator

from ...analysis import Analysis
from ..base import Violation
from ._common import BuildKitCheck, expand, parse_platform


class FromPlatformFlagConstDisallowed(BuildKitCheck):
    """`FROM --platform` names a fixed platform.

    ## What it does
    Flags a `FROM --platform=` whose value has no variable in it and is a valid platform
    (`linux/amd64`, `arm64`...), unless the stage's name contains the platform's operating
    system or architecture (`AS build_amd64`, `AS linux`): such a stage says it is
    platform-specific on purpose.

    ## Why it matters
    A constant platform pins the stage to one platform: a multi-platform build
    (`--platform linux/amd64,linux/arm64`) silently builds it for the wrong one, or runs it
    under emulation. Building for the platform of the build machine is what
    `--platform=$BUILDPLATFORM` says.

    ## Example
    ```dockerfile
    FROM --platform=linux/amd64 alpine AS base
    RUN apk add --no-cache git
    ```
    Use instead:
    ```dockerfile
    FROM --platform=$BUILDPLATFORM alpine AS base
    RUN apk add --no-cache git
    ```

    ## Fix
    None automatic: drop the flag, use `$BUILDPLATFORM`, or name the stage after its
    platform.
    """

    code = "FromPlatformFlagConstDisallowed"
    summary = "FROM --platform pins a constant platform."

    def check(self, a: Analysis) -> Iterator[Violation]:
        for st in a.doc.stages:
            flag = st.from_instruction.flag("platform")
            if flag is None or not flag.value:
                continue
            exp = expand(flag.value, {}, a.doc.escape)
            if exp.refs or exp.result is None:
                continue
            platform = parse_platform(exp.result)
            if platform is None:
                continue
            name = st.name or ""
            if platform[0] in name or platform[1] in name:
                continue
            yield self.violation(flag.range, f'FROM --platform flag should not use constant value "{exp.result}"')
