"""Turn per-run measurements into one table of medians and ratios, and write the docs page."""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable


@dataclass
class Row:
    """One figure, measured once per run for slimstage and for its peer."""

    label: str
    unit: str
    peer: str
    slim: list[float] = field(default_factory=list)
    other: list[float] = field(default_factory=list)
    target: str = ""
    check: Callable[[float, float], bool] | None = None
    """(slimstage median, peer median) -> met?"""

    @property
    def slim_median(self) -> float:
        return statistics.median(self.slim) if self.slim else math.nan

    @property
    def other_median(self) -> float:
        return statistics.median(self.other) if self.other else math.nan

    @property
    def ratio(self) -> float:
        s, o = self.slim_median, self.other_median
        if math.isnan(s) or math.isnan(o) or o == 0:
            return math.nan
        return s / o

    @property
    def met(self) -> bool | None:
        if self.check is None or math.isnan(self.slim_median):
            return None
        return self.check(self.slim_median, self.other_median)


def _fmt(value: float, unit: str) -> str:
    if math.isnan(value):
        return "n/a"
    if unit == "yes/no":
        return "yes" if value >= 1 else "no"
    if unit in ("MiB", "files/s", "×") or abs(value) >= 100:
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _fmt_ratio(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def table(rows: list[Row]) -> str:
    """The results as a Markdown table (readable as plain text too)."""
    head = "| measure | unit | slimstage | peer | peer value | slimstage / peer | target | met |"
    lines = [head, "| --- | --- | ---: | --- | ---: | ---: | --- | :---: |"]
    for row in rows:
        met = {True: "yes", False: "**NO**", None: ""}[row.met]
        lines.append(
            f"| {row.label} | {row.unit} | {_fmt(row.slim_median, row.unit)} | {row.peer} | "
            f"{_fmt(row.other_median, row.unit)} | {_fmt_ratio(row.ratio)} | {row.target} | {met} |"
        )
    return "\n".join(lines)


def summary(rows: list[Row]) -> tuple[int, int, list[str]]:
    """(targets met, targets checked, labels of the missed ones)."""
    checked = [r for r in rows if r.met is not None]
    missed = [r.label for r in checked if not r.met]
    return len(checked) - len(missed), len(checked), missed


NOTES_MARKER = "<!-- everything below this line is kept when the suite rewrites the page -->"


def write_docs(path: Path, *, header: str, body: str) -> None:
    """Rewrite ``path`` with the new results, keeping any hand-written notes at its end."""
    notes = ""
    if path.exists():
        old = path.read_text(encoding="utf-8")
        if NOTES_MARKER in old:
            notes = old.split(NOTES_MARKER, 1)[1]
    text = header.rstrip() + "\n\n" + body.rstrip() + "\n\n" + NOTES_MARKER + (notes or "\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(re.sub(r"\n{3,}", "\n\n", text), encoding="utf-8")
