"""The smallest input of every failure the robustness suites found, pinned (see docs/reliability.md).

Each of these failed before its fix; the generators find them again only by chance.
"""

from __future__ import annotations

from collections import Counter

import pytest

from slimstage.dockerfile import parse
from slimstage.dockerfile.model import Pos
from slimstage.fixes import apply_edits
from slimstage.lint import lint
from slimstage.settings import Settings

from .invariants import assert_model_sound, assert_range_inside, client_lines


def findings(text: str, settings: Settings | None = None):
    doc = parse(text)
    assert_model_sound(doc, text)
    return lint(doc, settings)


def fixed_by(text: str, code: str, settings: Settings | None = None) -> str:
    """Apply the first fix of ``code``; the finding must be gone and no syntax problem added."""
    before = findings(text, settings)
    v = next(v for v in before.violations if v.code == code and v.fix is not None and v.fix.edits)
    new = apply_edits(text, v.fix.edits)
    after = findings(new, settings)
    assert sum(x.code == code for x in after.violations) < sum(x.code == code for x in before.violations), new
    assert not Counter(p.message for p in after.analysis.doc.problems) - Counter(p.message for p in before.analysis.doc.problems), new
    return new


def no_fix(text: str, code: str, settings: Settings | None = None) -> None:
    vs = [v for v in findings(text, settings).violations if v.code == code]
    assert vs and all(v.fix is None for v in vs), vs


# -- parser ----------------------------------------------------------------------------------------------


def test_second_heredoc_after_the_end_of_the_file_has_a_range_inside_it() -> None:
    findings("FROM a\r\nRUN <<EOF1 cat > /a && cat <<'EOF2' > /b\r\nx\r\n\tEOF1\r\ny\r\nEOF2\r\n")


def test_lone_continuation_line_starts_the_instruction() -> None:
    ins = parse("FROM a\n\\\nRUN y\n").instructions[1]
    assert (ins.keyword, ins.start_line, ins.end_line) == ("RUN", 1, 2)


@pytest.mark.parametrize(
    ("text", "bounds"),
    [
        ("FROM a\nRUN x\\\\\nRUN y\n", [(0, 0), (1, 1), (2, 2)]),  # an escaped escape is no continuation
        ("FROM a\nRUN \\\n", [(0, 0), (1, 1)]),  # the "" after the final newline is not a line
        ("FROM a\nONBUILD RUN <<EOF\nx\nEOF\n", [(0, 0), (1, 3)]),
        ("\x85FROM a\n\xa0\n\u3000RUN x\n", [(0, 0), (2, 2)]),  # Go's unicode.IsSpace around lines
        ("FROM a\nRUN <<EOF cat <<'\nx\nEOF\n", [(0, 0), (1, 1), (2, 2), (3, 3)]),  # an open quote: no heredoc
        ("#\u2028 escape=`\nFROM a\nRUN x \\\n  y\n", [(1, 1), (2, 3)]),  # not a directive for Go's \s
        ("#\x0b escape=`\nFROM a\nRUN x \\\n  y\n", [(1, 1), (2, 3)]),
        # every CR before a LF goes (BuildKit); positions count the lone CR as a line end (LSP)
        ("FROM a\nCOPY <<EOF /x\nk\nEOF\r\r\nRUN y\n", [(0, 0), (1, 3), (5, 5)]),
    ],
)
def test_buildkit_boundaries(text: str, bounds: list[tuple[int, int]]) -> None:
    assert [(i.start_line, i.end_line) for i in parse(text).instructions] == bounds


# -- rules and their fixes -------------------------------------------------------------------------------


def test_slim201_fix_does_not_copy_the_root_again() -> None:
    new = fixed_by("FROM golang:1.22 AS b\nRUN go build -o / x && go build -o /usr/local/bin/tool ./tool\nFROM alpine\nCOPY --from=b /. /\n", "SLIM201")
    assert "COPY --from=b / /" not in new


def test_slim201_fix_keeps_dot_directories() -> None:
    new = fixed_by("FROM golang:1.22 AS b\nWORKDIR /src\nRUN go build -o .bin/app .\nFROM alpine\nCOPY --from=b / /\n", "SLIM201")
    assert "/src/.bin/app" in new


