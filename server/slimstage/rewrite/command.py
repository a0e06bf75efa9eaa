"""``slimstage convert PATH [--engine auto|claude|offline] [--write | --diff]``.

The new Dockerfile goes to stdout (or a unified diff with ``--diff``; ``--write`` replaces
the file atomically, and only with a validated result); the explanation goes to stderr.
Exit 0 converted, 3 declined (with why), 2 errors, each as one clear line, never a
traceback. The API key is read from the environment variable the settings name.
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import os
import sys
import tempfile
from pathlib import Path

from .. import settings as settings_mod
from ..cli_common import EXIT_DECLINED, EXIT_ERROR, EXIT_OK, UsageError, read_file, settings_from_args
from .conversion import Job, choose_engine, convert
from .report import plain
from .result import Converted, Declined, Failed


def _progress(quiet: bool):
    def report(message: str) -> None:
        if not quiet:
            print(f"slimstage: {message}", file=sys.stderr)

    return report


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text``: a temp file in the same folder, then a rename."""
    folder = path.parent
    mode = None
    try:
        mode = path.stat().st_mode & 0o7777
    except OSError:
        pass
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".slimstage", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def run_convert(args: argparse.Namespace) -> int:
    from ..analysis.context import read_context
    from .project import read_project

    path = Path(args.path)
    text, problem = read_file(path)
    if text is None or problem:
        # Text that did not decode cleanly would not be written back byte for byte: refuse.
        raise UsageError((problem or f"{path}: cannot read") + ("; not converted" if text is not None else ""))
    settings = settings_from_args(args, path)
    api_key = settings_mod.api_key(settings)
    requested = getattr(args, "engine", None)
    if requested == "claude" and not api_key:
        env = settings.claude.api_key_env or "ANTHROPIC_API_KEY"
        raise UsageError(f"--engine claude needs an API key in the {env} environment variable (or use --engine offline)")
    engine, notes = choose_engine(settings, api_key, requested)
    context = read_context(path.resolve(), settings.context)
    job = Job(text, settings, engine, context, read_project(context), api_key if engine == "claude" else None, notes)
    quiet = not sys.stderr.isatty()
    try:
        outcome = asyncio.run(convert(job, _progress(quiet)))
    except KeyboardInterrupt:
        print("slimstage: conversion cancelled; nothing was changed", file=sys.stderr)
        return 130
    except Exception as exc:  # never a traceback: say what broke in one line
        print(f"slimstage: conversion failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_ERROR

    if isinstance(outcome, Failed):
        print(f"slimstage: {outcome.message}", file=sys.stderr)
        for note in outcome.notes:
            print(f"slimstage: {note}", file=sys.stderr)
        return EXIT_ERROR
    if isinstance(outcome, Declined):
        engine = "Claude" if outcome.engine == "claude" else "the offline planner"
        print(f"slimstage: not converted with {engine}; the file is unchanged:", file=sys.stderr)
        for reason in outcome.reasons:
            print(f"  - {reason}", file=sys.stderr)
        for note in outcome.notes:
            print(f"slimstage: {note}", file=sys.stderr)
        return EXIT_DECLINED
    assert isinstance(outcome, Converted)
    if args.write:
        try:
            write_atomically(path, outcome.text)
        except OSError as exc:
            print(f"slimstage: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_ERROR
        print(f"slimstage: wrote {path}", file=sys.stderr)
    elif args.diff:
        diff = difflib.unified_diff(
            text.splitlines(keepends=True),
            outcome.text.splitlines(keepends=True),
            fromfile=f"a/{path.name}",
            tofile=f"b/{path.name}",
        )
        sys.stdout.writelines(diff)
    else:
        sys.stdout.write(outcome.text)
    sys.stdout.flush()
    print(plain(outcome).rstrip(), file=sys.stderr)
    return EXIT_OK
