"""SLIM103: system packages or tools are installed after the source is copied."""

from __future__ import annotations

from typing import Iterator, Optional

from ..analysis import Analysis
from ..analysis.ecosystems import tool_installs
from ..analysis.packages import SystemStep, system_steps
from ..analysis.shell import commands
from ..dockerfile.model import Instruction, Range
from .base import Edit, Fix, Related, Rule, Violation, instruction_lines
from .slim1xx_edits import INERT, is_source_copy, listing, removal

# Commands a RUN that only installs system packages may also hold: moving it moves them too.
_PACKAGE_CHORES = frozenset(("rm", "set", "apt-mark", "mkdir", "true", "echo", "update-ca-certificates", "locale-gen", "ln"))


class PackagesInstalledAfterSourceCopy(Rule):
    """System packages or tools are installed after the source is copied, so every code change reinstalls them.

    ## What it does
    Flags an install of system packages (`apt-get install`, `apk add`, `dnf install`,
    `yum install`, `microdnf install`, `zypper install`) or of named tools
    (`npm install -g`, `pip install poetry`, `gem install bundler`, `cargo install`,
    `go install pkg@version`, `uv tool install`, `composer global require`) that comes
    after the stage copies its source: the whole build context (`COPY . .`) or a
    conventional source folder (`COPY src ./src`).

    It stays quiet when the packages come from the source itself (`apt-get install
    ./app.deb`, a list read from a file or a variable) and when the same RUN removes them
    again (`apt-get purge`, `apk del`): installing build tools, building and removing them
    in one RUN is a deliberate way to keep them out of the image.

    ## Why it matters
    System packages and tools change rarely, the source changes on every commit. Docker
    re-runs every instruction after the first one whose input changed, so an install
    placed after `COPY . .` downloads and installs the same packages again on every code
    change, often the slowest minute of the build. Placed before the copy, it stays
    cached until the package list itself changes.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    WORKDIR /app
    COPY . .
    RUN apt-get update && apt-get install -y --no-install-recommends libpq5 \
        && rm -rf /var/lib/apt/lists/*
    RUN pip install --no-cache-dir -r requirements.txt
    ```
    Use instead:
    ```dockerfile
    FROM python:3.12-slim
    RUN apt-get update && apt-get install -y --no-install-recommends libpq5 \
        && rm -rf /var/lib/apt/lists/*
    WORKDIR /app
    COPY . .
    RUN pip install --no-cache-dir -r requirements.txt
    ```

    ## Fix
    When the RUN holds only package-manager commands and their cleanup, and only
    instructions that change nothing a RUN sees (LABEL, EXPOSE, CMD...) lie between the
    copy and the RUN, the fix moves the RUN right above the copy. Otherwise the message
    says what to move.
    """

    code = "SLIM103"
    name = "packages-installed-after-source-copy"
    severity = "warning"
    summary = "System packages or tools are installed after the source is copied, so every code change reinstalls them."
    fixable = True

    def check(self, a: Analysis) -> Iterator[Violation]:
        for st in a.doc.stages:
            broad: Optional[Instruction] = None
            adjacent = False  # only instructions that change nothing a RUN sees since the copy
            for ins in st.instructions[1:]:
                if broad is None:
                    if is_source_copy(ins):
                        broad, adjacent = ins, True
                    continue
                if ins.keyword == "RUN":
                    found = _installs(ins)
                    if found is not None:
                        yield self._report(a, broad, ins, adjacent, *found)
                adjacent = adjacent and ins.keyword in INERT

    def _report(self, a: Analysis, broad: Instruction, ins: Instruction, adjacent: bool, label: str, names: tuple[str, ...], rng: Range) -> Violation:
        copy_text = " ".join(w.text for w in broad.args)
        shown = listing(list(names[:4]) + (["..."] if len(names) > 4 else []))
        message = (
            f"`{label}` runs after `{broad.keyword} {copy_text}`: every source change reinstalls {shown or 'them'}. "
            f"Install them before copying the source, where the layer stays cached until the list changes."
        )
        related = [Related(broad.range, "the source is copied here")]
        return self.violation(rng, message, related, _fix(a, broad, ins) if adjacent else None)


def _installs(ins: Instruction) -> Optional[tuple[str, tuple[str, ...], Range]]:
    """(label, package names, range) of the first install worth reporting in a RUN."""
    system = system_steps(ins)
    if any(s.action == "remove" for s in system):
        return None  # installed, used and removed in one RUN: deliberate
    for s in system:
        if s.action == "install" and s.packages and not s.dynamic and not s.local_files:
            return s.label, s.packages, _label_range(s)
    for t in tool_installs(ins):
        if not any("$" in p for p in t.packages) and t.command.via != "xargs":
            return t.label, t.packages, t.command.range
    return None


def _label_range(s: SystemStep) -> Range:
    return s.command.word_range(0, s.sub_index) if s.sub_index > 0 else s.command.range


def _fix(a: Analysis, broad: Instruction, ins: Instruction) -> Optional[Fix]:
    system = {id(s.command) for s in system_steps(ins)}
    tools = {id(t.command) for t in tool_installs(ins)}
    for cmd in commands(ins):
        if id(cmd) not in system and id(cmd) not in tools and cmd.name not in _PACKAGE_CHORES:
            return None
    start = Range.of(broad.start_line, 0, broad.start_line, 0)
    return Fix(
        "Install the packages before copying the source",
        (Edit(start, instruction_lines(a, ins)), Edit(removal(a, ins), "")),
    )

