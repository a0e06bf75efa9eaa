"""System package managers in RUN commands: apt, apk, dnf, yum, microdnf, tdnf, zypper.

Each simple command of a RUN is read as a package-manager action (update the index,
install, remove, upgrade, clean) with its options and the package names it names, so
rules can ask what a RUN installs, whether it refreshes the index, and whether it skips
recommended packages. (Which packages are compilers and headers is ``buildtools.py``'s job.)
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from functools import cached_property
from typing import Optional

from ..dockerfile.model import Instruction
from .shell import Command, commands

APT = ("apt-get", "apt", "aptitude")
RPM = ("dnf", "dnf5", "yum", "microdnf", "tdnf")


@dataclass(frozen=True)
class SystemStep:
    manager: str  # apt, apk, dnf, yum, microdnf, tdnf, zypper (apt-get, apt and aptitude are all "apt")
    action: str  # update | install | remove | upgrade | clean | other
    subcommand: str  # as written: install, add, in, dist-upgrade...
    packages: tuple[str, ...]  # names (and local files) as written, options left out
    options: frozenset[str]  # options as written before any '='
    command: Command
    sub_index: int  # index of the subcommand in ``command.words`` (-1 when implicit)

    @property
    def label(self) -> str:
        """``apt-get install``, ``apk add``: what a user calls the step."""
        return f"{self.command.name} {self.subcommand}".strip()

    @property
    def dynamic(self) -> bool:
        """The package list is computed (``$(cat list)``, ``$PKGS``, ``xargs``), not written out."""
        return self.command.via == "xargs" or any("$" in p or "`" in p for p in self.packages)

    @cached_property
    def local_files(self) -> tuple[str, ...]:
        """Packages installed from files (``./app.deb``, ``/tmp/x.rpm``), which come from the context or a download."""
        return tuple(p for p in self.packages if p.startswith((".", "/")) or p.endswith((".deb", ".rpm", ".apk")))

    @property
    def no_recommends(self) -> bool:
        """apt's ``--no-install-recommends`` (or the equivalent ``-o`` option)."""
        words = self.command.words
        return "--no-install-recommends" in self.options or any(
            re.search(r"Install-Recommends[\"']?=[\"']?(false|0|no)", w, re.I) for w in words
        )

    @property
    def no_cache(self) -> bool:
        """apk's ``--no-cache`` (the index is fetched to a temporary place and not kept) or
        ``--no-network`` (nothing is fetched)."""
        return "--no-cache" in self.options or "--no-network" in self.options



# -- reading commands ------------------------------------------------------------------------------

_APT_VALUES = frozenset(("-o", "--option", "-t", "--target-release", "--default-release", "-c", "--config-file", "-a", "--host-architecture"))
_APK_VALUES = frozenset(("-t", "--virtual", "-X", "--repository", "-p", "--root", "--keys-dir", "--repositories-file", "--arch", "--cache-dir"))
_RPM_VALUES = frozenset(("--setopt", "--enablerepo", "--disablerepo", "--installroot", "--releasever", "-c", "--config", "--repo", "--repofrompath", "-x", "--exclude", "--forcearch"))
_ZYPPER_VALUES = frozenset(("-r", "--repo", "--root", "-R", "-D", "--reposd-dir", "-C", "--cache-dir"))

_ACTIONS = {
    "apt": {
        "update": "update", "install": "install", "reinstall": "install", "upgrade": "upgrade", "dist-upgrade": "upgrade",
        "full-upgrade": "upgrade", "remove": "remove", "purge": "remove", "autoremove": "remove", "clean": "clean",
        "autoclean": "clean", "dist-clean": "clean", "distclean": "clean", "build-dep": "install",
    },
    "apk": {"update": "update", "add": "install", "upgrade": "upgrade", "del": "remove", "cache": "clean", "fix": "install"},
    "rpm": {
        "makecache": "update", "install": "install", "in": "install", "reinstall": "install", "groupinstall": "install",
        "localinstall": "install", "update": "upgrade", "upgrade": "upgrade", "distro-sync": "upgrade", "remove": "remove",
        "erase": "remove", "autoremove": "remove", "clean": "clean", "builddep": "install",
    },
    "zypper": {
        "refresh": "update", "ref": "update", "install": "install", "in": "install", "update": "upgrade", "up": "upgrade",
        "dist-upgrade": "upgrade", "dup": "upgrade", "remove": "remove", "rm": "remove", "clean": "clean", "cc": "clean",
        "source-install": "install", "si": "install",
    },
}


def _manager(name: str) -> Optional[tuple[str, str, frozenset[str]]]:
    """(manager, action table key, options taking a value) for a program name."""
    if name in APT:
        return "apt", "apt", _APT_VALUES
    if name == "apk":
        return "apk", "apk", _APK_VALUES
    if name in RPM:
        return name, "rpm", _RPM_VALUES
    if name == "zypper":
        return "zypper", "zypper", _ZYPPER_VALUES
    return None


def classify_system(cmd: Command) -> Optional[SystemStep]:
    """The system package-manager action ``cmd`` performs, if any."""
    found = _manager(cmd.name)
    if found is None:
        return None
    manager, table, takes_value = found
    words = cmd.words
    options: set[str] = set()
    packages: list[str] = []
    sub, sub_index = "", -1
    i = 1
    while i < len(words):
        w = words[i]
        if w.startswith("-") and len(w) > 1:
            name = w.split("=", 1)[0]
            options.add(name)
            if "=" not in w and name in takes_value:
                i += 1
        elif not sub:
            sub, sub_index = w, i
        else:
            packages.append(w)
        i += 1
    action = _ACTIONS[table].get(sub, "other")
    if manager == "apk" and sub == "cache" and packages[:1] != ["clean"]:
        action = "other"
    return SystemStep(manager, action, sub, tuple(packages), frozenset(options), cmd, sub_index)


_CACHE: "weakref.WeakKeyDictionary[Instruction, tuple[SystemStep, ...]]" = weakref.WeakKeyDictionary()


def system_steps(ins: Instruction) -> tuple[SystemStep, ...]:
    """Every system package-manager command of a RUN, in order (cached per instruction)."""
    if ins.keyword != "RUN":
        return ()
    found = _CACHE.get(ins)
    if found is None:
        found = _CACHE[ins] = tuple(s for s in map(classify_system, commands(ins)) if s is not None)
    return found


def installs(ins: Instruction) -> tuple[SystemStep, ...]:
    """The install steps of a RUN (``apt-get install``, ``apk add``, ``dnf install``...)."""
    return tuple(s for s in system_steps(ins) if s.action == "install")


def install_using_existing_index(ins: Instruction, manager: str) -> Optional[SystemStep]:
    """The first install of ``manager`` in a RUN that works from whatever index is already there.

    ``apt-get install`` before (or without) an ``apt-get update`` in the same RUN, or
    ``apk add`` without ``--no-cache``/``--update`` and without an ``apk update`` before it.
    """
    updated = False
    for s in system_steps(ins):
        if s.manager != manager:
            continue
        if s.action == "update" or (manager == "apk" and ("--update" in s.options or "-U" in s.options)):
            updated = True
        elif s.action in ("install", "upgrade") and not updated:
            if manager == "apk" and "--no-cache" in s.options:
                continue  # --no-cache fetches a fresh index
            return s
    return None
