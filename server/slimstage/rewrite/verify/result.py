"""What a verification found: frozen values, and the sentences the CLI and the editor show."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .engine import ImageInfo


@dataclass(frozen=True)
class Build:
    ok: bool
    seconds: float = 0.0
    step: str = ""  # the failing step, as the engine printed it
    errors: tuple[str, ...] = ()  # its error lines (masked)
    timed_out: bool = False
    message: str = ""


@dataclass(frozen=True)
class Run:
    started: bool
    stayed_up: Optional[bool] = None
    exit_code: Optional[int] = None
    ports: dict = field(default_factory=dict)  # EXPOSEd TCP port -> accepted a connection
    health: Optional[bool] = None  # None: no HEALTHCHECK (or not reached)
    log: tuple[str, ...] = ()
    message: str = ""  # what it did not do, or why it did not start
    notes: tuple[str, ...] = ()
    ok_exit: bool = False  # stayed up, or exited 0 (a batch job)
    inconclusive: bool = False


@dataclass(frozen=True)
class Image:
    which: str  # "original" | "rewrite"
    build: Build
    info: Optional[ImageInfo] = None
    run: Optional[Run] = None

    def did(self) -> str:
        """"built, stayed up, port 3000 answered, HEALTHCHECK passed"."""
        if not self.build.ok:
            return "did not build"
        parts = ["built"]
        r = self.run
        if r is None:
            return "built"
        if not r.started:
            return f"built, did not start"
        if r.stayed_up:
            parts.append("stayed up")
        elif r.exit_code == 0:
            parts.append("exited 0")
        else:
            parts.append(f"exited {r.exit_code}")
        for port, ok in sorted(r.ports.items()):
            parts.append(f"port {port} {'answered' if ok else 'never answered'}")
        if r.health is not None:
            parts.append("HEALTHCHECK " + ("passed" if r.health else "failed"))
        return ", ".join(parts)


def human(size: Optional[int]) -> str:
    if size is None:
        return "?"
    if size >= 1000**3:
        return f"{size / 1000**3:.2f} GB"
    if size >= 1000**2:
        return f"{size / 1000**2:.0f} MB"
    return f"{size / 1000:.0f} kB"


@dataclass(frozen=True)
class Report:
    status: str  # passed | failed | error | unavailable
    engine: str
    original: Optional[Image] = None
    rewrite: Optional[Image] = None
    problems: tuple[str, ...] = ()  # what the rewrite did less than the original (failed)
    notes: tuple[str, ...] = ()
    message: str = ""
    rounds: int = 1  # Claude rounds until the rewrite built and ran

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def standin(self) -> bool:
        return any(i is not None and i.info is not None and i.info.standin for i in (self.original, self.rewrite))

    def sizes(self) -> tuple[Optional[int], Optional[int]]:
        o = self.original.info.size if self.original and self.original.info else None
        r = self.rewrite.info.size if self.rewrite and self.rewrite.info else None
        return o, r

    def measured(self) -> str:
        """"Measured 463 MB -> 277 MB (-40%), 4 -> 4 layers, on stand-in base images." or ""."""
        o, r = self.sizes()
        if o is None:
            return ""
        where = " (measured on stand-in base images, not the published ones)" if self.standin else ""
        layers_o = self.original.info.layers if self.original and self.original.info else 0
        if r is None:
            return f"Measured {human(o)}, {layers_o} layers{where}."
        layers_r = self.rewrite.info.layers if self.rewrite and self.rewrite.info else 0
        pct = 100.0 * (r - o) / o if o else 0.0
        return f"Measured {human(o)} -> {human(r)} ({pct:+.0f}%), {layers_o} -> {layers_r} layers{where}."

    def headline(self) -> str:
        if self.status == "passed":
            text = "Verified with " + self.engine + ": built and ran." if self.rewrite is None else f"Verified with {self.engine}: both built and ran, and the rewrite did what the original did."
            m = self.measured()
            return f"{text} {m}".strip()
        return self.message[:1].upper() + self.message[1:] + ("." if not self.message.endswith(".") else "")

    def lines(self) -> list[str]:
        """The full account, one fact a line (for stderr and the editor's log)."""
        out = [self.headline()]
        for img in (self.original, self.rewrite):
            if img is None:
                continue
            size = f" ({human(img.info.size)}, {img.info.layers} layers)" if img.info is not None and img.info.size is not None else ""
            out.append(f"- {img.which}: {img.did()}{size}")
            if not img.build.ok and img.build.errors:
                out.extend(f"    {ln.strip()[:300]}" for ln in img.build.errors[-6:])
            if img.run is not None and img.run.message and img.run.log:
                out.extend(f"    {ln.strip()[:300]}" for ln in img.run.log[-6:])
        for p in self.problems[1:]:
            out.append(f"- also: {p}")
        if self.rounds > 1:
            out.append(f"- it took Claude {self.rounds} rounds to produce a rewrite that built and ran")
        out.extend(f"- note: {n}" for n in self.notes)
        return out

    def text(self) -> str:
        return "\n".join(self.lines())
