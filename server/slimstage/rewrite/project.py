"""The few project files a conversion reads: manifests that say how the project builds.

The planner needs, for example, package.json's scripts and ``main``, pom.xml's Spring
Boot version, Cargo.toml's package name, a .csproj's SDK. The front ends read them once
from the build context (``read_project``, small files only) and hand the planner a frozen
``ProjectFiles``; the planner itself never touches the disk.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Optional

from ..analysis.context import BuildContext

MAX_BYTES = 256 * 1024
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
)


@dataclass(frozen=True)
class ProjectFiles:
    names: frozenset[str] = frozenset()  # files and folders at the root of the build context
    known: bool = False  # False when the context folder could not be read
    texts: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

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


SOURCE_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")
MAX_SOURCES = 24  # JavaScript files read to see what the shipped code requires


def read_project(context: BuildContext) -> ProjectFiles:
    """The manifests at the root of ``context`` (I/O: call from a front end, not the planner).

    Every side file is read through ``BuildContext.read_text`` (regular files inside the
    context, size-capped). For Node.js projects the package's ``main`` and the JavaScript
    files at the root are read too, so the planner can see which packages the shipped code
    requires before it drops the devDependencies.
    """
    if not context.known or context.root is None:
        return ProjectFiles()
    texts: dict[str, str] = {}
    names = list(WANTED) + [n for n in context.files if n.endswith((".csproj", ".fsproj"))][:4]
    for name in names:
        if name not in context.files:
            continue
        text = context.read_text(name)
        if text is not None and len(text) <= MAX_BYTES:
            texts[name] = text
    if "package.json" in texts:
        main = ProjectFiles(texts=texts).package_json().get("main")
        sources = [main] if isinstance(main, str) and main else []
        sources += sorted(n for n in context.files if n.endswith(SOURCE_SUFFIXES))
        for name in list(dict.fromkeys(sources))[:MAX_SOURCES]:
            text = context.read_text(name.lstrip("./") if name.startswith("./") else name)
            if text is not None:
                texts[name] = text
    return ProjectFiles(context.files, True, texts)


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
