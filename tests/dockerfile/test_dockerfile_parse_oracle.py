"""A second, independent oracle for the parser: ``dockerfile-parse`` (PyPI, Red Hat's OSBS).

BuildKit's parser (``test_buildkit_agreement.py``) is the reference for where instructions
start and end. dockerfile-parse is written separately, in Python, and also gives each
instruction's *value* (continuations joined, flags included), which the BuildKit test does
not compare: here every corpus file without heredocs must agree with it on keyword, first
and last line, and value. dockerfile-parse knows no heredocs, so files with them are left
to BuildKit.

Where dockerfile-parse is known to differ from BuildKit (an empty or comment line inside a
continuation, an escape directive after a Unicode space), BuildKit decides, and the
fixtures that show it are listed below: the test checks that they still differ, and that
slimstage is on BuildKit's side.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from slimstage.dockerfile import parse

from ..conftest import FIXTURES, corpus_files

dockerfile_parse = pytest.importorskip("dockerfile_parse", reason="dockerfile-parse is a declared dependency")

PARSER_FIXTURES = sorted((FIXTURES / "parser").glob("*.Dockerfile"))
# dockerfile-parse ends a continuation at an empty line (BuildKit skips empty and comment
# lines inside one) and does not read an escape directive written after a Unicode space.
DIFFERS_FROM_BUILDKIT = {"continuations", "empty-continuation", "unicode-space-directive"}


def theirs(text: str) -> list[tuple[str, int, int, str]]:
    parser = dockerfile_parse.DockerfileParser(fileobj=io.BytesIO(text.encode("utf-8")), env_replace=False)
    return [
        (s["instruction"], s["startline"], s["endline"], " ".join(s["value"].split()))
        for s in parser.structure
        if s["instruction"] != "COMMENT"
    ]


def ours(text: str) -> list[tuple[str, int, int, str]]:
    out = []
    for ins in parse(text).instructions:
        flags = " ".join(f"--{f.name}" + (f"={f.value}" if f.value is not None else "") for f in ins.flags)
        out.append((ins.keyword, ins.start_line, ins.end_line, " ".join(f"{flags} {ins.text}".split())))
    return out


def without_heredocs(paths: list[Path]) -> list[Path]:
    keep = []
    for p in paths:
        text = p.read_text(encoding="utf-8", errors="replace")
        if not any(i.heredocs for i in parse(text).instructions):
            keep.append(p)
    return keep


CASES = without_heredocs(corpus_files() + [p for p in PARSER_FIXTURES if p.stem not in DIFFERS_FROM_BUILDKIT])


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_instructions_and_values_match_dockerfile_parse(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    assert ours(text) == theirs(text)


@pytest.mark.parametrize("stem", sorted(DIFFERS_FROM_BUILDKIT))
def test_where_dockerfile_parse_differs_buildkit_decides(stem: str) -> None:
    buildkit = pytest.importorskip("dockerfile")
    text = (FIXTURES / "parser" / f"{stem}.Dockerfile").read_text(encoding="utf-8")
    assert ours(text) != theirs(text), f"dockerfile-parse now agrees on {stem}: move it back to CASES"
    bk = [(c.cmd.upper(), c.start_line - 1, c.end_line - 1) for c in buildkit.parse_string(text)]
    assert [(k, s, e) for k, s, e, _ in ours(text)] == bk


def test_most_corpus_files_are_compared(in_ci: bool) -> None:
    if not corpus_files():
        if in_ci:
            pytest.fail("../shared/corpus is missing")
        pytest.skip("no corpus")
    assert len(CASES) >= 400
