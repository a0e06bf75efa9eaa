"""Applying fixes to text: one fix, or every safe fix in turn ("fix all").

Pure functions over strings, shared by the CLI, the language server and the tests.
"""

from __future__ import annotations

import time

from .analysis.context import UNKNOWN, BuildContext
from .dockerfile import parse
from .dockerfile.model import Pos, index_of_utf16
from .lint import lint
from .rules.base import Edit, Fix
from .settings import Settings

MAX_ROUNDS = 50


def _offset(lines: list[str], starts: list[int], pos: Pos) -> int:
    if pos.line >= len(lines):
        return starts[-1] + len(lines[-1])
    line = lines[pos.line]
    return starts[pos.line] + index_of_utf16(line, pos.character)


def apply_edits(text: str, edits: tuple[Edit, ...] | list[Edit]) -> str:
    """Apply non-overlapping edits (positions in the original text) to ``text``."""
    lines = text.split("\n")
    starts, total = [], 0
    for ln in lines:
        starts.append(total)
        total += len(ln) + 1
    spans = sorted(((_offset(lines, starts, e.range.start), _offset(lines, starts, e.range.end), e.new_text) for e in edits), reverse=True)
    out = text
    last_start = len(text) + 1
    for start, end, new in spans:
        if end > last_start:
            raise ValueError("overlapping edits")
        out = out[:start] + new + out[end:]
        last_start = start
    return out


def apply_fix(text: str, fix: Fix) -> str:
    return apply_edits(text, fix.edits)


def fix_all(
    text: str, settings: Settings | None = None, context: BuildContext = UNKNOWN, deadline: float | None = None,
    unsafe: bool = False,
) -> tuple[str, list[str]]:
    """Apply every safe, in-file fix one at a time, re-checking in between.

    Returns the new text and the codes fixed, in order. File changes (.dockerignore)
    are left to the caller, which knows where the build context is. ``deadline`` (a
    ``time.monotonic()`` value) stops after the fix in progress once passed: each round
    re-checks the whole file, which on a 10,000-line file is seconds, and an editor asks
    for code actions every time the cursor rests on a finding.
    ``unsafe`` also applies fixes marked ``safe=False`` (``check --fix --unsafe-fixes``).
    """
    applied: list[str] = []
    seen: set[str] = set()
    for _ in range(MAX_ROUNDS):
        if deadline is not None and applied and time.monotonic() > deadline:
            break
        result = lint(parse(text), settings, context)
        candidates = [v for v in result.violations if v.fix is not None and (v.fix.safe or unsafe) and v.fix.edits and not v.fix.files]
        candidates = [v for v in candidates if f"{v.code}:{v.range}" not in seen]
        if not candidates:
            break
        v = candidates[0]
        seen.add(f"{v.code}:{v.range}")
        try:
            text = apply_fix(text, v.fix)  # type: ignore[arg-type]
        except ValueError:
            continue
        applied.append(v.code)
    return text, applied
