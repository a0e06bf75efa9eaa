"""The optional vulnerability scan stage (setting ``security_scan``), shared by every recipe.

Trivy scans what will ship (the dependency and artifact folders, mounted from the stages
that produce them) and the runtime base image (mounted from the image itself), and fails
on HIGH or CRITICAL findings. It sits before the runtime stage, and the runtime stage
copies its empty marker file (``SCAN_MARKER_LINE``, added by ``common.render``), so every
build of the target runs the scan: BuildKit skips a stage the target does not use.
"""

from __future__ import annotations

from typing import Optional

from ...settings import Settings
from ..facts import SourceFacts
from .common import CACHE_DIRS, StageSpec

TRIVY_IMAGE = "aquasec/trivy:0.58.1"
SCAN_MARKER_LINE = "COPY --from=scan /scan.ok /.scan.ok"
CACHE_DIRS.setdefault("trivy", "/root/.cache/trivy")


def scan_stage(
    f: SourceFacts,
    s: Settings,
    stages: list[StageSpec],
    runtime_image: str,
    shipped: list[tuple[str, str]],
    notes: list[str],
    total_with_scan: int,
) -> Optional[StageSpec]:
    """The scan stage, or None when the setting is off or ``max_stages`` leaves no room."""
    if not s.security_scan:
        return None
    if s.max_stages and total_with_scan > s.max_stages:
        notes.append(f"No scan stage: max_stages ({s.max_stages}) leaves no room for it.")
        return None
    mounts = []
    for i, (stage, path) in enumerate(shipped):
        mounts.append(f"--mount=type=bind,from={stage},source={path},target=/scan/app/{i}")
    if runtime_image != "scratch":
        mounts.append(f"--mount=type=bind,from={runtime_image},target=/scan/runtime")
    if s.cache_mounts:
        mounts.append(f"--mount=type=cache,target={CACHE_DIRS['trivy']}")
    command = "trivy rootfs --exit-code 1 --severity HIGH,CRITICAL --no-progress /scan && touch /scan.ok"
    line = "RUN " + " \\\n    ".join(mounts + [command])
    return StageSpec(
        "scan",
        TRIVY_IMAGE,
        [line],
        "fails on HIGH or CRITICAL vulnerabilities in what ships and in the runtime image; the runtime stage takes its empty marker file, so every build runs it",
    )
