"""Build-only OS packages (compilers, headers, build systems) a RUN installs, and whether
the same RUN removes them again.

Reads the package-manager steps ``packages.py`` finds (apt, apk, dnf/yum/microdnf/tdnf,
zypper) and decides which installed packages are build-only. A package counts as removed
when a later command of the same RUN removes it by name (or its ``apk add --virtual``
group), or when the RUN marks everything it installed as automatic (``apt-mark auto``)
and then purges automatic packages, the pattern the official images use. Package lists
held in variables (``$buildDeps``) are not guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ..dockerfile.model import Instruction, Range
from .packages import SystemStep, system_steps
from .shell import Command, commands

COMPILERS = frozenset(
    (
        "gcc g++ gcc-c++ clang build-essential build-base gfortran golang golang-go go rust rustc cargo "
        "default-jdk default-jdk-headless maven gradle mono-devel"
    ).split()
)
BUILD_SYSTEMS = frozenset("make cmake autoconf automake libtool pkg-config pkgconf pkgconfig ninja ninja-build meson bison flex dpkg-dev".split())
_VERSIONED_COMPILER = re.compile(r"^(gcc|g\+\+|clang|llvm)-\d+$|^openjdk-\d+-jdk(-headless)?$|^java-[\d.]+-openjdk-devel$|^dotnet-sdk-[\d.]+$|^openjdk\d+(-jdk)?$")
_HEADERS = re.compile(r".+-(dev|devel)$|^linux-headers.*$")


def kind_of(package: str) -> Optional[str]:
    """``compiler``, ``headers`` or ``build-system`` for a build-only package, else None."""
    name = package.split("=", 1)[0].split(">", 1)[0].split("<", 1)[0].split("~", 1)[0].split(":", 1)[0].lower()
    if name in COMPILERS or _VERSIONED_COMPILER.match(name):
        return "compiler"
    if _HEADERS.match(name):
        return "headers"
    if name in BUILD_SYSTEMS:
        return "build-system"
    return None


@dataclass(frozen=True)
class OsInstall:
    instruction: Instruction
    step: SystemStep
    packages: tuple[str, ...]  # as written (computed lists left out)
    group: str  # apk --virtual name, "" if none
    kept: tuple[str, ...]  # build-only packages the same RUN does not remove

    @property
    def command(self) -> Command:
        return self.step.command

    @property
    def range(self) -> Range:
        cmd = self.step.command
        return cmd.range if cmd.editable else self.instruction.range

    @property
    def kept_tools(self) -> tuple[str, ...]:
        """Kept compilers and header packages: the ones that say "this stage builds native code"."""
        return tuple(p for p in self.kept if kind_of(p) in ("compiler", "headers"))


def _family(manager: str) -> str:
    return manager if manager in ("apt", "apk", "zypper") else "rpm"


def _group(step: SystemStep) -> str:
    """The name of an ``apk add --virtual NAME`` group."""
    if step.manager != "apk":
        return ""
    words = step.command.words
    for i, w in enumerate(words):
        if w in ("--virtual", "-t") and i + 1 < len(words):
            return words[i + 1]
        if w.startswith("--virtual="):
            return w.split("=", 1)[1]
    return ""


def os_installs(ins: Instruction) -> list[OsInstall]:
    """The OS package installs of a RUN, each with the build-only packages it leaves installed."""
    steps = system_steps(ins)
    if not steps:
        return []
    cmds = commands(ins)
    out: list[OsInstall] = []
    for i, step in enumerate(steps):
        if step.action != "install":
            continue
        local = frozenset(step.local_files)
        packages = tuple(p for p in step.packages if "$" not in p and "`" not in p and p not in local)
        group = _group(step)
        at = next((j for j, c in enumerate(cmds) if c is step.command), len(cmds))
        later = cmds[at + 1 :]
        removed = _removed_later(later, steps[i + 1 :], _family(step.manager))
        kept = tuple(p for p in packages if kind_of(p) and not _is_removed(p, group, removed))
        out.append(OsInstall(ins, step, packages, group, kept))
    return out


def _removed_later(cmds: tuple[Command, ...] | list[Command], steps: tuple[SystemStep, ...], family: str) -> set[str]:
    """Names removed by later commands of the RUN; ``*`` when everything installed is purged."""
    marked_auto = any(c.name == "apt-mark" and c.words[1:2] == ("auto",) for c in cmds)
    removed: set[str] = set()
    for step in steps:
        if step.action != "remove" or _family(step.manager) != family:
            continue
        removed.update(p.split("=", 1)[0].lower() for p in step.packages)
        auto = step.subcommand in ("autoremove", "autopurge") or "--auto-remove" in step.options or "--autoremove" in step.options
        if auto and marked_auto:
            removed.add("*")
    return removed


def _is_removed(package: str, group: str, removed: set[str]) -> bool:
    name = package.split("=", 1)[0].lower()
    return "*" in removed or name in removed or (bool(group) and group.lower() in removed)
