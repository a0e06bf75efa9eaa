"""Go: modules downloaded from go.mod/go.sum, a static binary, a runtime with nothing else.

builder: ``go mod download`` from the manifests (reused until they change), then the
original ``go build`` with ``CGO_ENABLED=0`` unless the build needs cgo. runtime: the
binary alone on distroless static (or scratch, alpine, debian slim); a cgo binary gets
distroless base, whose glibc matches the bookworm builder.
"""

from __future__ import annotations

import posixpath
import re
from typing import Optional

from ...settings import Settings
from ..facts import Cmd, SourceFacts
from ..project import ProjectFiles
from .common import (
    Decline,
    Plan,
    StageSpec,
    command_lines,
    copy_from,
    exec_form,
    needs_shell,
    envs_before,
    healthcheck,
    image_copy_split,
    kept_root,
    meta_lines,
    original_user,
    os_install,
    privileged_port,
    run,
    source_copy_lines,
    stage_prelude,
    workdir_line,
)
from .scan import scan_stage

ON_PATH = ("/usr/local/bin", "/usr/local/sbin", "/usr/bin", "/usr/sbin", "/bin", "/sbin")
ALPINE = "alpine:3.24"
BASH_TCP_PROBE = ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/{port}"]


def _output(cmd: Cmd, workdir: str, p: ProjectFiles) -> Optional[str]:
    """The absolute path of the binary a ``go build -o`` / ``go install`` writes."""
    w = list(cmd.words)
    if len(w) < 2 or w[1] not in ("build", "install"):
        return None
    for i, word in enumerate(w):
        if word == "-o" and i + 1 < len(w):
            out = w[i + 1]
            if out.endswith("/"):
                raise Decline(f"`{cmd.text}` writes into a folder; the planner needs the binary's path")
            return posixpath.normpath(posixpath.join(workdir, out))
        if word.startswith("-o="):
            return posixpath.normpath(posixpath.join(workdir, word[3:]))
    if w[1] == "install":
        pkgs = [x for x in w[2:] if not x.startswith("-")]
        target = pkgs[0] if len(pkgs) == 1 else "."
        name = target.rstrip("/").rsplit("/", 1)[-1]
        if name in (".", "", "..."):
            module = re.search(r"^module\s+(\S+)", p.text("go.mod") or "", re.M)
            if not module:
                raise Decline("`go install .` without go.mod in the context: cannot tell the binary's name")
            name = module.group(1).rsplit("/", 1)[-1]
        return f"/go/bin/{name}"
    pkgs = [x for x in w[2:] if not x.startswith("-") and not x.startswith(("-ldflags", "-tags"))]
    files = [x for x in pkgs if x.endswith(".go")]
    if files:
        # ``go build main.go`` names the binary after its first file.
        return posixpath.normpath(posixpath.join(workdir, posixpath.basename(files[0])[:-3]))
    raise Decline(f"`{cmd.text}` has no -o: the planner needs the binary's path")


def _output_from_cmd(cmd: Cmd, f: SourceFacts, p: ProjectFiles, notes: list[str]) -> Optional[str]:
    """``go build`` without -o in the project folder: the binary is named after the module.

    With go.mod in the context, that name is read; without it, a container that starts a
    program inside the project folder starts what the build wrote (nothing else puts a
    binary there), so that path is taken, and said.
    """
    try:
        return _output(cmd, f.workdir, p)
    except Decline:
        w = list(cmd.words)
        pkgs = [x for x in w[2:] if not x.startswith("-")]
        if len(w) < 2 or w[1] != "build" or pkgs not in ([], ["."]) or f.workdir == "/":
            raise
        module = re.search(r"^module\s+(\S+)", p.text("go.mod") or "", re.M)
        if module:
            return posixpath.join(f.workdir, module.group(1).rsplit("/", 1)[-1])
        argv = f.argv or ()
        program = argv[0] if argv else ""
        path = program if program.startswith("/") else posixpath.normpath(posixpath.join(f.final_workdir, program)) if "/" in program else ""
        if path and posixpath.dirname(path) == f.workdir:
            label = cmd.step.via if cmd.step is not None and cmd.step.via else " ".join(w[:2])
            notes.append(f"`{label}` names its binary after the Go module, which is not known here; the binary is taken to be {path}, the program the container starts.")
            return path
        raise


