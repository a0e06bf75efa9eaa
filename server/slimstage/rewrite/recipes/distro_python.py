"""Python from the distribution's packages (Debian or Ubuntu, apt, pip as root): the same OS image without the compilers.

The interpreter is the one apt installed on that release (Ubuntu 16.04's Python 2.7,
Debian's python3...), whose version and apt-provided modules no python:<version> image
reproduces, so the runtime stays on the original base image.

builder: the original stage as written (apt packages, compilers, ``pip install``).
runtime: the same base image with only the packages that run the app, and what pip wrote.

- The interpreter is named from the packages that imply it: ``python-pip`` and
  ``python-dev`` need ``python``, ``python3-pip``/``python3-dev`` need ``python3``,
  ``python3.8-dev`` needs ``python3.8``. ``python-setuptools`` stays when the build
  installed it: console scripts written by ``setup.py install`` (pip 8, Ubuntu 16.04's,
  without a wheel package) import ``pkg_resources`` when they start, and so do many
  packages.
- As root, Debian's and Ubuntu's pip install into /usr/local (``lib/pythonX.Y/dist-packages``,
  console scripts in ``bin``, data files in ``share``). Debian policy keeps packages from
  shipping files under /usr/local, so that folder holds what pip (and only the build)
  wrote: the runtime copies it whole, with the project folder.
- Other packages the build installed keep their name (the runtime is the same release):
  compilers and tools from ``BUILD_ONLY_PACKAGES`` stay behind unless the container's
  command names them.

It declines when the runtime cannot be named honestly: a ``-dev`` package other than
Python's own headers (its runtime library differs by release), pip installing elsewhere
(``--user``, ``--target``, ``--prefix``, ``--root``) or into a virtual environment, no
project folder, or a build that no longer works: a package the base image's release does not
have (``python-pip`` on Ubuntu 20.04 and later), or ``pip install`` into a Python 3 marked
externally managed (PEP 668: Debian 12 and Ubuntu 23.04 on) without ``--break-system-packages``.
"""

from __future__ import annotations

import re
from typing import Optional

from ...settings import Settings
from ..facts import SourceFacts
from ..project import ProjectFiles
from .common import BUILD_ONLY_PACKAGES, Decline, Plan
from .inplace import plan_in_place

PIP_PREFIX = "/usr/local"
_PY_PACKAGE = re.compile(r"^python(\d(?:\.\d+)?)?(?:-(pip|dev|venv|setuptools|wheel|minimal))?$")
_DISTROS = ("ubuntu", "debian")
_PIP_ELSEWHERE = ("--user", "--target", "-t", "--prefix", "--root")


def interpreter_packages(f: SourceFacts) -> list[str]:
    """The apt packages of ``f`` that install or imply a Python interpreter (``python-pip``, ``python3-dev``...)."""
    return [p for p in f.os_packages if _PY_PACKAGE.match(p.split("=", 1)[0])]


def is_distro_python(f: SourceFacts) -> bool:
    """Python from apt on the official Debian or Ubuntu image, with pip or a Python command: this recipe's files."""
    ref = f.base_ref
    if ref.registry or ref.repository not in _DISTROS or f.os_manager != "apt" or not interpreter_packages(f):
        return False
    uses_pip = any(c.words and c.words[0].rsplit("/", 1)[-1] in ("pip", "pip2", "pip3") for c in f.commands)
    return uses_pip or f.program().startswith("python")


# Ubuntu releases from 20.04 on (what ``ubuntu``/``ubuntu:latest`` has meant since April 2022 at the
# latest): Python 2's pip (``python-pip``) was dropped in 20.04, and 22.04 and later package no
# Python 3 older than 3.10.
_CURRENT_UBUNTU = frozenset(("", "latest", "rolling", "devel", "jammy", "noble", "22.04", "24.04", "26.04"))


def missing_on_current_ubuntu(f: SourceFacts) -> str:
    """Which of the Python apt packages a current Ubuntu tag has no package for, in words ("" when all exist)."""
    ref = f.base_ref
    if ref.registry or ref.repository != "ubuntu" or ref.digest or ref.tag not in _CURRENT_UBUNTU:
        return ""
    tag = ref.tag or "latest"
    for p in interpreter_packages(f):
        name = p.split("=", 1)[0]
        if name == "python-pip":
            return f"`{name}` (Python 2) has no package on ubuntu:{tag} (dropped in Ubuntu 20.04)"
        m = re.fullmatch(r"python3\.(\d+)(-\w+)?", name)
        if m and int(m.group(1)) < 10:
            return f"`{name}` has no package on ubuntu:{tag} (Ubuntu 22.04 and later package Python 3.10 or newer)"
    return ""


# Releases whose python3 is marked externally managed (PEP 668): pip refuses to install into it
# as root without --break-system-packages (Debian 12 "bookworm" and later, Ubuntu 23.04 and later).
_EXTERNALLY_MANAGED = {
    "debian": frozenset(("", "latest", "stable", "testing", "unstable", "sid", "bookworm", "trixie", "forky", "12", "13", "14")),
    "ubuntu": frozenset(("", "latest", "rolling", "devel", "noble", "24.04", "24.10", "25.04", "25.10", "26.04", "lunar", "mantic", "oracular", "plucky")),
}


