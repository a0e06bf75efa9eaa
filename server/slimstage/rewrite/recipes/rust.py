"""Rust (cargo): dependencies compiled once from Cargo.toml/Cargo.lock, the binary alone at run time.

builder: the manifests and a placeholder main.rs build every dependency (a layer reused
until the manifests change), then the real sources build the binary. The builder uses a
Debian 12 (bookworm) Rust image so the binary's glibc matches the runtime: distroless cc
or debian bookworm-slim.
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
    envs_before,
    healthcheck,
    image_copy_split,
    meta_lines,
    original_user,
    os_install,
    run,
    source_copy_lines,
    stage_prelude,
    workdir_line,
)
from .go import BASH_TCP_PROBE, ON_PATH, _tag_for
from .scan import scan_stage


def _built_path(cmd: Cmd, workdir: str, name: str) -> str:
    w = list(cmd.words)
    if len(w) > 1 and w[1] == "install":
        return f"/usr/local/cargo/bin/{name}"
    profile = "release" if ("--release" in w or "-r" in w) else "debug"
    for i, word in enumerate(w):
        if word == "--profile" and i + 1 < len(w):
            profile = w[i + 1]
    triple: Optional[str] = None
    for i, word in enumerate(w):
        if word == "--target" and i + 1 < len(w):
            triple = w[i + 1]
        elif word.startswith("--target="):
            triple = word.split("=", 1)[1]
    parts = ["target"] + ([triple] if triple else []) + [profile, name]
    return posixpath.join(workdir, *parts)


def plan_rust(f: SourceFacts, s: Settings, p: ProjectFiles) -> Plan:
    notes: list[str] = []
    changes: list[str] = []
    builds = [c for c in f.commands if c.kind == "build" and c.step is not None and c.step.tool == "cargo"]
    if not builds:
        raise Decline("no `cargo build` or `cargo install`: cannot tell which binary to ship")
    if f.workdir == "/":
        raise Decline("the build runs in / (no WORKDIR): the planner needs a project folder")
    if any(c.kind == "user" for c in f.commands):
        raise Decline("the Dockerfile creates a user; the Rust runtime images have no shell to do that")
    cargo = p.text("Cargo.toml") or ""
    if re.search(r"^\[workspace\]", cargo, re.M):
        raise Decline("this is a Cargo workspace; the planner converts single crates")
    argv = f.argv
    if not argv:
        raise Decline("the image sets no CMD or ENTRYPOINT: cannot tell which binary runs")
    program = argv[0]
    name = posixpath.basename(program)
    build = builds[-1]
    built = _built_path(build, f.workdir, name)
    run_as: Optional[tuple[str, list[str]]] = None  # (binary path in the runtime, its arguments) for `cargo run`
    installed: Optional[str] = None  # where a `cp target/release/<name> /usr/bin/` put the binary the container runs
    for c in f.of_kind("install-bin"):
        src, dest = [x for x in c.words[1:] if not x.startswith("-")]
        src = posixpath.normpath(posixpath.join(f.workdir, src))
        if posixpath.basename(src) == name and "/" not in program and src == _built_path(build, f.workdir, name):
            installed = posixpath.join(dest.rstrip("/"), name)
            notes.append(f"`{_short_cmd(c.text)}` put {name} on PATH; the runtime gets it at {installed}.")
    find_binary = ""
    if name == "cargo" and argv[1:2] == ("run",) and build.words[1:2] == ("build",):
        bin_name, args = _cargo_run(argv, build, cargo)
        if bin_name:
            built = _built_path(build, f.workdir, bin_name)
            run_as = (f"/usr/local/bin/{bin_name}", args)
        else:
            # The crate's name is in Cargo.toml, which the planner cannot read here: the
            # builder copies the one executable cargo build wrote (and fails if there are several).
            rel = posixpath.dirname(_built_path(build, f.workdir, "x"))
            find_binary = (
                f"set -- $(find {rel} -maxdepth 1 -type f -perm -100 ! -name '*.*') && "
                '[ "$#" -eq 1 ] && cp "$1" /usr/local/bin/app'
            )
            built = "/usr/local/bin/app"
            run_as = ("/usr/local/bin/app", args)
        changes.append(
            f"CMD: the container starts the binary cargo run started ({run_as[0]}) instead of `{' '.join(argv)}`; "
            "the runtime has no Rust toolchain to build it with."
        )
        notes.append(
            f"cargo run ran in {f.final_workdir} among the project's files; the runtime has the binary alone there: "
            "copy any file it reads at run time (configuration, data) into the runtime stage."
        )
        if any("target=" + f.workdir.rstrip("/") + "/target" in m or "target=target" in m for m in build.mounts):
            raise Decline("the build's target folder is a cache mount; the binary cargo run starts cannot be copied out of it")
        name = posixpath.basename(run_as[0])
    elif program.startswith("/") or "/" in program:
        wanted = posixpath.normpath(posixpath.join(f.final_workdir, program))
        if wanted != built:
            raise Decline(f"the container runs {program}, but the build writes {built}")
        target = built
    if run_as is not None:
        target = run_as[0]
    elif "/" not in program and installed is not None:
        target = installed
    elif "/" not in program:
        if not built.startswith("/usr/local/cargo/bin/"):
            raise Decline(f"the container runs `{program}` from PATH, but the build writes {built}")
        target = f"/usr/local/bin/{name}"
        notes.append(f"{name} is copied to /usr/local/bin, on the runtime image's PATH, so CMD finds it unchanged.")
    if target not in (built,) and posixpath.dirname(target) not in ON_PATH:
        raise Decline(f"cannot place {name} where CMD finds it")

    family = s.target_base
    if family in ("alpine", "scratch"):
        notes.append(f"Using distroless cc rather than {family}: that would need a musl (static) build of the binary.")
        family = "distroless"
    ref = f.base_ref
    repo = ref.full if ref.registry else ref.repository
    # The builder moves to bookworm so the binary's glibc matches a Debian 12 runtime; a
    # version older than Rust 1.70 (bookworm images start at 1.70) keeps bullseye and a Debian 11 runtime.
    ver = re.match(r"^(\d+)\.(\d+)", ref.tag or "")
    old = bool(ver) and (int(ver.group(1)), int(ver.group(2))) < (1, 70)
    distro, deb = ("bullseye", "11") if old else ("bookworm", "12")
    builder_image = f"{repo}:{_tag_for(ref.tag, distro)}"
    runtime_image = f"gcr.io/distroless/cc-debian{deb}" if family == "distroless" else f"debian:{distro}-slim"
    notes.append(f"The builder uses {builder_image} so the binary links against the same glibc as the Debian {deb} runtime.")

    builder = stage_prelude(f) + envs_before(f, "os")
    os_line = os_install(f.os_manager, list(f.os_packages), s)
    if os_line:
        builder.append(os_line)
    tool_copies, runtime_copies = image_copy_split(f)
    builder += envs_before(f, "tool") + tool_copies + [run(c.text, s) for c in f.of_kind("tool")]
    builder.append(workdir_line(f.workdir) or "")
    builder += envs_before(f, "deps", "copy")
    lock = " Cargo.lock" if (not p.known or p.has("Cargo.lock")) else ""
    builder.append(f"COPY Cargo.toml{lock} ./")
    cache_deps = not p.has("build.rs")
    if cache_deps:
        if build.words[1] == "build":
            prebuild = build.text
        else:  # cargo install builds the release profile
            prebuild = " ".join(["cargo", "build", "--release", *[w for w in build.words[2:] if w in ("--locked", "--frozen", "--offline")]])
        builder.append(run(f"mkdir -p src && echo 'fn main() {{}}' > src/main.rs && {prebuild} && rm -rf src", s, "cargo"))
    else:
        notes.append("The crate has a build.rs, so dependencies are not pre-built from a placeholder main.rs.")
    builder += source_copy_lines(f) + envs_before(f, "build")
    for c in f.of_kind("build", "script"):
        text = c.text
        if c is build and cache_deps:
            text = f"touch src/main.rs && {text}"  # newer than the placeholder's build
        builder.append(run(text, s, "cargo"))
    if find_binary:
        builder.append(f"RUN {find_binary}")

    runtime = stage_prelude(f)
    runtime.append(workdir_line(f.final_workdir) or "")
    runtime += meta_lines(f, ("ENV", "LABEL", "MAINTAINER"))
    runtime.append(copy_from("builder", built, target))
    for folder in _read_at_run_time(f):
        runtime.append(copy_from("builder", folder, folder))
        notes.append(f"{folder} is copied to the runtime: the build made it readable (chmod), so the program reads it at run time.")
    runtime += runtime_copies + meta_lines(f, ("EXPOSE", "VOLUME", "STOPSIGNAL"))
    user = original_user(f)
    if user:
        runtime.append(f"USER {user}")
    else:
        new_user = "nonroot:nonroot" if family == "distroless" else "65532:65532"
        runtime.append(f"USER {new_user}")
        changes.append(f"USER {new_user}: the binary no longer runs as root.")
    runtime += healthcheck(f, s, BASH_TCP_PROBE if family == "slim" else None, notes)
    if run_as is not None:
        runtime.append(_run_lines(f, run_as))
    else:
        runtime += command_lines(f)

    stages = [
        StageSpec(
            "builder",
            builder_image,
            [x for x in builder if x],
            f"compiles the dependencies from Cargo.toml{lock} first (reused until they change), then {name}; "
            "the toolchain, registry and target folder stay here.",
        )
    ]
    scan = scan_stage(f, s, stages, runtime_image, [("builder", built)], notes, 3)
    if scan is not None:
        stages.append(scan)
    stages.append(
        StageSpec("runtime", runtime_image, [x for x in runtime if x], f"only the {name} binary on {runtime_image}: no Rust toolchain or sources.")
    )
    summary = (
        f"Split into {', '.join(st.name for st in stages)}: dependencies compile once per change of the manifests, "
        f"and only {name} ships on {runtime_image} instead of {f.base}."
    )
    return Plan(stages, summary, changes, notes)


_RUN_FLAGS = frozenset(("--release", "-r", "--locked", "--frozen", "--offline", "-q", "--quiet"))


def _cargo_run(argv: tuple[str, ...], build: Cmd, cargo_toml: str) -> tuple[str, list[str]]:
    """(the binary ``cargo run`` starts, or '' when only Cargo.toml can tell; its arguments)."""
    words = list(argv[2:])
    args: list[str] = []
    if "--" in words:
        args = words[words.index("--") + 1 :]
        words = words[: words.index("--")]
    bin_name = ""
    i = 0
    while i < len(words):
        w = words[i]
        if w == "--bin" and i + 1 < len(words):
            bin_name = words[i + 1]
            i += 2
            continue
        if w.startswith("--bin="):
            bin_name = w.split("=", 1)[1]
        elif w not in _RUN_FLAGS:
            raise Decline(f"the container starts with `{' '.join(argv)}`; the planner cannot tell what `{w}` builds or runs")
        i += 1
    run_release = any(w in ("--release", "-r") for w in words)
    built_release = any(w in ("--release", "-r") for w in build.words)
    if run_release != built_release or "--profile" in build.words or any(w.startswith("--target") for w in build.words):
        raise Decline("cargo run builds another profile or target than cargo build; cannot tell which binary runs")
    if not bin_name and cargo_toml and "[[bin]]" not in cargo_toml:
        m = re.search(r'^\[package\][^\[]*?^name\s*=\s*"([A-Za-z0-9_-]+)"', cargo_toml, re.M | re.S)
        bin_name = m.group(1) if m else ""
    if not all(re.match(r"^[A-Za-z0-9_.,:=/@+-]*$", a) for a in args) or not re.match(r"^[A-Za-z0-9_-]*$", bin_name):
        raise Decline(f"cannot carry the arguments of `{' '.join(argv)}` over")
    return bin_name, args


def _run_lines(f: SourceFacts, run_as: tuple[str, list[str]]) -> str:
    from .common import exec_form

    keyword = "ENTRYPOINT" if f.contract.entrypoint else "CMD"
    return f"{keyword} {exec_form([run_as[0], *run_as[1]])}"


def _short_cmd(text: str) -> str:
    return " ".join(text.split())


def _read_at_run_time(f: SourceFacts) -> list[str]:
    """Project folders a ``chmod`` in the build prepares (``chmod -R +r static templates``):
    permissions only matter in the image that runs, so the program reads them there."""
    out: list[str] = []
    for c in f.of_kind("script", "tool"):
        if not c.words or c.words[0] != "chmod":
            continue
        args = [w for w in c.words[1:] if not w.startswith("-")][1:]  # after the mode
        for a in args:
            if "$" in a or "*" in a or a.startswith("/") or ".." in a.split("/"):
                continue
            path = posixpath.normpath(posixpath.join(f.workdir, a))
            if path != f.workdir and path not in out and not (path + "/").startswith(posixpath.join(f.workdir, "target") + "/"):
                out.append(path)
    return out
