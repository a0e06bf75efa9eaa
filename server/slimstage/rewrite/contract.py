"""The runtime contract of an image: how a container started from it behaves.

The command it runs (ENTRYPOINT + CMD, including what the base image sets), the ports it
exposes, its working directory, user, environment variable names, volumes, labels, stop
signal and health check, all read from the stage ``docker build`` produces and the
stages it is built FROM. A conversion must keep it, or say what it changed and why.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass, field
from typing import Optional

from ..analysis.images import parse_ref
from ..dockerfile.model import Dockerfile, Instruction, Stage
from .result import ContractChange

_SHELL_META = re.compile(r"[|&;<>()$`\\\"'*?\[\]#~=%{}\n]")
_PYTHON = re.compile(r"^python(\d(\.\d+)?)?$")


@dataclass(frozen=True)
class Contract:
    argv: Optional[tuple[str, ...]]  # ENTRYPOINT + CMD as the container runs them; None when the base is unknown
    entrypoint: Optional[tuple[str, ...]]  # as set in the Dockerfile (None: inherited)
    cmd: Optional[tuple[str, ...]]
    ports: frozenset[str]
    workdir: str
    user: str  # "" means the base image's user (root for every image slimstage knows)
    env: frozenset[str]
    volumes: frozenset[str]
    labels: dict[str, str] = field(hash=False)
    stopsignal: str
    healthcheck: str  # "" none set, "NONE" disabled, else the normalized command
    env_values: dict[str, str] = field(default_factory=dict, hash=False)  # ENV name -> value as written (unquoted)


# ENTRYPOINT and CMD that images set themselves, for the images a conversion targets.
# An entrypoint that only runs its arguments (docker-entrypoint.sh) counts as none.
def image_defaults(image: str) -> Optional[tuple[tuple[str, ...], tuple[str, ...]]]:
    image = image.strip()
    if image.lower() == "scratch":
        return (), ()
    ref = parse_ref(image)
    name, repo = ref.name, ref.repository
    if "distroless" in repo:
        if name.startswith("nodejs"):
            return ("/nodejs/bin/node",), ()
        if name.startswith("python3"):
            return ("/usr/bin/python3",), ()
        if name.startswith("java"):
            return ("/usr/bin/java", "-jar"), ()
        return (), ()
    if ref.registry == "mcr.microsoft.com" and "dotnet" in repo:
        return (), ()
    if name == "node":
        return (), ("node",)
    if name == "python" or name == "pypy":
        return (), ("python3",)
    if name in ("debian", "ubuntu", "golang", "rust", "buildpack-deps", "gcc"):
        return (), ("bash",)
    if name in ("alpine", "busybox"):
        return (), ("/bin/sh",)
    if name in ("eclipse-temurin", "amazoncorretto", "openjdk"):
        return (), ("jshell",)
    return None


def _words(ins: Instruction) -> tuple[str, ...]:
    if ins.is_json:
        return tuple(w.text for w in ins.args)
    return ("/bin/sh", "-c", ins.text.strip())


def _pairs(ins: Instruction) -> list[tuple[str, str]]:
    words = [w.text for w in ins.args]
    if words and "=" not in words[0]:  # legacy "ENV NAME value with spaces"
        return [(words[0], " ".join(words[1:]))]
    return [tuple(w.split("=", 1)) if "=" in w else (w, "") for w in words]  # type: ignore[misc]


def _chain(doc: Dockerfile, target: int) -> list[Stage]:
    """The target stage and the stages it is built FROM, base first."""
    out: list[Stage] = []
    seen: set[int] = set()
    st: Optional[Stage] = doc.stages[target]
    while st is not None and st.index not in seen:
        seen.add(st.index)
        out.append(st)
        st = doc.stages[st.base_stage] if st.base_stage is not None else None
    return list(reversed(out))


def contract_of(doc: Dockerfile, target: Optional[int] = None) -> Optional[Contract]:
    """The contract of stage ``target`` (default: the last), or None for a file without stages."""
    if not doc.stages:
        return None
    target = len(doc.stages) - 1 if target is None else target
    chain = _chain(doc, target)
    defaults = image_defaults(chain[0].base)
    entry, cmd = (defaults if defaults is not None else (None, None))
    set_entry: Optional[tuple[str, ...]] = None
    set_cmd: Optional[tuple[str, ...]] = None
    workdir, user, stopsignal, health = "/", "", "", ""
    env: set[str] = set()
    env_values: dict[str, str] = {}
    volumes: set[str] = set()
    labels: dict[str, str] = {}
    ports: set[str] = set()
    for st in chain:
        cmd_set_here = False
        for ins in st.instructions[1:]:
            k = ins.keyword
            if k == "CMD":
                cmd = set_cmd = _words(ins)
                cmd_set_here = True
            elif k == "ENTRYPOINT":
                entry = set_entry = _words(ins)
                if not cmd_set_here:  # BuildKit resets an inherited CMD when ENTRYPOINT is set
                    cmd = ()
                    set_cmd = None
            elif k == "WORKDIR":
                workdir = posixpath.normpath(posixpath.join(workdir, ins.text.strip() or "."))
            elif k == "USER":
                user = ins.text.strip()
            elif k == "ENV":
                for name, value in _pairs(ins):
                    env.add(name)
                    env_values[name] = _unquote(value)
            elif k == "LABEL":
                labels.update(_pairs(ins))
            elif k == "EXPOSE":
                ports.update(_port(w.text) for w in ins.args)
            elif k == "VOLUME":
                volumes.update(posixpath.normpath(w.text) for w in ins.args if w.text)
            elif k == "STOPSIGNAL":
                stopsignal = ins.text.strip()
            elif k == "HEALTHCHECK":
                health = _health(ins)
    argv = None if entry is None or cmd is None else tuple(entry) + tuple(cmd)
    return Contract(
        argv, set_entry, set_cmd, frozenset(ports), workdir, user, frozenset(env), frozenset(volumes), labels, stopsignal, health, env_values
    )


def _unquote(value: str) -> str:
    v = value.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
        return v[1:-1]
    return v


def _port(text: str) -> str:
    t = text.strip().lower()
    return t[:-4] if t.endswith("/tcp") else t


def _health(ins: Instruction) -> str:
    text = ins.text.strip()
    if text.upper() == "NONE":
        return "NONE"
    return " ".join(text.split())


def _program(word: str) -> str:
    """``/nodejs/bin/node`` and ``node`` run the same program; so do python3.12 and python."""
    base = word.rsplit("/", 1)[-1]
    if _PYTHON.match(base):
        return "python"
    if base == "nodejs":
        return "node"
    return base


def normalize_argv(argv: tuple[str, ...]) -> tuple[str, ...]:
    """Shell form without shell syntax runs like exec form; program paths compare by name."""
    if len(argv) == 3 and argv[0] in ("/bin/sh", "sh", "/bin/bash") and argv[1] == "-c" and not _SHELL_META.search(argv[2]):
        try:
            argv = tuple(shlex.split(argv[2]))
        except ValueError:
            pass
    if argv and argv[0] == "exec":
        argv = argv[1:]
    if not argv:
        return argv
    return (_program(argv[0]),) + tuple(argv[1:])


def _describe_argv(c: Contract) -> str:
    if c.argv is not None:
        return " ".join(c.argv) or "(none)"
    parts = []
    if c.entrypoint is not None:
        parts.append("ENTRYPOINT " + " ".join(c.entrypoint))
    if c.cmd is not None:
        parts.append("CMD " + " ".join(c.cmd))
    return "; ".join(parts) or "(inherited)"


def same_command(a: Contract, b: Contract) -> bool:
    if a.argv is not None and b.argv is not None:
        return normalize_argv(a.argv) == normalize_argv(b.argv)
    norm = lambda v: None if v is None else normalize_argv(v)  # noqa: E731
    return norm(a.entrypoint) == norm(b.entrypoint) and norm(a.cmd) == norm(b.cmd)


def _is_root(user: str) -> bool:
    return user.split(":", 1)[0].strip() in ("", "root", "0")


def diff(before: Contract, after: Contract) -> list[ContractChange]:
    """What ``after`` changes about how the image runs, compared with ``before``."""
    out: list[ContractChange] = []
    if not same_command(before, after):
        out.append(ContractChange("CMD/ENTRYPOINT", _describe_argv(before), _describe_argv(after), mentions=("CMD", "ENTRYPOINT", "command")))
    for port in sorted(before.ports - after.ports):
        out.append(ContractChange("EXPOSE", port, "", mentions=("EXPOSE", port)))
    for port in sorted(after.ports - before.ports):
        out.append(ContractChange("EXPOSE", "", port, mentions=("EXPOSE", port)))
    if before.workdir.rstrip("/") != after.workdir.rstrip("/"):
        out.append(ContractChange("WORKDIR", before.workdir, after.workdir, mentions=("WORKDIR", "working directory", after.workdir)))
    if before.user.strip() != after.user.strip():  # compared exactly: app vs app:app is a change
        hardening = _is_root(before.user) and not _is_root(after.user)
        if not (_is_root(before.user) and _is_root(after.user)):
            out.append(ContractChange("USER", before.user, after.user, hardening=hardening, mentions=("USER", "root", after.user or "root")))
    for name in sorted(before.env - after.env):
        out.append(ContractChange("ENV", name, "", mentions=(name,)))
    for name in sorted(before.env & after.env):
        old, new = before.env_values.get(name, ""), after.env_values.get(name, "")
        if old != new:  # values compared exactly: ENV API_TOKEN="" drops the original's value
            out.append(ContractChange("ENV", f"{name}={old}", f"{name}={new}", mentions=(name,)))
    for vol in sorted(before.volumes ^ after.volumes):
        out.append(ContractChange("VOLUME", vol if vol in before.volumes else "", vol if vol in after.volumes else "", mentions=("VOLUME", vol)))
    for key, value in sorted(before.labels.items()):
        if after.labels.get(key) != value:
            out.append(ContractChange("LABEL", f"{key}={value}", f"{key}={after.labels.get(key, '')}" if key in after.labels else "", mentions=("LABEL", key)))
    if before.stopsignal != after.stopsignal:
        out.append(ContractChange("STOPSIGNAL", before.stopsignal, after.stopsignal, mentions=("STOPSIGNAL", "signal")))
    if before.healthcheck and before.healthcheck != "NONE" and not after.healthcheck:
        out.append(ContractChange("HEALTHCHECK", before.healthcheck, "", mentions=("HEALTHCHECK", "health")))
    if before.healthcheck == "NONE" and after.healthcheck not in ("", "NONE"):
        out.append(ContractChange("HEALTHCHECK", "NONE", after.healthcheck, mentions=("HEALTHCHECK", "health")))
    return out


def is_named(change: ContractChange, explanation: str) -> bool:
    """Whether the explanation names the change (any of its words, case-insensitively)."""
    low = explanation.lower()
    for word in change.mentions:
        w = word.lower().strip()
        if not w:
            continue
        if re.search(r"(?<![a-z0-9_])" + re.escape(w) + r"(?![a-z0-9_])", low):
            return True
    return False


_FIELD_WORDS = {
    "CMD/ENTRYPOINT": ("CMD", "ENTRYPOINT"),
    "EXPOSE": ("EXPOSE", "PORT"),
    "WORKDIR": ("WORKDIR",),
    "USER": ("USER",),
    "ENV": ("ENV",),
    "VOLUME": ("VOLUME",),
    "LABEL": ("LABEL",),
    "STOPSIGNAL": ("STOPSIGNAL",),
    "HEALTHCHECK": ("HEALTHCHECK",),
}
_LEAD = re.compile(r"^[\s\-*`•>]*")


def is_declared(change: ContractChange, declarations: tuple[str, ...]) -> bool:
    """Whether one of the answer's ``contract_changes`` entries declares ``change``.

    An entry declares a change when it starts with the instruction it changes (``CMD: ...``,
    ``ENV API_URL: ...``, ``USER app: ...``); for ENV, LABEL, EXPOSE and VOLUME the entry
    must also name the variable, key, port or path. A word somewhere in an explanation is
    not a declaration.
    """
    key = _key_of(change)
    for entry in declarations:
        text = _LEAD.sub("", entry)
        head = re.split(r"[:—–]| - |\(", text, maxsplit=1)[0] if text else ""
        words = head.replace("`", " ").split()
        if not words or words[0].upper().rstrip(":") not in _FIELD_WORDS.get(change.field, ()):
            if not (change.field == "ENV" and key and words and words[0] == key):
                continue
        if not key or key in head or key in text.split(":", 1)[0] + " " + " ".join(text.split()[:4]):
            return True
    return False


def _key_of(change: ContractChange) -> str:
    if change.field == "ENV":
        return (change.before or change.after).split("=", 1)[0]
    if change.field == "LABEL":
        return (change.before or change.after).split("=", 1)[0]
    if change.field in ("EXPOSE", "VOLUME"):
        return change.before or change.after
    return ""
