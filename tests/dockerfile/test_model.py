"""The model: ranges in UTF-16, flags, heredocs, stages, broken input."""

from __future__ import annotations

from slimstage.dockerfile import parse
from slimstage.dockerfile.model import Pos, Range


def test_flags_and_arguments_have_exact_ranges() -> None:
    doc = parse("FROM golang:1.27 AS build\nCOPY --from=build --chown=app:app /out/app /app\n")
    copy = doc.instructions[1]
    assert copy.keyword == "COPY"
    frm = copy.flag("from")
    assert frm is not None and frm.value == "build"
    assert frm.range == Range(Pos(1, 5), Pos(1, 17))
    assert [w.text for w in copy.args] == ["/out/app", "/app"]
    assert copy.args[0].range == Range(Pos(1, 34), Pos(1, 42))


def test_utf16_columns_count_astral_characters_twice() -> None:
    doc = parse("FROM alpine\nRUN echo 🐳 && echo done\n")
    words = doc.instructions[1].args
    assert words[1].text == "🐳"
    assert words[1].range == Range(Pos(1, 9), Pos(1, 11))
    assert words[3].range.start == Pos(1, 15)


def test_stages_names_bases_and_platform() -> None:
    doc = parse("ARG V=1\nFROM --platform=$BUILDPLATFORM node:22 AS Deps\nFROM deps AS build\nFROM scratch\n")
    assert [s.name for s in doc.stages] == ["deps", "build", None]
    assert doc.stages[0].platform == "$BUILDPLATFORM"
    assert doc.stages[1].base_stage == 0
    assert doc.stages[2].base == "scratch" and doc.stages[2].base_stage is None
    assert [a.keyword for a in doc.global_args] == ["ARG"]


def test_exec_form_and_shell_form() -> None:
    doc = parse('FROM a\nCMD ["node", "server.js"]\nCMD node server.js\n')
    assert doc.instructions[1].is_json and [w.text for w in doc.instructions[1].args] == ["node", "server.js"]
    assert not doc.instructions[2].is_json


def test_heredoc_bodies_and_ranges() -> None:
    doc = parse("FROM a\nCOPY <<A /a <<B /b\none\nA\ntwo\nB\nRUN true\n")
    copy = doc.instructions[1]
    assert [(h.name, h.body) for h in copy.heredocs] == [("A", "one\n"), ("B", "two\n")]
    assert copy.end_line == 5
    assert doc.instructions[2].keyword == "RUN" and doc.instructions[2].start_line == 6


def test_directives_and_escape() -> None:
    doc = parse("# syntax=docker/dockerfile:1\n# escape=`\nFROM a\nRUN echo `\n  b\n")
    assert [d.name for d in doc.directives] == ["syntax", "escape"]
    assert doc.escape == "`"
    assert doc.instructions[1].end_line == 4


def test_broken_input_gives_a_model_and_problems() -> None:
    for text in ["", "\x00\x01\x02", "RUN echo before from", "FROM\n", "FROM a\nRUN <<EOF\nnever", "}{][\n\\\n", "\ufeffFROM a"]:
        doc = parse(text)
        assert doc is not None
    assert parse("RUN x").problems
    assert any("unterminated heredoc" in p.message for p in parse("FROM a\nRUN <<EOF\nx").problems)
    assert not parse("\ufeffFROM a").problems


def test_onbuild_has_its_instruction() -> None:
    doc = parse("FROM a\nONBUILD RUN npm ci\n")
    sub = doc.instructions[1].sub
    assert sub is not None and sub.keyword == "RUN" and sub.text == "npm ci"
