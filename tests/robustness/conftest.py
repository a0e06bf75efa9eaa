"""Hypothesis profiles for the robustness suites.

``SLIMSTAGE_FUZZ`` picks the profile: unset or ``ci`` keeps the default run fast (a few
hundred generated inputs per property, about a minute for all of them on 2 cores);
``long`` is the documented deep run (``SLIMSTAGE_FUZZ=long pytest tests/robustness``,
thousands per property). The profiles are registered here and applied per test through
``fuzz()``, so hypothesis tests elsewhere keep their own settings.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

PROFILE = os.environ.get("SLIMSTAGE_FUZZ", "ci").strip().lower() or "ci"
if PROFILE not in ("ci", "long"):
    raise SystemExit(f"SLIMSTAGE_FUZZ must be 'ci' or 'long', not {PROFILE!r}")

_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much], print_blob=True)
settings.register_profile("slimstage-ci", max_examples=100, derandomize=True, database=None, **_COMMON)
settings.register_profile("slimstage-long", max_examples=2500, **_COMMON)


def pytest_terminal_summary(terminalreporter) -> None:
    from .tally import COUNTS

    if COUNTS:
        parts = ", ".join(f"{k} {v}" for k, v in sorted(COUNTS.items()))
        terminalreporter.write_line(f"robustness ({PROFILE}): {sum(COUNTS.values())} generated inputs: {parts}")
