"""UndefinedArgInFrom: FROM reads a build argument no ARG declares."""

from __future__ import annotations

from typing import Iterator

from ...analysis import Analysis
from ..base import Violation
from ._common import PLATFORM_ARGS, BuildKitCheck, facts, references, suggest


class UndefinedArgInFrom(BuildKitCheck):
    """A `FROM` uses a build argument that no `ARG` before the first `FROM` declares.

    ## What it does
    Reads the variables of each `FROM`'s image and `--platform` value and flags those that
    are neither declared by an `ARG` before the first `FROM` nor predefined by BuildKit
    (`BUILDPLATFORM`, `TARGETPLATFORM`, `TARGETOS`, `TARGETARCH` and the rest). When a
    declared name is one or two edits away, the message suggests it.

    ## Why it matters
    An undeclared variable expands to nothing: the image or platform silently becomes
    something else (`node:22${VARIANT}` is `node:22`), or the build fails with an empty
    platform. A typo in a predefined name (`$BULIDPLATFORM`) is the usual cause.

    ## Example
    ```dockerfile
    FROM node:22${VARIANT} AS jsbuilder
    ```
    Use instead:
    ```dockerfile
    ARG VARIANT="-alpine3.20"
    FROM node:22${VARIANT} AS jsbuilder
    ```

    ## Fix
    None automatic: declare the argument with an `ARG` above the first `FROM`, or correct
    the name the message suggests.
    """

    code = "UndefinedArgInFrom"
    summary = "FROM uses a build argument no global ARG declares."

    def check(self, a: Analysis) -> Iterator[Violation]:
        f = facts(a)
        declared = list(f.global_arg_keys) + [k for k in PLATFORM_ARGS if k not in f.global_arg_keys]
        known = set(declared)
        for st in a.doc.stages:
            frm = st.from_instruction
            image, platform, _ = f.stage_words(st)
            seen: set[str] = set()
            for text in (image, platform):
                for name, _, _ in references(text, a.doc.escape):
                    if name in known or name in seen:
                        continue
                    seen.add(name)
                    hint = suggest(name, declared, f.suggestions)
                    message = f"FROM argument '{name}' is not declared" + (f" (did you mean {hint}?)" if hint else "")
                    yield self.violation(frm.range, message, hint=hint, variable=name)
