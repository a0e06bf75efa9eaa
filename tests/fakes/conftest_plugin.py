"""Pytest fixtures for the fake Anthropic Messages API.

Use them from a test module with `pytest_plugins = ["tests.fakes.conftest_plugin"]`
(or list the plugin in the root `tests/conftest.py`).
"""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.fakes.fake_anthropic import FakeAnthropic


@pytest.fixture
def fake_claude() -> Iterator[FakeAnthropic]:
    """A running fake Messages API with an empty script; call `.script(...)` to set replies."""
    with FakeAnthropic() as fake:
        yield fake