def _uses_cgo(f: SourceFacts) -> bool:
    texts = [c.text for c in f.commands] + [ph.text for ph in f.phases] + [f.text_of(i) for i in f.meta if i.keyword == "ENV"]
    if any(re.search(r"CGO_ENABLED\s*=\s*[\"']?1", t) for t in texts):
        return True
    return any(pkg.endswith("-dev") for pkg in f.os_packages)


def _tag_for(ref_tag: str, distro: str) -> str:
    """golang:1.27 -> golang:1.27-bookworm (same for a tag that already names a distro)."""
    base = re.sub(r"-(bookworm|trixie|bullseye|buster|stretch|alpine[\d.]*)$", "", ref_tag)
    if base == "latest":
        base = ""  # golang:latest -> golang:bookworm (there is no latest-bookworm tag)
    return f"{base}-{distro}" if base else distro


def plan_go(f: SourceFacts, s: Settings, p: ProjectFiles) -> Plan:
    notes: list[str] = []
    changes: list[str] = []
    builds = [c for c in f.commands if c.kind == "build" and c.step is not None and c.step.ecosystem == "go"]
    binaries = [b for b in (_output_from_cmd(c, f, p, notes) for c in builds) if b]
    if not binaries:
        raise Decline("no `go build -o` or `go install`: cannot tell which binary to ship")
    if f.workdir == "/":
        raise Decline("the build runs in / (no WORKDIR): the planner needs a project folder")
    if any(c.kind == "user" for c in f.commands):
        raise Decline("the Dockerfile creates a user; the Go runtime images have no shell to do that")
    argv = f.argv
    if not argv:
        raise Decline("the image sets no CMD or ENTRYPOINT: cannot tell what it runs")
    program = argv[0]
    placed: dict[str, str] = {}  # binary path in builder -> path in runtime
    for b in binaries:
        name = posixpath.basename(b)
        if program == name and posixpath.dirname(b) not in ON_PATH:
            placed[b] = f"/usr/local/bin/{name}"
            notes.append(f"{name} is copied to /usr/local/bin, on the runtime image's PATH, so CMD finds it unchanged.")
        else:
            placed[b] = b
    runtime_paths = set(placed.values())
    wanted = program if program.startswith("/") else posixpath.normpath(posixpath.join(f.final_workdir, program)) if "/" in program else None
    if not any(program == posixpath.basename(b) or b == wanted for b in runtime_paths):
        raise Decline(f"the container runs `{program}`, which is not a binary the build writes")

    cgo = _uses_cgo(f)
    family = s.target_base
    shell_form = [i for i in f.meta if i.keyword in ("CMD", "ENTRYPOINT") and not i.is_json]
    exec_argv = f.argv if shell_form and f.argv and f.argv[:2] != ("/bin/sh", "-c") else None
    if family in ("distroless", "scratch") and (needs_shell(f) and not (exec_argv and len(needs_shell(f)) == len(shell_form))):
        notes.append(f"Using Alpine rather than {family}: the runtime needs a shell (" + "; ".join(needs_shell(f)) + ").")
        family = "alpine"
    builder_image = f.base
    ref = f.base_ref
    repo = ref.full if ref.registry else ref.repository
    if cgo:
        if family in ("scratch", "alpine"):
            notes.append(f"Using distroless base rather than {family}: the build uses cgo, so the binary needs glibc.")
            family = "distroless"
        builder_image = f"{repo}:{_tag_for(ref.tag, 'bookworm')}"
        notes.append(f"The builder uses {builder_image} so the binary links against the same glibc as the Debian 12 runtime.")
    runtime_image = {
        "distroless": "gcr.io/distroless/base-debian12" if cgo else "gcr.io/distroless/static-debian12",
        "scratch": "scratch",
        "alpine": ALPINE,
        "slim": "debian:bookworm-slim",
    }[family]

    builder = stage_prelude(f) + envs_before(f, "os")
    os_line = os_install(f.os_manager, list(f.os_packages), s)
    if os_line:
        builder.append(os_line)
    tool_copies, runtime_copies = image_copy_split(f)
    builder += envs_before(f, "tool") + tool_copies + [run(c.text, s) for c in f.of_kind("tool")]
    builder.append(workdir_line(f.workdir) or "")
    builder += envs_before(f, "deps", "copy")
    modules = not p.known or p.has("go.mod")
    if modules:
        sums = " go.sum" if (p.has("go.sum") or not p.known) else ""
        builder.append(f"COPY go.mod{sums} ./")
        if not p.has("vendor"):
            builder.append(run("go mod download", s, "go"))
    builder += source_copy_lines(f) + envs_before(f, "build")
    for c in f.of_kind("build", "script", "prefetch"):
        if c.step is not None and c.step.kind == "prefetch":
            continue
        text = c.text
        if c in builds and not cgo and "CGO_ENABLED" not in text:
            text = "CGO_ENABLED=0 " + text
        builder.append(run(text, s, "go", "go-build"))
    if not cgo:
        notes.append("The binary is built with CGO_ENABLED=0, so it is static and needs no C library at run time.")

    runtime = stage_prelude(f)
    probes = " ".join(f.text_of(i) for i in f.meta if i.keyword == "HEALTHCHECK")
    if re.search(r"\b(curl|wget)\b", probes) and family in ("alpine", "slim"):
        tool = "curl" if re.search(r"\bcurl\b", probes) else "wget"
        runtime.append(f"RUN apk add --no-cache {tool}" if family == "alpine" else f"RUN apt-get update && apt-get install -y --no-install-recommends {tool} && rm -rf /var/lib/apt/lists/*")
        notes.append(f"{tool} is installed in the runtime: the HEALTHCHECK runs it.")
    runtime.append(workdir_line(f.final_workdir) or "")
    runtime += meta_lines(f, ("ENV", "LABEL", "MAINTAINER"))
    if family == "scratch":
        runtime.append(copy_from("builder", "/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/certs/"))
        notes.append("scratch has no CA certificates: the builder's are copied so TLS connections work.")
    for src, dst in placed.items():
        runtime.append(copy_from("builder", src, dst))
    runtime += runtime_copies + meta_lines(f, ("EXPOSE", "VOLUME", "STOPSIGNAL"))
    user = original_user(f)
    low_port = privileged_port(f)
    if user:
        runtime.append(f"USER {user}")
    elif low_port is not None:
        notes.append(kept_root(low_port))
    else:
        new_user = {"distroless": "nonroot:nonroot"}.get(family, "65532:65532")
        runtime.append(f"USER {new_user}")
        changes.append(f"USER {new_user}: the binary no longer runs as root.")
    probe = BASH_TCP_PROBE if family == "slim" else None
    runtime += healthcheck(f, s, probe, notes)
    if exec_argv and family in ("distroless", "scratch"):
        # A shell-form command without shell syntax, written as the exec form the shell-less image can run.
        keyword = "ENTRYPOINT" if any(i.keyword == "ENTRYPOINT" for i in f.meta) else "CMD"
        runtime.append(f"{keyword} {exec_form(exec_argv)}")
        notes.append(f"{keyword} is written in exec form: {runtime_image} has no shell to run the shell form.")
    else:
        runtime += command_lines(f)

    names = ", ".join(posixpath.basename(b) for b in binaries)
    stages = [
        StageSpec(
            "builder",
            builder_image,
            [x for x in builder if x],
            ("downloads the modules from go.mod and go.sum first (reused until they change), then compiles " if modules
             else "compiles (no go.mod in the context: nothing to download) ")
            + names
            + "; the toolchain and sources stay here.",
        )
    ]
    scan = scan_stage(f, s, stages, runtime_image, [("builder", b) for b in binaries], notes, 3)
    if scan is not None:
        stages.append(scan)
    stages.append(
        StageSpec(
            "runtime",
            runtime_image,
            [x for x in runtime if x],
            f"only the compiled {names} on {runtime_image}: no Go toolchain, module cache or sources.",
        )
    )
    summary = (
        f"Split into {', '.join(st.name for st in stages)}: the Go toolchain builds {names} and only the binary ships, "
        f"on {runtime_image} instead of {f.base}."
    )
    return Plan(stages, summary, changes, notes)
