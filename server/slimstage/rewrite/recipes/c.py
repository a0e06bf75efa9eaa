"""C and C++ built with make, cmake or the compiler on Debian, Ubuntu or Alpine: only the program ships.

builder: the original stage as written (the compilers, headers and cross toolchains apt or
apk installed, the source, ``make``). runtime: the same base image, whose C library is
the one the program was linked against, with the one file the container runs copied to
the path the CMD/ENTRYPOINT names (resolved against the WORKDIR), and the original
WORKDIR, ENV, USER, EXPOSE and command.

The planner sees only the Dockerfile, so it converts only when these signals make the
split safe, and declines otherwise:

- the base is the official ``debian``, ``ubuntu`` or ``alpine`` image, so the runtime
  can be that same image (same release, same C library);
- every OS package the build installs is a compiler, a C library or compiler header
  package (``libc6-dev``, ``libgcc-6-dev``, ``musl-dev``, cross ``libc6-dev-*-cross``...)
  or a build tool (make, cmake, git, file...): any other package (``libssl-dev``,
  ``libpq5``, ``python3``) may be something the program loads at run time, which the
  planner cannot know; on Alpine, whose base has no C++ runtime, ``libgcc`` (and
  ``libstdc++`` for a C++ compiler) are installed, as the toolchain's own runtime;
- the program the container starts is a path (``./out/app``, ``/src/app``) inside the
  folder the project was copied to or built in, so the build made or holds it: a program
  found on PATH, a system path, an interpreter or a script is declined;
- the command passes the program no file (no argument with a ``/`` or a file extension),
  and there is no HEALTHCHECK: files the program reads by itself at run time cannot be
  seen from the Dockerfile, which the notes say;
- every RUN step is one the planner can place: an unknown step may have written
  somewhere the runtime needs.
"""

from __future__ import annotations

import posixpath
import re

from ...settings import Settings
from ..facts import C_COMPILER_PACKAGES, SourceFacts
from ..project import ProjectFiles
from .common import BUILD_ONLY_PACKAGES, Decline, Plan
from .inplace import plan_in_place

_BASES = ("debian", "ubuntu", "alpine")
_HEADERS = re.compile(
    r"^(libc6?-dev(-\w+-cross)?|libc6-dev-\w+|linux-libc-dev|musl-dev|linux-headers|lib(gcc|stdc\+\+)(-\d+)?-dev|libgcc-s-dev)$"
)
_TOOLS = frozenset(
    (
        "make", "cmake", "ninja-build", "ninja", "meson", "samurai", "bison", "flex", "m4", "file", "cpp", "dpkg-dev", "fortify-headers",
        "gettext", "texinfo", "diffutils", "findutils", "coreutils", "tar", "gzip", "perl",
    )
)
_SCRIPT = re.compile(r"\.(sh|bash|py|pl|rb|js|php|lua|tcl)$")
_INTERPRETERS = re.compile(r"^(sh|bash|ash|dash|zsh|python[\d.]*|perl|ruby|node|php|lua|java|env|busybox)$")
# Folders that hold the system's programs, not a project: a program under them as such is not the build's.
_SYSTEM_DIRS = frozenset(("/", "/bin", "/sbin", "/usr", "/usr/bin", "/usr/sbin", "/usr/local", "/usr/local/bin", "/usr/local/sbin", "/lib", "/etc", "/opt", "/tmp"))


def _build_package(name: str) -> bool:
    """A compiler, a C library or compiler header package, or a build tool."""
    return bool(
        C_COMPILER_PACKAGES.match(name)
        or _HEADERS.match(name)
        or re.match(r"^(cpp|binutils)(-[\w.+-]+)?$", name)
        or name in _TOOLS
        or name in BUILD_ONLY_PACKAGES
    )


