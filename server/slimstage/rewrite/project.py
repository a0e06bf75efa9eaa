"""The few project files a conversion reads: manifests that say how the project builds.

The planner needs, for example, package.json's scripts and ``main``, pom.xml's Spring
Boot version, Cargo.toml's package name, a .csproj's SDK; Claude is sent the relevant
parts of them (``prompt.project_facts``). The front ends read them once from the build
context (``read_project``, small regular files only, every read through
``read_side_file``) and hand the engines a frozen ``ProjectFiles``; the engines never
touch the disk.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from ..analysis.context import BuildContext
from ..sidefile import read_text

MAX_BYTES = 256 * 1024
MAX_LISTED = 200  # entries of the context listing
_PER_FOLDER = 25  # entries shown inside one sub-folder
_MAX_SCAN = 5000  # entries read from one folder at most
_NOT_OPENED = frozenset((".git", "node_modules", ".venv", "venv", "__pycache__", "target", ".gradle", "vendor", ".next", "dist", "build"))
# Build configs that say where the build output goes, and start files.
CONFIGS = (
    "tsconfig.json", "tsconfig.build.json", "vite.config.js", "vite.config.ts", "vite.config.mjs", "next.config.js",
    "next.config.mjs", "next.config.ts", "webpack.config.js", "rollup.config.js", "rollup.config.mjs", "nest-cli.json",
    "angular.json", "svelte.config.js", "nuxt.config.ts", "Procfile", "manage.py", "Makefile", "setup.py", "setup.cfg",
    "gradle.properties", "settings.gradle", "settings.gradle.kts",
)
WANTED = (
    "package.json",
    "requirements.txt",
    "pyproject.toml",
    "go.mod",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "Cargo.toml",
    ".yarnrc.yml",
    "pnpm-workspace.yaml",
    "mix.lock",
)


@dataclass(frozen=True)
class ProjectFiles:
    names: frozenset[str] = frozenset()  # files and folders at the root of the build context
    known: bool = False  # False when the context folder could not be read
    texts: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    listing: tuple[str, ...] = ()  # the context two levels deep, .dockerignore applied (``list_context``)

    def has(self, name: str) -> bool:
        return name in self.names

    def text(self, name: str) -> Optional[str]:
        return self.texts.get(name)

    def package_json(self) -> dict[str, Any]:
        raw = self.texts.get("package.json")
        if not raw:
            return {}
        try:
            data = json.loads(raw)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def matching(self, pattern: str) -> list[str]:
        rx = re.compile("^" + re.escape(pattern).replace(r"\*", ".*") + "$")
        return sorted(n for n in self.names if rx.match(n))


def from_context(context: BuildContext, texts: Optional[dict[str, str]] = None) -> ProjectFiles:
    return ProjectFiles(context.files, context.known, dict(texts or {}))


def read_side_file(root: Path, rel: str, limit: int = MAX_BYTES) -> Optional[str]:
    """A side file of the build context (manifests, configs, scripts), through the one safe
    reader (``slimstage.sidefile``): only a regular file inside the context, at most
    ``limit`` bytes; never a FIFO, a device, or a link leading out. None for anything else."""
    text, _problem = read_text(Path(root) / rel, within=(root,), max_bytes=limit)
    return text


def list_context(context: BuildContext, levels: int = 2, limit: int = MAX_LISTED) -> tuple[str, ...]:
    """Files and folders of the context, ``levels`` deep, .dockerignore applied, at most ``limit``.

    Folders end in ``/``; a folder with more entries than fit ends its part of the list with
    ``dir/… (N more)``; dependency and VCS folders are named but not opened.
    """
    if not context.known or context.root is None:
        return ()
    ignore = context.ignore
    out: list[str] = []

    def scan(rel: str, depth: int) -> None:
        folder = context.root / rel if rel else context.root  # type: ignore[operator]
        try:
            with os.scandir(folder) as it:
                entries = sorted(((e.name, e.is_dir(follow_symlinks=False)) for _, e in zip(range(_MAX_SCAN), it)))
        except OSError:
            return
        shown = 0
        per_folder = limit if not rel else _PER_FOLDER
        for name, is_dir in entries:
            path = f"{rel}{name}"
            if ignore.excludes(path):
                continue
            if len(out) >= limit or shown >= per_folder:
                out.append(f"{rel}… ({len(entries) - shown} more)")
                return
            out.append(path + ("/" if is_dir else ""))
            shown += 1
            if is_dir and depth + 1 < levels and name not in _NOT_OPENED:
                scan(path + "/", depth + 1)

    scan("", 0)
    return tuple(out[: limit + 1])


def _wanted(context: BuildContext) -> list[str]:
    files = context.files
    names = [n for n in WANTED if n in files]
    names += sorted(n for n in files if re.fullmatch(r"requirements[\w.-]*\.txt", n) and n not in names)[:4]
    names += sorted(n for n in files if n.endswith((".csproj", ".fsproj")))[:4]
    names += [n for n in CONFIGS if n in files]
    names += sorted(n for n in files if n.endswith(".sh"))[:4]
    return list(dict.fromkeys(names))


_SCRIPT_WORDS = ("entrypoint", "start", "run", "boot", "launch", "serve")


def _is_script(path: str) -> bool:
    name = path.rstrip("/").rsplit("/", 1)[-1].lower()
    return name.endswith(".sh") or any(w in name for w in _SCRIPT_WORDS)
MAX_SCRIPTS = 4


def start_scripts(dockerfile_text: str) -> list[str]:
    """Context paths of the scripts the Dockerfile copies (``*.sh``, ``*entrypoint*``,
    ``start*``...), which its ENTRYPOINT/CMD or RUN may run: at most ``MAX_SCRIPTS``."""
    if not dockerfile_text:
        return []
    from ..analysis.stages import context_sources
    from ..dockerfile import parse

    out: list[str] = []
    for _, src in context_sources(parse(dockerfile_text)):
        src = src[2:] if src.startswith("./") else src
        if any(c in src for c in "*?[") or src.startswith(("/", "..")):
            continue
        if _is_script(src) and src not in out:
            out.append(src)
    return out[:MAX_SCRIPTS]


def read_project(context: BuildContext, dockerfile_text: str = "") -> ProjectFiles:
    """The manifests, build configs and start scripts of ``context`` (those at its root, and
    the scripts ``dockerfile_text`` copies), and a listing two levels deep (I/O: call from a
    front end, not the planner)."""
    if not context.known or context.root is None:
        return ProjectFiles()
    texts: dict[str, str] = {}
    for name in list(dict.fromkeys(_wanted(context) + start_scripts(dockerfile_text))):
        text = read_side_file(context.root, name)
        if text is not None:
            texts[name] = text
    if "package.json" in texts:
        # What the shipped JavaScript requires, so the planner keeps a devDependency it needs.
        main = ProjectFiles(texts=texts).package_json().get("main")
        sources = [main] if isinstance(main, str) and main else []
        sources += sorted(n for n in context.files if n.endswith(SOURCE_SUFFIXES))
        for name in list(dict.fromkeys(sources))[:MAX_SOURCES]:
            rel = name[2:] if name.startswith("./") else name
            text = read_side_file(context.root, rel)
            if text is not None:
                texts[name] = text
    return ProjectFiles(context.files, True, texts, list_context(context))


SOURCE_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")
MAX_SOURCES = 24  # JavaScript files read to see what the shipped code requires


_REQUIRE = re.compile(r"""(?:\brequire\s*\(\s*|\bimport\s*\(\s*|\bfrom\s+|^\s*import\s+)["']([^"'./][^"']*)["']""", re.M)


def required_packages(project: ProjectFiles) -> set[str]:
    """Package names the project's JavaScript files read require or import (``lodash``, ``@scope/pkg``)."""
    out: set[str] = set()
    for name, text in project.texts.items():
        if not name.endswith(SOURCE_SUFFIXES):
            continue
        for m in _REQUIRE.finditer(text):
            spec = m.group(1)
            if spec.startswith("node:"):
                continue
            parts = spec.split("/")
            out.add("/".join(parts[:2]) if spec.startswith("@") else parts[0])
    return out