def refuses_pip(f: SourceFacts) -> str:
    """The pip command the base image's Python 3 refuses (PEP 668), in words ("" when none)."""
    ref = f.base_ref
    tag = re.sub(r"-slim$", "", ref.tag)
    release = tag.split("-", 1)[0] if ref.repository == "debian" else tag
    if release not in _EXTERNALLY_MANAGED.get(ref.repository, frozenset()) or "PIP_BREAK_SYSTEM_PACKAGES" in " ".join(f.text_of(i) for i in f.meta):
        return ""
    if not any(p.split("=", 1)[0].startswith("python3") for p in interpreter_packages(f)):
        return ""
    for c in f.commands:
        w = c.words
        pip = bool(w) and (w[0].rsplit("/", 1)[-1].startswith("pip") or (w[0].rsplit("/", 1)[-1].startswith("python") and w[1:3] == ("-m", "pip")))
        if pip and "install" in w and "--break-system-packages" not in w and "PIP_BREAK_SYSTEM_PACKAGES" not in c.text:
            return f"`{' '.join(w[:4])}` installs into {ref.repository}:{ref.tag or 'latest'}'s Python 3, which is externally managed (PEP 668): pip refuses it"
    return ""


def _runtime_package(name: str, used_at_runtime: str) -> Optional[str]:
    """The runtime counterpart of one apt package ('' to leave it behind); raises Decline when it cannot be named."""
    m = _PY_PACKAGE.match(name)
    if m:
        version, part = m.group(1) or "", m.group(2) or ""
        if part in ("", "setuptools", "minimal"):
            return name
        if part in ("pip", "dev"):
            return f"python{version}"  # the interpreter pip and the headers belong to
        return ""  # -wheel, -venv: build tools (a virtual environment is declined below)
    if name.endswith(("-dev", "-devel")):
        raise Decline(
            f"the build installs {name}: the planner cannot name the library it leaves needed at run time on this release "
            "(start FROM python:<version>, or install the runtime library yourself)"
        )
    if name in BUILD_ONLY_PACKAGES and not re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", used_at_runtime):
        return ""
    return name


def plan_distro_python(f: SourceFacts, s: Settings, p: ProjectFiles) -> Plan:
    missing = missing_on_current_ubuntu(f)
    if missing:
        raise Decline(
            f"the original does not build today: {missing}; the planner converts a file whose build works "
            "(start FROM python:<version>, or name an Ubuntu release that packages it)"
        )
    refused = refuses_pip(f)
    if refused:
        raise Decline(
            f"the original does not build today: {refused}; the planner converts a file whose build works "
            "(use a virtual environment, or start FROM python:<version>)"
        )
    if not f.argv:
        raise Decline("the image sets no CMD or ENTRYPOINT: cannot tell what it runs")
    if f.final_workdir == "/":
        raise Decline("the app is installed in / (no WORKDIR): the planner needs a project folder to copy")
    for c in f.commands:
        words = c.words
        tool = words[0].rsplit("/", 1)[-1] if words else ""
        if tool in ("virtualenv", "pyvenv") or (tool.startswith("python") and words[1:3] == ("-m", "venv")):
            raise Decline(f"`{' '.join(words[:4])}` builds a virtual environment: the planner copies what pip installs into {PIP_PREFIX}")
        if tool.startswith("pip") or (tool.startswith("python") and words[1:3] == ("-m", "pip")):
            odd = [w for w in words if w.split("=", 1)[0] in _PIP_ELSEWHERE]
            if odd:
                raise Decline(f"`{' '.join(words[:4])}` installs outside {PIP_PREFIX} ({odd[0]}): the planner cannot tell what the runtime needs of it")
    used = " ".join(f.text_of(i) for i in f.meta if i.keyword in ("CMD", "ENTRYPOINT", "HEALTHCHECK"))
    runtime_pkgs: list[str] = []
    for raw in f.os_packages:
        name = raw.split("=", 1)[0].split(":", 1)[0]
        pkg = _runtime_package(name, used)
        if pkg and pkg not in runtime_pkgs:
            runtime_pkgs.append(pkg)
    interpreter = [x for x in runtime_pkgs if _PY_PACKAGE.match(x)]
    notes = [
        f"The runtime stays on {f.base}: Python comes from its packages ({', '.join(interpreter)}), and a python image would change "
        "the interpreter's version and the modules apt provides.",
        f"pip installed as root into {PIP_PREFIX} (dist-packages, console scripts in bin), which the runtime copies whole; "
        "its apt packages are installed without their recommended packages.",
    ]
    summary = (
        f"Split into builder and runtime: pip builds the dependencies on {f.base} with its compilers and headers, and only "
        f"the interpreter's packages, {PIP_PREFIX} and the project ship, on {f.base}."
    )
    return plan_in_place(
        f, s, f.base, [PIP_PREFIX, f.final_workdir],
        f"the original build on {f.base}: apt packages with compilers and headers, `pip install` into {PIP_PREFIX}.",
        f"the same {f.base} with only the Python packages that run the app, what pip installed in {PIP_PREFIX} and the "
        "project folder; no compilers, headers or pip.",
        summary, notes, runtime_os="apt", runtime_packages=runtime_pkgs,
    )
