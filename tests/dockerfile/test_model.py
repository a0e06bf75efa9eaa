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


def _view(doc):
    return [
        (i.keyword, i.range, i.keyword_range, i.stage_index, i.text, [(f.name, f.value, f.range) for f in i.flags], [(w.text, w.range) for w in i.args])
        for i in doc.instructions
    ]


def test_reparse_with_previous_version_equals_a_fresh_parse() -> None:
    import random

    from ..conftest import corpus_files

    rng = random.Random(7)
    files = corpus_files()[:40] or []
    base = "FROM node:22 AS a\nRUN npm ci \\\n  && echo 🐳\nCOPY --from=a /x /y\nFROM a\nRUN <<EOF\nhi\nEOF\n"
    texts = [base] + [p.read_text(encoding="utf-8", errors="replace") for p in files]
    for text in texts:
        prev = parse(text)
        for _ in range(15):
            lines = text.split("\n")
            n = rng.randrange(len(lines))
            op = rng.choice(["insert", "delete", "edit", "from"])
            if op == "insert":
                lines.insert(n, rng.choice(["", "RUN echo new", "# comment", "FROM alpine AS z", "ENV A=1 \\"]))
            elif op == "delete" and len(lines) > 1:
                del lines[n]
            elif op == "edit":
                lines[n] = lines[n] + rng.choice(["x", " \\", " --from=a", "é"])
            else:
                lines.insert(n, "FROM scratch")
            text = "\n".join(lines)
            fresh = parse(text)
            incremental = parse(text, prev)
            assert _view(incremental) == _view(fresh)
            assert [(s.index, s.name, s.base, s.range) for s in incremental.stages] == [(s.index, s.name, s.base, s.range) for s in fresh.stages]
            assert incremental.problems == fresh.problems
            prev = incremental
