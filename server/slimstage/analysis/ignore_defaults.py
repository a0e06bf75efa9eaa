"""What a ``.dockerignore`` should keep out of the build context, for the ecosystems a build uses.

An entry is only suggested when leaving it out cannot break the build: dependency and
build folders only when the Dockerfile installs or builds them itself, ``.git`` only when
no step reads the repository, and never a path the Dockerfile copies by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from ..dockerfile.model import Instruction
from .artifacts import WHOLE_CONTEXT, classify_build, stage_facts
from .dockerignore import Dockerignore, clean_path
from .shell import commands
from .stages import copy_sources

if TYPE_CHECKING:
    from . import Analysis
    from .context import BuildContext


@dataclass(frozen=True)
class IgnoreDefault:
    pattern: str  # the .dockerignore line
    probe: str  # a path the pattern excludes: tested against the context's root and an existing .dockerignore
    what: str  # for messages
    ecosystem: str  # "" for every build
    needs: str = ""  # what the Dockerfile must do for the entry to be safe: "install", "build", "no-git"


DEFAULTS: tuple[IgnoreDefault, ...] = (
    IgnoreDefault(".git", ".git", "the repository history", "", "no-git"),
    IgnoreDefault(".env", ".env", "local secrets", ""),
    IgnoreDefault("*.log", "debug.log", "log files", ""),
    IgnoreDefault(".dockerignore", ".dockerignore", "", ""),
    IgnoreDefault("Dockerfile*", "Dockerfile", "", ""),
    IgnoreDefault("node_modules", "node_modules", "the local node_modules", "node", "install"),
    IgnoreDefault("npm-debug.log*", "npm-debug.log", "", "node"),
    IgnoreDefault("yarn-error.log*", "yarn-error.log", "", "node"),
    IgnoreDefault("coverage", "coverage", "test coverage output", "node"),
    IgnoreDefault("**/__pycache__", "__pycache__", "bytecode caches", "python"),
    IgnoreDefault("**/*.py[cod]", "x.pyc", "", "python"),
    IgnoreDefault(".venv", ".venv", "the local virtualenv", "python", "install"),
    IgnoreDefault("venv", "venv", "the local virtualenv", "python", "install"),
    IgnoreDefault(".pytest_cache", ".pytest_cache", "test caches", "python"),
    IgnoreDefault(".mypy_cache", ".mypy_cache", "type-checker caches", "python"),
    IgnoreDefault(".tox", ".tox", "tox environments", "python"),
    IgnoreDefault("target", "target", "local build output", "maven", "build"),
    IgnoreDefault(".gradle", ".gradle", "the Gradle project cache", "gradle", "build"),
    IgnoreDefault("build", "build", "local build output", "gradle", "build"),
    IgnoreDefault("target", "target", "local build output", "rust", "build"),
    IgnoreDefault("**/bin", "bin", "local build output", "dotnet", "build"),
    IgnoreDefault("**/obj", "obj", "local build output", "dotnet", "build"),
    IgnoreDefault("vendor", "vendor", "the local Composer vendor folder", "php", "install"),
    IgnoreDefault("vendor/bundle", "vendor/bundle", "locally installed gems", "ruby", "install"),
    IgnoreDefault(".bundle", ".bundle", "local Bundler settings", "ruby", "install"),
    IgnoreDefault("_build", "_build", "local build output", "elixir", "build"),
    IgnoreDefault("deps", "deps", "locally fetched dependencies", "elixir", "install"),
)

# Files at the context root that say which ecosystem the project is.
_MARKERS = {
    "package.json": "node",
    "requirements.txt": "python",
    "pyproject.toml": "python",
    "setup.py": "python",
    "Pipfile": "python",
    "pom.xml": "maven",
    "build.gradle": "gradle",
    "build.gradle.kts": "gradle",
    "settings.gradle": "gradle",
    "settings.gradle.kts": "gradle",
    "Cargo.toml": "rust",
    "Gemfile": "ruby",
    "composer.json": "php",
    "mix.exs": "elixir",
    "go.mod": "go",
}
_TOOL_ECOSYSTEM = {"maven": "maven", "gradle": "gradle", "cargo": "rust", "bundler": "ruby", "composer": "php", "mix": "elixir"}
_READS_GIT = re.compile(r"setuptools[-_]scm|hatch[-_]vcs|versioneer|dunamai|git-version")


@dataclass(frozen=True)
class BuildNeeds:
    """What the Dockerfile does that decides which entries are safe to ignore."""

    ecosystems: frozenset[str]  # node, python, maven, gradle, rust, dotnet, php, ruby, elixir, go
    installs: frozenset[str]  # ecosystems whose dependencies the Dockerfile installs itself
    builds: frozenset[str]  # ecosystems the Dockerfile builds itself
    reads_git: bool  # a step runs git or a VCS-versioning tool
    named_sources: tuple[str, ...]  # context paths copied by name (cleaned; globs cut at the first wildcard)


def build_needs(a: "Analysis") -> BuildNeeds:
    ecosystems: set[str] = set()
    installs: set[str] = set()
    builds: set[str] = set()
    reads_git = False
    named: list[str] = []
    for ins in a.doc.instructions:
        if ins.keyword in ("COPY", "ADD") and ins.flag("from") is None:
            named += _named_sources(ins)
        if ins.keyword != "RUN":
            continue
        for step in a.steps(ins):
            eco = _TOOL_ECOSYSTEM.get(step.tool, step.ecosystem)
            ecosystems.add(eco)
            (installs if step.kind in ("deps", "prefetch") else builds).add(eco)
            if step.kind == "build":
                installs.add(eco)  # a build downloads what nothing fetched before
        for cmd in commands(ins):
            if not cmd.words:
                continue
            if cmd.name == "git" or _READS_GIT.search(cmd.text):
                reads_git = True
            built = classify_build(cmd.words)
            if built is not None:
                eco = built[0]
                tool = cmd.words[0].rsplit("/", 1)[-1]
                eco = "gradle" if "gradle" in tool else "maven" if "mvn" in tool else eco
                builds.add(eco)
                ecosystems.add(eco)
    for st in a.doc.stages:
        for inst in stage_facts(a, st.index).installs:
            installs.add(inst.ecosystem)
            ecosystems.add(inst.ecosystem)
    if "java" in builds:
        builds |= {"maven", "gradle"} & ecosystems
    return BuildNeeds(frozenset(ecosystems), frozenset(installs), frozenset(builds), reads_git, tuple(named))


def _named_sources(ins: Instruction) -> list[str]:
    out = []
    for src in copy_sources(ins):
        if src in WHOLE_CONTEXT or "$" in src or src.startswith(("http://", "https://", "git@")):
            continue
        cut = re.split(r"[*?\[]", src, maxsplit=1)[0]
        if cut != src:  # a glob: keep the folder it looks in, if any
            cut = cut.rsplit("/", 1)[0] if "/" in cut else ""
        if cut:
            out.append(clean_path(cut))
    return out


def context_ecosystems(ctx: "BuildContext") -> set[str]:
    found = {eco for name, eco in _MARKERS.items() if ctx.has(name)}
    if any(n.endswith((".csproj", ".fsproj", ".vbproj", ".sln")) for n in ctx.files):
        found.add("dotnet")
    return found


def safe_defaults(needs: BuildNeeds, ecosystems: Iterable[str]) -> list[IgnoreDefault]:
    """The default entries for ``ecosystems`` that cannot break this Dockerfile's build."""
    wanted = set(ecosystems)
    out: list[IgnoreDefault] = []
    seen: set[str] = set()
    for d in DEFAULTS:
        if d.pattern in seen or (d.ecosystem and d.ecosystem not in wanted):
            continue
        if d.needs == "install" and d.ecosystem not in needs.installs:
            continue
        if d.needs == "build" and d.ecosystem not in needs.builds:
            continue
        if d.needs == "no-git" and needs.reads_git:
            continue
        single = Dockerignore.parse(d.pattern)
        if any(single.excludes(src) for src in needs.named_sources):
            continue  # the Dockerfile copies it by name: ignoring it would break the build
        seen.add(d.pattern)
        out.append(d)
    return out
