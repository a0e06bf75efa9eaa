"""Facts and edits shared by the SLIM1xx (layer order and caching) rules.

Which copies bring in the source, which instructions a RUN may move across, and the
text edits the fixes are made of: a flag added to a RUN, a command appended to a RUN,
a word inserted after another. Every edit is computed from the model's ranges.
"""

from __future__ import annotations

from typing import Optional

from ..analysis import Analysis
from ..analysis.shell import Command
from ..analysis.stages import copy_sources
from ..dockerfile.model import Flag, Instruction, Range, utf16_len
from ..dockerfile.words import unterminated
from .base import Edit

BROAD_SOURCES = frozenset((".", "./", "*", "./*", "/", "./.", "**"))

# Instructions that neither run anything nor change what a RUN sees: a RUN may move across them.
# (Not COPY: it may bring a file the RUN reads, such as an .npmrc, an apt source list or a patch.)
INERT = frozenset(("LABEL", "EXPOSE", "HEALTHCHECK", "CMD", "ENTRYPOINT", "STOPSIGNAL", "MAINTAINER"))


def is_context_copy(ins: Instruction) -> bool:
    return ins.keyword in ("COPY", "ADD") and ins.flag("from") is None and len(ins.args) >= 2


# Folders that hold a project's own code by convention (Maven and Gradle's src, Go's cmd and internal).
SOURCE_FOLDERS = frozenset(("src", "app", "cmd", "internal"))


def is_broad_copy(ins: Instruction) -> bool:
    """A COPY/ADD of the whole build context (``COPY . .``, ``ADD . /app``, ``COPY * ./``)."""
    return is_context_copy(ins) and any(s in BROAD_SOURCES for s in copy_sources(ins))


def is_source_copy(ins: Instruction) -> bool:
    """A COPY/ADD that brings the project's code: the whole context, or a conventional source folder (``COPY src ./src``)."""
    if not is_context_copy(ins):
        return False
    return any(s in BROAD_SOURCES or s.strip("/").removeprefix("./").strip("/") in SOURCE_FOLDERS for s in copy_sources(ins))


def flag_text(flag: Flag) -> str:
    if flag.value is None:
        return f"--{flag.name}"
    value = flag.value
    if any(c in value for c in " \t\"'"):
        value = '"' + value.replace('"', '\\"') + '"'
    return f"--{flag.name}={value}"


def flags_text(ins: Instruction, names: Optional[tuple[str, ...]] = None) -> str:
    return " ".join(flag_text(f) for f in ins.flags if names is None or f.name in names)


def insert_run_flag(ins: Instruction, flag: str) -> Edit:
    """Add ``flag`` right after the RUN keyword."""
    end = ins.keyword_range.end
    return Edit(Range(end, end), f" {flag}")


def append_command(a: Analysis, ins: Instruction, cmds: tuple[Command, ...], command: str) -> Optional[Edit]:
    """Append ``command`` to the end of a shell-form RUN, joined the way the RUN joins its commands."""
    if ins.is_json or ins.heredocs or not ins.text or not cmds or unterminated(ins.text, substitutions=True):
        return None  # (an open quote or substitution would swallow the appended command)
    last = cmds[-1]
    if last.heredoc >= 0 or last.via or not last.editable or last.end != len(ins.text.rstrip()):
        return None  # the RUN ends in a comment, an operator or a nested script
    joiners = {c.joiner for c in cmds[:-1]}
    if joiners - {"&&", ";", "\n"}:
        return None  # pipes, ``||`` or background jobs: where the command would run is not certain
    sep = "; " if ";" in joiners else " && "
    end = ins.range_of(len(ins.text) - 1, len(ins.text)).end
    if ins.start_line == ins.end_line:
        return Edit(Range(end, end), f"{sep}{command}")
    line = a.doc.lines[end.line]
    indent = line[: len(line) - len(line.lstrip())] or "    "
    escape = a.doc.escape
    lead = "&& " if sep == " && " else ""
    tail = ";" if sep == "; " else ""
    return Edit(Range(end, end), f"{tail} {escape}\n{indent}{lead}{command}")


def insert_after_word(cmd: Command, index: int, text: str) -> Optional[Edit]:
    """Insert `` text`` after word ``index`` of ``cmd``."""
    where = cmd.after_word(index)
    if where is None:
        return None
    return Edit(where, f" {text}")


def ignored(a: Analysis, path: str) -> bool:
    """The build context's .dockerignore leaves ``path`` out."""
    ctx = a.context
    return ctx.known and ctx.has_dockerignore and ctx.ignore.excludes(path)


def quoted_ok(*paths: str) -> bool:
    """Paths that can be written into an instruction as they are."""
    return all(p and not any(c in p for c in " \t\"'$\\") for p in paths)


def listing(items: list[str] | tuple[str, ...]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = [i for i in dict.fromkeys(items) if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def removal(a: Analysis, ins: Instruction) -> Range:
    """The lines of ``ins`` to delete, with one blank line when it stood between two blank lines."""
    lines = a.doc.lines
    start, end = ins.start_line, ins.end_line + 1
    if end >= len(lines):
        return Range.of(start, 0, ins.end_line, utf16_len(lines[ins.end_line]))  # columns are UTF-16 units
    if start > 0 and not lines[start - 1].strip() and not lines[end].strip() and end + 1 < len(lines):
        end += 1
    return Range.of(start, 0, end, 0)
