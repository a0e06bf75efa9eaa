"""Checks a candidate rewrite must pass before anything is applied.

Pure: text in, a ``Validation`` out. A candidate is accepted only if it parses with the
same parser as everything else; has at least two stages, all named, no more than
``max_stages``; every ``COPY --from`` / ``--mount=from`` names an earlier stage or an
image; its final stage keeps the original's runtime contract (or the explanation names
each deliberate change; a root image made non-root is accepted and always reported); it
introduces no SLIM1xx/SLIM2xx finding; and it adds no download piped into a shell and
no remote ADD, so instructions hidden in a file cannot smuggle code into the build.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ..analysis.context import UNKNOWN, BuildContext
from ..analysis.ecosystems import split_commands
from ..analysis.stages import StageGraph, copy_sources
from ..dockerfile import parse
from ..dockerfile.model import Dockerfile
from ..lint import LintResult, lint
from ..settings import Settings
from .contract import contract_of, diff, is_named
from .result import ContractChange

GUARDED_PREFIXES = ("SLIM1", "SLIM2")
_PIPE_TO_SHELL = re.compile(
    r"\b(curl|wget|fetch)\b[^|;&\n]*\|\s*(sudo\s+)?(env\s+\S+\s+)*(/usr/bin/|/bin/)?(ba|z|da|k|a)?sh\b"
    r"|\b(curl|wget)\b[^|;&\n]*\|\s*(sudo\s+)?(python\d?|perl|ruby|node|php)\b"
    r"|\b(ba|z|da)?sh\s+(-c\s+)?[\"']?\$\(\s*(curl|wget)\b"
    r"|\b(ba|z)?sh\s+<\(\s*(curl|wget)\b",
    re.I,
)
_REMOTE = re.compile(r"^(https?|ftp|git|ssh)://|^git@|\.git(#.*)?$", re.I)


@dataclass(frozen=True)
class Validation:
    problems: tuple[str, ...]
    changes: tuple[ContractChange, ...]  # accepted changes to the runtime contract (named or hardening)
    doc: Optional[Dockerfile] = None
    result: Optional[LintResult] = None

    @property
    def ok(self) -> bool:
        return not self.problems


def _norm(text: str) -> str:
    return " ".join(text.split())


def _finding_keys(result: LintResult) -> dict[tuple[str, str], int]:
    """Findings keyed by code and the text of the instruction they are on (not line numbers)."""
    out: dict[tuple[str, str], int] = {}
    doc = result.analysis.doc
    for v in result.violations:
        if not v.code.startswith(GUARDED_PREFIXES):
            continue
        ins = doc.instruction_at(v.range.start.line)
        where = _norm(f"{ins.keyword} {ins.text}") if ins is not None else _norm(v.message)
        key = (v.code, where)
        out[key] = out.get(key, 0) + 1
    return out


def remote_code(doc: Dockerfile) -> set[str]:
    """Downloads piped into an interpreter, and ADDs of remote sources, as normalized text."""
    found: set[str] = set()
    for ins in doc.instructions:
        if ins.keyword == "RUN":
            texts = [ins.text] + [h.body for h in ins.heredocs]
            for text in texts:
                for m in _PIPE_TO_SHELL.finditer(text):
                    found.add("RUN " + _norm(m.group(0)))
            for cmd in split_commands(ins):
                if len(cmd.words) >= 3 and cmd.words[1] == "-c":
                    for m in _PIPE_TO_SHELL.finditer(cmd.words[2]):
                        found.add("RUN " + _norm(m.group(0)))
        elif ins.keyword == "ADD":
            for src in copy_sources(ins):
                if _REMOTE.search(src.strip()):
                    found.add("ADD " + src.strip())
    return found


def _structure(doc: Dockerfile, settings: Settings) -> list[str]:
    problems: list[str] = []
    errors = [p for p in doc.problems if p.severity == "error"]
    for p in errors[:5]:
        problems.append(f"line {p.range.start.line + 1}: {p.message}")
    if not doc.stages:
        problems.append("it has no FROM instruction: it is not a Dockerfile")
        return problems
    if len(doc.stages) < 2:
        problems.append("it has only one stage; a multi-stage build needs at least two")
    if settings.max_stages and len(doc.stages) > settings.max_stages:
        problems.append(f"it has {len(doc.stages)} stages; the setting max_stages allows {settings.max_stages}")
    seen: set[str] = set()
    for st in doc.stages:
        if not st.name:
            problems.append(f"stage {st.index + 1} (line {st.range.start.line + 1}, FROM {st.base}) has no name: write FROM {st.base} AS <name>")
        elif st.name in seen:
            problems.append(f"two stages are named {st.name!r}")
        else:
            seen.add(st.name)
    graph = StageGraph(doc)
    for ref in graph.external:
        if not ref.looks_like_image:
            problems.append(
                f"line {ref.instruction.start_line + 1}: --from={ref.ref} names neither an earlier stage nor an image"
            )
    for edge in graph.edges:
        if edge.kind in ("copy", "mount"):
            frm = edge.instruction.flag("from")
            value = frm.value if frm is not None and edge.kind == "copy" else _mount_from(edge.instruction)
            if value and value.strip().isdigit():
                problems.append(
                    f"line {edge.instruction.start_line + 1}: --from={value} refers to a stage by number; use its name"
                )
    return problems


def _mount_from(ins) -> str:
    for flag in ins.flags_named("mount"):
        ref = flag.options().get("from")
        if ref:
            return ref
    return ""


def validate(
    original: Dockerfile,
    candidate_text: str,
    *,
    settings: Settings,
    context: BuildContext = UNKNOWN,
    explanation: str = "",
    original_result: Optional[LintResult] = None,
) -> Validation:
    """Every reason ``candidate_text`` must not replace ``original``; none means it may."""
    if not candidate_text.strip():
        return Validation(("the answer is empty: it is not a Dockerfile",), ())
    doc = parse(candidate_text)
    problems = _structure(doc, settings)
    if not doc.stages:
        return Validation(tuple(problems), (), doc)

    accepted: list[ContractChange] = []
    before, after = contract_of(original), contract_of(doc)
    if before is not None and after is not None:
        for change in diff(before, after):
            if change.hardening or is_named(change, explanation):
                accepted.append(change)
            else:
                problems.append(
                    f"the final stage changes the runtime contract: {change.describe()} "
                    "(keep it as in the original, or name the deliberate change in the explanation)"
                )

    result = lint(doc, settings, context)
    base_result = original_result or lint(original, settings, context)
    before_keys = _finding_keys(base_result)
    for (code, where), count in sorted(_finding_keys(result).items()):
        if count > before_keys.get((code, where), 0):
            message = next(
                (v.message for v in result.violations if v.code == code and _where(result, v) == where),
                "",
            )
            problems.append(f"it introduces {code} at `{where[:80]}`: {message}")

    for item in sorted(remote_code(doc) - remote_code(original)):
        kind = "a remote ADD" if item.startswith("ADD ") else "a download piped into an interpreter"
        problems.append(f"it adds {kind} that the original does not have: `{item[:100]}`")
    return Validation(tuple(problems), tuple(accepted), doc, result)


def _where(result: LintResult, v) -> str:
    ins = result.analysis.doc.instruction_at(v.range.start.line)
    return _norm(f"{ins.keyword} {ins.text}") if ins is not None else _norm(v.message)
