"""``slimstage format [--check] [--diff] PATH...``: lay out Dockerfiles as the editor's format command does.

Without a flag the files are rewritten in place (only those that change, each through a
temporary file renamed over it). ``--check`` writes nothing and exits 1 when a file would
change; ``--diff`` prints a unified diff and writes nothing (exit 1 too with ``--check``).
Exit 2 when a file cannot be read or written (one line on stderr each, the others still done).
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from .cli_common import discover, read_file, settings_from_args
from .editor.formatting import format_text, options_from
from .fixfiles import write_atomically

EXIT_OK, EXIT_CHANGED, EXIT_ERROR = 0, 1, 2


def run_format(args: argparse.Namespace) -> int:
    errors: list[str] = []
    files = discover(args.paths, errors)
    settings = settings_from_args(args, Path(args.paths[0]) if args.paths else Path.cwd())
    options = options_from(settings)
    changed = 0
    for path in files:
        text, problem = read_file(path)
        if text is None or (problem and "binary" in problem):
            errors.append(problem or f"{path}: cannot read")
            continue
        if problem:  # not valid UTF-8: writing it back would replace the bad bytes
            errors.append(f"{problem}; not formatted")
            continue
        new = format_text(text, options)
        if new == text:
            continue
        changed += 1
        if args.diff:
            sys.stdout.writelines(difflib.unified_diff(text.splitlines(True), new.splitlines(True), f"{path}", f"{path} (formatted)"))
        if args.check and not args.diff:
            print(f"would reformat {path}")
        if not (args.check or args.diff):
            try:
                write_atomically(path, new)  # through a symlink to its target, mode kept
            except OSError as exc:
                errors.append(f"{path}: cannot write: {exc.strerror or exc}")
                continue
            print(f"reformatted {path}", file=sys.stderr)
    for e in errors:
        print(f"slimstage: {e}", file=sys.stderr)
    if errors:
        return EXIT_ERROR
    return EXIT_CHANGED if changed and (args.check or args.diff) else EXIT_OK
