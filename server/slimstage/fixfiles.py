"""``slimstage check --fix``: the editor's "fix all" applied to files on disk.

The fixes themselves are ``fixes.fix_all`` (the same code the editor's "Fix all" runs);
this module is the file edge around it: read the bytes, note the BOM and the dominant line
end, normalise to LF for the fixes, then restore both and replace the file atomically (a
temporary file beside it, its mode copied, ``os.replace``). A file is written only when a
fix changed it and the result still parses without a new syntax error.
"""

from __future__ import annotations

import difflib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .settings import Settings

MAX_PASSES = 4  # fix_all re-checks after every fix; a pass that changes nothing ends the loop
FILE_BUDGET_S = 30.0  # each fix re-checks the whole file: stop fixing one huge file after this

BOM = "\ufeff"


@dataclass(frozen=True)
class Layout:
    """How the file's text is laid out on disk, so a rewrite keeps it."""

    bom: bool
    eol: str  # "\n" or "\r\n", whichever most lines end with


def split_layout(text: str) -> tuple[str, Layout]:
    """(text with LF line ends and no BOM, its layout). Lone CRs are left alone."""
    bom = text.startswith(BOM)
    if bom:
        text = text[1:]
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    eol = "\r\n" if crlf > lf else "\n"
    if crlf:
        text = text.replace("\r\n", "\n")
    return text, Layout(bom, eol)


def join_layout(text: str, layout: Layout) -> str:
    if layout.eol != "\n":
        text = text.replace("\n", layout.eol)
    return (BOM if layout.bom else "") + text


@dataclass
class FixOutcome:
    path: str
    fixed: list[str]  # codes, one per fix applied, in order
    before: str = ""  # the text on disk
    after: str = ""  # the text with the fixes (same layout as on disk)
    problem: Optional[str] = None  # why the file was not fixed (or not written)
    violations: tuple = ()  # what remains, on the fixed text

    @property
    def changed(self) -> bool:
        return bool(self.fixed) and self.after != self.before and self.problem is None

    def diff(self) -> str:
        a = self.before.splitlines(keepends=True)
        b = self.after.splitlines(keepends=True)
        name = Path(self.path).as_posix()
        old, new = (name, name) if name.startswith("/") else (f"a/{name}", f"b/{name}")
        lines = difflib.unified_diff(a, b, fromfile=old, tofile=new)
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def _syntax_errors(doc) -> int:
    return sum(1 for p in doc.problems if p.severity == "error")


def fix_text(text: str, settings: Settings, context, unsafe: bool = False) -> tuple[str, list[str]]:
    """Apply fixes to LF text until a pass changes nothing (at most MAX_PASSES passes, and
    no new fix started after FILE_BUDGET_S: what is left is reported as remaining)."""
    import time

    from .fixes import fix_all

    deadline = time.monotonic() + FILE_BUDGET_S
    applied: list[str] = []
    for _ in range(MAX_PASSES):
        if applied and time.monotonic() > deadline:
            break
        text, done = fix_all(text, settings, context, deadline=deadline, unsafe=unsafe)
        applied += done
        if not done:
            break
    return text, applied


def fix_file(path: Path, settings: Settings, *, unsafe: bool = False, write: bool = True) -> FixOutcome:
    """Fix one file; with ``write`` replace it on disk. Never raises for a bad file."""
    from .cli import context_of, read_file
    from .dockerfile import parse
    from .lint import lint

    raw, problem = read_file(path)
    if raw is None:
        return FixOutcome(str(path), [], problem=problem)
    if problem:  # not UTF-8 or binary: a rewrite would lose bytes
        outcome = FixOutcome(str(path), [], raw, raw, problem=f"{problem}; not fixed")
        outcome.violations = lint(parse(raw), settings, context_of(path, settings)).violations
        return outcome
    text, layout = split_layout(raw)
    context = context_of(path, settings)
    before_doc = parse(text)
    new, applied = fix_text(text, settings, context, unsafe)
    after_doc = parse(new)
    outcome = FixOutcome(str(path), applied, raw, join_layout(new, layout) if applied else raw)
    if applied and _syntax_errors(after_doc) > _syntax_errors(before_doc):
        # never expected; a guard so a broken fix cannot damage a file
        outcome.problem = f"{path}: the fixes ({', '.join(applied)}) would break the syntax; not fixed"
        outcome.after = raw
        outcome.fixed = []
        outcome.violations = lint(before_doc, settings, context).violations
        return outcome
    outcome.violations = lint(after_doc, settings, context).violations
    if write and outcome.changed:
        try:
            write_atomically(path, outcome.after)
        except OSError as exc:
            outcome.problem = f"{path}: cannot write: {exc.strerror or exc}"
            outcome.violations = lint(before_doc, settings, context).violations
    return outcome


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` (through a symlink: its target) with ``text`` in one rename."""
    target = Path(os.path.realpath(path))
    mode = stat.S_IMODE(target.stat().st_mode)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".slimstage", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
