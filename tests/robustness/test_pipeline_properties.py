"""Generated Dockerfiles, valid and damaged, through parse → analysis → every rule → fixes.

Properties: nothing raises; every range the model, the rules and the fixes hand out lies
inside the document (UTF-16 columns, never inside a surrogate pair); every fix applies
cleanly, the result parses with no new syntax problem, and re-checking it does not
bring back the finding it fixed; "fix all" ends and leaves a parseable file.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from pathlib import Path

from slimstage.analysis.context import UNKNOWN, BuildContext
from slimstage.settings import Settings
from slimstage.dockerfile import parse
from slimstage.dockerfile.model import utf16_len
from slimstage.fixes import apply_edits, fix_all
from slimstage.lint import lint
from slimstage.rules.base import all_rules

from .fuzz import fuzz
from .invariants import assert_model_sound, assert_range_inside, client_lines
from .strategies import BODY, SCENARIOS, EXAMPLES, contexts, dockerfiles, fixable, lint_settings, mutated, seeded
from .tally import tally

ANY = st.one_of(dockerfiles(), mutated(), mutated(fixable()), fixable(), seeded(), mutated(seeded()), st.text(max_size=300))


def check_findings(text: str, settings=None, context=UNKNOWN):
    doc = parse(text)
    assert_model_sound(doc, text)
    result = lint(doc, settings, context)
    assert not result.rule_errors, result.rule_errors
    lines = client_lines(text)
    for v in result.violations:
        assert_range_inside(v.range, lines, f"{v.code} range")
        for rel in v.related:
            assert_range_inside(rel.range, lines, f"{v.code} related range")
        if v.fix is not None:
            for e in v.fix.edits:
                assert_range_inside(e.range, lines, f"{v.code} fix edit")
    return doc, result


@fuzz(300)
@given(ANY, lint_settings(), contexts())
def test_parse_and_every_rule_survive_anything(text: str, settings, context) -> None:
    tally("parse+rules")
    check_findings(text, settings, context)


@fuzz(200)
@given(st.one_of(fixable(), mutated(fixable()), dockerfiles(), seeded(), mutated(seeded())), lint_settings(), contexts())
def test_each_fix_applies_and_does_not_bring_its_finding_back(text: str, settings, context) -> None:
    tally("fixes")
    doc, result = check_findings(text, settings, context)
    before = Counter(v.code for v in result.violations)
    problems_before = Counter(p.message for p in doc.problems)
    for v in result.violations:
        if v.fix is None or not v.fix.edits:
            continue
        tally("fixes applied")
        fixed = apply_edits(text, v.fix.edits)  # raises on overlapping edits
        new_doc, new_result = check_findings(fixed, settings, context)
        new_problems = Counter(p.message for p in new_doc.problems) - problems_before
        assert not new_problems, f"{v.code}'s fix introduced syntax problems {dict(new_problems)}:\n{fixed}"
        after = Counter(x.code for x in new_result.violations)
        assert after[v.code] < before[v.code], f"{v.code} is still reported after its fix:\n{fixed}"


@fuzz(60)
@given(st.one_of(fixable(), mutated(fixable()), dockerfiles(max_stages=3), seeded()))
def test_fix_all_ends_and_leaves_a_parseable_file(text: str) -> None:
    tally("fix all")
    problems_before = Counter(p.message for p in parse(text).problems)
    fixed, applied = fix_all(text)
    doc, result = check_findings(fixed)
    assert not Counter(p.message for p in doc.problems) - problems_before
    assert len(applied) <= 50
    if applied:
        assert fixed != text


def test_every_rule_is_exercised_by_the_generators() -> None:
    """The generators reach every rule: a new rule that nothing here triggers fails this test."""
    samples = ["\n".join(s) for s in SCENARIOS] + ["FROM node:22\n" + "\n".join(BODY), "FROM a\nRUN <<EOF\n"] + list(EXAMPLES)
    seen: set[str] = set()
    for ignore in (None, "config\nsrc\n"):
        ctx = BuildContext(Path("/nonexistent"), frozenset(("package.json", "node_modules", ".env", "src", "config")), ignore)
        seen |= {v.code for text in samples for v in lint(parse(text), Settings(), ctx).violations}
    seen |= {v.code for text in samples for v in lint(parse(text), Settings(security_scan=True, max_stages=2)).violations}
    missing = {r.code for r in all_rules()} - seen
    assert not missing, f"no generated input triggers {sorted(missing)}: add instructions that do to strategies.py"


def test_ten_thousand_line_file() -> None:
    """A 10,000-line file parses, checks and fixes within a bound, with every range inside it."""
    import time

    parts = ["\n".join(s) for s in SCENARIOS]
    text, i = "", 0
    while text.count("\n") < 10_000:
        text += parts[i % len(parts)].replace("{name}", "b").replace("{odd}", "😀").replace("{bin}", "app").replace("{extra}", "RUN echo ünï") + "\n"
        i += 1
    started = time.perf_counter()
    doc, result = check_findings(text)
    elapsed = time.perf_counter() - started
    assert len(doc.lines) > 10_000 and result.violations
    assert elapsed < 20, f"parse+lint+range checks of 10,000 lines took {elapsed:.1f}s"
    v = next(v for v in result.violations if v.fix is not None)
    fixed = apply_edits(text, v.fix.edits)
    assert utf16_len(fixed) > 0 and len(parse(fixed).instructions) >= len(doc.instructions)
