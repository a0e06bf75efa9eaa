"""SLIM105: a package install relies on an index updated in an earlier, separate RUN."""

from __future__ import annotations

from typing import Iterator, Optional

from ..analysis import Analysis
from ..analysis.caches import KINDS, caches_left, removed_paths
from ..analysis.packages import SystemStep, install_using_existing_index, system_steps
from ..analysis.shell import commands
from ..dockerfile.model import Instruction, Stage
from .base import Edit, Fix, Related, Rule, Violation
from .slim1xx_edits import insert_after_word, removal

_MANAGERS = ("apt", "apk")


def _index_cleared(ins: Instruction, manager: str) -> bool:
    """The RUN removes the package index it may have fetched (``rm -rf /var/lib/apt/lists/*``)."""
    left = {c.kind.key for c in caches_left(ins)}
    return manager not in left


def _updates(ins: Instruction, manager: str) -> Optional[SystemStep]:
    return next((s for s in system_steps(ins) if s.manager == manager and s.action == "update"), None)


class PackageIndexUpdatedInSeparateRun(Rule):
    """A package install relies on a package index that an earlier, separate RUN downloaded.

    ## What it does
    Flags an `apt-get install` (or `apt install`, or `apk add` without `--no-cache`) in a
    RUN that does not update the package index itself, when an earlier RUN of the stage
    (or of the stage it is built `FROM`) ran `apt-get update` (`apk update`) and kept the
    index.

    ## Why it matters
    Docker caches the `RUN apt-get update` layer on its own: it is not re-run when the
    install changes. The install then works from a package list that can be weeks or
    months old; once the mirrors have dropped the versions in it, the install fails with
    404 errors, or it quietly installs outdated packages. This breaks builds whichever
    stage it is in. Updating the index in the same RUN as the install keeps the two
    together.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    RUN apt-get update
    RUN apt-get install -y --no-install-recommends curl
    ```
    Use instead:
    ```dockerfile
    FROM debian:12-slim
    RUN apt-get update \
        && apt-get install -y --no-install-recommends curl \
        && rm -rf /var/lib/apt/lists/*
    ```

    ## Fix
    Puts `apt-get update && ` in front of the install (for apk, adds `--no-cache`, which
    fetches a fresh index), and removes the earlier RUN when it did nothing but update
    the index for this one install.
    """

    code = "SLIM105"
    name = "package-index-updated-in-separate-run"
    severity = "warning"
    summary = "A package install relies on a package index that an earlier, separate RUN downloaded."
    fixable = True

    def check(self, a: Analysis) -> Iterator[Violation]:
        found: list[tuple[Stage, Instruction, Instruction, SystemStep, str]] = []
        ends: dict[int, dict[str, Instruction]] = {}
        for st in a.doc.stages:
            kept = dict(ends.get(st.base_stage, {})) if st.base_stage is not None and st.base_stage < st.index else {}
            for ins in st.instructions[1:]:
                if ins.keyword != "RUN":
                    continue
                for manager in _MANAGERS:
                    install = install_using_existing_index(ins, manager)
                    if install is not None and manager in kept:
                        found.append((st, kept[manager], ins, install, manager))
                    if _updates(ins, manager) is not None:
                        if _index_cleared(ins, manager):
                            kept.pop(manager, None)
                        else:
                            kept[manager] = ins
                    elif manager in kept and _index_cleared_without_update(ins, manager):
                        kept.pop(manager, None)
            ends[st.index] = kept
        users: dict[int, int] = {}
        for _, earlier, _, _, _ in found:
            users[id(earlier)] = users.get(id(earlier), 0) + 1
        inherited = {st.base_stage for st in a.doc.stages if st.base_stage is not None}
        for st, earlier, ins, install, manager in found:
            # The earlier RUN may go only when this install is the one use of its index.
            sole = users[id(earlier)] == 1 and earlier.stage_index == st.index and st.index not in inherited
            yield self._report(a, st, earlier, ins, install, manager, sole)

    def _report(self, a: Analysis, st: Stage, earlier: Instruction, ins: Instruction, install: SystemStep, manager: str, sole: bool) -> Violation:
        update = _updates(earlier, manager)
        assert update is not None
        where = f"line {earlier.start_line + 1}" if earlier.stage_index == st.index else f"line {earlier.start_line + 1}, in the stage this one is built on"
        fresh = f"`{install.command.name} update && {install.label} ...`" if manager == "apt" else "`apk add --no-cache`"
        message = (
            f"`{install.label}` uses the package index that `{update.label}` fetched in a separate RUN ({where}). "
            f"Docker keeps that layer cached, so this install works from an index that gets older with every build "
            f"and fails (or installs outdated packages) once the mirrors move on. Use {fresh} in this RUN."
        )
        related = [Related(update.command.range, f"`{update.label}` runs here, in its own layer")]
        rng = install.command.word_range(0, install.sub_index) if install.sub_index > 0 else install.command.range
        return self.violation(rng, message, related, _fix(a, earlier, install, manager, sole))


def _index_cleared_without_update(ins: Instruction, manager: str) -> bool:
    """A RUN that removes the index without fetching one (``rm -rf /var/lib/apt/lists/*`` on its own)."""
    kind = KINDS[manager]
    return any(kind.removed_by(t) for c in commands(ins) for t in removed_paths(c))


def _fix(a: Analysis, earlier: Instruction, install: SystemStep, manager: str, sole: bool) -> Optional[Fix]:
    cmd = install.command
    if not cmd.editable:
        return None
    if manager == "apk":
        edit = insert_after_word(cmd, install.sub_index, "--no-cache") if install.sub_index > 0 else None
        title = "Fetch a fresh index with `apk add --no-cache`"
    else:
        prefix = cmd.text[: cmd.spans[0][0] - cmd.start].split()
        if not all("=" in w for w in prefix):
            return None  # ``sudo apt-get install``: the update would need the same wrapper
        start = cmd.start_range
        edit = Edit(start, f"{cmd.name} update && ") if start is not None else None
        title = f"Run `{cmd.name} update` in the same RUN as the install"
    if edit is None:
        return None
    edits = [edit]
    update_ids = {id(s.command) for s in system_steps(earlier) if s.action == "update"}
    only_update = all(id(c) in update_ids or c.name == "set" for c in commands(earlier))
    if only_update and sole:
        edits.append(Edit(removal(a, earlier), ""))
    return Fix(title, tuple(edits))
