"""Applying fixes to text: one fix, or every safe fix in turn ("fix all").

Pure functions over strings, shared by the CLI, the language server and the tests.
"""

from __future__ import annotations

import re
import time

from .analysis.context import UNKNOWN, BuildContext
from .dockerfile import parse
from .dockerfile.model import Pos, index_of_utf16
from .lint import LintResult, lint
from .rules.base import Edit, Fix
from .settings import Settings

MAX_ROUNDS = 50


_CLIENT_EOL = re.compile(r"\r\n|\n|\r")
BOM = "\ufeff"


def line_end(text: str) -> str:
    """The file's line end: ``\r\n`` when most lines end with it, else ``\n``."""
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"


def keep_line_ends(original: str, new: str) -> str:
    """``new`` (written with ``\n``) with the line ends and byte-order mark of ``original``."""
    if line_end(original) == "\r\n":
        new = new.replace("\r\n", "\n").replace("\n", "\r\n")
    if original.startswith(BOM) and not new.startswith(BOM):
        new = BOM + new
    return new


def _offset(lines: list[str], starts: list[int], pos: Pos) -> int:
    if pos.line >= len(lines):
        return starts[-1] + len(lines[-1])
    line = lines[pos.line]
    return starts[pos.line] + index_of_utf16(line, pos.character)


def apply_edits(text: str, edits: tuple[Edit, ...] | list[Edit]) -> str:
    """Apply non-overlapping edits (positions in the original text) to ``text``.

    Lines are counted as an LSP client counts them (``\n``, ``\r\n`` and a lone ``\r``
    end a line), as the model's positions are; a leading byte-order mark is not part of
    line 0's columns and is kept; inserted line ends follow the file's (CRLF stays CRLF).
    """
    bom = text.startswith(BOM)
    if bom:
        text = text[1:]
    lines, starts, at = [], [], 0
    for m in _CLIENT_EOL.finditer(text):
        starts.append(at)
        lines.append(text[at : m.start()])
        at = m.end()
    starts.append(at)
    lines.append(text[at:])
    eol = line_end(text)
    spans = sorted(((_offset(lines, starts, e.range.start), _offset(lines, starts, e.range.end), e.new_text) for e in edits), reverse=True)
    out = text
    last_start = len(text) + 1
    for start, end, new in spans:
        if end > last_start:
            raise ValueError("overlapping edits")
        if eol != "\n" and "\n" in new:
            new = new.replace("\r\n", "\n").replace("\n", eol)
        if new.endswith("\n") and start > 0 and text[start - 1] == "\r" and text[start : start + 1] != "\n":
            # whole lines inserted after a lone CR: BuildKit would join them to the line before
            # it (a lone CR ends no line there); make that CR a CRLF, which both count once
            new = "\n" + new
        out = out[:start] + new + out[end:]
        last_start = start
    return BOM + out if bom else out


def apply_fix(text: str, fix: Fix) -> str:
    return apply_edits(text, fix.edits)


def fix_all(
    text: str,
    settings: Settings | None = None,
    context: BuildContext = UNKNOWN,
    deadline: float | None = None,
    first: LintResult | None = None,
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
        result = first if first is not None and not applied else lint(parse(text), settings, context)  # ``first``: the findings of ``text`` already known
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
