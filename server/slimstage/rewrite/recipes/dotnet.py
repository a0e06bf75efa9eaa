""".NET: restore from the project file, publish, run on aspnet or runtime.

builder: the SDK image restores from the .csproj/.sln alone (reused until they change),
then the original ``dotnet publish``. runtime: ``mcr.microsoft.com/dotnet/aspnet`` for web
projects (``runtime`` otherwise), chiseled (no shell, non-root) for distroless, Alpine
for alpine, with the publish output at the path the ENTRYPOINT uses.
"""

from __future__ import annotations

import posixpath
import re

from ...settings import Settings
from ..facts import Cmd, SourceFacts
from ..project import ProjectFiles
from .common import (
    Decline,
    Plan,
    StageSpec,
    command_lines,
    copy_from,
    envs_before,
    healthcheck,
    image_copy_split,
    meta_lines,
    original_user,
    os_install,
    run,
    source_copy_lines,
    stage_prelude,
    unprivileged_user,
    version_of,
    workdir_line,
)
from .go import BASH_TCP_PROBE
from .scan import scan_stage


def _publish_dir(cmd: Cmd, workdir: str) -> str:
    w = list(cmd.words)
    for i, word in enumerate(w):
        if word in ("-o", "--output") and i + 1 < len(w):
            return posixpath.normpath(posixpath.join(workdir, w[i + 1]))
        if word.startswith(("--output=", "-o=")):
            return posixpath.normpath(posixpath.join(workdir, word.split("=", 1)[1]))
    raise Decline(f"`{cmd.text}` has no -o/--output: the planner needs the publish folder")


def _is_web(f: SourceFacts, p: ProjectFiles) -> bool:
    projects = [t for n, t in p.texts.items() if n.endswith((".csproj", ".fsproj"))]
    if projects:
        return any(re.search(r"Sdk=\"Microsoft\.NET\.Sdk\.Web\"", t) for t in projects)
    return any(i.keyword == "EXPOSE" for i in f.meta)


def plan_dotnet(f: SourceFacts, s: Settings, p: ProjectFiles) -> Plan:
    notes: list[str] = []
    changes: list[str] = []
    publishes = [c for c in f.commands if c.kind == "build" and c.step is not None and c.step.tool == "dotnet" and c.words[1:2] == ("publish",)]
    if not publishes:
        raise Decline("no `dotnet publish`: cannot tell what to ship")
    if f.workdir == "/":
        raise Decline("the build runs in / (no WORKDIR): the planner needs a project folder")
    if any(c.kind == "user" for c in f.commands):
        raise Decline("the Dockerfile creates a user; the planner cannot tell whether the runtime image needs it")
    out_dir = _publish_dir(publishes[-1], f.workdir)
    argv = f.argv
    if not argv or argv[0].rsplit("/", 1)[-1] != "dotnet" or len(argv) < 2 or not argv[1].endswith(".dll"):
        raise Decline("the container does not start with `dotnet <app>.dll`: cannot tell what runs")
    dll = posixpath.normpath(posixpath.join(f.final_workdir, argv[1]))
    if posixpath.dirname(dll) != out_dir:
        raise Decline(f"the container runs {argv[1]}, which is not in the publish folder {out_dir}")
    version = version_of(f.base_ref.tag)
    if not version:
        raise Decline(f"cannot tell the .NET version of {f.base}; use a tag such as sdk:8.0")
    web = _is_web(f, p)
    kind = "aspnet" if web else "runtime"
    family = s.target_base
    chiseled = "jammy-chiseled" if version.startswith(("6", "7", "8")) else "noble-chiseled"
    if family == "scratch":
        notes.append("target_base is scratch, but a framework-dependent app needs the .NET runtime: using a chiseled image.")
        family = "distroless"
    if family == "distroless" and version.startswith(("6", "7")):
        chiseled = "jammy-chiseled"
    tag = {"distroless": f"{version}-{chiseled}", "alpine": f"{version}-alpine", "slim": version}[family]
    runtime_image = f"mcr.microsoft.com/dotnet/{kind}:{tag}"

    projects = p.matching("*.csproj") + p.matching("*.fsproj") + p.matching("*.sln")
    builder = stage_prelude(f) + envs_before(f, "os")
    os_line = os_install(f.os_manager, list(f.os_packages), s)
    if os_line:
        builder.append(os_line)
    tool_copies, runtime_copies = image_copy_split(f)
    builder += envs_before(f, "tool") + tool_copies + [run(c.text, s) for c in f.of_kind("tool")]
    builder.append(workdir_line(f.workdir) or "")
    builder += envs_before(f, "deps", "copy")
    restored = bool(projects)
    if restored:
        builder.append(f"COPY {' '.join(projects)} ./")
        target = next((x for x in projects if not x.endswith(".sln")), projects[0])
        builder.append(run(f"dotnet restore {target}" if len(projects) > 1 else "dotnet restore", s, "dotnet"))
    else:
        notes.append("No project file at the root of the build context: the restore runs with the sources, not before them.")
    builder += source_copy_lines(f) + envs_before(f, "build")
    for c in f.of_kind("build", "script", "prefetch"):
        if c.step is not None and c.step.kind == "prefetch" and restored:
            continue
        builder.append(run(c.text, s, "dotnet"))

    runtime = stage_prelude(f)
    user = original_user(f)
    create, new_user = unprivileged_user("chiseled" if family == "distroless" else ("alpine" if family == "alpine" else "debian"))
    if family == "distroless":
        new_user = "app"  # the chiseled images' own non-root user
    if not user and family != "distroless":
        runtime += create
    runtime.append(workdir_line(f.final_workdir) or "")
    runtime += meta_lines(f, ("ENV", "LABEL", "MAINTAINER"))
    runtime.append(copy_from("builder", out_dir, out_dir))
    runtime += runtime_copies + meta_lines(f, ("EXPOSE", "VOLUME", "STOPSIGNAL"))
    if user:
        runtime.append(f"USER {user}")
    else:
        runtime.append(f"USER {new_user}")
        changes.append(f"USER {new_user}: the app no longer runs as root.")
    runtime += healthcheck(f, s, BASH_TCP_PROBE if family == "slim" else None, notes)
    runtime += command_lines(f)

    stages = [
        StageSpec(
            "builder",
            f.base,
            [x for x in builder if x],
            "restores NuGet packages from the project files first (reused until they change), then publishes; "
            "the SDK and sources stay here.",
        )
    ]
    scan = scan_stage(f, s, stages, runtime_image, [("builder", out_dir)], notes, 3)
    if scan is not None:
        stages.append(scan)
    stages.append(
        StageSpec("runtime", runtime_image, [x for x in runtime if x], f"only the published app on the {kind} runtime ({runtime_image}): no SDK or sources.")
    )
    summary = (
        f"Split into {', '.join(st.name for st in stages)}: packages restore once per change of the project files, "
        f"and only the publish output ships on {runtime_image} instead of {f.base}."
    )
    return Plan(stages, summary, changes, notes)
