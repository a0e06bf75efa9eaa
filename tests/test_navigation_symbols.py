"""Symbol occurrences: how variable uses are found and scoped (the LSP tests cover stages)."""

from __future__ import annotations

from slimstage.analysis import Analysis
from slimstage.dockerfile import parse
from slimstage.dockerfile.model import Pos
from slimstage.editor.navigation import symbols, variable_uses


def names(text: str) -> list[str]:
    return [n for n, _, _ in variable_uses(text)]


def test_variable_uses_skip_escaped_and_single_quoted() -> None:
    assert names("echo $A ${B} ${C:-$D} \\$E '$F' \"$G\" $$ $1") == ["A", "B", "C", "D", "G"]
    assert list(variable_uses("x=${LONG_NAME:+set}")) == [("LONG_NAME", 4, 13)]


def occurrences(text: str) -> list[tuple[str, int, int, bool]]:
    a = Analysis(parse(text))
    return [(o.name, o.range.start.line, o.range.start.character, o.is_definition) for o in symbols(a).occurrences if o.kind == "variable"]


def test_heredoc_bodies_and_legacy_env() -> None:
    text = "FROM alpine\nENV GREETING hello world\nRUN <<EOF\necho $GREETING\nEOF\n"
    assert occurrences(text) == [("GREETING", 1, 4, True), ("GREETING", 3, 6, False)]
    sym = symbols(Analysis(parse(text)))
    use = sym.at(Pos(3, 8))
    assert [d.range.start.line for d in sym.definitions(use)] == [1]


def test_arg_does_not_reach_child_stages_but_env_does() -> None:
    text = "FROM alpine AS a\nARG ONLY_HERE=1\nENV INHERITED=1\nFROM a\nRUN echo $ONLY_HERE $INHERITED\n"
    sym = symbols(Analysis(parse(text)))
    only, inherited = sym.at(Pos(4, 11)), sym.at(Pos(4, 22))
    assert sym.definitions(only) == []
    assert [d.range.start.line for d in sym.definitions(inherited)] == [2]


def test_global_arg_needs_redeclaring_inside_a_stage() -> None:
    text = "ARG V=1\nFROM alpine:$V\nRUN echo $V\nARG V\nRUN echo $V\n"
    sym = symbols(Analysis(parse(text)))
    assert [d.range.start.line for d in sym.definitions(sym.at(Pos(1, 13)))] == [0]  # FROM line: the global
    assert sym.definitions(sym.at(Pos(2, 10))) == []  # not declared in the stage yet
    assert [d.range.start.line for d in sym.definitions(sym.at(Pos(4, 10)))] == [3]


def test_onbuild_is_not_scanned() -> None:
    assert occurrences("FROM alpine\nARG X=1\nONBUILD RUN echo $X\n") == [("X", 1, 4, True)]


def test_variables_visible_on_a_line() -> None:
    text = "ARG G=1\nFROM alpine\nENV A=1\n\nRUN true\n"
    sym = symbols(Analysis(parse(text)))
    assert sorted(sym.variables_at(1)) == ["G"]  # the FROM line sees the globals
    assert sorted(sym.variables_at(3)) == ["A"]  # after ENV A, before RUN


def test_mount_from_as_the_first_option() -> None:
    a = Analysis(parse("FROM alpine AS runtime\nFROM alpine\nRUN --mount=from=runtime,target=/rootfs ls /rootfs\n"))
    sym = symbols(a)
    use = sym.at(Pos(2, 20))
    assert (use.name, use.range.start.character, use.range.end.character) == ("runtime", 17, 24)
    assert [d.range.start.line for d in sym.definitions(use)] == [0]


def _rename_keeps_the_structure(text: str) -> int:
    from slimstage.fixes import apply_edits
    from slimstage.editor.navigation import RenameError, rename_edits
    from slimstage.rules.base import Edit

    a = Analysis(parse(text))
    sym = symbols(a)
    before = sorted((e.src, e.dst, e.kind) for e in a.graph.edges)
    shape = [(o.range.start.line, o.kind, o.is_definition) for o in sym.occurrences]
    checked, seen = 0, set()
    for o in sym.occurrences:
        if o.key in seen or not o.is_definition:
            continue
        seen.add(o.key)
        try:
            edits = rename_edits(sym, o.range.start, "zz_renamed" if o.kind == "variable" else "zzrenamed")
        except RenameError:
            continue
        b = Analysis(parse(apply_edits(text, [Edit(r, t) for r, t in edits])))
        assert sorted((e.src, e.dst, e.kind) for e in b.graph.edges) == before, o
        assert [(x.range.start.line, x.kind, x.is_definition) for x in symbols(b).occurrences] == shape, o
        checked += 1
    return checked


def test_every_rename_keeps_the_stage_graph_and_the_symbols() -> None:
    from .conftest import CORPUS, FIXTURES

    files = sorted((FIXTURES / "stages").glob("*.Dockerfile")) + sorted((FIXTURES / "rules").rglob("*.Dockerfile"))
    files += sorted((CORPUS / "microservices-demo").glob("*")) if CORPUS.is_dir() else []
    assert sum(_rename_keeps_the_structure(p.read_text()) for p in files) > 100
