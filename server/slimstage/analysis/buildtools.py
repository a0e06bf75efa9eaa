"""Build-only OS packages (compilers, headers, build systems) a RUN installs, and whether
the same RUN removes them again.

Covers apt-get/apt, apk, yum/dnf/microdnf/tdnf and zypper. A package counts as removed
when a later command of the same RUN removes it by name (or its ``apk add --virtual``
group), or when the RUN marks everything it installed as automatic (``apt-mark auto``)
and then purges automatic packages, the pattern the official images use. Package lists
held in variables (``$buildDeps``) are not guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ..dockerfile.model import Instruction
from .ecosystems import Command, split_commands

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
    command: Command
    manager: str  # apt | apk | yum | zypper
    packages: tuple[str, ...]  # as written (variables left out)
    group: str  # apk --virtual name, "" if none
    kept: tuple[str, ...]  # build-only packages the same RUN does not remove

    @property
    def kept_tools(self) -> tuple[str, ...]:
        """Kept compilers and header packages: the ones that say "this stage builds native code"."""
        return tuple(p for p in self.kept if kind_of(p) in ("compiler", "headers"))


_INSTALL = {
    "apt-get": ("apt", ("install",)),
    "apt": ("apt", ("install",)),
    "aptitude": ("apt", ("install",)),
    "apk": ("apk", ("add",)),
    "yum": ("yum", ("install",)),
    "dnf": ("yum", ("install",)),
    "microdnf": ("yum", ("install",)),
    "tdnf": ("yum", ("install",)),
    "zypper": ("zypper", ("install", "in")),
}
_REMOVE = {
    "apt": ("purge", "remove", "autoremove", "autopurge"),
    "apk": ("del",),
    "yum": ("remove", "erase", "autoremove"),
    "zypper": ("remove", "rm"),
}
_TAKES_VALUE = frozenset(("-o", "-t", "--virtual", "--repository", "-X", "--setopt", "--enablerepo", "--disablerepo", "-c", "--option"))


def _operands(words: tuple[str, ...]) -> tuple[list[str], dict[str, str]]:
    """Positional operands (past the subcommand) and the options that take a value."""
    out: list[str] = []
    opts: dict[str, str] = {}
    skip = ""
    for w in words:
        if skip:
            opts[skip] = w
            skip = ""
            continue
        if w.startswith("-"):
            name, sep, value = w.partition("=")
            if name in _TAKES_VALUE and not sep:
                skip = name
            elif sep:
                opts[name] = value
            continue
        out.append(w)
    return out, opts


def _manager(words: tuple[str, ...]) -> tuple[str, str, list[str], dict[str, str]]:
    tool = words[0].rsplit("/", 1)[-1] if words else ""
    if tool not in _INSTALL:
        return "", "", [], {}
    manager = _INSTALL[tool][0]
    operands, opts = _operands(words[1:])
    if not operands:
        return manager, "", [], opts
    return manager, operands[0], operands[1:], opts


def os_installs(ins: Instruction) -> list[OsInstall]:
    """The OS package installs of a RUN, each with the build-only packages it leaves installed."""
    if ins.keyword != "RUN":
        return []
    commands = split_commands(ins)
    out: list[OsInstall] = []
    for i, cmd in enumerate(commands):
        manager, sub, operands, opts = _manager(cmd.words)
        if not manager or sub not in _INSTALL[cmd.words[0].rsplit("/", 1)[-1]][1]:
            continue
        packages = tuple(p for p in operands if "$" not in p and not p.startswith(("/", "./", "http")))
        group = (opts.get("--virtual") or opts.get("-t", "")) if manager == "apk" else ""
        removed = _removed_later(commands[i + 1 :], manager)
        kept = tuple(p for p in packages if kind_of(p) and not _is_removed(p, group, removed))
        out.append(OsInstall(ins, cmd, manager, packages, group, kept))
    return out


def _removed_later(commands: list[Command], manager: str) -> set[str]:
    """Names removed by later commands; ``*`` when everything installed is purged."""
    removed: set[str] = set()
    marked_auto = False
    for cmd in commands:
        words = cmd.words
        tool = words[0].rsplit("/", 1)[-1] if words else ""
        if tool == "apt-mark" and len(words) > 1 and words[1] == "auto":
            marked_auto = True
            continue
        if tool not in _INSTALL or _INSTALL[tool][0] != manager:
            continue
        operands, _ = _operands(words[1:])
        if not operands or operands[0] not in _REMOVE.get(manager, ()):
            continue
        names = operands[1:]
        removed.update(n.split("=", 1)[0].lower() for n in names)
        auto = operands[0] in ("autoremove", "autopurge") or "--auto-remove" in words or "--autoremove" in words
        if auto and marked_auto:
            removed.add("*")
    return removed


def _is_removed(package: str, group: str, removed: set[str]) -> bool:
    name = package.split("=", 1)[0].lower()
    return "*" in removed or name in removed or (bool(group) and group.lower() in removed)
