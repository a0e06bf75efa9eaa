"""Every rule against its fixtures: what must be reported, and what must stay quiet.

Fixtures live in ``tests/fixtures/rules/<CODE>/``: a Dockerfile (``*.Dockerfile``), or a
folder holding a ``Dockerfile`` and the build context files it needs. An own-line
comment ``# expect: CODE`` says the next instruction must be reported for CODE (a
``#`` starts a comment only at the beginning of a line in a Dockerfile); a file with no
expectation must stay quiet for its folder's rule. A fixture that names settings on a
first-line comment ``# settings: {"cache_mounts": false}`` is checked with them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from slimstage.analysis.context import UNKNOWN, read_context
from slimstage.dockerfile import parse
from slimstage.fixes import apply_fix
from slimstage.lint import lint
from slimstage.rules.base import all_rules
from slimstage.settings import Settings, merge

from .conftest import FIXTURES

RULES_DIR = FIXTURES / "rules"
_EXPECT = re.compile(r"^\s*#\s*expect:\s*([A-Za-z0-9, ]+)\s*$")
_SETTINGS = re.compile(r"^\s*#\s*settings:\s*(\{.*\})\s*$")


def fixture_cases() -> list[tuple[str, Path]]:
    cases = []
    for rule_dir in sorted(RULES_DIR.iterdir()) if RULES_DIR.is_dir() else []:
        for entry in sorted(rule_dir.iterdir()):
            path = entry / "Dockerfile" if entry.is_dir() else entry
            if path.is_file() and (entry.is_dir() or entry.suffix == ".Dockerfile"):
                cases.append((rule_dir.name, path))
    return cases


def expectations(text: str, code: str) -> list[int]:
    """0-based lines of the instructions that must be reported for ``code``."""
    lines = text.split("\n")
    doc = parse(text)
    out = []
    for n, line in enumerate(lines):
        m = _EXPECT.match(line)
        if m and code in {c.strip() for c in m.group(1).split(",")}:
            nxt = next((i for i in doc.instructions if i.start_line > n), None)
            assert nxt is not None, f"expectation on line {n + 1} has no instruction after it"
            out.append(nxt.start_line)
    return sorted(out)


def settings_for(text: str, code: str) -> Settings:
    first = text.split("\n", 1)[0]
    m = _SETTINGS.match(first)
    raw = json.loads(m.group(1)) if m else {}
    raw.setdefault("rules", {})["select"] = [code]
    settings, problems = merge(Settings(), raw)
    assert not problems, problems
    return settings


def check(code: str, path: Path):
    text = path.read_text(encoding="utf-8")
    settings = settings_for(text, code)
    ctx = read_context(path, "") if path.name == "Dockerfile" else UNKNOWN
    result = lint(parse(text), settings, ctx)
    return text, settings, ctx, [v for v in result.violations if v.code == code]


@pytest.mark.parametrize("code,path", fixture_cases(), ids=lambda x: x if isinstance(x, str) else f"{x.parent.name}/{x.name}" if x.name != "Dockerfile" else x.parent.name)
def test_fixture(code: str, path: Path) -> None:
    text, settings, ctx, found = check(code, path)
    got = sorted(v.range.start.line for v in found)
    # A finding may point inside the instruction (a flag, a word): compare by instruction.
    doc = parse(text)
    got = sorted((doc.instruction_at(line).start_line if doc.instruction_at(line) else line) for line in got)
    assert got == expectations(text, code), "\n".join(f"{v.range.start.line + 1}: {v.message}" for v in found)


@pytest.mark.parametrize("code,path", fixture_cases(), ids=lambda x: x if isinstance(x, str) else f"{x.parent.name}/{x.name}" if x.name != "Dockerfile" else x.parent.name)
def test_fix_removes_finding(code: str, path: Path) -> None:
    """Applying a finding's fix gives a file that parses and no longer has that finding."""
    text, settings, ctx, found = check(code, path)
    for v in found:
        if v.fix is None or not v.fix.edits:
            continue
        fixed = apply_fix(text, v.fix)
        doc = parse(fixed)
        assert not [p for p in doc.problems if p.severity == "error"], (fixed, doc.problems)
        after = lint(doc, settings, ctx).violations
        assert len([a for a in after if a.code == code]) < len(found), f"fix did not remove the finding:\n{fixed}"


def test_every_rule_has_fixtures_that_fire_and_stay_quiet() -> None:
    codes = {r.code for r in all_rules()}
    for code in sorted(codes):
        folder = RULES_DIR / code
        assert folder.is_dir(), f"{code} has no fixture folder"
        cases = [p for c, p in fixture_cases() if c == code]
        texts = [p.read_text(encoding="utf-8") for p in cases]
        assert any(expectations(t, code) for t in texts), f"{code} has no fixture that must fire"
        assert any(not expectations(t, code) for t in texts), f"{code} has no fixture that must stay quiet"


def test_fixable_rules_have_a_fix_in_their_fixtures() -> None:
    for rule in all_rules():
        if not rule.fixable:
            continue
        fixes = [v for c, p in fixture_cases() if c == rule.code for v in check(c, p)[3] if v.fix is not None]
        assert fixes, f"{rule.code} claims a fix but no fixture produces one"
