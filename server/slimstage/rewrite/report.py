"""The explanation a user sees after a conversion: one headline, and the full text.

``headline`` fits a notification; ``markdown`` is the full explanation (each stage and why
it exists, the size estimate, changes to how the image runs, notes); ``plain`` is the same
for a terminal.
"""

from __future__ import annotations

import re

from .result import Converted, Declined, Outcome

ENGINES = {"offline": "the offline planner", "claude": "Claude"}


def headline(outcome: Outcome) -> str:
    engine = ENGINES.get(outcome.engine, outcome.engine)
    if isinstance(outcome, Converted):
        names = ", ".join(s.name for s in outcome.stages) if outcome.stages else ""
        line = f"Converted to a multi-stage build{f' ({names})' if names else ''} with {engine}."
        measured = _measured(outcome)
        if measured:
            line += f" Built and ran with {outcome.verification.engine}. {measured}"
        elif outcome.estimate is not None:
            line += " " + outcome.estimate.short()
        hardening = [c for c in outcome.changes if c.hardening]
        if hardening:
            line += f" Now runs as {hardening[0].after}, not root."
        others = [c for c in outcome.changes if not c.hardening]
        if others:
            line += f" {len(others)} declared change{'s' if len(others) > 1 else ''} to how it runs."
        return line
    if isinstance(outcome, Declined):
        first = outcome.reasons[0] if outcome.reasons else "no reason given"
        more = f" (+{len(outcome.reasons) - 1} more)" if len(outcome.reasons) > 1 else ""
        return f"Not converted ({engine}): {first}{more}. The file is unchanged."
    return f"Conversion failed: {outcome.message}"


def _declared_words(change, declared: tuple[str, ...]) -> str:
    from .contract import is_declared

    return next((d for d in declared if is_declared(change, (d,))), "")


def _measured(outcome: Converted) -> str:
    report = outcome.verification
    return report.measured() if report is not None and report.status == "passed" else ""


def _notes_md(notes: tuple[str, ...]) -> list[str]:
    return [f"- {n}" for n in notes]


def markdown(outcome: Outcome, title: str = "Convert to multi-stage build") -> str:
    engine = ENGINES.get(outcome.engine, outcome.engine)
    out = [f"# {title}", ""]
    if isinstance(outcome, Converted):
        out += [f"Converted with {engine}" + (f" after {outcome.attempts} attempts" if outcome.attempts > 1 else "") + ".", ""]
        measured = _measured(outcome)
        if measured:  # a measured figure replaces the estimate
            out += ["## Size (measured)", "", measured, ""]
        elif outcome.estimate is not None:
            out += ["## Size (estimate)", "", outcome.estimate.sentence(), ""]
        report = outcome.verification
        if report is not None:
            lines = report.lines()
            out += ["## Verification", "", *(lines[1:] if measured else lines), ""]
        if outcome.stages:
            out += ["## Stages", ""]
            out += [f"- **{s.name}**: {s.explanation}" if s.explanation else f"- **{s.name}**" for s in outcome.stages]
            out.append("")
        if outcome.summary:
            out += ["## Why", "", outcome.summary, ""]
        if outcome.warnings:
            out += ["## Warnings", "", *(f"- {w}" for w in outcome.warnings), ""]
        if outcome.changes:
            # Every change slimstage detected, each with the engine's own words when it gave them.
            out += ["## Changes to how the image runs", ""]
            for c in outcome.changes:
                words = _declared_words(c, outcome.declared_changes)
                out.append(f"- {c.describe()}")
                if words:
                    out.append(f"  - declared: {words}")
            out.append("")
        if outcome.dockerignore is not None:
            d = outcome.dockerignore
            verb = "New" if d.create else "Lines added to the existing"
            out += [f"## {verb} {d.path}", "", "```", d.added.strip("\n"), "```", ""]
        if outcome.notes:
            out += ["## Notes", "", *_notes_md(outcome.notes), ""]
        out += ["Checked before it was applied: it parses, every stage is named, every file it copies is in the build "
                "context, each change to how the image runs is listed above and was declared, the settings are obeyed "
                "(or the warnings say why not), and it adds no SLIM1xx/SLIM2xx finding and no remote code.", ""]
    elif isinstance(outcome, Declined):
        out += [f"Not converted ({engine}); the file is unchanged.", "", "## Why", ""]
        out += [f"- {r}" for r in outcome.reasons]
        out.append("")
        if outcome.notes:
            out += ["## Notes", "", *_notes_md(outcome.notes), ""]
    else:
        out += [f"Conversion failed ({engine}); the file is unchanged.", "", outcome.message, ""]
        if outcome.notes:
            out += ["## Notes", "", *_notes_md(outcome.notes), ""]
    return "\n".join(out).rstrip() + "\n"


def plain(outcome: Outcome) -> str:
    """``markdown`` for a terminal: headings as plain lines, no emphasis."""
    text = markdown(outcome)
    text = re.sub(r"^#+ ", "", text, flags=re.M)
    return text.replace("**", "")
