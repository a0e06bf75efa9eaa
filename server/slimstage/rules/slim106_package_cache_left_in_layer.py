"""SLIM106: a package manager's cache is left in a layer of the final image."""

from __future__ import annotations

from dataclasses import replace
from typing import Iterator, Optional

from ..analysis import Analysis
from ..analysis.caches import CacheKind, LeftCache, caches_left
from ..analysis.packages import install_using_existing_index, system_steps
from ..analysis.scope import Scope, walk
from ..analysis.shell import Command, commands
from ..analysis.stages import copy_sources
from ..dockerfile.model import Instruction, Stage
from .base import Fix, Related, Rule, Violation
from .slim1xx_edits import append_command, insert_after_word, insert_run_flag

# Caches of a few MB: reported as info.
_SMALL = frozenset(("apk",))
# The subcommand after which a cache-off option goes, per program.
_SUBCOMMANDS = frozenset(("install", "add", "sync", "wheel", "download", "i"))


class PackageCacheLeftInLayer(Rule):
    """A package manager's cache is left in a layer of the image that ships.

    ## What it does
    Flags a RUN, in a stage that ends up in the final image, that downloads packages and
    leaves the package manager's cache in its layer: apt's package lists after `apt-get
    update`, apk's index (`apk add` without `--no-cache`), dnf/yum/microdnf/zypper
    metadata, and the download caches of pip, uv, Poetry, pipenv, npm, Yarn (classic),
    Composer and Bundler.

    A cache is not left behind when the RUN writes it to a cache or tmpfs mount, turns
    it off (`--no-cache-dir`, `--no-cache`, `PIP_NO_CACHE_DIR`, `UV_NO_CACHE`,
    `COMPOSER_CACHE_DIR=/dev/null`...), or removes it before the RUN ends (`rm -rf
    /var/lib/apt/lists/*`, `apt-get dist-clean`, `dnf clean all`, `npm cache clean
    --force`, `pip cache purge`, `rm -rf /root/.cache`...).

    Stages that do not ship (builders the final stage only copies from) are not
    reported: their caches cost build disk, not image size. Yarn Berry projects
    (`.yarnrc.yml`) choose where their cache lives and are not judged. apk's index is a
    few MB, so `apk add` without `--no-cache` is reported as info; the others as
    warnings.

    On the Docker official images this reports the `apk add` of run-time dependencies
    that follows an `apk add --no-cache` of build dependencies (the index then stays),
    `pip install` without `--no-cache-dir` in the older Python-based images, and
    `apt-get update` without cleanup in images built on `buildpack-deps`; the
    microservices-demo images are clean, except the debug Dockerfile of `cartservice`.

    ## Why it matters
    Every layer is part of the image: a cache written in one RUN stays in the image
    even when a later RUN deletes it. Package lists and download caches are tens to
    hundreds of megabytes that nothing at runtime reads; they make every pull and every
    cold start slower.

    With the `cache_mounts` setting on (the default), slimstage recommends a BuildKit
    cache mount, which keeps the cache out of the layer and also keeps it between builds,
    so the next install downloads less. With it off, it recommends the cleanup in the
    same RUN.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    RUN apt-get update && apt-get install -y --no-install-recommends libpq5
    COPY requirements.txt .
    RUN pip install -r requirements.txt
    ```
    Use instead (`cache_mounts` on):
    ```dockerfile
    FROM python:3.12-slim
    RUN --mount=type=cache,target=/var/lib/apt/lists,sharing=locked \
        apt-get update && apt-get install -y --no-install-recommends libpq5
    COPY requirements.txt .
    RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt
    ```
    Or (`cache_mounts` off):
    ```dockerfile
    RUN apt-get update && apt-get install -y --no-install-recommends libpq5 \
        && rm -rf /var/lib/apt/lists/*
    RUN pip install --no-cache-dir -r requirements.txt
    ```

    ## Fix
    With `cache_mounts` on, the fix adds the cache mount to the RUN when its folder is
    certain (the system managers' folders; for pip, uv, Poetry, npm and Yarn, the root
    user's folder, or the folder an ENV such as `PIP_CACHE_DIR` names). Otherwise, or
    with `cache_mounts` off, it adds the cache-off option (`--no-cache-dir`,
    `--no-cache`) or appends the cleanup to the RUN. No fix is offered for Composer,
    Bundler and pipenv (their cache folder depends on the setup), for a package index a
    later RUN still installs from (see SLIM105), or where the RUN's shape makes the
    place of an appended command uncertain (pipes, `||`, heredocs, exec form).
    """

    code = "SLIM106"
    name = "package-cache-left-in-layer"
    severity = "warning"
    summary = "A package manager's cache (apt lists, pip, npm...) is left in a layer of the image that ships."
    fixable = True
    settings = ("cache_mounts",)

    def check(self, a: Analysis) -> Iterator[Violation]:
        berry = _yarn_berry(a)
        last_use, later_use = _apt_index_uses(a)
        for st in a.doc.stages:
            if not a.ships(st.index):
                continue
            for position, (ins, scope) in enumerate(walk(a.doc, st), 1):
                if ins.keyword != "RUN":
                    continue
                for left in caches_left(ins, scope.env):
                    if left.kind.key == "yarn" and berry:
                        continue
                    # A later RUN installs from the apt lists this RUN fetched: removing them would break it.
                    used = left.kind.key == "apt" and (last_use[st.index] > position or later_use[st.index])
                    yield self._report(a, st, ins, scope, left, used)

    def _report(self, a: Analysis, st: Stage, ins: Instruction, scope: Scope, left: LeftCache, still_used: bool) -> Violation:
        kind = left.kind
        cmd = left.command
        label = _label(cmd)
        mount = _mount(kind, scope) if a.settings.cache_mounts else None
        updates = kind.key == "apk" and any(s.action == "update" for s in system_steps(ins))
        ships = "this stage ships in the final image" if a.is_final(st.index) else f"stage `{st.label}` ships in the final image"
        if still_used:
            advice = "A later RUN installs from these lists: update and install in that same RUN (SLIM105), and keep the lists out of its layer there."
        elif mount:
            advice = f"Write it to a cache mount instead (`RUN {mount} ...`): it stays out of the image and makes the next build download less."
        elif updates:
            advice = "Drop `apk update` and use `apk add --no-cache`, or remove /var/cache/apk/* in the same RUN."
        elif kind.cleanup_is_flag:
            advice = f"Add `{kind.cleanup}` to `{label}`."
        else:
            advice = f"Remove it in the same RUN (`... && {kind.cleanup}`); a later RUN cannot take it out of this layer."
        message = f"`{label}` leaves {kind.what} in this layer ({kind.size}), and {ships}: space that nothing at runtime reads. {advice}"
        related = [Related(c.range, f"`{_label(c)}` also writes to it") for c in left.writers[1:]]
        fix = None if still_used else _fix(a, ins, scope, left, mount)
        v = self.violation(cmd.range, message, related, fix, cache=kind.key)
        return replace(v, severity="info") if kind.key in _SMALL else v


