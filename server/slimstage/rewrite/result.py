"""What a conversion produces: proposals from an engine, and the three ways it can end.

Frozen values only; the engines build them, ``conversion.py`` validates and passes them on,
the CLI and the language server turn them into text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union


@dataclass(frozen=True)
class StageNote:
    """Why one stage exists, as the engine explains it."""

    name: str
    explanation: str


@dataclass(frozen=True)
class Proposal:
    """A candidate Dockerfile, not yet checked."""

    dockerfile: str
    stages: tuple[StageNote, ...] = ()
    summary: str = ""  # the engine's overall explanation and expected size reduction
    contract_changes: tuple[str, ...] = ()  # deliberate changes to how the image runs, as the engine names them
    notes: tuple[str, ...] = ()  # choices worth knowing (a fallback image, a check not added...)

    def explanation_text(self) -> str:
        """Every word of explanation, for checking that a contract change is named."""
        parts = [self.summary, *self.contract_changes, *(f"{s.name}: {s.explanation}" for s in self.stages)]
        return "\n".join(p for p in parts if p)


@dataclass(frozen=True)
class ContractChange:
    """One difference between the original's and the candidate's final stage."""

    field: str  # CMD/ENTRYPOINT, EXPOSE, WORKDIR, USER, ENV, VOLUME, LABEL, STOPSIGNAL, HEALTHCHECK
    before: str
    after: str
    hardening: bool = False  # root -> a non-root USER: accepted, and always reported
    mentions: tuple[str, ...] = ()  # words whose presence in the explanation names this change

    def describe(self) -> str:
        if self.hardening:
            return f"USER {self.after}: the image no longer runs as root (before: {self.before or 'root'})"
        return f"{self.field}: {self.before or '(none)'} -> {self.after or '(none)'}"


@dataclass(frozen=True)
class SizeEstimate:
    """Base image sizes before and after, from ``data/base-image-sizes.tsv``: an estimate."""

    before_image: str
    after_image: str
    before_mb: float
    after_mb: float
    basis: str  # "uncompressed" | "compressed" | "mixed"
    before_row: str  # the table row used (may be a close relative of before_image)
    after_row: str

    @property
    def reduction_pct(self) -> float:
        if self.before_mb <= 0:
            return 0.0
        return max(-999.0, 100.0 * (self.before_mb - self.after_mb) / self.before_mb)

    def sentence(self) -> str:
        """One line for messages: the figures, what they compare, and that they are estimates."""
        before = self.before_image if self.before_row == self.before_image else f"{self.before_image} (as {self.before_row})"
        after = self.after_image if self.after_row == self.after_image else f"{self.after_image} (as {self.after_row})"
        basis = {"mixed": "mixed: one size is compressed, the other not"}.get(self.basis, self.basis)
        return (
            f"Estimated base image size {_mb(self.before_mb)} -> {_mb(self.after_mb)} "
            f"({self.reduction_pct:.0f}% smaller; {basis}), comparing {before} with {after}. "
            "An estimate from published base image sizes; your dependencies and build output come on top."
        )


def _mb(value: float) -> str:
    return f"{value:,.0f} MB" if value >= 10 else f"{value:.1f} MB"


@dataclass(frozen=True)
class Converted:
    """A validated rewrite: safe to apply."""

    text: str
    engine: str  # "offline" | "claude"
    stages: tuple[StageNote, ...]
    summary: str
    changes: tuple[ContractChange, ...] = ()
    estimate: Optional[SizeEstimate] = None
    notes: tuple[str, ...] = ()
    attempts: int = 1
    declared_changes: tuple[str, ...] = ()  # the engine's own words for its deliberate contract changes
    verification: Optional[object] = None  # a rewrite.verify.Report when it was built and run

    status = "converted"


@dataclass(frozen=True)
class Declined:
    """The engine could not produce a rewrite that passes validation; nothing is applied."""

    reasons: tuple[str, ...]
    engine: str
    notes: tuple[str, ...] = ()

    status = "declined"


@dataclass(frozen=True)
class Failed:
    """An error (no answer, a rejected key, a truncated reply...); nothing is applied."""

    message: str  # one line, says what to do
    engine: str
    kind: str = "error"  # auth, rate_limit, overloaded, server, timeout, connection, truncated, not_dockerfile, input, error
    notes: tuple[str, ...] = field(default=())

    status = "failed"


Outcome = Union[Converted, Declined, Failed]
