"""SLIM101: the application source is copied before the dependency install."""

from __future__ import annotations

import posixpath
from typing import Iterator, Optional

from ..analysis import Analysis
from ..analysis.ecosystems import PackageStep
from ..analysis.stages import copy_dest, copy_sources
from ..dockerfile.model import Instruction, Range, Stage
from .base import Edit, Fix, Related, Rule, Violation, instruction_lines, whole_lines

BROAD_SOURCES = frozenset((".", "./", "*", "./*", "/", "./."))

# What to copy before the install, per tool: (always, lockfiles to add when they exist in the context).
_MANIFESTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "npm": (("package.json",), ("package-lock.json", "npm-shrinkwrap.json")),
    "yarn": (("package.json",), ("yarn.lock", ".yarnrc.yml", ".yarnrc")),
    "pnpm": (("package.json",), ("pnpm-lock.yaml", "pnpm-workspace.yaml", ".npmrc")),
    "bun": (("package.json",), ("bun.lockb", "bun.lock")),
    "pipenv": (("Pipfile",), ("Pipfile.lock",)),
    "poetry": (("pyproject.toml",), ("poetry.lock",)),
    "uv": (("pyproject.toml",), ("uv.lock",)),
    "pdm": (("pyproject.toml",), ("pdm.lock",)),
    "bundler": (("Gemfile",), ("Gemfile.lock",)),
    "composer": (("composer.json",), ("composer.lock",)),
    "mix": (("mix.exs",), ("mix.lock",)),
}

_PREFETCH_HINT = {
    "go": "copy go.mod and go.sum first and run `go mod download`",
    "maven": "copy pom.xml first and run `mvn dependency:go-offline`",
    "gradle": "copy the build.gradle and settings.gradle files first and run `gradle dependencies`",
    "cargo": "build the dependencies first from Cargo.toml and Cargo.lock (cargo-chef's `cargo chef cook`, or a dummy main)",
    "dotnet": "copy the project files (*.csproj) first and run `dotnet restore`",
    "pip": "copy the dependency manifests first and install the dependencies, then copy the source and run `pip install --no-deps .`",
    "mix": "copy mix.exs and mix.lock first and run `mix deps.get`",
}


def is_context_copy(ins: Instruction) -> bool:
    return ins.keyword in ("COPY", "ADD") and ins.flag("from") is None and len(ins.args) >= 2


def is_broad_copy(ins: Instruction) -> bool:
    """A COPY/ADD of the whole build context (``COPY . .``, ``ADD . /app``, ``COPY * ./``)."""
    return is_context_copy(ins) and any(s in BROAD_SOURCES for s in copy_sources(ins))


