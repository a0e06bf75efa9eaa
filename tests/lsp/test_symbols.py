"""Outline, folding and selection ranges end to end."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from .stage_fixtures import open_fixture, plain_client, pos, rng, shared_client  # noqa: F401  (fixtures)

pytestmark = pytest.mark.asyncio(loop_scope="module")

S, V, F, E = types.SymbolKind.Class, types.SymbolKind.Variable, types.SymbolKind.Function, types.SymbolKind.Event

MONOREPO_OUTLINE = [
    ("ARG", "NODE_IMAGE=node:22-alpine", V, rng(0, 0, 0, 29), []),
    ("base", "${NODE_IMAGE} · base", S, rng(1, 0, 3, 19), [("ENV", "PNPM_HOME=/pnpm"), ("RUN", "corepack enable")]),
    (
        "deps",
        "base · dependencies",
        S,
        rng(5, 0, 8, 60),
        [
            ("WORKDIR", "/repo"),
            ("COPY", "pnpm-lock.yaml pnpm-workspace.yaml package.json ./"),
            ("RUN", "--mount=type=cache,id=pnpm,target=/pnpm/store pnpm fetch"),
        ],
    ),
    ("build-web", "deps · builder", S, rng(10, 0, 13, 31), [("COPY", ". ."), ("RUN", "pnpm install --offline --frozen-lockfile && pnpm --filter w…")]),
    ("build-api", "deps · builder", S, rng(15, 0, 18, 31), [("COPY", ". ."), ("RUN", "pnpm install --offline --frozen-lockfile && pnpm --filter a…")]),
    ("test", "build-api · test", S, rng(20, 0, 21, 26), [("RUN", "pnpm --filter api test")]),
    (
        "runtime",
        "base · runtime",
        S,
        rng(23, 0, 30, 28),
        [
            ("WORKDIR", "/srv"),
            ("COPY", "--from=build-api /repo/apps/api/dist ./api"),
            ("COPY", "--from=build-web /repo/apps/web/dist ./public"),
            ("RUN", "--mount=type=bind,from=deps,source=/repo/package.json,targe…"),
            ("USER", "node"),
            ("CMD", '["node", "api/index.js"]'),
        ],
    ),
]


async def test_six_stage_outline(shared_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(shared_client, tmp_path, "monorepo.Dockerfile")
    symbols = await shared_client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=doc))
    got = [(s.name, s.detail, s.kind, s.range, [(c.name, c.detail) for c in s.children or []]) for s in symbols]
    assert got == MONOREPO_OUTLINE
    runtime = symbols[-1]
    assert runtime.selection_range == rng(23, 13, 23, 20)
    assert [c.kind for c in runtime.children] == [F, F, F, F, F, E]
    assert runtime.children[3].range == rng(27, 0, 28, 42)
    assert runtime.children[3].selection_range == rng(27, 0, 27, 3)


async def test_unnamed_stage_is_named_by_index(shared_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(shared_client, tmp_path, "java.Dockerfile")
    symbols = await shared_client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=doc))
    assert [(s.name, s.detail) for s in symbols] == [("build", "maven:3-eclipse-temurin-21 · builder"), ("stage 1", "eclipse-temurin:21-jre · runtime")]
    assert symbols[1].selection_range == rng(7, 0, 7, 4)


@pytest.mark.asyncio(loop_scope="function")
async def test_flat_symbols_for_clients_without_hierarchy(plain_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(plain_client, tmp_path, "go.Dockerfile")
    symbols = await plain_client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=doc))
    assert all(isinstance(s, types.SymbolInformation) for s in symbols)
    assert [(s.name, s.container_name, s.location.range.start.line) for s in symbols] == [
        ("builder", None, 0),
        ("WORKDIR", "builder", 1),
        ("COPY", "builder", 2),
        ("RUN", "builder", 3),
        ("COPY", "builder", 4),
        ("RUN", "builder", 5),
        ("runtime", None, 7),
        ("COPY", "runtime", 8),
        ("USER", "runtime", 9),
        ("ENTRYPOINT", "runtime", 10),
    ]


async def test_folding_stages_long_runs_and_comment_blocks(shared_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(shared_client, tmp_path, "node.Dockerfile")
    folds = await shared_client.text_document_folding_range_async(types.FoldingRangeParams(text_document=doc))
    assert [(f.start_line, f.end_line, f.kind) for f in folds] == [
        (3, 4, types.FoldingRangeKind.Comment),  # the "# stage:" explanation
        (5, 8, types.FoldingRangeKind.Region),  # deps
        (10, 14, types.FoldingRangeKind.Region),  # build
        (12, 14, types.FoldingRangeKind.Region),  # its three-line RUN
        (16, 17, types.FoldingRangeKind.Region),  # test
        (19, 26, types.FoldingRangeKind.Region),  # runtime
    ]


async def test_selection_grows_from_name_to_file(shared_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(shared_client, tmp_path, "monorepo.Dockerfile")
    result = await shared_client.text_document_selection_range_async(
        types.SelectionRangeParams(text_document=doc, positions=[pos(28, 33), pos(25, 15), pos(4, 0)])
    )

    def chain(sel: types.SelectionRange) -> list[types.Range]:
        out = []
        while sel is not None:
            out.append(sel.range)
            sel = sel.parent
        return out

    assert chain(result[0]) == [
        rng(28, 32, 28, 41),  # PNPM_HOME in "$PNPM_HOME"
        rng(28, 9, 28, 42),  # the quoted word
        rng(27, 0, 28, 42),  # the RUN
        rng(23, 0, 30, 28),  # the runtime stage
        rng(0, 0, 31, 0),  # the file
    ]
    assert chain(result[1]) == [rng(25, 12, 25, 21), rng(25, 5, 25, 21), rng(25, 0, 25, 47), rng(23, 0, 30, 28), rng(0, 0, 31, 0)]
    assert chain(result[2]) == [rng(0, 0, 31, 0)]  # a blank line between stages: the file
