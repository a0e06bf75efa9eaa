"""Run the rules over a Dockerfile: select, suppress, re-grade and sort what they find.

The one entry point shared by the CLI and the language server.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, replace

from .analysis import UNKNOWN, Analysis, BuildContext
from .dockerfile.model import Dockerfile
from .rules.base import Rule, Violation, all_rules
from .settings import Settings

_IGNORE = re.compile(r"^slimstage\s+ignore(-file)?\s*=\s*([A-Za-z0-9_,\s-]+)$", re.I)


@dataclass(frozen=True)
class LintResult:
    violations: tuple[Violation, ...]
    analysis: Analysis
    rule_errors: tuple[str, ...] = ()


def _matches(code: str, patterns: list[str]) -> bool:
    return any(code.startswith(p) for p in patterns)


def enabled_rules(settings: Settings) -> list[Rule]:
    sel, ign = settings.rules.select, settings.rules.ignore
    return [r for r in all_rules() if (not sel or _matches(r.code, sel)) and not _matches(r.code, ign)]


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


def _suppressed(v: Violation, doc: Dockerfile, file_wide: set[str], by_line: dict[int, set[str]]) -> bool:
    if v.code in file_wide or "ALL" in file_wide:
        return True
    if not by_line:
        return False
    ins = doc.instruction_at(v.range.start.line)
    line = ins.start_line if ins is not None else v.range.start.line
    codes = by_line.get(line, ())
    return v.code in codes or "ALL" in codes


def lint(doc: Dockerfile, settings: Settings | None = None, context: BuildContext = UNKNOWN) -> LintResult:
    """Every enabled rule's findings on ``doc``, suppressions applied, sorted by position."""
    settings = settings or Settings()
    a = Analysis(doc, settings, context)
    found: list[Violation] = []
    errors: list[str] = []
    for rule in enabled_rules(settings):
        try:
            found.extend(rule.check(a))
        except Exception as exc:  # a broken rule must not take the others (or the server) down
            errors.append(f"{rule.code} failed: {type(exc).__name__}: {exc}")
            print(f"slimstage: rule {rule.code} failed: {exc!r}", file=sys.stderr)
    file_wide, by_line = suppressions(doc)
    overrides = settings.rules.severity
    out = []
    for v in found:
        if _suppressed(v, doc, file_wide, by_line):
            continue
        if v.code in overrides:
            v = replace(v, severity=overrides[v.code])
        out.append(v)
    out.sort(key=lambda v: (v.range.start.line, v.range.start.character, v.code))
    return LintResult(tuple(out), a, tuple(errors))
