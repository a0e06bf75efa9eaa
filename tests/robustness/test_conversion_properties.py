"""Offline conversion and incremental re-parsing on generated Dockerfiles.

- The offline planner, run the way the CLI and the editor run it (``rewrite.conversion``),
  never raises on any input. Whatever it returns as converted parses without a syntax
  problem, passes ``validate`` again, names every stage, keeps the final stage's command,
  and converting it again does not raise either.
- Re-parsing an edited document with the previous version's model (what the language
  server does on every keystroke) gives exactly what a fresh parse gives.
"""

from __future__ import annotations

import asyncio

from hypothesis import given
from hypothesis import strategies as st

from slimstage.dockerfile import parse
from slimstage.rewrite.conversion import Job, convert
from slimstage.rewrite.result import Converted, Declined, Failed
from slimstage.rewrite.validate import validate

from .fuzz import fuzz
from .invariants import assert_model_sound
from .strategies import contexts, dockerfiles, fixable, lint_settings, mutated, seeded, single_stage_apps
from .tally import tally

SINGLE_STAGE = st.one_of(dockerfiles(max_stages=1, max_body=12), fixable(), seeded(), mutated(dockerfiles(max_stages=1)), mutated(seeded()))


def final_command(doc) -> list[tuple[str, str]]:
    if not doc.stages:
        return []
    return [(i.keyword, i.text) for i in doc.stages[-1].instructions if i.keyword in ("CMD", "ENTRYPOINT")][-1:]


@st.composite
def conversion_cases(draw):
    """(text, project files, settings, context): mostly single-stage apps with their manifests,
    damaged or not, under every target_base and option; else anything at all."""
    from dataclasses import replace

    from slimstage.analysis.context import UNKNOWN
    from slimstage.rewrite.project import ProjectFiles

    settings = draw(lint_settings())
    if draw(st.integers(0, 3)):
        text, project = draw(single_stage_apps())
        if draw(st.integers(0, 3)) == 0:
            text = draw(mutated(st.just(text)))
        return text, project, replace(settings, max_stages=max(settings.max_stages, 3), target=""), UNKNOWN
    return draw(SINGLE_STAGE), ProjectFiles(), settings, draw(contexts())


@fuzz(150)
@given(conversion_cases())
def test_offline_conversion_never_raises_and_only_converts_to_valid_files(case) -> None:
    text, project, settings, context = case
    tally("offline conversions")
    outcome = asyncio.run(convert(Job(text, settings, "offline", context, project)))
    assert isinstance(outcome, (Converted, Declined, Failed))
    if not isinstance(outcome, Converted):
        assert all(isinstance(r, str) and r.strip() for r in getattr(outcome, "reasons", ("x",)))
        return
    tally("offline conversions converted")
    original, new = parse(text), parse(outcome.text)
    assert_model_sound(new, outcome.text)
    assert not [p for p in new.problems if p.severity == "error"], new.problems
    assert len(new.stages) >= 2 and all(s.name for s in new.stages)
    v = validate(
        original, outcome.text, settings=settings, context=context, explanation=" ".join(s.explanation for s in outcome.stages),
        declared=outcome.declared_changes, warnings=outcome.warnings + outcome.notes,
    )
    assert v.ok, v.problems
    if final_command(original):
        assert final_command(new) == final_command(original) or outcome.changes, (final_command(original), final_command(new))
    again = asyncio.run(convert(Job(outcome.text, settings, "offline", context, project)))  # "optimize" what it produced
    assert isinstance(again, (Converted, Declined, Failed))


@fuzz(200)
@given(st.one_of(dockerfiles(), fixable(), seeded()), st.data())
def test_reparse_with_the_previous_version_equals_a_fresh_parse(text: str, data) -> None:
    prev = parse(text)
    for _ in range(3):
        text = data.draw(mutated(st.just(text)))
        tally("incremental re-parses")
        fresh, incremental = parse(text), parse(text, prev)
        view = lambda d: [  # noqa: E731
            (i.keyword, i.range, i.keyword_range, i.text, i.stage_index, tuple(h.body for h in i.heredocs), tuple(w.range for w in i.args), tuple(f.range for f in i.flags))
            for i in d.instructions
        ]
        assert view(incremental) == view(fresh)
        assert [(s.index, s.name, s.base, s.base_stage, s.range) for s in incremental.stages] == [(s.index, s.name, s.base, s.base_stage, s.range) for s in fresh.stages]
        assert incremental.problems == fresh.problems
        assert incremental.comments == fresh.comments and incremental.directives == fresh.directives
        prev = incremental
