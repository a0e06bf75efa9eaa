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
    dockerignore: str = ""  # proposed .dockerignore content (or lines to add to the existing one)
    warnings: tuple[str, ...] = ()  # what the user must know or act on, shown as warnings

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
    """Base image sizes before and after, from ``data/base-image-sizes.tsv``: an estimate.

    ``before_text``/``after_text`` are the sizes exactly as ``check``, hover and ``explain``
    quote them (``images.format_size``). ``before_mb``/``after_mb`` are the same kind of
    figure (both uncompressed or both compressed, ``basis``) and are None when the two
    images share no kind of figure, or when the rewrite ships on ``scratch`` (empty: the
    image is only what the build copies in, so no percentage is claimed).
    """

    before_image: str
    after_image: str
    before_mb: Optional[float]
    after_mb: Optional[float]
    basis: str  # "uncompressed" | "compressed" | "" (not comparable, or scratch)
    before_row: str  # the table row used
    after_row: str
    before_text: str = ""
    after_text: str = ""

    @property
    def comparable(self) -> bool:
        return self.before_mb is not None and self.after_mb is not None and self.before_mb > 0 and self.after_mb > 0

    @property
    def reduction_pct(self) -> float:
        if not self.comparable:
            return 0.0
        assert self.before_mb is not None and self.after_mb is not None
        return max(-999.0, 100.0 * (self.before_mb - self.after_mb) / self.before_mb)

    def _change(self) -> str:
        pct = self.reduction_pct
        if pct >= 0:
            # A real image is never 100% smaller: 885 MB -> 2.1 MB is "over 99%".
            return "over 99% smaller" if round(pct) >= 100 else f"{pct:.0f}% smaller"
        return f"{-pct:.0f}% larger"

    def short(self) -> str:
        """For a headline: ``Base image ~1,220 MB -> ~231 MB (81% smaller, an estimate).``"""
        if self.after_row == "scratch":
            return f"Base image {self.before_text} -> scratch (empty: only what the build copies in)."
        if not self.comparable:
            return f"Base image {self.before_text} -> {self.after_text} (not comparable figures, an estimate)."
        return f"Base image {self.before_text} -> {self.after_text} ({self._change()} by {self.basis} size, an estimate)."

    def sentence(self) -> str:
        """One line for messages: the figures, what they compare, and that they are estimates."""
        before = f"`{self.before_image}` ({self.before_text}, row {self.before_row})"
        tail = " An estimate from published base image sizes; your dependencies and build output come on top."
        if self.after_row == "scratch":
            return (
                f"The original's base image {before} is replaced by `scratch`, which is empty: the final image "
                "holds only what the build copies into it, so no percentage is claimed." + tail
            )
        after = f"`{self.after_image}` ({self.after_text}, row {self.after_row})"
        if not self.comparable:
            return (
                f"Base image {before} -> {after}: the table has no figure of the same kind for both "
                "(one is known only compressed), so no reduction is computed." + tail
            )
        assert self.before_mb is not None and self.after_mb is not None
        change = self._change()
        return (
            f"Estimated base image size {before} -> {after}: {change}, comparing {self.basis} sizes "
            f"({_mb(self.before_mb)} -> {_mb(self.after_mb)})." + tail
        )


def _mb(value: float) -> str:
    return f"{value:,.0f} MB" if value >= 10 else f"{value:.1f} MB"


@dataclass(frozen=True)
class DockerignoreEdit:
    """A .dockerignore to write beside the Dockerfile: a new file, or lines appended to the existing one."""

    path: str  # relative to the build context (``.dockerignore`` or ``<Dockerfile>.dockerignore``)
    text: str  # the complete new content
    added: str  # what is appended to the existing file (all of ``text`` for a new file)
    create: bool  # True: the file does not exist yet


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
    dockerignore: Optional["DockerignoreEdit"] = None  # a proposed .dockerignore, applied with the Dockerfile
    warnings: tuple[str, ...] = ()  # the engine's warnings, shown to the user
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
