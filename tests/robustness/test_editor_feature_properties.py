"""Formatting, semantic tokens, links and signature help on generated and mutated Dockerfiles."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slimstage.analysis import Analysis
from slimstage.dockerfile import parse
from slimstage.dockerfile.model import Pos, utf16_len
from slimstage.editor.formatting import FormatOptions, format_text, newline_indent
from slimstage.editor.links import document_links
from slimstage.editor.semantic_tokens import decode, encode, semantic_tokens
from slimstage.editor.signature_help import signature_help

from ..editor.test_formatting import buildkit
from .fuzz import fuzz
from .strategies import dockerfiles, fixable, mutated, seeded
from .tally import tally

dockerfile = pytest.importorskip("dockerfile", reason="BuildKit's parser (pip install dockerfile) is the oracle")

TEXTS = st.one_of(dockerfiles(), mutated(), fixable(), mutated(fixable()), seeded(), mutated(seeded()))
OPTIONS = st.builds(FormatOptions, indent=st.integers(0, 8), split_and_chains=st.booleans())


@fuzz(200)
@given(TEXTS, OPTIONS)
def test_formatting_is_idempotent_and_keeps_buildkits_parse(text: str, options: FormatOptions) -> None:
    tally("formatting")
    once = format_text(text, options)
    assert format_text(once, options) == once
    try:
        before = buildkit(text)
    except Exception:
        return  # BuildKit rejects the input: only idempotence is asked
    assert buildkit(once) == before, f"formatting changed BuildKit's parse:\n{text!r}\n->\n{once!r}"
    tally("formatting buildkit-checked")


@fuzz(150)
@given(TEXTS, st.lists(st.tuples(st.integers(0, 60), st.integers(0, 90)), max_size=6))
def test_tokens_links_and_signatures_never_fail(text: str, points) -> None:
    tally("tokens/links/signatures")
    doc = parse(text)
    a = Analysis(doc)
    toks = decode(encode(semantic_tokens(a)))
    prev = (-1, 0)
    for t in toks:
        assert (t.line, t.start) >= prev and t.length > 0
        assert t.start + t.length <= utf16_len(doc.lines[t.line])
        prev = (t.line, t.start + t.length)
    for link in document_links(a):
        assert link.target.startswith(("https://", "file://"))
    for line, col in points:
        signature_help(doc, Pos(line, col))
        newline_indent(text, line)