def _mount(kind: CacheKind, scope: Scope) -> Optional[str]:
    """The cache mount to recommend, when its folder is certain."""
    moved = scope.env.get(kind.env_dir) if kind.env_dir else None
    if moved:
        if not moved.startswith("/") or "$" in moved:
            return None
        target = moved
    elif not kind.mount_target or (kind.home_based and not scope.is_root):
        return None
    else:
        target = kind.mount_target
    extra = f",sharing={kind.sharing}" if kind.sharing else ""
    return f"--mount=type=cache,target={target}{extra}"


def _fix(a: Analysis, ins: Instruction, scope: Scope, left: LeftCache, mount: Optional[str]) -> Optional[Fix]:
    kind = left.kind
    if mount:
        return Fix(f"Keep {kind.key}'s cache in a cache mount", (insert_run_flag(ins, mount),))
    if kind.cleanup_is_flag:
        edits = []
        for cmd in left.writers:
            sub = _sub_index(cmd)
            edit = insert_after_word(cmd, sub, kind.cleanup) if sub > 0 else None
            if edit is None:
                break
            edits.append(edit)
        else:
            return Fix(f"Turn {kind.key}'s cache off with `{kind.cleanup}`", tuple(edits))
        if kind.key != "apk":
            return None
        cleanup = "rm -rf /var/cache/apk/*"  # an ``apk update``: the index is written whatever the options
    elif kind.key in ("composer", "bundler", "pipenv") or ("/root/" in kind.cleanup and not scope.is_root):
        return None
    else:
        cleanup = kind.cleanup
    edit = append_command(a, ins, tuple(c for c in commands(ins) if not c.via), cleanup)
    return Fix(f"Remove {kind.key}'s cache in the same RUN", (edit,)) if edit else None


def _label(cmd: Command) -> str:
    """``pip install``, ``python -m pip install``, ``apt-get update``: the command up to its subcommand."""
    sub = _sub_index(cmd)
    if sub < 0:
        sub = next((i for i, w in enumerate(cmd.words[1:], 1) if not w.startswith("-")), 0)
    return " ".join(cmd.words[: sub + 1])


def _sub_index(cmd: Command) -> int:
    for i, w in enumerate(cmd.words[1:], 1):
        if w in _SUBCOMMANDS:
            return i
    return -1


def _apt_index_uses(a: Analysis) -> tuple[list[int], list[bool]]:
    """Per stage: the position of its last RUN installing from apt lists fetched earlier, and
    whether a stage built on it (directly or not) has such a RUN."""
    last = [-1] * len(a.doc.stages)
    for st in a.doc.stages:
        for position, ins in enumerate(st.instructions):
            if ins.keyword == "RUN" and install_using_existing_index(ins, "apt") is not None:
                last[st.index] = position
    below = [False] * len(a.doc.stages)
    for st in reversed(a.doc.stages):
        base = st.base_stage
        if base is not None and base < st.index:
            below[base] = below[base] or below[st.index] or last[st.index] >= 0
    return last, below


def _yarn_berry(a: Analysis) -> bool:
    if a.context.known and a.context.has(".yarnrc.yml"):
        return True
    for ins in a.doc.instructions:
        if ins.keyword in ("COPY", "ADD") and any(s.rstrip("/").endswith((".yarnrc.yml", ".yarn")) for s in copy_sources(ins)):
            return True
    return False

