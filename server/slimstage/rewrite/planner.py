"""The offline planner: a deterministic conversion of a single-stage Dockerfile.

It reads the file with the same analysis the rules use (``facts.extract``), picks the
recipe for the project's ecosystem (Node.js, Python, Go, Java, Rust, .NET, Ruby, PHP,
Elixir, C/C++ built with make; Python from apt on Debian/Ubuntu), honours the
settings (``target_base``, ``max_stages``, ``include_healthcheck``, ``cache_mounts``,
``security_scan``) and returns a ``Proposal``, or declines and says what it could not
determine. Like any candidate, the proposal is applied only after ``validate``.
"""

from __future__ import annotations

import json
import shlex
from typing import Union

from ..analysis import Analysis
from ..analysis.context import UNKNOWN, BuildContext
from ..dockerfile.model import Dockerfile
from ..settings import Settings
from .facts import extract
from .project import ProjectFiles, from_context
from .recipes import Decline, recipes, render
from .recipes.distro_python import is_distro_python, plan_distro_python
from .result import Declined, Proposal, StageNote

ENGINE = "offline"
IN_PLACE = frozenset(("ruby", "php", "elixir", "c"))  # recipes whose builder is the original stage (recipes/inplace.py)
_PLACEMENT = ("cannot tell whether", "changes directory inside a RUN", "different folder", "in different folders")
SUPPORTED = "Node.js, Python, Go, Java, Rust, .NET, Ruby, PHP, Elixir or C/C++ (make)"


def propose(
    doc: Dockerfile,
    settings: Settings,
    context: BuildContext = UNKNOWN,
    project: ProjectFiles | None = None,
) -> Union[Proposal, Declined]:
    """A multi-stage rewrite of ``doc`` (not yet validated), or the reasons there is none."""
    project = project if project is not None else from_context(context)
    if not doc.stages:
        return Declined(("the file has no FROM instruction",), ENGINE)
    errors = [p for p in doc.problems if p.severity == "error"]
    if errors:
        return Declined((f"line {errors[0].range.start.line + 1}: {errors[0].message} (fix the syntax first)",), ENGINE)
    if len(doc.stages) > 1:
        from .optimize import optimize

        return optimize(doc, settings, context)
    if settings.max_stages and settings.max_stages < 2:
        return Declined((f"max_stages is {settings.max_stages}; a multi-stage build needs at least 2",), ENGINE)
    facts = extract(Analysis(doc, settings, context))
    if "$" in facts.base:
        return Declined((f"the base image ({facts.base}) comes from a build argument; the planner needs to know it",), ENGINE)
    broken = _broken_original(facts)
    if broken:
        return Declined((broken,), ENGINE)
    recipe = recipes().get(facts.ecosystem)
    in_place, label = facts.ecosystem in IN_PLACE, {"c": "C"}.get(facts.ecosystem, facts.ecosystem)
    if is_distro_python(facts):
        # Python from apt on Debian/Ubuntu: the interpreter stays the distribution's (recipes/distro_python.py).
        recipe, in_place, label = plan_distro_python, True, "Python"
    if recipe is None:
        what = f"{facts.base}" + (f" with {', '.join(facts.tools)}" if facts.tools else "")
        return Declined((f"no {SUPPORTED} application build found ({what})",), ENGINE)
    unsupported = facts.unsupported
    if in_place:
        # These recipes keep the original build as written: where a step belongs does not matter.
        unsupported = tuple(r for r in unsupported if not any(k in r for k in _PLACEMENT))
    if unsupported:
        return Declined(unsupported[:8], ENGINE)
    try:
        plan = recipe(facts, settings, project)
    except Decline as exc:
        return Declined((str(exc),), ENGINE)
    text = render(plan, facts)
    warnings: tuple[str, ...] = ()
    if in_place:
        # The builder is the original stage as written: its install steps keep no cache mount.
        # Its runtime is the same language image (no distroless or scratch one runs PHP, Ruby or
        # Elixir's release as the original does): both deviations from the settings are declared.
        from ..dockerfile import parse
        from .optimize import steps_without_cache_mount
        from .contract import contract_of
        from .validate import check_base_family

        new = parse(text)
        bare = steps_without_cache_mount(new, settings)
        if bare:
            warnings += (
                f"cache_mounts is on, but the builder keeps the original stage as written: {', '.join(bare[:3])} "
                "gets no BuildKit cache mount (add RUN --mount=type=cache yourself if you want one).",
            )
        after = contract_of(new)
        if settings.include_healthcheck and after is not None and after.ports and not after.healthcheck:
            warnings += (
                f"include_healthcheck is on, but the planner adds no HEALTHCHECK to the {label} runtime "
                f"(port {sorted(after.ports)[0]}): it cannot tell which request the app answers; add one it can run.",
            )
        if check_base_family(new, settings):
            final = new.stages[-1].base if new.stages else "?"
            warnings += (
                f"target_base is {settings.target_base}, but the runtime stays on {final}: the planner keeps the "
                f"{label} runtime the original uses rather than a {settings.target_base} image.",
            )
    return Proposal(
        dockerfile=text,
        stages=tuple(StageNote(st.name, st.explanation) for st in plan.stages),
        summary=plan.summary,
        contract_changes=tuple(plan.changes),
        notes=(() if in_place else tuple(facts.notes)) + tuple(plan.notes),
        warnings=warnings,
    )


def _shell_words(text: str) -> list[str]:
    try:
        return shlex.split(text, comments=False)
    except ValueError:
        return []


def _broken_original(facts) -> str:
    """Why the original cannot build or start, for two mistakes seen in real files ("" when neither).

    A shell-form RUN whose whole command is quoted (``RUN "go build main.go"``): the shell looks
    for one program named with the spaces. A CMD or ENTRYPOINT written as a JSON array that is
    not valid JSON (``CMD [""/app/first""]``): Docker runs it through /bin/sh as written, and
    the shell's first word is the bracketed text, which names no program.
    """
    for ins in facts.doc.stages[0].instructions[1:]:
        if ins.keyword not in ("RUN", "CMD", "ENTRYPOINT"):
            continue
        rest = facts.text_of(ins).split(None, 1)[1:] or [""]
        body = rest[0].strip()
        while ins.keyword == "RUN" and body.startswith("--"):
            body = body.split(None, 1)[1] if " " in body else ""
        if "$" in body or "\\\n" in body or "<<" in body:
            continue
        if ins.keyword == "RUN" and body.startswith('"'):
            words = _shell_words(body)
            if words and " " in words[0]:
                return (
                    f"the original does not build: `{body}` quotes the whole command, so the shell looks for one program "
                    f"named `{words[0]}`; write it unquoted (`RUN {words[0]}`) and the planner can convert it"
                )
        if ins.keyword in ("CMD", "ENTRYPOINT") and body.startswith("["):
            try:
                json.loads(body)
                continue
            except ValueError:
                pass
            words = _shell_words(body)
            if words and words[0].startswith("[") and words[0].endswith("]"):
                return (
                    f"the original does not start: `{ins.keyword} {body}` is not valid JSON, so it runs through /bin/sh, "
                    f"whose first word `{words[0]}` names no program; write a JSON array of strings and the planner can convert it"
                )
    return ""
