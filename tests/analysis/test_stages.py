"""The stage graph: edges, target, what is needed and what ships."""

from __future__ import annotations

from slimstage.analysis.stages import StageGraph
from slimstage.dockerfile import parse

TEXT = """\
FROM node:22 AS deps
RUN npm ci
FROM deps AS build
RUN npm run build
FROM golang:1.27 AS tools
FROM node:22-slim AS runtime
COPY --from=build /app/dist /app/dist
COPY --from=1 /app/node_modules /app/node_modules
RUN --mount=type=bind,from=tools,source=/go,target=/go true
COPY --from=nginx:1.31 /etc/nginx/nginx.conf /etc/nginx.conf
FROM runtime AS final
FROM alpine AS unused
"""


def test_edges_from_base_copy_and_mount() -> None:
    g = StageGraph(parse(TEXT))
    kinds = sorted((e.src, e.dst, e.kind) for e in g.edges)
    assert kinds == [(0, 1, "base"), (1, 3, "copy"), (1, 3, "copy"), (2, 3, "mount"), (3, 4, "base")]
    assert [x.ref for x in g.external] == ["nginx:1.31"]


def test_target_is_last_stage_or_configured() -> None:
    doc = parse(TEXT)
    assert StageGraph(doc).target == 5
    g = StageGraph(doc, "final")
    assert g.target == 4
    assert g.needed == {0, 1, 2, 3, 4}
    assert g.ships == {3, 4}
    assert StageGraph(doc, "nope").unresolved_target


def test_copy_from_index_is_a_stage_not_an_image() -> None:
    g = StageGraph(parse("FROM a\nFROM b\nCOPY --from=0 /x /x\n"))
    assert [(e.src, e.kind) for e in g.edges] == [(0, "copy")]


def test_copy_from_a_later_stage_is_not_a_stage_reference() -> None:
    g = StageGraph(parse("FROM a AS one\nCOPY --from=two /x /x\nFROM b AS two\n"))
    assert not g.edges and [x.ref for x in g.external] == ["two"]