@pytest.mark.parametrize("tail", ['RUN apt-get update "&& apt-get install -y curl', "RUN apt-get update && a# escape=`\n"])
def test_no_cleanup_appended_inside_an_open_quote_or_substitution(tail: str) -> None:
    no_fix(f"FROM debian:12\n{tail}\n", "SLIM106", Settings(cache_mounts=False))


@pytest.mark.parametrize("end", ["\\", "\\\r\n ", "\\\n# c\n", "<<E", "<<EOF\nx\n"])
def test_no_user_line_appended_to_an_unfinished_continuation(end: str) -> None:
    no_fix("FROM golang:1.22 AS b\nRUN go build -o /out/app .\nFROM gcr.io/distroless/static-debian12\nCOPY --from=b /out/app /app\nRUN echo one " + end, "SLIM403")


def test_removing_the_last_line_counts_utf16_columns() -> None:
    new = fixed_by("FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci --registry=https://😀😀.example", "SLIM101")
    assert new.endswith("COPY . .\n") and new.count("😀") == 2


# -- editor features -------------------------------------------------------------------------------------


def test_completion_past_the_end_of_a_line_replaces_inside_it() -> None:
    from slimstage.editor.completions import complete

    text = "FROM node:22-slim\r\n"
    for s in complete(findings(text).analysis, Pos(1, 1)):
        assert_range_inside(s.replace, client_lines(text), s.label)


@pytest.mark.parametrize(("text", "pos"), [("FROM node:22-slim\r\n", Pos(2, 0)), ("FROM node:22-slim\r\n", Pos(0, 18)), ("\tFROM a AS b\nRUN x\n", Pos(0, 0))])
def test_selection_ranges_grow_outwards_inside_the_document(text: str, pos: Pos) -> None:
    from slimstage.editor.structure import selection_chain

    chain = selection_chain(parse(text), pos)
    for inner, outer in zip(chain, chain[1:]):
        assert outer.contains(inner.start) and outer.contains(inner.end)
    for r in chain:
        assert_range_inside(r, client_lines(text), "selection")


@pytest.mark.parametrize("text", ["\\", "\x1c", "FROM a\n\ufeff\n", "FROM a AS \u200a\n"])
def test_outline_names_are_never_blank(text: str) -> None:
    from slimstage.editor.structure import outline

    items = outline(findings(text).analysis)
    items += [c for i in items for c in i.children]
    assert all(item.name.replace("\ufeff", "").strip() for item in items), [i.name for i in items]


# -- secrets -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("FROM node:22-slim\r\nARG API_TOKEN=hunter2-but-longer-Qx7!\n", "hunter2-but-longer-Qx7!"),  # CRLF offsets
        ("FROM a\nRUN curl -H 'Authorization: Bearer hunter2-but-longer-Qx7!' https://x\n", "hunter2-but-longer-Qx7!"),
        ("FROM a\nRUN API_TOKEN=hunter2-but-longer-Qx7! ./deploy.sh\n", "hunter2-but-longer-Qx7!"),
    ],
)
def test_redaction(text: str, secret: str) -> None:
    from slimstage.rewrite.redact import redact

    red = redact(parse(text))
    assert secret not in red.text and red.restore(red.text) == parse(text).text


# -- lone CR (found by the long run after positions moved to the client's lines) -------------------


def test_lone_cr_in_a_heredoc_body_keeps_ranges_on_their_line() -> None:
    text = "FROM node:22-slim\nWORKDIR /app\nWORKDIR /app\n  RUN <<-EOT bash\n\tset -e\n\tpip install -r requirements.txt\r\tEOT\n\n"
    lines = client_lines(text)
    for v in findings(text).violations:
        assert_range_inside(v.range, lines, v.code)


def test_moving_an_instruction_keeps_a_lone_cr_inside_it() -> None:
    text = "\t\tFROM python:3.12-slim\r\n  WORKDIR /srv\r\n  COPY --chown=app:app . /srv/\r\n  RUN pip install -r requirements.txt\r0"
    assert "RUN pip install -r requirements.txt\r0\r\n" in fixed_by(text, "SLIM101")


def test_lines_inserted_after_a_lone_cr_are_lines_for_buildkit() -> None:
    text = "FROM node\r\n  COPY . .\r\n  EXPOSE 3000\r\n  RUN yarn build\n  RUN yarn install --frozen-lockfile\r"
    assert fixed_by(text, "SLIM403").endswith("--frozen-lockfile\r\nUSER node\r\n")
