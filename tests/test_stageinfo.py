"""Stage summaries: explanation comments, sizes and slimmer alternatives, rendering."""

from __future__ import annotations

from slimstage.analysis import Analysis
from slimstage.dockerfile import parse
from slimstage.editor.stageinfo import (
    alternatives,
    format_mb,
    lens_title,
    reference,
    render,
    size_of,
    stage_comment,
    summaries,
    to_json,
    with_defaults,
)


def test_stage_comment_block_directly_above_the_from() -> None:
    doc = parse(
        "# build tooling notes\n"
        "# stage: Compiles the sources\n"
        "# into a static binary.\n"
        "FROM golang:1.27 AS build\n"
        "# stage: not this one\n"
        "\n"
        "FROM alpine\n"
        "# unrelated\n"
        "FROM alpine AS other\n"
    )
    assert stage_comment(doc, doc.stages[0]) == "Compiles the sources into a static binary."
    assert stage_comment(doc, doc.stages[1]) == ""  # a blank line separates the comment from the FROM
    assert stage_comment(doc, doc.stages[2]) == ""  # a comment, but not a "# stage:" one


def test_suppression_comments_are_not_part_of_the_explanation() -> None:
    doc = parse("# stage: The runtime.\n# slimstage ignore=SLIM401\nFROM node:22\n")
    assert stage_comment(doc, doc.stages[0]) == "The runtime."


def test_sizes_are_estimates_with_units() -> None:
    assert format_mb(size_of("node:22")) == "~1,220 MB"
    assert format_mb(size_of("alpine:3.24")) == "~8.4 MB"
    assert format_mb(size_of("golang:1.27-alpine")) == "~253 MB"
    assert format_mb(size_of("gcr.io/distroless/nodejs20-debian12")) == "~55 MB compressed"
    assert format_mb(size_of("scratch")) == "0 MB"
    assert size_of("example.com/team/app:1.0") is None


def test_alternatives_keep_the_major_version_and_compare_like_with_like() -> None:
    assert [reference(f) for f in alternatives("node:22", "node", "builder")] == ["node:22-alpine", "node:22-trixie-slim"]
    assert [reference(f) for f in alternatives("node:22", "node", "runtime")] == [
        "gcr.io/distroless/nodejs20-debian12",  # compressed with compressed: 55 of 439 MB
        "node:22-alpine",
        "node:22-trixie-slim",
    ]
    # only an uncompressed size is known for the JRE: the distroless image (compressed size only) is not compared
    assert [reference(f) for f in alternatives("eclipse-temurin:21-jre", "java", "runtime")] == ["eclipse-temurin:21-jre-alpine-3.24"]
    assert alternatives("scratch", "go", "runtime") == ()
    assert alternatives("example.com/team/app:1.0", None, "runtime") == ()


def test_global_arg_defaults_fill_in_the_image() -> None:
    doc = parse("ARG NODE=22\nARG VARIANT\nFROM node:${NODE}-alpine\nFROM node:${VARIANT:-22}\nFROM $UNKNOWN\n")
    assert with_defaults(doc, "node:${NODE}-alpine") == "node:22-alpine"
    assert with_defaults(doc, "node:${VARIANT:-22}") == "node:22"
    assert with_defaults(doc, "$UNKNOWN") == "$UNKNOWN"


def test_unknown_image_sizes_say_so() -> None:
    a = Analysis(parse("ARG BASE\nFROM example.com/team/base:1\nFROM ${BASE}\n"))
    first, second = summaries(a)
    assert lens_title(first) == "other · size unknown · skipped"
    assert "size unknown (not in slimstage's table)" in render(first)
    assert "size unknown (the image is set by a build argument)" in render(second)


def test_scratch_runtime() -> None:
    a = Analysis(parse("FROM golang:1.27 AS build\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n"))
    runtime = summaries(a)[1]
    assert lens_title(runtime) == "runtime · 0 MB · ships"
    assert "- **Base**: `scratch` · 0 MB (the empty image)" in render(runtime)


def test_json_shape() -> None:
    a = Analysis(parse("FROM golang:1.27 AS build\nRUN go build -o /app .\nFROM alpine:3.24\nCOPY --from=build /app /app\n"))
    data = to_json(summaries(a)[1])
    assert data["role"] == "runtime" and data["ships"] and data["is_target"]
    assert data["takes"] == [{"stage": 0, "from": "build", "kind": "copy", "paths": ["/app"], "line": 4}]
    assert data["base_size"] == {"reference": "alpine:3.24.2", "mb": 8.42, "compressed_only": False, "estimate": True}
