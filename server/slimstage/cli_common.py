"""What the command-line front ends share: exit codes, usage errors, finding and reading
Dockerfiles, and settings from flags.

``cli.py`` (check, rules, serve, and the parser), ``explain.py``, ``rewrite/command.py``
and ``format_command.py`` import these from here, so none of them imports another front
end (``cli.py`` imports the others lazily, to run them).
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
from pathlib import Path
from typing import Optional, Sequence

from .settings import Settings

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_DECLINED = 0, 1, 2, 3
EXIT_VERIFY_FAILED, EXIT_UNVERIFIED = 4, 5
MAX_BYTES = 64 * 1024 * 1024
_SKIP_DIRS = frozenset((".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", "target", "dist", "build"))


class UsageError(Exception):
    """A problem with what the user asked for: one line, exit 2."""


# -- finding files ------------------------------------------------------------------------


def is_dockerfile_name(name: str) -> bool:
    low = name.lower()
    return (
        low in ("dockerfile", "containerfile")
        or low.endswith((".dockerfile", "-dockerfile", "_dockerfile", ".containerfile"))
        or low.startswith(("dockerfile.", "containerfile."))
    ) and not low.endswith(".dockerignore")


def discover(paths: Sequence[str], errors: list[str]) -> list[Path]:
    """Files named on the command line, and Dockerfiles found below named folders."""
    found: list[Path] = []
    for raw in paths:
        p = Path(raw)
        try:
            st = p.stat()
        except OSError as exc:
            errors.append(f"{raw}: {exc.strerror or exc}")
            continue
        if stat.S_ISDIR(st.st_mode):
            before = len(found)
            for root, dirs, files in os.walk(p, followlinks=False, onerror=lambda e: errors.append(f"{e.filename}: {e.strerror}")):
                dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
                found += [Path(root) / f for f in sorted(files) if is_dockerfile_name(f)]
            if len(found) == before:
                errors.append(f"{raw}: no Dockerfile found (looked for Dockerfile, *.Dockerfile, Dockerfile.*, Containerfile)")
        else:
            found.append(p)
    return found


def read_file(path: Path) -> tuple[Optional[str], Optional[str]]:
    """(text, problem). Never blocks on FIFOs or devices, never raises."""
    from .dockerfile.parse import decode
    from .sidefile import read_bytes

    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            kind = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file (FIFO, socket or device)"
            return None, f"{path}: {kind}, not checked"
        if st.st_size > MAX_BYTES:
            return None, f"{path}: {st.st_size // (1024 * 1024)} MB is larger than the {MAX_BYTES // (1024 * 1024)} MB slimstage reads"
    except OSError as exc:
        return None, f"{path}: cannot read: {exc.strerror or exc}"
    data, problem = read_bytes(path, max_bytes=MAX_BYTES)  # the one reader: non-blocking, fstat-checked, capped
    if data is None:
        return None, (problem or f"{path}: cannot read").replace("; not read", "")
    text, note = decode(data)
    return text, (f"{path}: {note}" if note else None)


# -- settings from flags ------------------------------------------------------------------


def unknown_target(doc, target: str) -> Optional[str]:
    """Why ``target`` names no stage of ``doc`` (as ``docker build --target`` would refuse it), or None."""
    if not target or not doc.stages or doc.stage_ref(target) is not None:
        return None
    names = ", ".join(st.name for st in doc.stages if st.name)
    return f"--target {target!r} names no stage of this file ({f'its stages: {names}' if names else 'none of its stages has a name'})"


def settings_from_args(args: argparse.Namespace, start: Path) -> Settings:
    from . import settings as settings_mod

    overrides: dict = {}
    for item in getattr(args, "set", None) or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--set takes KEY=VALUE, got {item!r}")
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = value
        node = overrides
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = parsed
    rules: dict = overrides.setdefault("rules", {})
    if getattr(args, "select", None):
        rules["select"] = args.select.split(",")
    if getattr(args, "ignore", None):
        rules["ignore"] = args.ignore.split(",")
    if getattr(args, "target", None):
        overrides["target"] = args.target
    verify: dict = {}
    for flag, key in (("verify", "enabled"), ("verify_engine", "engine"), ("build_timeout", "build_timeout"), ("run_timeout", "run_timeout")):
        if getattr(args, flag, None) is not None:
            verify[key] = getattr(args, flag)
    env = verify_env(getattr(args, "verify_env", None) or [])
    if env:
        verify["env"] = env
    if verify:
        overrides.setdefault("verify", {}).update(verify)
    settings, problems = settings_mod.load(start, overrides)
    for p in problems:
        print(f"slimstage: {p}", file=sys.stderr)
    return settings


def verify_env(items: list[str]) -> dict[str, str]:
    """``--verify-env NAME=VALUE`` flags -> {NAME: VALUE} (the last of a name wins). A bare
    NAME is refused rather than read from this environment, as ``docker run -e NAME`` would:
    what reaches the containers is what the command line says. A value is never quoted back."""
    from .settings import ENV_NAME

    env: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not ENV_NAME.match(name):
            raise UsageError("--verify-env takes NAME=VALUE, and NAME must be letters, digits and _ (not starting with a digit, at most 128)")
        if not sep:
            raise UsageError(f"--verify-env takes NAME=VALUE: {name} has no value (it is not read from this environment)")
        env[name] = value
    return env
