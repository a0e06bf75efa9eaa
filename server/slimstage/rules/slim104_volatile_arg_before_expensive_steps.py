"""SLIM104: a build argument that changes on every build is declared before expensive steps."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Iterator, Optional

from ..analysis import Analysis
from ..analysis.ecosystems import all_steps
from ..analysis.packages import system_steps
from ..dockerfile.model import Instruction, Range, Stage
from .base import Edit, Fix, Related, Rule, Violation, instruction_lines, whole_lines
from .slim1xx_edits import removal

# Names that carry a date, a commit or a build number: a new value on every build.
_ALWAYS_NEW = re.compile(
    r"^(?:\w+_)?(?:BUILD_?(?:DATE|TIME|TIMESTAMP|NUMBER|NUM|ID|REF|SHA)|DATE|TIMESTAMP|BUILD_?TS|CREATED|"
    r"(?:GIT|VCS|SOURCE|SCM|CI)_?(?:COMMIT|SHA|HASH|REF|REVISION|DESCRIBE|TAG|BRANCH)(?:_?(?:SHA|HASH|ID|SHORT))?|"
    r"COMMIT(?:_?(?:SHA|HASH|ID|REF|SHORT))?|REVISION|GITHUB_SHA|GITHUB_RUN_(?:ID|NUMBER))$",
    re.I,
)
# Names of the application's own version: new on every release when passed in without a default.
_RELEASE = re.compile(r"^(?:APP_|BUILD_|IMAGE_|RELEASE_|PROJECT_)?(?:VERSION|RELEASE)$", re.I)
# Instructions a declaration may move down across without changing what they see.
_CROSSABLE = frozenset(("COPY", "ADD", "EXPOSE", "LABEL", "WORKDIR", "RUN", "HEALTHCHECK", "CMD", "ENTRYPOINT", "STOPSIGNAL", "USER", "ENV", "ARG"))


def _arg_names(ins: Instruction) -> list[tuple[str, bool, Range]]:
    """(name, has a default, range of the word) for each variable an ARG declares."""
    out = []
    for w in ins.args:
        name, eq, value = w.text.partition("=")
        out.append((name, bool(eq and value), w.range))
    return out


def is_volatile(name: str, has_default: bool) -> bool:
    """A build argument whose value is new on (nearly) every build."""
    if name.upper() in ("CACHEBUST", "CACHE_BUST", "CACHEBUSTER"):
        return False  # declared to break the cache on purpose
    return bool(_ALWAYS_NEW.match(name)) or (not has_default and bool(_RELEASE.match(name)))


def _uses(ins: Instruction, name: str) -> bool:
    """``ins`` refers to ``$name`` / ``${name}`` (in its text, flags or heredocs)."""
    pattern = re.compile(r"\$\{?" + re.escape(name) + r"(?![A-Za-z0-9_])")
    if pattern.search(ins.text):
        return True
    if any(f.value and pattern.search(f.value) for f in ins.flags):
        return True
    return any(pattern.search(h.body) for h in ins.heredocs)


def _expensive(ins: Instruction) -> Optional[tuple[str, Range]]:
    """The install a RUN performs, if it is one (system or language packages): its label and range."""
    if ins.keyword != "RUN":
        return None
    for s in system_steps(ins):
        if s.action in ("install", "upgrade"):
            return s.label, s.command.range
    for p in all_steps(ins):
        if p.kind in ("deps", "prefetch", "tool"):
            return p.label, p.command.range
    return None


class VolatileArgBeforeExpensiveSteps(Rule):
    """A build argument that changes on every build is declared before expensive installs.

    ## What it does
    Flags an `ARG` in a stage whose name says it changes on every build (a date, a
    commit, a build number: `BUILD_DATE`, `GIT_COMMIT`, `VCS_REF`, `BUILD_NUMBER`,
    `SOURCE_COMMIT`...; or the application's `VERSION` declared without a default, so it
    is passed in each time) when an install that does not use it comes later in the
    stage: `apt-get install`, `apk add`, `npm ci`, `pip install`, `go mod download`...

    Installs that use the argument (`RUN apt-get install foo=$VERSION`) are expected to
    re-run when it changes; `CACHEBUST` arguments break the cache on purpose; an `ARG`
    before the first `FROM` does not touch a stage until the stage declares it again.

    ## Why it matters
    Docker passes every declared build argument to the RUN instructions after it, so
    each of those RUNs misses the cache whenever the value changes, whether it reads it
    or not. A commit hash or a date declared near the top of a stage turns every build
    into a full rebuild: the system packages and dependencies are downloaded again each
    time. Declared just before the step that needs it (often a LABEL or the final build
    step), it costs only that step.

    ## Example
    ```dockerfile
    FROM node:22-slim
    ARG GIT_COMMIT
    LABEL org.opencontainers.image.revision=$GIT_COMMIT
    WORKDIR /app
    COPY package.json package-lock.json ./
    RUN npm ci --omit=dev
    COPY . .
    ```
    Use instead:
    ```dockerfile
    FROM node:22-slim
    WORKDIR /app
    COPY package.json package-lock.json ./
    RUN npm ci --omit=dev
    COPY . .
    ARG GIT_COMMIT
    LABEL org.opencontainers.image.revision=$GIT_COMMIT
    ```

    ## Fix
    When the `ARG` declares only that argument, nothing between it and the last install
    that ignores it uses the argument (no `$NAME` in a RUN, ENV, LABEL or COPY there, no
    ONBUILD, SHELL, VOLUME or another ARG of the same name), and every RUN it crosses is
    a package install (a build script could read the variable from its environment), the
    fix moves the `ARG` down to just after that install. Otherwise the message names the instruction
    that uses it first, which has to move down along with it.
    """

    code = "SLIM104"
    name = "volatile-arg-before-expensive-steps"
    severity = "warning"
    summary = "A build argument that changes on every build (a date, a commit) is declared before expensive installs."
    fixable = True

    def check(self, a: Analysis) -> Iterator[Violation]:
        for st in a.doc.stages:
            yield from self._check_stage(a, st)

    def _check_stage(self, a: Analysis, st: Stage) -> Iterator[Violation]:
        items = st.instructions
        for i, ins in enumerate(items):
            if ins.keyword != "ARG":
                continue
            found = [v for v in (self._judge(a, items[i + 1 :], name, rng) for name, has_default, rng in _arg_names(ins) if is_volatile(name, has_default)) if v]
            if found:
                # One finding per ARG line: the first volatile name decides, the others are named along.
                first = found[0]
                names = [f"`{v.data['name']}`" for v in found]
                if len(found) > 1:
                    both = " ".join(n.strip("`") for n in names)
                    first = replace(first, message=first.message.replace(f"`ARG {found[0].data['name']}` changes ", f"`ARG {both}` change ", 1))
                yield replace(first, fix=first.fix if len(ins.args) == 1 else None)

    def _judge(self, a: Analysis, later: tuple[Instruction, ...], name: str, rng: Range) -> Optional[Violation]:
        installs = [(j, x, found) for j, x in enumerate(later) if (found := _expensive(x)) and not _uses(x, name)]
        if not installs:
            return None
        j_last, last, (label, _) = installs[-1]
        first_install, first_range = installs[0][2]
        first_use = next((x for x in later[: j_last + 1] if _uses(x, name)), None)
        count = len(installs)
        when = "on every build" if _ALWAYS_NEW.match(name) else "with every release"
        rerun = f"`{first_install}` re-runs" if count == 1 else f"{count} installs (`{first_install}`, ...) re-run"
        message = (
            f"`ARG {name}` changes {when}, and every RUN after it misses the cache when it changes: "
            f"{rerun} each time. Declare it after the install on line {last.start_line + 1} (`{label}`)"
            + (f", together with the {first_use.keyword} on line {first_use.start_line + 1} that uses it." if first_use else ", just before the step that uses it.")
        )
        related = [Related(first_range, f"`{first_install}` re-runs whenever {name} changes")]
        if first_use is not None:
            related.append(Related(first_use.range, f"uses {name}"))
        arg = a.doc.instruction_at(rng.start.line)
        fix = None if first_use is not None or arg is None else _fix(a, arg, later[: j_last + 1], last)
        return self.violation(rng, message, related, fix, name=name)


def _fix(a: Analysis, arg: Instruction, crossed: tuple[Instruction, ...], last: Instruction) -> Optional[Fix]:
    if len(arg.args) != 1 or any(x.keyword not in _CROSSABLE for x in crossed):
        return None
    name = arg.args[0].text.partition("=")[0]
    for x in crossed:
        if x.keyword == "RUN" and _expensive(x) is None:
            return None  # a script or build may read the variable from its environment
        if x.keyword == "ARG" and any(n == name for n, _, _ in _arg_names(x)):
            return None
    at = whole_lines(a, last).end
    if at.character != 0:
        return None  # the install is the file's last line: nothing to insert after
    return Fix(
        f"Move `ARG {arg.args[0].text.partition('=')[0]}` below the installs",
        (Edit(removal(a, arg), ""), Edit(Range(at, at), instruction_lines(a, arg))),
    )
