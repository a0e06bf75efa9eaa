"""Code lenses, completion and inlay hints end to end."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from .conftest import open_doc
from .stage_fixtures import fixture_text, hints_client, open_fixture, pos, refresh_client, rng, shared_client  # noqa: F401  (fixtures)

pytestmark = pytest.mark.asyncio(loop_scope="module")

LENSES = {
    "node.Dockerfile": [
        (5, "dependencies · ~1,220 MB · build only"),
        (10, "builder · ~1,220 MB · build only"),
        (16, "test · ~1,220 MB · skipped"),
        (19, "runtime · ~167 MB · ships"),
    ],
    "go.Dockerfile": [(0, "builder · ~253 MB · build only"), (7, "runtime · ~2.1 MB · ships")],
    "java.Dockerfile": [(0, "builder · ~539 MB · build only"), (7, "runtime · ~318 MB · ships")],
    "monorepo.Dockerfile": [
        (1, "base · ~167 MB · ships"),
        (5, "dependencies · ~167 MB · build only"),
        (10, "builder · ~167 MB · build only"),
        (15, "builder · ~167 MB · build only"),
        (20, "test · ~167 MB · skipped"),
        (23, "runtime · ~167 MB · ships"),
    ],
    "image-and-index.Dockerfile": [(0, "builder · ~885 MB · build only"), (5, "runtime · ~8.4 MB · ships")],
}


@pytest.mark.parametrize("name", sorted(LENSES))
async def test_lens_above_each_from(shared_client: LanguageClient, tmp_path, name: str) -> None:
    doc = open_fixture(shared_client, tmp_path, name)
    lenses = await shared_client.text_document_code_lens_async(types.CodeLensParams(text_document=doc))
    assert [(lens.range.start.line, lens.command.title) for lens in lenses] == LENSES[name]
    assert all(lens.command.command == "" for lens in lenses)  # labels, not actions


async def test_single_stage_file_offers_conversion(shared_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(shared_client, tmp_path, "single.Dockerfile", version=3)
    lenses = await shared_client.text_document_code_lens_async(types.CodeLensParams(text_document=doc))
    assert [(lens.range, lens.command.title) for lens in lenses] == [
        (rng(0, 0, 0, 12), "runtime · ~1,220 MB · ships"),
        (rng(0, 0, 0, 12), "Convert to multi-stage build"),
    ]
    convert = lenses[1].command
    assert convert.command == "slimstage.server.convert"
    assert list(convert.arguments) == [{"uri": doc.uri, "version": 3}]


# -- completion ---------------------------------------------------------------------------------

DOC = """\
ARG BASE=alpine:3.24
FROM golang:1.27 AS build
ENV CGO_ENABLED=0
RUN go build -o /app .
FROM build AS test
RUN go test ./... && echo ${C}
FROM ${BASE}
COPY --from=b
RUN --mount=type=bind,from= true
RUN --mount=type=cache,ta
RUN --mount=type=
COPY --c