class SourceCopiedBeforeInstall(Rule):
    """The application source is copied before the dependency install that only needs the manifests.

    ## What it does
    Flags a `COPY . .` (or any copy of the whole build context) that comes before the
    step installing the project's dependencies in the same stage: `npm ci`, `yarn
    install`, `pnpm install`, `bun install`, `pip install -r requirements.txt`, `pipenv
    install`, `poetry install`, `uv sync`, `pdm install`, `bundle install`, `composer
    install`, `mix deps.get`; and builds that download their dependencies themselves
    when nothing fetched them first: `go build` without `go mod download`, `mvn
    package` without `dependency:go-offline`, `gradle build`, `cargo build` without a
    dependency build (cargo-chef), `dotnet publish` without `dotnet restore`, `pip
    install .`.

    ## Why it matters
    Docker reuses a layer only while everything before it is unchanged. Once the whole
    source is copied, any edit to any file invalidates the cache for every later
    instruction: every source change re-runs the full dependency install, which is
    usually the slowest step of the build. Copying only the manifests and lockfiles
    first lets the install layer stay cached until the dependencies really change.

    ## Example
    ```dockerfile
    FROM node:22-slim
    WORKDIR /app
    COPY . .
    RUN npm ci
    ```
    Use instead:
    ```dockerfile
    FROM node:22-slim
    WORKDIR /app
    COPY package.json package-lock.json ./
    RUN npm ci
    COPY . .
    ```

    ## Fix
    When the install is a RUN of its own and nothing between the copy and the install
    changes the environment (ENV, ARG, WORKDIR, USER, another RUN), the fix moves the
    install up behind a COPY of just the manifests and lockfiles (those found in the build
    context, or the ones the install requires). For builds that download as they go
    (Go, Maven, Gradle, Cargo, .NET), the message says which prefetch step to add.
    """

    code = "SLIM101"
    name = "source-copied-before-install"
    severity = "warning"
    summary = "The application source is copied before the dependency install, so every code change reinstalls everything."
    fixable = True

    def check(self, a: Analysis) -> Iterator[Violation]:
        for st in a.doc.stages:
            yield from self._check_stage(a, st)

    def _check_stage(self, a: Analysis, st: Stage) -> Iterator[Violation]:
        broad: Optional[Instruction] = None
        prefetched: set[str] = set()
        reported: set[str] = set()
        for ins in st.instructions[1:]:
            if broad is None and is_broad_copy(ins):
                broad = ins
                continue
            if ins.keyword != "RUN":
                continue
            for step in a.steps(ins):
                if broad is None:
                    # Any step of the tool before the source arrives (a prefetch, a custom
                    # task) means the dependency layer was thought about: stay quiet.
                    prefetched.add(step.tool)
                    continue
                if step.tool in reported or step.tool in prefetched:
                    continue
                if step.kind == "build" and step.tool not in _PREFETCH_HINT:
                    continue
                reported.add(step.tool)
                yield self._report(a, st, broad, ins, step)

    def _report(self, a: Analysis, st: Stage, broad: Instruction, ins: Instruction, step: PackageStep) -> Violation:
        copy_text = " ".join(w.text for w in broad.args)
        label = step.label
        if step.kind == "build":
            hint = _PREFETCH_HINT[step.tool]
            message = (
                f"`{broad.keyword} {copy_text}` copies the whole source before `{label}` downloads the dependencies: "
                f"every source change downloads them all again. To keep them cached, {hint} before copying the source."
            )
            fix = None
        else:
            manifests = self._manifests(a, step)
            message = (
                f"`{broad.keyword} {copy_text}` copies the whole source before `{label}`: every source change re-runs "
                f"`{label}`. Copy {', '.join(manifests)} first, install, then copy the rest."
            )
            fix = self._fix(a, st, broad, ins, step, manifests)
        related = [Related(step.command.range if step.command.start >= 0 else ins.range, f"`{label}` runs here, after the source is copied")]
        return self.violation(broad.range, message, related, fix, tool=step.tool)

    @staticmethod
    def _manifests(a: Analysis, step: PackageStep) -> list[str]:
        if step.tool in ("pip", "uv") and step.manifests and step.manifests[0].endswith(".txt"):
            return list(step.manifests)
        always, locks = _MANIFESTS.get(step.tool, (step.manifests, step.lockfiles))
        files = list(always)
        ctx = a.context
        for lock in locks:
            if ctx.known and ctx.has(lock):
                files.append(lock)
        if step.requires_lock and locks and not any(lock in files for lock in locks):
            files.append(locks[0])
        if step.tool == "npm" and len(files) == 1 and not ctx.known:
            return ["package*.json"]
        return files

    def _fix(
        self, a: Analysis, st: Stage, broad: Instruction, ins: Instruction, step: PackageStep, manifests: list[str]
    ) -> Optional[Fix]:
        if ins.heredocs or not all(s.kind == "deps" for s in a.steps(ins)):
            return None
        if len(a.steps(ins)) != len(_shell_commands(a, ins)):
            return None  # the RUN does more than install: moving it could break it
        between = st.instructions[st.instructions.index(broad) + 1 : st.instructions.index(ins)]
        if any(not (is_context_copy(b) or b.keyword in ("LABEL", "EXPOSE")) for b in between):
            return None
        if any(m.startswith("/") or ".." in m or "$" in m for m in manifests):
            return None
        dest = copy_dest(broad)
        if "$" in dest:
            return None
        base = "./" if dest in (".", "./") else dest.rstrip("/") + "/"
        flags = " ".join(f"--{f.name}={f.value}" if f.value is not None else f"--{f.name}" for f in broad.flags if f.name in ("chown", "chmod", "link"))
        groups: dict[str, list[str]] = {}
        for m in manifests:
            groups.setdefault(posixpath.dirname(m), []).append(m)
        copies = []
        for folder, files in groups.items():
            target = base if not folder else posixpath.join(base, folder) + "/"
            copies.append(" ".join(["COPY", *([flags] if flags else []), *files, target]))
        new_text = "\n".join(copies) + "\n" + instruction_lines(a, ins)
        start = Range.of(broad.start_line, 0, broad.start_line, 0)
        return Fix(
            title=f"Install dependencies before copying the source ({', '.join(manifests)} first)",
            edits=(Edit(start, new_text), Edit(whole_lines(a, ins), "")),
        )


def _shell_commands(a: Analysis, ins: Instruction) -> list:
    from ..analysis.ecosystems import split_commands

    return split_commands(ins)
