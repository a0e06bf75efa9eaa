"""Size estimates from the base image table, and stage comments above FROM."""

from __future__ import annotations

from slimstage.dockerfile import parse
from slimstage.rewrite.annotate import annotate, comment_lines
from slimstage.rewrite.estimate import estimate, find_size
from slimstage.rewrite.result import StageNote


def test_estimate_compares_like_with_like() -> None:
    before = parse("FROM golang:1.27\nCMD [\"app\"]\n")
    after = parse("FROM golang:1.27 AS b\nFROM gcr.io/distroless/static-debian12 AS r\nCMD [\"app\"]\n")
    e = estimate(before, after)
    assert e is not None and e.basis == "uncompressed"
    assert e.before_mb > 800 and e.after_mb < 5 and e.reduction_pct > 99
    assert "estimate" in e.sentence().lower() and "golang:1.27" in e.sentence()
    assert "100%" not in e.sentence() and "over 99% smaller" in e.sentence()  # 885 MB -> 2.1 MB is not 100%


def test_estimate_uses_compressed_sizes_when_only_those_are_known() -> None:
    e = estimate(parse("FROM node:22\n"), parse("FROM node:22 AS a\nFROM gcr.io/distroless/nodejs20-debian12 AS r\n"))
    assert e is not None and e.basis == "compressed"
    assert (e.before_mb, e.after_mb) == (439.03, 55.0)  # compressed with compressed, never 1,220 with 55
    assert e.before_text == "~1,220 MB" and e.after_text == "~55 MB compressed"  # as check and hover quote them
    assert "~1,220 MB" in e.sentence() and "439 MB -> 55 MB" in e.sentence()


def test_an_image_without_its_own_row_is_unknown_not_a_relative() -> None:
    # nodejs22 is not in the table: it is not sized as nodejs20.
    assert estimate(parse("FROM node:22\n"), parse("FROM node:22 AS a\nFROM gcr.io/distroless/nodejs22-debian12 AS r\n")) is None


def test_scratch_is_never_0_mb_or_100_percent() -> None:
    e = estimate(parse("FROM golang:1.27\n"), parse("FROM golang:1.27 AS b\nFROM scratch AS r\n"))
    assert e is not None and not e.comparable and e.reduction_pct == 0.0
    for text in (e.sentence(), e.short()):
        assert "0.0 MB" not in text and "100%" not in text and "empty" in text


def test_estimate_unknown_image() -> None:
    assert estimate(parse("FROM example.com/custom:1\n"), parse("FROM x AS a\nFROM example.com/other:2 AS b\n")) is None
    assert find_size("$BASE") is None


def test_annotate_adds_comments_once() -> None:
    text = "# syntax=docker/dockerfile:1\nFROM node:22 AS deps\nRUN npm ci\n\n# kept\nFROM node:22-slim AS runtime\n"
    notes = [StageNote("deps", "Production dependencies only."), StageNote("runtime", "What ships.")]
    out = annotate(text, notes)
    assert out.startswith("# syntax=docker/dockerfile:1\n\n# deps: Production dependencies only.\nFROM node:22 AS deps")
    assert "# kept\nFROM node:22-slim AS runtime" in out and "What ships" not in out
    doc = parse(out)
    assert [d.name for d in doc.directives] == ["syntax"]
    assert annotate(out, notes) == out


def test_comment_lines_are_short_and_safe() -> None:
    lines = comment_lines("x", "word " * 200 + "slimstage ignore=SLIM101")
    assert len(lines) <= 3 and all(len(line) <= 88 for line in lines)
    assert not any("slimstage ignore" in line for line in lines)
    assert comment_lines("x", "  ") == []
