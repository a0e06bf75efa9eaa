"""Run the rules over a Dockerfile: select, suppress, re-grade and sort what they find.

The one entry point shared by the CLI and the language server.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_right
from dataclasses import dataclass, replace
from typing import Optional

from .analysis import UNKNOWN, Analysis, BuildContext
from .dockerfile.model import Dockerfile
from .rules.base import Rule, Violation, all_rules
from .rules.buildkit._common import check_directive, comment_check, facts
from .settings import Settings

_IGNORE = re.compile(r"^slimstage\s+ignore(-file)?\s*=\s*([A-Za-z0-9_,\s-]+)$", re.I)


@dataclass(frozen=True)
class LintResult:
    violations: tuple[Violation, ...]
    analysis: Analysis
    rule_errors: tuple[str, ...] = ()


# A BuildKit check and the slimstage rule that reports the same thing: when both find the same
# instruction, only the BuildKit check's finding is kept (the SLIM rule remains the fallback
# when the check is skipped, ignored, or stays quiet, e.g. SLIM205 with `!` lines).
SUPERSEDED = {"SLIM303": "DuplicateStageName", "SLIM205": "CopyIgnoredFile"}


def _matches(rule: Rule, patterns: list[str]) -> bool:
    """Codes and prefixes compare in upper case (settings store them so); ``BUILDKIT`` names the family."""
    code = rule.code.upper()
    return any(code.startswith(p) or p == rule.family.upper() for p in patterns)


def enabled_rules(settings: Settings) -> list[Rule]:
    """The rules the settings enable; an experimental rule only when selected by its exact code."""
    sel, ign = settings.rules.select, settings.rules.ignore
    out = []
    for r in all_rules():
        if (sel and not _matches(r, sel)) or _matches(r, ign):
            continue
        if r.experimental and r.code.upper() not in sel:
            continue
        out.append(r)
    return out


def _directive_rules(doc: Dockerfile, settings: Settings, rules: list[Rule]) -> tuple[list[Rule], bool]:
    """Apply the file's ``# check=`` directive to BuildKit's checks: skip, experimental, error."""
    cfg = check_directive(doc)
    if cfg is None:
        return rules, False
    out = [r for r in rules if r.family != "buildkit" or r.experimental or not (cfg["skip_all"] or r.code in cfg["skip"])]
    if cfg["experimental_all"] or cfg["experimental"]:
        ign = settings.rules.ignore
        sel = settings.rules.select
        have = {r.code for r in out}
        for r in all_rules():
            if (
                r.experimental
                and r.code not in have
                and (cfg["experimental_all"] or r.code in cfg["experimental"])
                and not _matches(r, ign)
                and (not sel or _matches(r, sel))
            ):
                out.append(r)
    return out, bool(cfg["error"])


class _Lines:
    """The instruction holding a line, by bisection (findings are many, instructions too)."""

    def __init__(self, doc: Dockerfile) -> None:
        self.instructions = doc.instructions
        self.starts = [i.start_line for i in doc.instructions]

    def at(self, line: int):
        k = bisect_right(self.starts, line) - 1
        if k >= 0 and self.instructions[k].end_line >= line:
            return self.instructions[k]
        return None


def suppressions(doc: Dockerfile) -> tuple[set[str], dict[int, set[str]]]:
    """File-wide ignored codes, and per-line ignored codes (keyed by the line they apply to)."""
    file_wide: set[str] = set()
    by_line: dict[int, set[str]] = {}
    comment_lines = {c.line for c in doc.comments}
    for c in doc.comments:
        m = _IGNORE.match(c.text)
        if not m:
            continue
        codes = {x.strip().upper() for x in m.group(2).split(",") if x.strip()}
        if m.group(1):
            file_wide |= codes
            continue
        # Applies to the next line that is not a comment: the instruction below.
        target = c.line + 1
        while target in comment_lines:
            target += 1
        by_line.setdefault(target, set()).update(codes)
    return file_wide, by_line


def _suppressed(v: Violation, lines: _Lines, file_wide: set[str], by_line: dict[int, set[str]]) -> bool:
    code = v.code.upper()
    if code in file_wide or "ALL" in file_wide:
        return True
    if not by_line:
        return False
    ins = lines.at(v.range.start.line)
    line = ins.start_line if ins is not None else v.range.start.line
    codes = by_line.get(line, ())
    return code in codes or "ALL" in codes


def _skipped_here(v: Violation, lines: _Lines, comments: dict[int, list[str]]) -> bool:
    """A ``# check=skip=...`` comment right above the instruction skips BuildKit checks there."""
    ins = lines.at(v.range.start.line)
    if ins is None:
        return False
    block = comments.get(ins.start_line)
    if not block:
        return False
    cfg = comment_check(block)
    return cfg is not None and (cfg["skip_all"] or v.code in cfg["skip"])


