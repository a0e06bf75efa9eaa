"""InvalidBaseImagePlatform: a base image published for another platform than the stage's."""

from __future__ import annotations

from typing import Iterator, Optional

from ...analysis import Analysis
from ..base import Violation
from ._common import BuildKitCheck, expand, facts, parse_platform
from ._image_env import image_name

# Docker Hub's per-architecture namespaces hold single-platform copies of the official images.
ARCH_NAMESPACES = {
    "amd64": ("linux", "amd64", ""),
    "arm32v5": ("linux", "arm", "v5"),
    "arm32v6": ("linux", "arm", "v6"),
    "arm32v7": ("linux", "arm", "v7"),
    "arm64v8": ("linux", "arm64", "v8"),
    "i386": ("linux", "386", ""),
    "mips64le": ("linux", "mips64le", ""),
    "ppc64le": ("linux", "ppc64le", ""),
    "riscv64": ("linux", "riscv64", ""),
    "s390x": ("linux", "s390x", ""),
    "windows-amd64": ("windows", "amd64", ""),
}
WINDOWS_REPOSITORIES = ("mcr.microsoft.com/windows/", "mcr.microsoft.com/windows")


def image_platform(ref: str) -> Optional[tuple[str, str, str]]:
    """The only platform an image reference can be pulled for, when its name says so."""
    name = image_name(ref)
    head, slash, _ = name.partition("/")
    if slash and head in ARCH_NAMESPACES:
        return ARCH_NAMESPACES[head]
    if name == WINDOWS_REPOSITORIES[1] or name.startswith(WINDOWS_REPOSITORIES[0]):
        return ("windows", "amd64", "")
    return None


def fmt(p: tuple[str, str, str]) -> str:
    return "/".join(x for x in p if x)


class InvalidBaseImagePlatform(BuildKitCheck):
    """The base image exists only for another platform than the one the stage is built for.

    ## What it does
    BuildKit compares the platform of the pulled base image with the one the stage is
    built for. Without pulling, slimstage decides what the Dockerfile alone settles: a
    `FROM --platform=` with a constant platform (or one from `ARG` defaults that does not
    depend on the build machine) and a base image that exists for one platform only, as
    the images of Docker Hub's per-architecture namespaces (`arm64v8/alpine`,
    `amd64/ubuntu`, `i386/debian`...) and Windows images (`mcr.microsoft.com/windows/...`)
    do. It flags the stage when their operating system or architecture differ. Stages
    without `--platform` are built for the target platform, which is only known at build
    time: not decided here.

    ## Why it matters
    The build runs the image under emulation (slow) or fails with `exec format error`,
    and the result is an image for the wrong platform.

    ## Example
    ```dockerfile
    FROM --platform=linux/amd64 arm64v8/alpine AS build_amd64
    ```
    Use instead:
    ```dockerfile
    FROM --platform=linux/amd64 alpine AS build_amd64
    ```

    ## Fix
    None automatic: use the multi-platform image (`alpine`), or the namespace for the
    platform you build for. BuildKit's check has no documentation page of its own; the
    link goes to the list of build checks.
    """

    code = "InvalidBaseImagePlatform"
    url = "https://docs.docker.com/reference/build-checks/"
    summary = "The base image exists only for another platform than the stage is built for."

    def check(self, a: Analysis) -> Iterator[Violation]:
        f = facts(a)
        defaults = f.global_defaults or {}
        for st in a.doc.stages:
            if st.base_stage is not None:
                continue
            flag = st.from_instruction.flag("platform")
            if flag is None or not flag.value:
                continue
            plat = expand(flag.value, defaults, a.doc.escape)
            if plat.result is None or any(n.startswith(("BUILD", "TARGET")) for n in plat.matched) or plat.unmatched:
                continue
            expected = parse_platform(plat.result)
            image, _, _ = f.stage_words(st)
            img = expand(image, defaults, a.doc.escape).result
            if expected is None or not img:
                continue
            actual = image_platform(img)
            if actual is None or (actual[0], actual[1]) == (expected[0], expected[1]):
                continue
            yield self.violation(
                st.base_word.range if st.base_word else st.from_instruction.range,
                f'Base image {img} is published for platform "{fmt(actual)}", expected "{fmt(expected)}" for current build',
            )
