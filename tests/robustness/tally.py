"""How many generated inputs each robustness property saw in this run (printed at the end)."""

from collections import Counter

COUNTS: Counter[str] = Counter()


def tally(name: str, n: int = 1) -> None:
    COUNTS[name] += n
