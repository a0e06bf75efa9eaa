"""Definition, references, highlight and rename for stage names and ARG/ENV variables."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from .stage_fixtures import open_fixture, plain_client, pos, rng, shared_client  # noqa: F401  (fixtures)

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def definition(client: LanguageClient, doc: types.TextDocumentIdentifier, line: int, char: int) -> list[types.Range]:
    found = await client.text_document_definition_async(types.DefinitionParams(text_document=doc, position=pos(line, char)))
    return [loc.range for loc in found or []]


async def references(client: LanguageClient, doc, line: int, char: int, declaration: bool = True) -> list[types.Range]:
    found = await client.text_document_references_async(
        types.ReferenceParams(text_document=doc, position=pos(line, char), context=types.ReferenceContext(include_declaration=declaration))
    )
    return [loc.range for loc in found or []]


async def rename(client: LanguageClient, doc, line: int, char: int, new_name: str) -> types.WorkspaceEdit:
    return await client.text_document_rename_async(types.RenameParams(text_document=doc, position=pos(line, char), new_name=new_name))


async def test_definition_of_stage_references(shared_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(shared_client, tmp_path, "node.Dockerfile")
    assert await definition(shared_client, doc, 24, 14) == [rng(10, 13, 10, 18)]  # COPY --from=build
    assert await definition(shared_client, doc, 10, 6) == [rng(5, 29, 5, 33)]  # FROM deps AS build
    assert await definition(shared_client, doc, 5, 30) == [rng(5, 29, 5, 33)]  # on the name itself
    assert await definition(shared_client, doc, 19, 8) == []  # node:22-alpine is an image


async def test_definition_of_mount_from_index_and_variables(shared_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(shared_client, tmp_path, "monorepo.Dockerfile")
    assert await definition(shared_client, doc, 27, 28) == [rng(5, 13, 5, 17)]  # --mount=…,from=deps
    assert await definition(shared_client, doc, 28, 35) == [rng(2, 4, 2, 13)]  # $PNPM_HOME: ENV of base, inherited
    assert await definition(shared_client, doc, 1, 10) == [rng(0, 4, 0, 14)]  # FROM ${NODE_IMAGE}
    doc = open_fixture(shared_client, tmp_path, "image-and-index.Dockerfile", version=2)
    assert await definition(shared_client, doc, 6, 12) == [rng(0, 20, 0, 25)]  # COPY --from=0
    assert await definition(shared_client, doc, 7, 15) == []  # COPY --from=nginx:1.31-alpine


async def test_definition_follows_arg_redeclaration(shared_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(shared_client, tmp_path, "node.Dockerfile")
    assert await definition(shared_client, doc, 21, 40) == [rng(20, 4, 20, 16)]  # ${NODE_VERSION} -> ARG NODE_VERSION in the stage
    assert await definition(shared_client, doc, 20, 6) == [rng(1, 4, 1, 16)]  # the redeclaration -> the global ARG


async def test_references_of_a_stage(shared_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(shared_client, tmp_path, "node.Dockerfile")
    assert await references(shared_client, doc, 23, 13) == [rng(5, 29, 5, 33), rng(10, 5, 10, 9), rng(23, 12, 23, 16)]
    assert await references(shared_client, doc, 23, 13, declaration=False) == [rng(10, 5, 10, 9), rng(23, 12, 23, 16)]
    doc = open_fixture(shared_client, tmp_path, "image-and-index.Dockerfile", version=2)
    assert await references(shared_client, doc, 0, 22) == [rng(0, 20, 0, 25), rng(6, 12, 6, 13)]  # by name and by index


async def test_references_of_a_variable_across_scopes(shared_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(shared_client, tmp_path, "node.Dockerfile")
    assert await references(shared_client, doc, 1, 6) == [rng(1, 4, 1, 16), rng(5, 12, 5, 24), rng(20, 4, 20, 16), rng(21, 38, 21, 50)]


async def test_highlight_marks_definitions_as_writes(shared_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(shared_client, tmp_path, "node.Dockerfile")
    found = await shared_client.text_document_document_highlight_async(types.DocumentHighlightParams(text_document=doc, position=pos(21, 45)))
    W, R = types.DocumentHighlightKind.Write, types.DocumentHighlightKind.Read
    assert [(h.range, h.kind) for h in found] == [
        (rng(1, 4, 1, 16), W),
        (rng(5, 12, 5, 24), R),
        (rng(20, 4, 20, 16), W),
        (rng(21, 38, 21, 50), R),
    ]
    found = await shared_client.text_document_document_highlight_async(types.DocumentHighlightParams(text_document=doc, position=pos(16, 7)))
    assert [(h.range, h.kind) for h in found] == [(rng(10, 13, 10, 18), W), (rng(16, 5, 16, 10), R), (rng(24, 12, 24, 17), R)]
    none = await shared_client.text_document_document_highlight_async(types.DocumentHighlightParams(text_document=doc, position=pos(22, 9)))
    assert none is None


async def test_rename_stage_everywhere_as_one_versioned_edit(shared_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(shared_client, tmp_path, "node.Dockerfile", version=4)
    prepared = await shared_client.text_document_prepare_rename_async(types.PrepareRenameParams(text_document=doc, position=pos(24, 13)))
    assert prepared == types.PrepareRenamePlaceholder(range=rng(24, 12, 24, 17), placeholder="build")
    edit = await rename(shared_client, doc, 24, 13, "compile")
    (change,) = edit.document_changes
    assert change.text_document.version == 4
    assert [(e.range, e.new_text) for e in change.edits] == [
        (rng(10, 13, 10, 18), "compile"),
        (rng(16, 5, 16, 10), "compile"),
        (rng(24, 12, 24, 17), "compile"),
    ]


async def test_rename_stage_in_mounts_but_not_index_references(shared_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(shared_client, tmp_path, "monorepo.Dockerfile")
    edit = await rename(shared_client, doc, 5, 14, "modules")
    assert [e.range for e in edit.document_changes[0].edits] == [rng(5, 13, 5, 17), rng(10, 5, 10, 9), rng(15, 5, 15, 9), rng(27, 27, 27, 31)]
    doc = open_fixture(shared_client, tmp_path, "image-and-index.Dockerfile", version=2)
    edit = await rename(shared_client, doc, 0, 21, "compile")
    assert [e.range for e in edit.document_changes[0].edits] == [rng(0, 20, 0, 25)]  # --from=0 keeps working
    with pytest.raises(JsonRpcException, match="refers to the stage by its index; rename it at `AS build`"):
        await shared_client.text_document_prepare_rename_async(types.PrepareRenameParams(text_document=doc, position=pos(6, 12)))


async def test_rename_refuses_invalid_and_taken_names(shared_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(shared_client, tmp_path, "node.Dockerfile")
    with pytest.raises(JsonRpcException, match="`1st` is not a valid stage name"):
        await rename(shared_client, doc, 24, 13, "1st")
    with pytest.raises(JsonRpcException, match=r"A stage named `deps` already exists \(line 6\)"):
        await rename(shared_client, doc, 24, 13, "DEPS")
    with pytest.raises(JsonRpcException, match="`scratch` is reserved"):
        await rename(shared_client, doc, 24, 13, "scratch")
    with pytest.raises(JsonRpcException, match="`NODE-VERSION` is not a valid variable name"):
        await rename(shared_client, doc, 1, 6, "NODE-VERSION")
    with pytest.raises(JsonRpcException, match=r"A variable named `NODE_ENV` is already used in this scope \(line 22\)"):
        await rename(shared_client, doc, 1, 6, "NODE_ENV")
    with pytest.raises(JsonRpcException, match="Only stage names and ARG/ENV variables can be renamed"):
        await shared_client.text_document_prepare_rename_async(types.PrepareRenameParams(text_document=doc, position=pos(22, 9)))


async def test_rename_variable_with_its_redeclaration(shared_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(shared_client, tmp_path, "node.Dockerfile")
    edit = await rename(shared_client, doc, 21, 40, "NODE_MAJOR")
    assert [(e.range, e.new_text) for e in edit.document_changes[0].edits] == [
        (rng(1, 4, 1, 16), "NODE_MAJOR"),
        (rng(5, 12, 5, 24), "NODE_MAJOR"),
        (rng(20, 4, 20, 16), "NODE_MAJOR"),
        (rng(21, 38, 21, 50), "NODE_MAJOR"),
    ]


async def test_rename_refuses_variables_from_elsewhere(shared_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(shared_client, tmp_path, "node.Dockerfile")
    client = shared_client
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=doc.uri, version=2),
            content_changes=[types.TextDocumentContentChangePartial(range=rng(22, 8, 22, 12), text="$HOME/app")],
        )
    )
    with pytest.raises(JsonRpcException, match="`HOME` is not defined in this file"):
        await rename(client, doc, 22, 10, "X")


@pytest.mark.asyncio(loop_scope="function")
async def test_rename_without_versioned_edits(plain_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(plain_client, tmp_path, "go.Dockerfile")
    edit = await rename(plain_client, doc, 8, 14, "build")
    assert edit.document_changes is None
    assert [(e.range, e.new_text) for e in edit.changes[doc.uri]] == [(rng(0, 27, 0, 34), "build"), (rng(8, 12, 8, 19), "build")]
