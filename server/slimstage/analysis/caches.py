"""Package-manager caches: where each one is written, and whether a RUN leaves it in its layer.

A RUN that downloads packages leaves the package manager's cache (apt's package lists,
apk's index, dnf metadata, pip/npm/yarn/poetry/uv/composer/bundler downloads) in its
layer unless it writes the cache to a cache or tmpfs mount, turns the cache off (an
option such as ``--no-cache-dir``, or an environment variable), or removes it before the
RUN ends. Each cache kind also says which mount or cleanup avoids it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Optional

from ..dockerfile.model import Instruction
from .ecosystems import PackageStep, all_steps
from .packages import SystemStep, system_steps
from .shell import Command, commands


@dataclass(frozen=True)
class CacheKind:
    key: str  # apt, apk, dnf, yum, microdnf, tdnf, zypper, pip, uv, poetry, npm, yarn, composer, bundler
    what: str  # "apt's package lists (/var/lib/apt/lists)"
    mount_target: str  # where a cache mount goes (for root), "" when it depends on the setup
    sharing: str  # "locked" for managers that must not run twice at once on one cache
    home_based: bool  # under the user's home: the path differs for a non-root USER
    env_dir: str  # environment variable that moves the cache ("PIP_CACHE_DIR")
    env_off: tuple[str, ...]  # environment variables that turn the cache off
    off_flags: tuple[str, ...]  # command options that turn the cache off
    cleanup: str  # what to add to the RUN instead: a flag ("--no-cache-dir") or a command
    cleanup_is_flag: bool
    removes: str  # regex: an ``rm`` target, or mount target, that takes the cache away
    size: str = "about the size of everything it downloaded"  # what it typically costs

    def removed_by(self, path: str, env: Mapping[str, str] | None = None) -> bool:
        """Removing (or mounting over) ``path`` takes this cache away."""
        moved = (env or {}).get(self.env_dir) if self.env_dir else None
        if moved and path.rstrip("/*").rstrip("/") == moved.rstrip("/"):
            return True
        return re.search(self.removes, path) is not None

    @property
    def mount_flag(self) -> str:
        if not self.mount_target:
            return ""
        extra = f",sharing={self.sharing}" if self.sharing else ""
        return f"--mount=type=cache,target={self.mount_target}{extra}"


_SIZES = {
    "apt": "typically tens of MB",
    "apk": "a few MB",
    "dnf": "often over 100 MB",
    "yum": "often over 100 MB",
    "microdnf": "tens of MB or more",
    "tdnf": "tens of MB",
    "zypper": "tens of MB or more",
}


def _k(key, what, target, sharing, home, env_dir, env_off, off_flags, cleanup, is_flag, removes) -> CacheKind:
    size = _SIZES.get(key, "about the size of everything it downloaded")
    return CacheKind(key, what, target, sharing, home, env_dir, tuple(env_off), tuple(off_flags), cleanup, is_flag, removes, size)


_VAR_CACHE_ALL = r"|^/var/cache/?\*?$"
KINDS: dict[str, CacheKind] = {
    k.key: k
    for k in (
        _k("apt", "apt's package lists (/var/lib/apt/lists)", "/var/lib/apt/lists", "locked", False, "", (), (),
           "rm -rf /var/lib/apt/lists/*", False, r"^/var/lib/apt(/lists)?(/|/\*)?$"),
        _k("apk", "apk's package index (/var/cache/apk)", "/var/cache/apk", "locked", False, "", (), ("--no-cache", "--no-network"),
           "--no-cache", True, r"^/var/cache/apk|^/etc/apk/cache" + _VAR_CACHE_ALL),
        _k("dnf", "dnf's repository metadata (/var/cache/dnf)", "/var/cache/dnf", "locked", False, "", (), (),
           "dnf clean all", False, r"^/var/cache/(dnf|libdnf5)" + _VAR_CACHE_ALL),
        _k("yum", "yum's repository metadata (/var/cache/yum)", "/var/cache/yum", "locked", False, "", (), (),
           "yum clean all", False, r"^/var/cache/yum" + _VAR_CACHE_ALL),
        _k("microdnf", "microdnf's repository metadata (/var/cache/yum)", "/var/cache/yum", "locked", False, "", (), (),
           "microdnf clean all", False, r"^/var/cache/(yum|dnf)" + _VAR_CACHE_ALL),
        _k("tdnf", "tdnf's repository metadata (/var/cache/tdnf)", "/var/cache/tdnf", "locked", False, "", (), (),
           "tdnf clean all", False, r"^/var/cache/tdnf" + _VAR_CACHE_ALL),
        _k("zypper", "zypper's repository metadata and packages (/var/cache/zypp)", "/var/cache/zypp", "locked", False, "", (), (),
           "zypper clean --all", False, r"^/var/cache/zypp" + _VAR_CACHE_ALL),
        _k("pip", "pip's download and wheel cache (~/.cache/pip)", "/root/.cache/pip", "", True, "PIP_CACHE_DIR",
           ("PIP_NO_CACHE_DIR",), ("--no-cache-dir", "--no-cache", "--no-index", "--cache-dir"), "--no-cache-dir", True,
           r"/\.cache(/pip)?/?\*?$|PIP_CACHE_DIR"),
        _k("pipenv", "pipenv's and pip's caches (~/.cache/pipenv, ~/.cache/pip)", "", "", True, "PIPENV_CACHE_DIR",
           ("PIP_NO_CACHE_DIR",), ("--clear",), "rm -rf ~/.cache/pip ~/.cache/pipenv", False, r"/\.cache(/pip|/pipenv)?/?\*?$|CACHE_DIR"),
        _k("uv", "uv's cache (~/.cache/uv)", "/root/.cache/uv", "", True, "UV_CACHE_DIR", ("UV_NO_CACHE",),
           ("--no-cache", "-n", "--cache-dir"), "--no-cache", True, r"/\.cache(/uv)?/?\*?$|UV_CACHE_DIR"),
        _k("poetry", "Poetry's cache (~/.cache/pypoetry)", "/root/.cache/pypoetry", "", True, "POETRY_CACHE_DIR", (),
           ("--no-cache",), "rm -rf /root/.cache/pypoetry", False, r"/\.cache(/pypoetry)?/?\*?$|pypoetry|POETRY_CACHE_DIR"),
        _k("npm", "npm's download cache (~/.npm)", "/root/.npm", "", True, "npm_config_cache", (),
           ("--cache",), "npm cache clean --force", False, r"/\.npm(/_cacache)?/?\*?$|_cacache|npm_config_cache|NPM_CONFIG_CACHE"),
        _k("yarn", "Yarn's download cache (/usr/local/share/.cache/yarn)", "/usr/local/share/.cache/yarn", "", True,
           "YARN_CACHE_FOLDER", (), ("--cache-folder",), "yarn cache clean", False, r"yarn|/\.cache/?\*?$|YARN_CACHE_FOLDER"),
        _k("composer", "Composer's download cache (~/.composer/cache or ~/.cache/composer)", "", "", True, "COMPOSER_CACHE_DIR",
           ("COMPOSER_NO_CACHE",), ("--no-cache",), "composer clear-cache", False, r"composer|/\.cache/?\*?$|COMPOSER_(CACHE_DIR|HOME)"),
        _k("bundler", "the downloaded .gem files (the gem cache folder)", "", "", False, "", (), (),
           "rm -rf /usr/local/bundle/cache", False, r"(bundle|gem|BUNDLE|GEM).*cache|cache.*(bundle|gem)|/\.gem/?$|/\.bundle/?$"),
    )
}

_CLEAN_COMMANDS = {
    "apt": lambda w: len(w) > 1 and w[1] in ("dist-clean", "distclean"),
    "apk": lambda w: len(w) > 2 and w[1] == "cache" and w[2] in ("clean", "purge"),
    "dnf": lambda w: len(w) > 2 and w[1] == "clean" and w[2] in ("all", "metadata", "dbcache"),
    "zypper": lambda w: len(w) > 1 and w[1] in ("clean", "cc"),
    "pip": lambda w: len(w) > 2 and w[1] == "cache" and w[2] in ("purge", "remove"),
    "uv": lambda w: len(w) > 2 and w[1] == "cache" and w[2] in ("clean", "prune"),
    "poetry": lambda w: len(w) > 2 and w[1] == "cache" and w[2] == "clear",
    "npm": lambda w: len(w) > 2 and w[1] == "cache" and w[2] in ("clean", "clear", "rm"),
    "yarn": lambda w: len(w) > 2 and w[1] == "cache" and w[2] == "clean",
    "composer": lambda w: len(w) > 1 and w[1] in ("clear-cache", "clearcache", "cc"),
}
_CLEANER_OF = {"apt-get": "apt", "apt": "apt", "apk": "apk", "dnf": "dnf", "dnf5": "dnf", "yum": "dnf", "microdnf": "dnf", "tdnf": "dnf",
               "zypper": "zypper", "pip": "pip", "pip3": "pip", "uv": "uv", "poetry": "poetry", "npm": "npm", "yarn": "yarn",
               "composer": "composer", "composer.phar": "composer"}
_KIND_CLEANER = {"yum": "dnf", "microdnf": "dnf", "tdnf": "dnf", "pipenv": "pip"}


@dataclass(frozen=True)
class LeftCache:
    """A RUN command that leaves a package-manager cache in the RUN's layer."""

    kind: CacheKind
    command: Command
    writers: tuple[Command, ...]  # every command of the RUN writing this cache (the first is ``command``)


