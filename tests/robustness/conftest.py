"""Hypothesis profiles for the robustness suites.

``SLIMSTAGE_FUZZ`` picks the profile. Unset or ``ci``: the default run, a fixed set of a
few hundred inputs per property (``derandomize``: the same inputs every run, so CI fails
only when the code changes, about 6,300 inputs and 80 seconds for the whole folder on 2
cores). ``long``: the documented deep run, 25 times as many random inputs per property
and a different set every time (``SLIMSTAGE_FUZZ=long pytest tests/robustness``, about
110,000 inputs in 10 minutes). The profiles are registered here and applied per test
through ``fuzz.fuzz()``, so hypothesis tests elsewhere keep their own settings.
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
