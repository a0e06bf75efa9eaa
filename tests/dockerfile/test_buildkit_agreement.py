"""The parser splits instructions exactly where BuildKit does (the PyPI ``dockerfile`` package)."""

from __future__ import annotations

from pathlib import Path

import pytest

from slimstage.dockerfile import parse

from ..conftest import FIXTURES, corpus_files

dockerfile = pytest.importorskip("dockerfile", reason="BuildKit's parser (pip install dockerfile) is the oracle")

TRICKY = sorted((FIXTURES / "parser").glob("*.Dockerfile"))


def buildkit_view(text: str):
    return [
        (c.cmd.upper(), c.start_line - 1, c.end_line - 1, tuple(h.content for h in c.heredocs))
        for c in dockerfile.parse_string(text)
    ]


def our_view(text: str):
    return [(i.keyword, i.start_line, i.end_line, tuple(h.body for h in i.heredocs)) for i in parse(text).instructions]


@pytest.mark.parametrize("path", corpus_files() + TRICKY, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_instruction_boundaries_match_buildkit(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    assert our_view(text) == buildkit_view(text)


def test_tricky_cases_exist() -> None:
    names = {p.stem for p in TRICKY}
    assert {"heredocs", "backtick-escape", "continuations", "crlf", "lowercase-onbuild", "empty-continuation"} <= names


def test_corpus_is_there(in_ci: bool) -> None:
    if not corpus_files():
        if in_ci:
            pytest.fail("../shared/corpus is missing")
        pytest.skip("../shared/corpus is missing")
    assert len(corpus_files()) >= 400