def _writer_kind(step: object) -> Optional[str]:
    if isinstance(step, SystemStep):
        if step.manager == "apt":
            return "apt" if step.action == "update" else None
        if step.action not in ("install", "update", "upgrade"):
            return None
        if step.manager == "apk":
            return None if step.no_cache else "apk"
        key = "dnf" if step.manager == "dnf5" else step.manager
        return key if key in KINDS else None
    assert isinstance(step, PackageStep)
    if step.kind not in ("deps", "build", "tool", "prefetch"):
        return None
    tool = step.tool
    if tool in ("pip", "pipenv", "uv", "poetry", "npm", "composer", "bundler"):
        return tool
    if tool == "yarn" and not any(w in step.command.words for w in ("--immutable", "--immutable-cache", "focus")):
        return "yarn"  # Yarn Berry keeps its cache as the project decides (often inside the project): not judged
    return None


def removed_paths(cmd: Command) -> list[str]:
    """Paths an ``rm`` (or ``find ... -delete``) in the RUN removes."""
    w = cmd.words
    if cmd.name == "rm":
        return [x for x in w[1:] if not x.startswith("-")]
    if cmd.name == "find" and ("-delete" in w or "rm" in w) and len(w) > 1:
        return [w[1]]
    return []


def _mounts(ins: Instruction) -> list[str]:
    out = []
    for flag in ins.flags_named("mount"):
        opts = flag.options()
        if opts.get("type") in ("cache", "tmpfs"):
            target = opts.get("target") or opts.get("dst") or opts.get("destination") or ""
            if target:
                out.append(target)
    return out


