"""Docs that come from the code are up to date (regenerate: python -m slimstage.docgen docs)."""

from __future__ import annotations

import pytest

from slimstage.docgen import all_pages
from slimstage.rules.base import all_rules

from .conftest import ROOT


@pytest.mark.parametrize("rel,text", sorted(all_pages().items()))
def test_generated_page_is_current(rel: str, text: str) -> None:
    path = ROOT / "docs" / rel
    assert path.exists(), f"docs/{rel} is missing: run python -m slimstage.docgen docs"
    assert path.read_text(encoding="utf-8") == text, f"docs/{rel} is stale: run python -m slimstage.docgen docs"


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_rule_docstring_has_every_section(rule) -> None:
    docs = rule.docs()
    for heading in ("What it does", "Why it matters", "Example", "Fix"):
        assert docs.section(heading).strip(), f"{rule.code} lacks '## {heading}'"
    assert rule.name == rule.name.lower() and " " not in rule.name
    assert rule.severity in ("error", "warning", "info", "hint")
