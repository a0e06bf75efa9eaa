"""``fuzz(n)``: hypothesis settings for one property, scaled by the active profile."""

from __future__ import annotations

from hypothesis import settings

from . import conftest  # noqa: F401  (registers the profiles)

LONG = conftest.PROFILE == "long"


def fuzz(ci_examples: int, long_factor: int = 25) -> settings:
    """``ci_examples`` inputs in the default run, ``long_factor`` times as many with SLIMSTAGE_FUZZ=long."""
    parent = settings.get_profile("slimstage-long" if LONG else "slimstage-ci")
    return settings(parent, max_examples=ci_examples * long_factor if LONG else ci_examples)
