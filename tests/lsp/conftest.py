"""pytest-lsp fixtures: the real server over stdio, with push- and pull-diagnostic clients."""

from __future__ import annotations

import asyncio
import sys

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

SERVER = [sys.executable, "-m", "slimstage", "serve"]


def capabilities(pull: bool = False) -> types.ClientCapabilities:
    return types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(configuration=True, workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True)),
        text_document=types.TextDocumentClientCapabilities(
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True, related_information=True),
            diagnostic=types.DiagnosticClientCapabilities() if pull else None,
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown, types.MarkupKind.PlainText]),
            document_symbol=types.DocumentSymbolClientCapabilities(hierarchical_document_symbol_support=True),
            document_link=types.DocumentLinkClientCapabilities(tooltip_support=True),
        ),
        window=types.WindowClientCapabilities(work_done_progress=True, show_document=types.ShowDocumentClientCapabilities(support=True)),
    )


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def client(lsp_client: LanguageClient):
    lsp_client.set_configuration({"debounceMs": 0}, section="slimstage")
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=capabilities(), initialization_options={"debounceMs": 0})
    )
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def pull_client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(capabilities=capabilities(pull=True)))
    yield
    await lsp_client.shutdown_session()


async def wait_for_diagnostics(client: LanguageClient, uri: str, timeout: float = 10.0) -> list[types.Diagnostic]:
    """Wait until diagnostics for ``uri`` arrive (the next publish), then return them."""
    async def loop():
        while True:
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
            if uri in client.diagnostics:
                return list(client.diagnostics[uri])

    return await asyncio.wait_for(loop(), timeout)


def open_doc(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id="dockerfile", version=version, text=text)))
