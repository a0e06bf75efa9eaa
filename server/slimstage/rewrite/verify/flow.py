"""Verification as a step of a conversion, shared by the CLI and the language server.

``verify_outcome`` takes a validated ``Converted`` and returns it with its ``verification``
report attached (the measured size then replaces the estimate in every message).
``claude_verifier`` is what the Claude engine calls on each candidate that passed the gate:
it returns the problems to send back as a retry (masked), or nothing when it built and ran.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Awaitable, Callable, Optional

from ...analysis.context import BuildContext
from ...settings import Settings
from ..result import Converted, Outcome
from . import proc
from .check import Limits, verify
from .engine import Engine, discover
from .result import Report

Progress = Callable[[str], None]


def limits_from(settings: Settings) -> Limits:
    return Limits(build_timeout=settings.verify.build_timeout, run_timeout=settings.verify.run_timeout)


def masker(original_text: str, env: Optional[dict] = None) -> Callable[[str], str]:
    """Mask in build and run logs what the conversion masks before it talks to Claude, and
    the ``verify.env`` values that look secret (by their name or their shape): an app may
    print its environment, and the engine's own errors may quote its command line."""
    from ...dockerfile import parse
    from ..redact import looks_like_secret_value, redact, secret_name

    hidden = sorted(
        ((name, value) for name, value in (env or {}).items() if len(value) >= 4 and (secret_name(name) or looks_like_secret_value(value))),
        key=lambda pair: -len(pair[1]),
    )

    def env_values(text: str) -> str:
        for name, value in hidden:
            text = text.replace(value, f"<{name} masked>")
        return text

    try:
        redaction = redact(parse(original_text))
    except Exception:  # masking must never stop verification
        return env_values
    return lambda text: env_values(redaction.apply(text))


def context_dir(context: BuildContext, fallback: Optional[Path] = None) -> Optional[str]:
    root = context.root if context.known and context.root is not None else fallback
    return str(root) if root is not None else None


async def find_engine(settings: Settings) -> tuple[Optional[Engine], str]:
    found = await asyncio.to_thread(discover, settings.verify.engine)
    return found.engine, found.message


async def verify_text(original_text: str, rewrite_text: Optional[str], context: Optional[str], settings: Settings, progress: Progress, on_line: Optional[proc.OnLine] = None, engine: Optional[Engine] = None, original=None) -> Report:
    if context is None:
        return Report("error", engine.name if engine else "", message="could not verify: the Dockerfile has no build context folder (save it to a folder first)")
    if engine is None:
        engine, why = await find_engine(settings)
        if engine is None:
            return Report("unavailable", "", message=f"not verified: {why}")
    return await verify(
        original_text, rewrite_text, context, engine=engine, target=settings.target,
        limits=limits_from(settings), progress=progress, on_line=on_line, mask=masker(original_text, settings.verify.env), original=original,
        env=tuple(settings.verify.env.items()),
    )


async def verify_outcome(outcome: Outcome, original_text: str, context: Optional[str], settings: Settings, progress: Progress, on_line: Optional[proc.OnLine] = None, engine: Optional[Engine] = None) -> Outcome:
    if not isinstance(outcome, Converted):
        return outcome
    if outcome.verification is not None:  # the Claude engine verified it already, round by round
        return outcome
    report = await verify_text(original_text, outcome.text, context, settings, progress, on_line, engine)
    return replace(outcome, verification=report)


def claude_verifier(original_text: str, context: Optional[str], settings: Settings, progress: Progress, engine: Engine) -> Callable[[Converted, int], Awaitable[tuple[Converted, tuple[str, ...]]]]:
    """For ``Job.verifier``: build and run each candidate; problems come back for the retry."""

    seen: dict = {}

    async def check(candidate: Converted, round_: int) -> tuple[Converted, tuple[str, ...]]:
        report = await verify_text(original_text, candidate.text, context, settings, progress, engine=engine, original=seen.get("original"))
        if report.original is not None and report.original.run is not None:
            seen["original"] = report.original
        report = replace(report, rounds=round_)
        verified = replace(candidate, verification=report)
        if report.status != "failed":
            return verified, ()
        problems = []
        for img in (report.rewrite,):
            if img is not None and not img.build.ok:
                problems.append(f"the rewrite failed to build at {img.build.step or 'an unknown step'}: " + " | ".join(ln.strip() for ln in img.build.errors[-4:]))
        problems += [f"when built and run: {p}" for p in report.problems if not problems or "failed to build" not in p]
        return verified, tuple(problems)

    return check