def _experimental_here(a: Analysis, settings: Settings, running: list[Rule]) -> list[Violation]:
    """Findings of experimental checks that a ``# check=experimental=...`` comment right above
    an instruction enables for that instruction only (as BuildKit merges such comments)."""
    have = {r.code for r in running}
    candidates = [
        r for r in all_rules() if r.experimental and r.code not in have and not _matches(r, settings.rules.ignore)
        and (not settings.rules.select or _matches(r, settings.rules.select))
    ]
    if not candidates or "experimental" not in a.doc.text:
        return []
    enabled: dict[str, set[int]] = {}
    for line, block in facts(a).comments.items():
        cfg = comment_check(block)
        if cfg is None:
            continue
        for r in candidates:
            if cfg["experimental_all"] or r.code in cfg["experimental"]:
                enabled.setdefault(r.code, set()).add(line)
    out: list[Violation] = []
    if not enabled:
        return out
    lines = _Lines(a.doc)
    for r in candidates:
        where = enabled.get(r.code)
        if not where:
            continue
        try:
            out.extend(v for v in r.check(a) if _start(lines, v) in where)
        except Exception as exc:  # pragma: no cover - same guard as the main loop
            print(f"slimstage: rule {r.code} failed: {exc!r}", file=sys.stderr)
    return out


def _start(lines: _Lines, v: Violation) -> int:
    ins = lines.at(v.range.start.line)
    return ins.start_line if ins is not None else v.range.start.line


def lint(doc: Dockerfile, settings: Settings | None = None, context: BuildContext = UNKNOWN) -> LintResult:
    """Every enabled rule's findings on ``doc``, suppressions applied, sorted by position."""
    settings = settings or Settings()
    a = Analysis(doc, settings, context)
    found: list[Violation] = []
    errors: list[str] = []
    rules, as_errors = _directive_rules(doc, settings, enabled_rules(settings))
    for rule in rules:
        try:
            found.extend(rule.check(a))
        except Exception as exc:  # a broken rule must not take the others (or the server) down
            errors.append(f"{rule.code} failed: {type(exc).__name__}: {exc}")
            print(f"slimstage: rule {rule.code} failed: {exc!r}", file=sys.stderr)
    found.extend(_experimental_here(a, settings, rules))
    file_wide, by_line = suppressions(doc)
    overrides = settings.rules.severity
    lines = _Lines(doc)
    comments: Optional[dict[int, list[str]]] = None
    kept: list[Violation] = []
    for v in found:
        if _suppressed(v, lines, file_wide, by_line):
            continue
        if v.code[:4] != "SLIM":
            if comments is None:
                comments = facts(a).comments
            if comments and _skipped_here(v, lines, comments):
                continue
            if as_errors:
                v = replace(v, severity="error")
        kept.append(v)
    out = []
    superseding = {(v.code, _start(lines, v)) for v in kept if v.code in SUPERSEDED.values()}
    for v in kept:
        if v.code in SUPERSEDED and (SUPERSEDED[v.code], _start(lines, v)) in superseding:
            continue
        sev = overrides.get(v.code.upper())
        if sev is not None:
            v = replace(v, severity=sev)
        out.append(v)
    out.sort(key=lambda v: (v.range.start.line, v.range.start.character, v.code))
    return LintResult(tuple(out), a, tuple(errors))