FROM b
"""


_opened: set[str] = set()


async def complete(client: LanguageClient, tmp_path, line: int, char: int) -> list[types.CompletionItem]:
    uri = (tmp_path / "Dockerfile").as_uri()
    if uri not in _opened:
        _opened.add(uri)
        open_doc(client, uri, DOC)
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri), position=pos(line, char))
    )
    return list(result.items)


async def test_stage_names_after_copy_from(shared_client: LanguageClient, tmp_path) -> None:
    items = await complete(shared_client, tmp_path, 7, 13)  # COPY --from=b|
    assert [(i.label, i.detail, i.kind) for i in items] == [
        ("build", "stage 0 · FROM golang:1.27", types.CompletionItemKind.Module),
        ("test", "stage 1 · FROM build", types.CompletionItemKind.Module),
    ]
    assert items[0].text_edit == types.TextEdit(rng(7, 12, 7, 13), "build")


async def test_stage_names_after_mount_from_and_from(shared_client: LanguageClient, tmp_path) -> None:
    items = await complete(shared_client, tmp_path, 8, 27)  # RUN --mount=type=bind,from=|
    assert [i.label for i in items] == ["build", "test"]
    assert items[0].text_edit.range == rng(8, 27, 8, 27)
    items = await complete(shared_client, tmp_path, 13, 6)  # FROM b| (a new stage: every named stage above)
    assert [i.label for i in items] == ["build", "test"]
    assert items[1].text_edit == types.TextEdit(rng(13, 5, 13, 6), "test")


async def test_mount_options_and_types(shared_client: LanguageClient, tmp_path) -> None:
    items = await complete(shared_client, tmp_path, 9, 25)  # RUN --mount=type=cache,ta|
    labels = [i.label for i in items]
    assert labels == ["target", "source", "from", "id", "sharing", "readonly", "rw", "mode", "uid", "gid", "required", "env", "size"]
    assert items[0].text_edit == types.TextEdit(rng(9, 23, 9, 25), "target=")
    items = await complete(shared_client, tmp_path, 10, 17)  # RUN --mount=type=|
    assert [i.label for i in items] == ["bind", "cache", "tmpfs", "secret", "ssh"]


async def test_flags_of_the_instruction(shared_client: LanguageClient, tmp_path) -> None:
    items = await complete(shared_client, tmp_path, 11, 8)  # COPY --c|
    assert [(i.label, i.text_edit.new_text) for i in items] == [
        ("--from", "--from="),
        ("--chown", "--chown="),
        ("--chmod", "--chmod="),
        ("--link", "--link"),
        ("--parents", "--parents"),
        ("--exclude", "--exclude="),
    ]
    assert items[0].text_edit.range == rng(11, 5, 11, 8)
    assert items[0].documentation.startswith("COPY --from: Copies from an earlier stage")  # no format declared: a string


async def test_keywords_on_an_empty_line(shared_client: LanguageClient, tmp_path) -> None:
    items = await complete(shared_client, tmp_path, 12, 0)
    assert [i.label for i in items] == [
        "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
        "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
    ]  # fmt: skip
    assert items[0].kind == types.CompletionItemKind.Keyword
    assert items[0].text_edit == types.TextEdit(rng(12, 0, 12, 0), "ADD ")


async def test_variables_in_scope(shared_client: LanguageClient, tmp_path) -> None:
    items = await complete(shared_client, tmp_path, 5, 29)  # echo ${C|}: ENV inherited from build
    assert [(i.label, i.detail) for i in items] == [("CGO_ENABLED", "defined on line 3")]
    assert items[0].text_edit == types.TextEdit(rng(5, 28, 5, 29), "CGO_ENABLED")  # the } is already there
    items = await complete(shared_client, tmp_path, 6, 7)  # FROM ${|BASE}: global ARGs and BuildKit's
    labels = [i.label for i in items]
    assert labels[0] == "BASE" and "TARGETARCH" in labels and "CGO_ENABLED" not in labels


async def test_no_completion_inside_a_command(shared_client: LanguageClient, tmp_path) -> None:
    assert await complete(shared_client, tmp_path, 3, 10) == []  # RUN go bui|ld


# -- inlay hints --------------------------------------------------------------------------------


async def test_inlay_hints_are_off_by_default(shared_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(shared_client, tmp_path, "go.Dockerfile")
    hints = await shared_client.text_document_inlay_hint_async(types.InlayHintParams(text_document=doc, range=rng(0, 0, 12, 0)))
    assert list(hints) == []


@pytest.mark.asyncio(loop_scope="function")
async def test_inlay_hints_show_base_sizes_when_enabled(hints_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(hints_client, tmp_path, "go.Dockerfile")
    lines = fixture_text("go.Dockerfile").splitlines()
    hints = await hints_client.text_document_inlay_hint_async(types.InlayHintParams(text_document=doc, range=rng(0, 0, 12, 0)))
    assert [(h.position, h.label, h.padding_left) for h in hints] == [
        (pos(0, len(lines[0])), "~253 MB (estimate)", True),
        (pos(7, len(lines[7])), "~2.1 MB (estimate)", True),
    ]
    hints = await hints_client.text_document_inlay_hint_async(types.InlayHintParams(text_document=doc, range=rng(5, 0, 12, 0)))
    assert [h.position.line for h in hints] == [7]


@pytest.mark.asyncio(loop_scope="function")
async def test_settings_change_refreshes_lenses_and_hints(refresh_client: LanguageClient, tmp_path) -> None:
    import asyncio

    doc = open_fixture(refresh_client, tmp_path, "node.Dockerfile")
    refresh_client.set_configuration({"debounceMs": 0, "target": "test", "inlayHints": True}, section="slimstage")
    refresh_client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
    for _ in range(100):  # the two refresh requests arrive one after the other
        if {"codeLens", "inlayHint"} <= set(refresh_client.refreshed):
            break
        await asyncio.sleep(0.05)
    assert sorted(set(refresh_client.refreshed)) == ["codeLens", "inlayHint"]
    lenses = await refresh_client.text_document_code_lens_async(types.CodeLensParams(text_document=doc))
    assert [lens.command.title for lens in lenses] == [
        "dependencies · ~1,220 MB · ships",
        "builder · ~1,220 MB · ships",
        "test · ~1,220 MB · ships",
        "runtime · ~167 MB · skipped",
    ]
