"""InvalidDefaultArgInFrom: with ARG defaults only, the base image name is not valid."""

from __future__ import annotations

from typing import Iterator

from ...analysis import Analysis
from ..base import Violation
from ._common import BuildKitCheck, expand, facts, valid_image_reference


class InvalidDefaultArgInFrom(BuildKitCheck):
    """The image of a `FROM`, built with the global `ARG` defaults, is empty or invalid.

    ## What it does
    Expands each `FROM`'s image with the defaults of the `ARG`s before the first `FROM`
    (and the predefined platform arguments) — what a build without `--build-arg` uses — and
    flags it when the result is not a valid image reference: empty, a tag left empty
    (`busybox:`), upper-case letters in the name.

    ## Why it matters
    A Dockerfile should build as it is. An `ARG` without a default in the image name makes
    `docker build .` fail with an unhelpful reference error, and tools that read the file
    without build arguments (scanners, Dependabot) cannot tell which image it uses.

    ## Example
    ```dockerfile
    ARG TAG
    FROM busybox:${TAG}
    ```
    Use instead:
    ```dockerfile
    ARG TAG=latest
    FROM busybox:${TAG}
    ```

    ## Fix
    None automatic: give the `ARG` a default, or a fallback in place
    (`FROM alpine:${TAG:-3.20}`).
    """

    code = "InvalidDefaultArgInFrom"
    summary = "With the global ARG defaults, a FROM image name is empty or invalid."

    def check(self, a: Analysis) -> Iterator[Violation]:
        f = facts(a)
        defaults = f.global_defaults
        if defaults is None:
            return  # a default cannot be computed: BuildKit gives up on this check too
        for st in a.doc.stages:
            image, _, _ = f.stage_words(st)
            if not image:
                continue
            exp = expand(image, defaults, a.doc.escape)
            if exp.result is None or valid_image_reference(exp.result):
                continue
            yield self.violation(st.from_instruction.range, f"Default value for ARG {image} results in empty or invalid base image name")
