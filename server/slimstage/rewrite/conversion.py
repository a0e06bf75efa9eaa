"""One conversion from start to end: pick the engine, get a candidate, validate it, retry, estimate.

Shared by the CLI and the language server. Async so that a Claude request can be
cancelled mid-flight; ``progress`` is told what is happening ("Asking Claude...",
"Validating...", "Retrying: 2 problems"). The result is ``Converted`` only when the exact
text to apply passed ``validate.validate``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable, Optional

from ..analysis.context import UNKNOWN, BuildContext
from ..dockerfile import parse
from ..dockerfile.model import Dockerfile
from ..lint import LintResult, lint
from ..settings import Settings
from . import planner
from .annotate import annotate
from .estimate import estimate
from .project import ProjectFiles
from .redact import Redaction, redact
from .result import Converted, Declined, Failed, Outcome, Proposal, StageNote
from .validate import misplaced_placeholders, validate

Progress = Callable[[str], None]
MAX_SEND_CHARS = 256 * 1024


@dataclass(frozen=True)
class Job:
    text: str
    settings: Settings
    engine: str  # "offline" | "claude"
    context: BuildContext = UNKNOWN
    project: ProjectFiles = field(default_factory=ProjectFiles)
    api_key: Optional[str] = field(default=None, repr=False)
    notes: tuple[str, ...] = ()  # said to the user whatever happens (e.g. why this engine)


def choose_engine(settings: Settings, api_key: Optional[str], requested: Optional[str] = None) -> tuple[str, tuple[str, ...]]:
    """(engine, notes): Claude when asked for (or auto) and a key is set, else the offline planner."""
    wanted = requested or settings.engine
    env = settings.claude.api_key_env or "ANTHROPIC_API_KEY"
    if wanted == "offline":
        return "offline", ()
    if not api_key:
        return "offline", (f"No API key in {env}: the offline planner was used instead of Claude.",)
    if not claude_sdk_installed():
        return "offline", (
            "The Claude SDK (the anthropic package) is not installed for this Python: the offline planner "
            "was used instead of Claude. Install it with `pip install anthropic` (the VS Code extension "
            "offers to install it on first use).",
        )
    return "claude", ()


def claude_sdk_installed() -> bool:
    """Whether ``anthropic`` can be imported, without importing it (that takes most of a second)."""
    import importlib.util

    try:
        return importlib.util.find_spec("anthropic") is not None
    except (ImportError, ValueError):
        return False


def _silent(_: str) -> None:
    pass


async def convert(job: Job, progress: Progress = _silent) -> Outcome:
    original = parse(job.text)
    baseline = lint(original, job.settings, job.context)
    if job.engine == "claude" and job.api_key:
        if len(job.text) > MAX_SEND_CHARS:
            return Failed(f"the Dockerfile is larger than the {MAX_SEND_CHARS // 1024} KB slimstage sends to Claude.", "claude", "input", job.notes)
        return await _with_claude(job, original, baseline, progress)
    return _with_planner(job, original, baseline, progress)


def _accept(job: Job, original: Dockerfile, baseline: LintResult, proposal: Proposal, text: str, engine: str, attempts: int, extra_notes: tuple[str, ...] = ()):
    v = validate(original, text, settings=job.settings, context=job.context, explanation=proposal.explanation_text(), original_result=baseline)
    if not v.ok:
        return v, None
    assert v.doc is not None
    kept = _kept_findings(v.result)
    return v, Converted(
        text=text,
        engine=engine,
        stages=proposal.stages,
        summary=proposal.summary,
        changes=v.changes,
        estimate=estimate(original, v.doc),
        notes=job.notes + proposal.notes + extra_notes + kept,
        attempts=attempts,
        declared_changes=proposal.contract_changes,
    )


def _kept_findings(result: Optional[LintResult]) -> tuple[str, ...]:
    """Layer-order and copy findings the rewrite still has (the original had them too)."""
    if result is None:
        return ()
    out: list[str] = []
    for v in result.violations:
        if v.code.startswith(("SLIM1", "SLIM2")) and not any(n.startswith(v.code) for n in out):
            fix = "; it has a quick fix" if v.fix is not None else ""
            out.append(f"{v.code} ({v.name}) is still reported, as it was on the original{fix}.")
    return tuple(out)


def _with_planner(job: Job, original: Dockerfile, baseline: LintResult, progress: Progress) -> Outcome:
    progress("Planning the conversion (offline)…")
    proposal = planner.propose(original, job.settings, job.context, job.project)
    if isinstance(proposal, Declined):
        return Declined(proposal.reasons, "offline", job.notes + proposal.notes)
    progress("Validating…")
    v, converted = _accept(job, original, baseline, proposal, proposal.dockerfile, "offline", 1)
    if converted is not None:
        return converted
    return Declined(
        tuple(f"the planned rewrite failed validation: {p}" for p in v.problems),
        "offline",
        job.notes,
    )


async def _with_claude(job: Job, original: Dockerfile, baseline: LintResult, progress: Progress) -> Outcome:
    from .claude import ClaudeConfig, ClaudeError, ClaudeSession
    from .prompt import user_message

    assert job.api_key
    redaction = redact(original)
    findings = [v for v in baseline.violations]
    message = user_message(
        redaction.text,
        optimize=len(original.stages) > 1,
        context_names=job.context.files if job.context.known else None,
        dockerignore=job.context.dockerignore,
        findings=findings,
    )
    message = redaction.apply(message)
    notes = job.notes + ((f"Withheld from Claude and restored afterwards: {', '.join(redaction.masked)}.",) if redaction.masked else ())
    config = ClaudeConfig.from_settings(job.settings, job.api_key)
    attempts = 1 + max(0, job.settings.claude.max_retries)
    problems: list[str] = []
    progress("Asking Claude…")
    try:
        async with ClaudeSession(job.settings, config, message) as session:
            for attempt in range(1, attempts + 1):
                reply = await session.ask()
                if reply.proposal is None:
                    problems = ["the answer held no Dockerfile: call the tool with the complete Dockerfile"]
                elif redaction.pairs and (moved := misplaced_placeholders(redaction.text, reply.proposal.dockerfile)):
                    problems = moved  # a secret moved somewhere new: refuse, restore nothing
                else:
                    proposal = _restore(reply.proposal, redaction)
                    text = annotate(proposal.dockerfile, proposal.stages)
                    leftover = sorted(set(_placeholders(text)))
                    progress("Validating…")
                    if leftover:
                        problems = [f"it contains {', '.join(leftover)}, which stands for no value in the request"]
                    else:
                        v, converted = _accept(job, original, baseline, proposal, text, "claude", attempt, notes[len(job.notes):])
                        if converted is not None:
                            return converted
                        problems = list(v.problems)
                if attempt < attempts:
                    progress(f"Retrying: {len(problems)} problem{'s' if len(problems) != 1 else ''}")
                    session.reject([redaction.apply(p) for p in problems])  # problems quote the restored text
    except ClaudeError as exc:
        return Failed(exc.message, "claude", exc.kind, notes)
    if problems and problems[0].startswith("the answer held no Dockerfile"):
        return Failed(f"Claude's answer held no Dockerfile (after {attempts} attempt{'s' if attempts > 1 else ''}); nothing was changed.", "claude", "not_dockerfile", notes)
    return Declined(
        tuple(problems) + (f"Claude's rewrite still failed validation after {attempts} attempt{'s' if attempts > 1 else ''}; nothing was applied.",),
        "claude",
        notes,
    )


_PLACEHOLDER = re.compile(r"SLIMSTAGE_SECRET_\d+")


def _placeholders(text: str) -> list[str]:
    return _PLACEHOLDER.findall(text)


def _restore(p: Proposal, redaction: Redaction) -> Proposal:
    """Secrets go back into the Dockerfile only; explanations (shown, and kept as comments) never carry them."""

    def hide(text: str) -> str:
        return _PLACEHOLDER.sub("(a withheld value)", text)

    return replace(
        p,
        dockerfile=redaction.restore(p.dockerfile),
        stages=tuple(StageNote(s.name, hide(s.explanation)) for s in p.stages),
        summary=hide(p.summary),
        contract_changes=tuple(hide(c) for c in p.contract_changes),
    )
