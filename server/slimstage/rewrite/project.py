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
from ..sidefile import read_text

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


def read_project(context: BuildContext) -> ProjectFiles:
    """The manifests at the root of ``context`` (I/O: call from a front end, not the planner)."""
    if not context.known or context.root is None:
        return ProjectFiles()
    texts: dict[str, str] = {}
    names = list(WANTED) + [n for n in context.files if n.endswith((".csproj", ".fsproj"))][:4]
    for name in names:
        if name not in context.files:
            continue
        # Only a regular file inside the context, under the cap (a link out, a FIFO or a huge file is skipped).
        text, _problem = read_text(context.root / name, within=(context.root,), max_bytes=MAX_BYTES)
        if text is not None:
            texts[name] = text
    return ProjectFiles(context.files, True, texts)
