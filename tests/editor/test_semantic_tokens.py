"""Semantic tokens decoded from the encoded stream, on real files (the corpus and docker/buildx's Dockerfile)."""

from __future__ import annotations

from pathlib import Path

import pytest

from slimstage.analysis import Analysis
from slimstage.dockerfile import parse
from slimstage.dockerfile.model import utf16_len
from slimstage.editor.semantic_tokens import Token, decode, delta, encode, semantic_tokens

from ..conftest import FIXTURES, corpus_files

BUILDX = FIXTURES / "editor" / "buildx.Dockerfile"


def tokens_of(text: str) -> tuple[list[str], list[Token]]:
    doc = parse(text)
    data = encode(semantic_tokens(Analysis(doc)))
    return list(doc.lines), decode(data)


def at(lines: list[str], toks: list[Token], line: int) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(lines[t.line][t.start : t.start + t.length], t.type, t.modifiers) for t in toks if t.line == line]


def heredoc_body_lines(text: str) -> set[int]:
    out = set()
    for ins in parse(text).instructions:
        for h in ins.heredocs:
            out.update(range(h.range.start.line, h.range.start.line + h.body.count("\n")))
    return out


@pytest.mark.parametrize("path", corpus_files()[:: max(1, len(corpus_files()) // 80)] + [BUILDX], ids=lambda p: p.name)
def test_tokens_are_ordered_disjoint_on_one_line_and_every_keyword_is_marked(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    lines, toks = tokens_of(text)
    prev = (-1, 0)
    for t in toks:
        assert (t.line, t.start) >= prev, t  # sorted, no overlap
        assert t.length > 0 and t.start + t.length <= utf16_len(lines[t.line])
        prev = (t.line, t.start + t.length)
    keyword_at = {(t.line, t.start) for t in toks if t.type == "keyword"}
    doc = parse(text)
    for ins in doc.instructions:
        assert (ins.keyword_range.start.line, ins.keyword_range.start.character) in keyword_at, ins.keyword
    bodies = heredoc_body_lines(text)
    assert not [t for t in toks if t.line in bodies and t.type in ("keyword", "parameter", "class", "comment")]


def test_buildx_dockerfile_decoded() -> None:
    text = BUILDX.read_text()
    lines, toks = tokens_of(text)
    assert at(lines, toks, 0) == [("# ", "comment", ()), ("syntax", "macro", ()), ("docker/dockerfile:1", "string", ())]
    assert at(lines, toks, 2) == [("ARG", "keyword", ()), ("GO_VERSION", "variable", ("declaration", "arg"))]
    assert at(lines, toks, 18) == [  # FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-alpine${ALPINE_VERSION} AS golatest
        ("FROM", "keyword", ()),
        ("--platform", "parameter", ()),
        ("$", "string", ()),
        ("BUILDPLATFORM", "variable", ()),  # predefined by BuildKit: no ARG/ENV defines it here
        ("golang:${", "type", ()),
        ("GO_VERSION", "variable", ("arg",)),
        ("}-alpine${", "type", ()),
        ("ALPINE_VERSION", "variable", ("arg",)),
        ("}", "type", ()),
        ("AS", "keyword", ()),
        ("golatest", "class", ("declaration",)),
    ]
    assert at(lines, toks, 30) == [("FROM", "keyword", ()), ("golatest", "class", ()), ("AS", "keyword", ()), ("gobase", "class", ("declaration",))]
    assert at(lines, toks, 31) == [("COPY", "keyword", ()), ("--from", "parameter", ()), ("xx", "class", ())]
    assert at(lines, toks, 34) == [("ENV", "keyword", ()), ("CGO_ENABLED", "variable", ("declaration", "env"))]
    # RUN --mount=target=/root/.cache,type=cache <<EOT: keys, values, the heredoc marker
    assert at(lines, toks, 40) == [
        ("RUN", "keyword", ()),
        ("--mount", "parameter", ()),
        ("target", "property", ()),
        ("/root/.cache", "string", ()),
        ("type", "property", ()),
        ("cache", "string", ()),
        ("<<EOT", "label", ()),
    ]
    # the shell body: only the variable (an ARG of this stage), nothing coloured as Dockerfile
    assert at(lines, toks, 42) == [("GOTESTSUM_VERSION", "variable", ("arg",))]
    assert at(lines, toks, 41) == []
    assert at(lines, toks, 48) == [("EOT", "label", ())]
    # COPY <<"EOF": a file's content, as a string; quoted marker not expanded
    assert at(lines, toks, 49) == [("COPY", "keyword", ()), ("--chmod", "parameter", ()), ("755", "string", ()), ('<<"EOF"', "label", ())]
    assert at(lines, toks, 51) == [("set -x", "string", ())]


def test_delta_is_one_edit_that_rebuilds_the_new_data() -> None:
    text = BUILDX.read_text()
    old = encode(semantic_tokens(Analysis(parse(text))))
    edited = text.replace("ENV CGO_ENABLED=0", "ENV CGO_ENABLED=0 EXTRA=$CGO_ENABLED")
    new = encode(semantic_tokens(Analysis(parse(edited))))
    start, deleted, data = delta(old, new)
    assert start % 5 == 0 and deleted % 5 == 0 and len(data) % 5 == 0
    assert old[:start] + data + old[start + deleted :] == new
    assert len(data) < len(new) // 4
    assert delta(new, new) is None
