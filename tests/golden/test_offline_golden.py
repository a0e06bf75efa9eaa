"""The offline planner's whole output for each example and one case per ecosystem.

Every case is converted through the same path as the CLI and the editor
(``rewrite.conversion.convert``), so each golden file is a rewrite that passed
validation. Regenerate after a deliberate change with
``SLIMSTAGE_UPDATE_GOLDEN=1 python -m pytest tests/golden``.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from slimstage.analysis.context import read_context
from slimstage.dockerfile import parse
from slimstage.rewrite.conversion import Job, convert
from slimstage.rewrite.project import read_project
from slimstage.rewrite.report import markdown
from slimstage.rewrite.result import Converted
from slimstage.rewrite.validate import validate
from slimstage.settings import Settings, merge

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
EXPECTED = HERE / "expected"
UPDATE = bool(os.environ.get("SLIMSTAGE_UPDATE_GOLDEN"))

CASES = {f"example-{p.name}": p / "Dockerfile" for p in sorted((ROOT / "examples").iterdir()) if (p / "Dockerfile").is_file()}
CASES.update({p.name: p / "Dockerfile" for p in sorted((HERE / "cases").iterdir()) if (p / "Dockerfile").is_file()})

# The settings change the output: a few examples once more with other values.
VARIANTS = {
    "example-node-service@alpine": ("node-service", {"target_base": "alpine"}),
    "example-node-service@slim-2-stages": ("node-service", {"target_base": "slim", "max_stages": 2}),
    "example-node-service@scan": ("node-service", {"security_scan": True}),
    "example-go-binary@scratch": ("go-binary", {"target_base": "scratch"}),
    "example-python-service@no-cache-no-healthcheck": ("python-service", {"cache_mounts": False, "include_healthcheck": False}),
    "example-java-spring@slim": ("java-spring", {"target_base": "slim"}),
}


def _convert(path: Path, overrides: dict) -> tuple[Converted, Settings]:
    settings, problems = merge(Settings(), overrides)
    assert not problems
    context = read_context(path.resolve())
    text = path.read_text(encoding="utf-8")
    outcome = asyncio.run(convert(Job(text, settings, "offline", context, read_project(context))))
    assert isinstance(outcome, Converted), f"{path}: {outcome}"
    return outcome, settings


def _check(name: str, path: Path, overrides: dict) -> None:
    outcome, settings = _convert(path, overrides)
    original = parse(path.read_text(encoding="utf-8"))
    context = read_context(path.resolve())
    again = validate(
        original, outcome.text, settings=settings, context=context, explanation="", declared=(), warnings=outcome.notes, project=read_project(context)
    )
    assert again.ok, again.problems  # valid on its own: no contract change but hardening, settings deviations noted
    report = markdown(outcome)
    for suffix, text in ((".Dockerfile", outcome.text), (".md", report)):
        target = EXPECTED / f"{name}{suffix}"
        if UPDATE or not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        assert text == target.read_text(encoding="utf-8"), f"{target.name} differs; SLIMSTAGE_UPDATE_GOLDEN=1 to accept"


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str) -> None:
    _check(name, CASES[name], {})


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_golden_variant(name: str) -> None:
    example, overrides = VARIANTS[name]
    _check(name, ROOT / "examples" / example / "Dockerfile", overrides)
