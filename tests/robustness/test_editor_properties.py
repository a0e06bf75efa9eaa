"""The editor features' pure functions at sampled positions of generated Dockerfiles.

Hover, completion, outline, folding, selection ranges, go-to-definition groups and
rename run at positions inside, at the end of, and past the end of lines and the file
(clients send all three). Nothing raises; every range they return lies inside the
document; outline selection ranges lie inside their item's range and selection chains
grow outwards (clients reject anything else); completions and renames apply cleanly
and leave a file that parses with no new syntax problem.
"""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slimstage.dockerfile import parse
from slimstage.dockerfile.model import Pos, utf16_len
from slimstage.fixes import apply_edits
from slimstage.lint import lint
from slimstage.rules.base import Edit

from .fuzz import fuzz
from .invariants import assert_range_inside, client_lines
from .strategies import dockerfiles, fixable, mutated, seeded
from .tally import tally

hover_text = pytest.importorskip("slimstage.editor.hover_text")
completions = pytest.importorskip("slimstage.editor.completions")
structure = pytest.importorskip("slimstage.editor.structure")
navigation = pytest.importorskip("slimstage.editor.navigation")
stageinfo = pytest.importorskip("slimstage.editor.stageinfo")

TEXTS = st.one_of(dockerfiles(), mutated(), fixable(), mutated(fixable()), seeded(), mutated(seeded()))


@st.composite
def text_and_positions(draw, n: int = 12):
    text = draw(TEXTS)
    lines = client_lines(text)
    positions = []
    for _ in range(n):
        line = draw(st.integers(0, len(lines) + 1))
        width = utf16_len(lines[line]) if line < len(lines) else 0
        positions.append(Pos(line, draw(st.one_of(st.integers(0, width), st.integers(width, width + 4)))))
    return text, positions


def inside(pos: Pos, lines: list[str]) -> bool:
    return pos.line < len(lines) and pos.character <= utf16_len(lines[pos.line])


@fuzz(150)
@given(text_and_positions())
def test_hover_completion_selection_at_any_position(case) -> None:
    text, positions = case
    tally("hover/completion/selection positions", len(positions))
    lines = client_lines(text)
    result = lint(parse(text))
    doc, a = result.analysis.doc, result.analysis
    problems = Counter(p.message for p in doc.problems)
    for pos in positions:
        for markdown in (True, False):
            found = hover_text.hover_at(result, pos, markdown)
            if found is not None:
                assert isinstance(found.text, str) and found.text.strip(), f"empty hover at {pos}"
                if found.range is not None:
                    assert_range_inside(found.range, lines, f"hover range at {pos}")
        for s in completions.complete(a, pos):
            assert_range_inside(s.replace, lines, f"completion {s.label!r} at {pos}")
            if inside(pos, lines):
                completed = apply_edits(text, [Edit(s.replace, s.insert_text)])
                assert len(parse(completed).lines) >= len(doc.lines)
        chain = structure.selection_chain(doc, pos)
        assert chain, f"no selection range at {pos}"
        for inner, outer in zip(chain, chain[1:]):
            assert outer.contains(inner.start) and outer.contains(inner.end), f"selection chain at {pos} does not grow: {inner} then {outer}"
        if inside(pos, lines):
            for r in chain:
                assert_range_inside(r, lines, f"selection range at {pos}")
        occ = navigation.symbols(a).at(pos)
        if occ is not None:
            assert_range_inside(occ.range, lines, f"symbol at {pos}")
            for o in navigation.symbols(a).group(occ) + navigation.symbols(a).definitions(occ):
                assert_range_inside(o.range, lines, f"occurrence of {occ.name!r}")
            _try_rename(text, doc, a, pos, problems)


def _try_rename(text, doc, a, pos, problems) -> None:
    sym = navigation.symbols(a)
    for new_name in ("renamed_x", "Builder2"):
        try:
            edits = navigation.rename_edits(sym, pos, new_name)
        except navigation.RenameError:
            continue
        tally("renames")
        renamed = apply_edits(text, [Edit(r, t) for r, t in edits])
        new_doc = parse(renamed)
        assert not Counter(p.message for p in new_doc.problems) - problems, f"rename to {new_name} at {pos} broke the file:\n{renamed}"
        assert len(new_doc.instructions) == len(doc.instructions)


@fuzz(200)
@given(TEXTS)
def test_outline_folds_and_stage_summaries(text: str) -> None:
    tally("outline/folds/summaries")
    lines = client_lines(text)
    result = lint(parse(text))
    a, doc = result.analysis, result.analysis.doc

    def walk(items):
        for item in items:
            assert_range_inside(item.range, lines, f"outline {item.name!r}")
            assert_range_inside(item.selection_range, lines, f"outline {item.name!r} selection")
            assert item.range.contains(item.selection_range.start) and item.range.contains(item.selection_range.end), (
                f"outline {item.name!r}: selection {item.selection_range} outside {item.range}"
            )
            assert item.name.replace("\ufeff", "").strip(), f"outline name {item.name!r}: VS Code rejects blank names"
            walk(item.children)

    walk(structure.outline(a))
    for f in structure.folds(doc):
        assert 0 <= f.start_line < f.end_line < len(lines), f
    for s in stageinfo.summaries(a):
        for markdown in (True, False):
            assert stageinfo.render(s, markdown).strip()
