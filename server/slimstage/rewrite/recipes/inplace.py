"""The build kept as written, the runtime rebuilt from what it produced.

For ecosystems whose install and build steps the planner does not rewrite (Bundler, make,
Composer, pip into the distribution's Python), the builder stage is the original stage's build instructions in their order
(ENV, ARG, WORKDIR, COPY, RUN), so the build behaves as before. The runtime stage starts
from a smaller image, installs the runtime libraries the build's ``-dev`` packages were
for, and copies the project folder and the package folders out of the builder.
"""

from __future__ import annotations

from typing import Iterable, Optional

from ...settings import Settings
from ..facts import RUNTIME_META, SourceFacts
from .common import (
    Plan,
    StageSpec,
    command_lines,
    copy_from,
    meta_lines,
    original_user,
    os_install,
    split_os_packages,
    stage_prelude,
    workdir_line,
)
from .scan import scan_stage

_NOT_IN_BUILDER = RUNTIME_META - {"ENV"}


def builder_lines(f: SourceFacts) -> list[str]:
    """The original stage without what only shapes the running container."""
    lines = stage_prelude(f)
    for ins in f.doc.stages[0].instructions[1:]:
        if ins.keyword in _NOT_IN_BUILDER or ins.keyword == "ARG":
            continue
        lines.append(f.text_of(ins))
    return lines


def plan_in_place(
    f: SourceFacts,
    s: Settings,
    runtime_image: str,
    folders: Iterable[str],
    builder_why: str,
    runtime_why: str,
    summary: str,
    notes: list[str],
    runtime_os: Optional[str] = None,
    extra_runtime: Iterable[str] = (),
    extra_builder: Iterable[str] = (),
    runtime_packages: Optional[list[str]] = None,
) -> Plan:
    """Builder = the original build; runtime = ``runtime_image`` + ``folders`` copied from the builder.

    ``runtime_packages``: the OS packages the runtime installs, when the recipe names them
    itself (by default, what ``split_os_packages`` leaves of the build's packages).
    """
    if runtime_packages is not None:
        runtime_pkgs = list(runtime_packages)
    else:
        runtime_uses = " ".join(meta_lines(f, ("CMD", "ENTRYPOINT", "HEALTHCHECK")))
        _, runtime_pkgs = split_os_packages(f.os_packages, runtime_uses)
    runtime = stage_prelude(f)
    manager = runtime_os or ("apk" if "alpine" in runtime_image else "apt")
    rt_os = os_install(manager, runtime_pkgs, Settings(cache_mounts=False))
    if rt_os:
        runtime.append(rt_os)
    runtime += list(extra_runtime)
    runtime += [f"RUN {c.text}" for c in f.of_kind("user")]
    runtime.append(workdir_line(f.final_workdir) or "")
    runtime += meta_lines(f, ("ENV", "LABEL", "MAINTAINER"))
    shipped = []
    for folder in dict.fromkeys(folders):
        runtime.append(copy_from("builder", folder, folder))
        shipped.append(("builder", folder))
    runtime += meta_lines(f, ("EXPOSE", "VOLUME", "STOPSIGNAL"))
    user = original_user(f)
    if user:
        runtime.append(f"USER {user}")
    runtime += meta_lines(f, ("HEALTHCHECK",))
    runtime += command_lines(f)
    builder = builder_lines(f) + list(extra_builder)
    stages = [StageSpec("builder", f.base, [x for x in builder if x], builder_why, f.platform)]
    scan = scan_stage(f, s, stages, runtime_image, shipped, notes, 3)
    if scan is not None:
        stages.append(scan)
    stages.append(StageSpec("runtime", runtime_image, [x for x in runtime if x], runtime_why, f.platform))
    if runtime_pkgs:
        notes.append("The runtime installs " + ", ".join(runtime_pkgs) + " (what the build's packages leave needed at run time).")
    return Plan(stages, summary, [], notes)
