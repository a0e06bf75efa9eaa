"""codeAction/resolve: clients with resolveSupport get fixes without edits, and the edit on resolve."""

from __future__ import annotations

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from .conftest import SERVER, capabilities, open_doc
from .test_diagnostics import NODE, published


def resolving_capabilities() -> types.ClientCapabilities:
    caps = capabilities()
    caps.text_document.code_action = types.CodeActionClientCapabilities(
        resolve_support=types.ClientCodeActionResolveOptions(properties=["edit"]), data_support=True
    )
    return caps


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def resolving_client(lsp_client: LanguageClient):
    lsp_client.set_configuration({"debounceMs": 0}, section="slimstage")
    await lsp_client.initialize_session(types.InitializeParams(capabilities=resolving_capabilities(), initialization_options={"debounceMs": 0}))
    yield
    await lsp_client.shutdown_session()


async def actions_for(client: LanguageClient, uri: str, version: int, only=None) -> list[types.CodeAction]:
    diags = await published(client, uri, version)
    d = next(d for d in diags if d.code == "SLIM101")
    return await client.text_document_code_action_async(
        types.CodeActionParams(types.TextDocumentIdentifier(uri), d.range, types.CodeActionContext(diagnostics=[d], only=only))
    )


async def test_fix_edit_comes_from_resolve(resolving_client: LanguageClient, tmp_path) -> None:
    uri = (tmp_path / "Dockerfile").as_uri()
    open_doc(resolving_client, uri, NODE, version=3)
    actions = await actions_for(resolving_client, uri, 3)
    fix = next(a for a in actions if a.kind == types.CodeActionKind.QuickFix and "SLIM101" in a.title)
    assert fix.edit is None and fix.data["slimstage"] == "fix"
    resolved = await resolving_client.code_action_resolve_async(fix)
    change = resolved.edit.document_changes[0]
    assert change.text_document.version == 3
    assert any("package" in e.new_text for e in change.edits)


async def test_fix_all_is_resolved_lazily(resolving_client: LanguageClient, tmp_path) -> None:
    uri = (tmp_path / "Dockerfile").as_uri()
    open_doc(resolving_client, uri, NODE, version=1)
    actions = await actions_for(resolving_client, uri, 1, only=["source.fixAll.slimstage"])
    (fix_all,) = actions
    assert fix_all.edit is None and "SLIM101" in fix_all.title
    resolved = await resolving_client.code_action_resolve_async(fix_all)
    new_text = resolved.edit.document_changes[0].edits[0].new_text
    assert new_text != NODE and new_text.index("npm ci") < new_text.index("COPY . .")


async def test_a_stale_action_resolves_to_no_edit(resolving_client: LanguageClient, tmp_path) -> None:
    uri = (tmp_path / "Dockerfile").as_uri()
    open_doc(resolving_client, uri, NODE, version=1)
    actions = await actions_for(resolving_client, uri, 1)
    fix = next(a for a in actions if a.kind == types.CodeActionKind.QuickFix and "SLIM101" in a.title)
    resolving_client.text_document_did_change(
        types.DidChangeTextDocumentParams(types.VersionedTextDocumentIdentifier(uri=uri, version=2), [types.TextDocumentContentChangeWholeDocument(text=NODE + "\n")])
    )
    resolved = await resolving_client.code_action_resolve_async(fix)
    assert resolved.edit is None


async def test_clients_without_resolve_still_get_edits_at_once(client: LanguageClient, tmp_path) -> None:
    uri = (tmp_path / "Dockerfile").as_uri()
    open_doc(client, uri, NODE, version=1)
    actions = await actions_for(client, uri, 1)
    fix = next(a for a in actions if a.kind == types.CodeActionKind.QuickFix and "SLIM101" in a.title)
    assert fix.edit is not None and fix.data is None