def _is_off(kind: CacheKind, cmd: Command, env: Mapping[str, str]) -> bool:
    if any(w == f or w.startswith(f + "=") for w in cmd.words for f in kind.off_flags):
        return True
    if kind.env_dir and (cmd.env_value(kind.env_dir) or env.get(kind.env_dir)) == "/dev/null":
        return True
    return any(cmd.env_value(v) is not None or v in env for v in kind.env_off)


def caches_left(ins: Instruction, env: Mapping[str, str] | None = None) -> list[LeftCache]:
    """The caches a RUN leaves in its layer, given the ENV in effect (one entry per kind)."""
    if ins.keyword != "RUN":
        return []
    env = env or {}
    steps: list[tuple[Command, object]] = [(s.command, s) for s in system_steps(ins)] + [(s.command, s) for s in all_steps(ins)]
    if not steps:
        return []
    cmds = commands(ins)
    order = {id(c): i for i, c in enumerate(cmds)}
    writers: dict[str, list[Command]] = {}
    for cmd, step in steps:
        key = _writer_kind(step)
        if key is None or _is_off(KINDS[key], cmd, env):
            continue
        writers.setdefault(key, []).append(cmd)
    if not writers:
        return []
    mounts = _mounts(ins)
    out = []
    for key, found in writers.items():
        kind = KINDS[key]
        if any(kind.removed_by(m, env) for m in mounts):
            continue
        found.sort(key=lambda c: order.get(id(c), 0))
        last = order.get(id(found[-1]), 0)
        cleaner = _KIND_CLEANER.get(key, key)
        cleaned = False
        for cmd in cmds[last + 1 :]:
            if any(kind.removed_by(t, env) for t in removed_paths(cmd)):
                cleaned = True
            elif _CLEANER_OF.get(cmd.name) == cleaner and _CLEAN_COMMANDS.get(cleaner, lambda w: False)(cmd.words):
                cleaned = True
        if not cleaned:
            out.append(LeftCache(kind, found[0], tuple(found)))
    return out
