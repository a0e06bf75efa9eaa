"""Semantic tokens over stdio: the legend, full tokens decoded, and a delta after an edit."""

from __future__ import annotations

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from slimstage.editor.semantic_tokens import TOKEN_MODIFIERS, TOKEN_TYPES, decode

from ..conftest import FIXTURES
from .conftest import SERVER, capabilities, open_doc
from .stage_fixtures import shared_client  # noqa: F401  (fixtures)

pytestmark = pytest.mark.asyncio(loop_scope="module")

BUILDX = (FIXTURES / "editor" / "buildx.Dockerfile").read_text()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def fresh_client(lsp_client: LanguageClient):
    lsp_client.init_result = await lsp_client.initialize_session(types.InitializeParams(capabilities=capabilities()))
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio(loop_scope="function")
async def test_legend_is_announced(fresh_client: LanguageClient) -> None:
    provider = fresh_client.init_result.capabilities.semantic_tokens_provider
    assert list(provider.legend.token_types) == list(TOKEN_TYPES)
    assert list(provider.legend.token_modifiers) == list(TOKEN_MODIFIERS)
    assert provider.full.delta is True


async def test_full_then_delta(shared_client: LanguageClient, tmp_path) -> None:
    uri = (tmp_path / "Dockerfile").as_uri()
    open_doc(shared_client, uri, BUILDX)
    doc = types.TextDocumentIdentifier(uri)
    full = await shared_client.text_document_semantic_tokens_full_async(types.SemanticTokensParams(doc))
    toks = decode(full.data)
    lines = BUILDX.split("\n")
    first = [(lines[t.line][t.start : t.start + t.length], t.type, t.modifiers) for t in toks if t.line == 40]
    assert first[:3] == [("RUN", "keyword", ()), ("--mount", "parameter", ()), ("target", "property", ())]
    assert ("<<EOT", "label", ()) in first

    # edit line 34 (ENV CGO_ENABLED=0) and ask for the delta
    shared_client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            [types.TextDocumentContentChangePartial(range=types.Range(types.Position(34, 17), types.Position(34, 17)), text=" X=$GOFLAGS")],
        )
    )
    result = await shared_client.text_document_semantic_tokens_full_delta_async(
        types.SemanticTokensDeltaParams(doc, previous_result_id=full.result_id)
    )
    assert isinstance(result, types.SemanticTokensDelta)
    assert len(result.edits) == 1
    e = result.edits[0]
    data = list(full.data)
    data[e.start : e.start + e.delete_count] = e.data or []
    new = decode(data)
    edited = [t for t in new if t.line == 34]
    line = lines[34] + " X=$GOFLAGS"
    assert [(line[t.start : t.start + t.length], t.type, t.modifiers) for t in edited] == [
        ("ENV", "keyword", ()),
        ("CGO_ENABLED", "variable", ("declaration", "env")),
        ("X", "variable", ("declaration", "env")),
        ("GOFLAGS", "variable", ("env",)),
    ]
    # an unknown previous result: all tokens again
    again = await shared_client.text_document_semantic_tokens_full_delta_async(types.SemanticTokensDeltaParams(doc, previous_result_id="nope"))
    assert isinstance(again, types.SemanticTokens) and list(again.data) == data