def _program(f: SourceFacts) -> str:
    """The absolute path of the file the container runs; raises Decline when it is not one the build holds."""
    argv = f.argv
    if not argv:
        raise Decline("the image sets no CMD or ENTRYPOINT: cannot tell what it runs")
    if len(argv) == 3 and argv[1] == "-c" and argv[0].rsplit("/", 1)[-1] in ("sh", "bash"):
        raise Decline("the container starts a shell command: the planner ships a single program and cannot tell what the shell runs")
    program = argv[0]
    name = program.rsplit("/", 1)[-1]
    if _INTERPRETERS.match(name) or _SCRIPT.search(name):
        raise Decline(f"the container starts `{program}`, an interpreter or a script: the planner ships a compiled program only")
    if "/" not in program:
        raise Decline(f"the container starts `{program}` from PATH: the planner cannot tell which file the build made")
    if "$" in program:
        raise Decline(f"the program path {program} holds a variable; the planner needs the file's path")
    path = posixpath.normpath(posixpath.join(f.final_workdir, program))
    roots = {f.final_workdir, f.workdir} | {c.dest.rstrip("/") or "/" for c in f.source_copies}
    roots = {r for r in roots if r not in _SYSTEM_DIRS}
    if not any(path.startswith(r.rstrip("/") + "/") for r in roots):
        raise Decline(f"the container starts {path}, which is not inside the project folder the build works in: the planner cannot tell it was built")
    for arg in argv[1:]:
        if "/" in arg or re.search(r"\.[A-Za-z][\w]*$", arg):
            raise Decline(f"the container passes `{arg}` to {name}: the planner ships only the program and cannot tell which files it reads")
    return path


def plan_c(f: SourceFacts, s: Settings, p: ProjectFiles) -> Plan:
    ref = f.base_ref
    if ref.registry or ref.repository not in _BASES or f.os_manager not in ("apt", "apk"):
        raise Decline(
            f"{f.base} is not the official debian, ubuntu or alpine image: the planner keeps the C build's base image as its "
            "runtime (the C library the program links against) only for those"
        )
    for raw in f.os_packages:
        name = raw.split("=", 1)[0].split(":", 1)[0]
        if name.startswith("."):
            continue  # the name of an apk --virtual group, not a package
        if not _build_package(name):
            raise Decline(
                f"the build installs {name}, which is not a compiler, a header package or a build tool: the program may need it "
                "at run time, and the planner cannot tell (it only ships the program)"
            )
    unknown = next((c for c in f.commands if c.kind == "unknown"), None)
    if unknown is not None:
        raise Decline(f"cannot tell what `{' '.join(unknown.words[:4])}` leaves for the runtime: the planner ships only the program")
    if any(i.keyword == "HEALTHCHECK" for i in f.meta):
        raise Decline("the image has a HEALTHCHECK: the planner cannot tell what its command needs besides the program")
    path = _program(f)
    runtime_pkgs: list[str] = []
    if f.os_manager == "apk":
        # Alpine's base has no libgcc or libstdc++: the toolchain's own runtime, which a program built with it may load.
        cxx = any(re.match(r"^(g\+\+|clang|build-base)", pkg) for pkg in f.os_packages)
        runtime_pkgs = ["libgcc", "libstdc++"] if cxx else ["libgcc"]
    notes = [
        f"Only {path} ships: if the program reads other files at run time (configuration, data, plugins), copy them from the builder too.",
        f"The runtime is {f.base}, the image the program was built on, so it finds the same C library"
        + (f"; Alpine's base has no {' or '.join(runtime_pkgs)}, which the runtime installs." if runtime_pkgs else "."),
    ]
    summary = f"Split into builder and runtime: the program is built on {f.base} with its compilers, and only {path} ships, on {f.base}."
    return plan_in_place(
        f, s, f.base, [path],
        f"the original build on {f.base}: compilers, headers and the build as written.",
        f"the same {f.base} with only the program the container runs; no compilers, headers or sources.",
        summary, notes, runtime_os=f.os_manager, runtime_packages=runtime_pkgs,
    )
