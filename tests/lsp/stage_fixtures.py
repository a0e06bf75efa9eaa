"""Helpers for the stage-intelligence tests: open a fixture, clients with other capabilities."""

from __future__ import annotations

from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from .conftest import SERVER, open_doc

STAGES = Path(__file__).resolve().parent.parent / "fixtures" / "stages"


def fixture_text(name: str) -> str:
    return (STAGES / name).read_text()


def open_fixture(client: LanguageClient, tmp_path: Path, name: str, version: int = 1) -> types.TextDocumentIdentifier:
    """Open ``tests/fixtures/stages/<name>`` as ``<tmp>/Dockerfile``; the identifier to query it with."""
    uri = (tmp_path / "Dockerfile").as_uri()
    open_doc(client, uri, fixture_text(name), version)
    return types.TextDocumentIdentifier(uri)


def pos(line: int, character: int) -> types.Position:
    return types.Position(line, character)


def rng(line: int, start: int, end_line: int, end: int) -> types.Range:
    return types.Range(types.Position(line, start), types.Position(end_line, end))


def plain_capabilities() -> types.ClientCapabilities:
    """A client that takes plain text only and flat symbol lists, and no versioned edits."""
    return types.ClientCapabilities(
        text_document=types.TextDocumentClientCapabilities(
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.PlainText]),
            document_symbol=types.DocumentSymbolClientCapabilities(hierarchical_document_symbol_support=False),
        ),
    )


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def plain_client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(capabilities=plain_capabilities()))
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def hints_client(lsp_client: LanguageClient):
    """A client whose settings turn inlay hints on (initializationOptions and workspace configuration)."""
    from .conftest import capabilities

    lsp_client.set_configuration({"debounceMs": 0, "inlayHints": True}, section="slimstage")
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=capabilities(), initialization_options={"inlayHints": True})
    )
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER), scope="module")
async def shared_client(lsp_client: LanguageClient):
    """One server for a whole test module (each test opens its own document); settings stay default."""
    from .conftest import capabilities

    lsp_client.set_configuration({"debounceMs": 0}, section="slimstage")
    await lsp_client.initialize_session(types.InitializeParams(capabilities=capabilities(), initialization_options={"debounceMs": 0}))
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def refresh_client(lsp_client: LanguageClient):
    """A client that can be told to refresh code lenses and inlay hints; it records the requests."""
    from .conftest import capabilities

    caps = capabilities()
    caps.workspace.code_lens = types.CodeLensWorkspaceClientCapabilities(refresh_support=True)
    caps.workspace.inlay_hint = types.InlayHintWorkspaceClientCapabilities(refresh_support=True)
    lsp_client.refreshed = []  # type: ignore[attr-defined]

    @lsp_client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def code_lens_refresh(params: None) -> None:
        lsp_client.refreshed.append("codeLens")  # type: ignore[attr-defined]

    @lsp_client.feature(types.WORKSPACE_INLAY_HINT_REFRESH)
    def inlay_hint_refresh(params: None) -> None:
        lsp_client.refreshed.append("inlayHint")  # type: ignore[attr-defined]

    lsp_client.set_configuration({"debounceMs": 0}, section="slimstage")
    await lsp_client.initialize_session(types.InitializeParams(capabilities=caps))
    yield
    await lsp_client.shutdown_session()
