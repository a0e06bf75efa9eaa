"""``slimstage convert PATH [--engine auto|claude|offline] [--write | --diff] [--verify]`` and
``slimstage verify PATH [--rewrite FILE]``.

The new Dockerfile goes to stdout (or a unified diff with ``--diff``; ``--write`` replaces
the file atomically, and only with a validated result: through a symlink to the file it
points to, keeping its mode, never a read-only file, never a file that changed while the
conversion ran; a proposed .dockerignore is written beside it in the build context;
without ``--write`` the proposal is shown in the explanation); the explanation goes to
stderr. Nothing printed holds the API key or URL credentials.
Exit 0 converted, 3 declined (with why), 2 errors, each as one clear line, never a
traceback. The API key is read from the environment variable the settings name.

With ``--verify`` (or ``verify.enabled``) the original and the rewrite are built and run
with a container engine first (``rewrite/verify``); a rewrite that failed verification is
neither printed nor written (exit 4), and one that could not be verified (no engine, ...)
is printed but not written (exit 5), unless ``--accept-unverified``.
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import os
import stat
import signal
import sys
import tempfile
from pathlib import Path

from .. import settings as settings_mod
from ..echo import scrub
from ..sidefile import read_bytes
from ..cli_common import EXIT_DECLINED, EXIT_ERROR, EXIT_OK, EXIT_UNVERIFIED, EXIT_VERIFY_FAILED, UsageError, read_file, settings_from_args, unknown_target
from .conversion import Job, choose_engine, convert
from .report import plain
from .result import Converted, Declined, Failed


def _say(message: str, secrets: tuple = ()) -> None:
    """One line to stderr, with no key and no URL credentials in it."""
    print(scrub(message, secrets), file=sys.stderr)


def _progress(quiet: bool):
    def report(message: str) -> None:
        if not quiet:
            _say(f"slimstage: {message}")

    return report


class NotWritten(Exception):
    """``--write`` refused: one line saying why; the file is left as it is."""


def writable_target(path: Path) -> Path:
    """The file ``--write`` replaces: ``path``, or the file a symlink points to (the link stays a link).

    Refused: a target that is not a regular file, and a read-only one (its mode has no write
    bit, or this user may not write it): slimstage does not override a file's protection.
    """
    target = Path(os.path.realpath(path))
    try:
        st = os.stat(target)
    except OSError as exc:
        raise NotWritten(f"cannot write {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise NotWritten(f"cannot write {path}: not a regular file")
    if not st.st_mode & 0o222 or not os.access(target, os.W_OK):
        raise NotWritten(f"{path} is read-only; not written (make it writable, or use --diff or stdout)")
    return target


def write_atomically(path: Path, text: str, expected: bytes | None = None) -> None:
    """Replace ``path`` with ``text``: a temp file in the same folder (same mode), then a rename.

    ``expected``: the bytes the conversion started from; when the file no longer holds
    exactly them (someone edited it meanwhile), ``NotWritten`` and nothing is replaced.
    """
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
        if expected is not None:
            current, _problem = read_bytes(path, max_bytes=max(len(expected), 1) * 2 + 1024)
            if current != expected:
                raise NotWritten(f"{path} changed since it was read (edited while converting); not written: convert it again")
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_dockerignore(outcome: Converted, context) -> int:
    """With ``--write``: the proposed .dockerignore beside the Dockerfile, in the build context."""
    d = outcome.dockerignore
    if d is None or context.root is None:
        return 0
    return _write(context.root / d.path, d.text, "wrote" if d.create else "added lines to")


def _write(path: Path, text: str, verb: str = "wrote") -> int:
    """``write_atomically`` with a one-line report: EXIT_OK, or EXIT_ERROR when it failed."""
    try:
        write_atomically(path, text)
    except OSError as exc:
        print(f"slimstage: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    print(f"slimstage: {verb} {path}", file=sys.stderr)
    return EXIT_OK


def _target_names_a_stage(args: argparse.Namespace, path: Path, text: str, settings) -> None:
    """``--target`` must name a stage (docker build refuses it otherwise); from a config file, a note."""
    from ..dockerfile import parse

    unknown = unknown_target(parse(text), settings.target)
    if unknown is None:
        return
    if getattr(args, "target", None):
        raise UsageError(f"{path}: {unknown}")
    _say(f"slimstage: {path}: the configured target {unknown.removeprefix('--target ')}: the last stage is the target")


def run_convert(args: argparse.Namespace) -> int:
    from ..analysis.context import read_context
    from .project import read_project

    path = Path(args.path)
    text, problem = read_file(path)
    if text is None or problem:
        # Text that did not decode cleanly would not be written back byte for byte: refuse.
        raise UsageError((problem or f"{path}: cannot read") + ("; not converted" if text is not None else ""))
    original = text.encode("utf-8")  # decoded cleanly, so these are the file's bytes
    target = None
    if args.write:
        try:
            target = writable_target(path)  # before anything is sent anywhere
        except NotWritten as exc:
            _say(f"slimstage: {exc}")
            return EXIT_ERROR
    settings = settings_from_args(args, path)
    _target_names_a_stage(args, path, text, settings)
    api_key = settings_mod.api_key(settings)
    secrets = (api_key,)
    requested = getattr(args, "engine", None)
    if requested == "claude" and not api_key:
        env = settings.claude.api_key_env or "ANTHROPIC_API_KEY"
        raise UsageError(f"--engine claude needs an API key in the {env} environment variable (or use --engine offline)")
    engine, notes = choose_engine(settings, api_key, requested)
    context = read_context(path.resolve(), settings.context)
    for note in context.unread:
        _say(f"slimstage: {note}", secrets)
    job = Job(text, settings, engine, context, read_project(context, text), api_key if engine == "claude" else None, notes)
    quiet = not sys.stderr.isatty()
    verifying = settings.verify.enabled
    try:
        outcome = asyncio.run(_cancellable(_convert_and_verify(job, path, verifying, _progress(quiet))))
    except KeyboardInterrupt:
        _say("slimstage: conversion cancelled; nothing was changed" + ("; the verification's containers and images were removed" if verifying else ""))
        return 130
    except Exception as exc:  # never a traceback: say what broke in one line
        _say(f"slimstage: conversion failed: {type(exc).__name__}: {exc}", secrets)
        return EXIT_ERROR

    if isinstance(outcome, Failed):
        _say(f"slimstage: {outcome.message}", secrets)
        for note in outcome.notes:
            _say(f"slimstage: {note}", secrets)
        return EXIT_ERROR
    if isinstance(outcome, Declined):
        engine = "Claude" if outcome.engine == "claude" else "the offline planner"
        _say(f"slimstage: not converted with {engine}; the file is unchanged:")
        for reason in outcome.reasons:
            _say(f"  - {reason}", secrets)
        for note in outcome.notes:
            _say(f"slimstage: {note}", secrets)
        return EXIT_DECLINED
    assert isinstance(outcome, Converted)
    code = EXIT_OK
    report = outcome.verification
    if verifying and report is not None and not report.passed:
        failed = report.status == "failed"
        code = EXIT_VERIFY_FAILED if failed else EXIT_UNVERIFIED
        accept = getattr(args, "accept_unverified", False)
        if failed and not accept:
            _say(plain(outcome).rstrip(), secrets)
            print(f"slimstage: {report.headline()} The rewrite was not {'written' if args.write else 'printed'}; nothing was changed (--accept-unverified prints or writes it anyway).", file=sys.stderr)
            return code
        if args.write and not accept:
            _say(plain(outcome).rstrip(), secrets)
            print(f"slimstage: {report.headline()} {path} was not written (--accept-unverified writes it anyway).", file=sys.stderr)
            return code
    if args.write:
        assert target is not None
        try:
            writable_target(path)  # still writable, still the same file behind the link
            write_atomically(target, outcome.text, expected=original)
        except NotWritten as exc:
            _say(f"slimstage: {exc}")
            return EXIT_ERROR
        except OSError as exc:
            _say(f"slimstage: cannot write {path}: {exc.strerror or exc}")
            return EXIT_ERROR
        _say(f"slimstage: wrote {target} (through the link {path})" if path.is_symlink() else f"slimstage: wrote {path}")
        ignore_code = write_dockerignore(outcome, context)
        if ignore_code:
            return ignore_code
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
    _say(plain(outcome).rstrip(), secrets)
    return code


async def _cancellable(work):
    """Run ``work`` as a task that SIGTERM cancels like Ctrl-C does (so clean-up runs)."""
    task = asyncio.ensure_future(work)
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
    except (NotImplementedError, RuntimeError, ValueError):
        pass
    try:
        return await task
    except asyncio.CancelledError:
        raise KeyboardInterrupt from None


async def _convert_and_verify(job: Job, path: Path, verifying: bool, progress):
    if not verifying:
        return await convert(job, progress)
    from .verify.flow import claude_verifier, context_dir, find_engine, verify_outcome

    engine, why = await find_engine(job.settings)
    folder = context_dir(job.context, path.resolve().parent)
    if engine is not None and job.engine == "claude":
        from dataclasses import replace

        job = replace(job, verifier=claude_verifier(job.text, folder, job.settings, progress, engine))
    outcome = await convert(job, progress)
    if engine is None and isinstance(outcome, Converted):
        from dataclasses import replace

        from .verify.result import Report

        return replace(outcome, verification=Report("unavailable", "", message=f"not verified: {why}; the conversion was checked statically only"))
    return await verify_outcome(outcome, job.text, folder, job.settings, progress, engine=engine)


def run_verify(args: argparse.Namespace) -> int:
    from ..analysis.context import read_context
    from .verify.flow import context_dir, verify_text

    path = Path(args.path)
    text, problem = read_file(path)
    if text is None:
        raise UsageError(problem or f"{path}: cannot read")
    rewrite_text = None
    if getattr(args, "rewrite", None):
        rewrite_text, problem = read_file(Path(args.rewrite))
        if rewrite_text is None:
            raise UsageError(problem or f"{args.rewrite}: cannot read")
    settings = settings_from_args(args, path)
    _target_names_a_stage(args, path, text, settings)
    context = read_context(path.resolve(), settings.context)
    folder = context_dir(context, path.resolve().parent)
    quiet = not sys.stderr.isatty()
    try:
        report = asyncio.run(_cancellable(verify_text(text, rewrite_text, folder, settings, _progress(quiet))))
    except KeyboardInterrupt:
        print("slimstage: verification cancelled; its containers and images were removed", file=sys.stderr)
        return 130
    except Exception as exc:
        print(f"slimstage: verification failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    print(report.text(), file=sys.stderr)
    if report.passed:
        return EXIT_OK
    return EXIT_VERIFY_FAILED if report.status == "failed" else EXIT_UNVERIFIED
