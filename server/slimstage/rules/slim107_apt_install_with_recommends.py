"""SLIM107: apt installs recommended packages into an image that ships."""

from __future__ import annotations

from typing import Iterator

from ..analysis import Analysis
from ..analysis.packages import SystemStep, system_steps
from ..analysis.stages import copy_dest
from ..dockerfile.model import Instruction, Stage
from .base import Fix, Rule, Violation
from .slim1xx_edits import insert_after_word


def _configures_recommends(ins: Instruction) -> bool:
    """The instruction sets apt's Install-Recommends itself, or may (a file copied into apt.conf.d)."""
    if ins.keyword == "RUN":
        return "apt::install-recommends" in ins.text.lower() or any("apt::install-recommends" in h.body.lower() for h in ins.heredocs)
    if ins.keyword in ("COPY", "ADD"):
        return "/etc/apt" in copy_dest(ins)
    return False


def _auto_removed_later(later: tuple[SystemStep, ...]) -> bool:
    """The RUN purges what it installed with ``--auto-remove`` (or ``autoremove``): the recommends go too."""
    return any(
        s.manager == "apt" and s.action == "remove" and (s.subcommand == "autoremove" or "--auto-remove" in s.options or "--autoremove" in s.options)
        for s in later
    )


class AptInstallWithRecommends(Rule):
    """apt installs recommended packages too, in a stage that ships in the final image.

    ## What it does
    Flags `apt-get install` (and `apt install`) without `--no-install-recommends` in a
    stage that ends up in the final image, unless the stage (or a stage it is built on)
    configures `APT::Install-Recommends` itself, or copies a file into `/etc/apt`.

    Builder stages that do not ship are not reported: what they install costs build
    time, not image size, and a recommended package there is sometimes what makes a
    build work. Nor are installs that the same RUN later purges with `--auto-remove`
    (build dependencies, as the official images handle them): the recommended packages
    leave with them.

    On the Docker official images this reports the installs of the servers themselves
    (`mysql-server`, `mongodb-org`, `postgresql-common`, `locales`...), which their
    maintainers left with recommends on; that is a choice this rule cannot see, hence
    the info severity.

    ## Why it matters
    By default apt also installs every package the requested ones merely recommend:
    documentation, optional helpers, whole toolchains (`python3-pip` recommends a
    compiler). They often double the size of the install and widen what a vulnerability
    scanner finds, without the application ever using them.

    Skipping recommends can remove something the application did use without asking
    for it: `ca-certificates`, which curl and wget only recommend, is the classic
    example (HTTPS then fails). Name such packages explicitly.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
    ```
    Use instead:
    ```dockerfile
    FROM debian:12-slim
    RUN apt-get update \
        && apt-get install -y --no-install-recommends ca-certificates curl \
        && rm -rf /var/lib/apt/lists/*
    ```

    ## Fix
    Adds `--no-install-recommends` after `install`. Because the packages that no
    longer come along may have been needed, the fix is offered as a quick fix but not
    applied by "fix all".
    """

    code = "SLIM107"
    name = "apt-install-with-recommends"
    severity = "info"
    summary = "apt also installs the recommended packages, in a stage that ships in the final image."
    fixable = True

    def check(self, a: Analysis) -> Iterator[Violation]:
        configured: dict[int, bool] = {}
        for st in a.doc.stages:
            inherited = configured.get(st.base_stage, False) if st.base_stage is not None else False
            found = inherited
            for ins in st.instructions[1:]:
                if _configures_recommends(ins):
                    found = True
                    continue
                if found or ins.keyword != "RUN" or not a.ships(st.index):
                    continue
                steps = system_steps(ins)
                for i, s in enumerate(steps):
                    if s.manager == "apt" and s.action == "install" and s.command.name != "aptitude" and not s.no_recommends:
                        if not _auto_removed_later(steps[i + 1 :]):
                            yield self._report(a, st, s)
            configured[st.index] = found

    def _report(self, a: Analysis, st: Stage, s: SystemStep) -> Violation:
        cmd = s.command
        names = [p.split("=", 1)[0] for p in s.packages]  # without the version pins
        shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
        message = (
            f"`{s.label}` also installs every package that {shown or 'these packages'} recommend"
            f"{'s' if len(s.packages) == 1 else ''}, into an image that ships: add `--no-install-recommends` "
            f"and name any recommended package the application needs (ca-certificates, for HTTPS)."
        )
        rng = cmd.word_range(0, s.sub_index) if s.sub_index > 0 else cmd.range
        edit = insert_after_word(cmd, s.sub_index, "--no-install-recommends") if s.sub_index > 0 else None
        fix = Fix("Add --no-install-recommends", (edit,), safe=False) if edit else None
        return self.violation(rng, message, (), fix)
