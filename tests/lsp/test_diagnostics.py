"""Diagnostics end to end over stdio: open, edit, close, pull, settings."""

from __future__ import annotations

import asyncio

from lsprotocol import types
from pytest_lsp import LanguageClient

from .conftest import open_doc, wait_for_diagnostics

NODE = "FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"index.js\"]\n"
FIXED = "FROM node:22\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nCMD [\"node\", \"index.js\"]\n"


async def published(client: LanguageClient, uri: str, version: int, timeout: float = 10.0) -> list[types.Diagnostic]:
    """Wait for the publish for ``version`` of ``uri``."""
    versions: dict[str, int] = {}

    async def loop():
        while True:
            params = await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
            if params.uri == uri and params.version == version:
                return list(params.diagnostics)

    return await asyncio.wait_for(loop(), timeout)


async def test_open_reports_layer_order_at_the_copy_line(client: LanguageClient, tmp_path) -> None:
    uri = (tmp_path / "Dockerfile").as_uri()
    open_doc(client, uri, NODE)
    diags = await published(client, uri, 1)
    slim101 = [d for d in diags if d.code == "SLIM101"]
    assert len(slim101) == 1
    d = slim101[0]
    assert d.source == "slimstage"
    assert d.range == types.Range(types.Position(2, 0), types.Position(2, 8))
    assert d.code_description is not None and d.code_description.href.endswith("SLIM101.md")
    assert d.related_information and d.related_information[0].location.range.start.line == 3
    assert "npm ci" in d.message


async def test_edit_that_fixes_it_clears_the_finding(client: LanguageClient, tmp_path) -> None:
    uri = (tmp_path / "Dockerfile").as_uri()
    open_doc(client, uri, NODE)
    await published(client, uri, 1)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=FIXED)],
        )
    )
    diags = await published(client, uri, 2)
    assert not [d for d in diags if d.code == "SLIM101"]


async def test_incremental_edit(client: LanguageClient, tmp_path) -> None:
    uri = (tmp_path / "Dockerfile").as_uri()
    open_doc(client, uri, FIXED)
    assert not [d for d in await published(client, uri, 1) if d.code == "SLIM101"]
    # Move "COPY . ." above the install by typing: replace line 3 (COPY package*.json ./) with COPY . .
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(2, 5), types.Position(2, 21)), text=". ."
                )
            ],
        )
    )
    diags = await published(client, uri, 2)
    assert [d.range.start.line for d in diags if d.code == "SLIM101"] == [2]


async def test_close_clears(client: LanguageClient, tmp_path) -> None:
    uri = (tmp_path / "Dockerfile").as_uri()
    open_doc(client, uri, NODE)
    await published(client, uri, 1)
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
    diags = await wait_for_diagnostics(client, uri)
    assert diags == []


async def test_settings_change_rechecks(client: LanguageClient, tmp_path) -> None:
    uri = (tmp_path / "Dockerfile").as_uri()
    open_doc(client, uri, NODE)
    assert any(d.code == "SLIM101" for d in await published(client, uri, 1))
    client.set_configuration({"debounceMs": 0, "rules": {"ignore": ["SLIM101"]}}, section="slimstage")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
    diags = await published(client, uri, 1)
    assert not any(d.code == "SLIM101" for d in diags)


async def test_invalid_setting_is_reported_once_and_defaults_stand_in(client: LanguageClient, tmp_path) -> None:
    client.set_configuration({"debounceMs": 0, "maxStages": "many"}, section="slimstage")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
    uri = (tmp_path / "Dockerfile").as_uri()
    open_doc(client, uri, NODE)
    await published(client, uri, 1)
    warnings = [m for m in client.messages if "max_stages" in m.message]
    assert len(warnings) == 1


async def test_pull_diagnostics(pull_client: LanguageClient, tmp_path) -> None:
    uri = (tmp_path / "Dockerfile").as_uri()
    open_doc(pull_client, uri, NODE)
    report = await pull_client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri))
    )
    assert [d.code for d in report.items if d.code == "SLIM101"] == ["SLIM101"]
    again = await pull_client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri), previous_result_id=report.result_id)
    )
    assert again.kind == "unchanged"
    assert uri not in pull_client.diagnostics  # pull clients are not pushed to as well


async def test_quick_fix_is_versioned_and_applies(client: LanguageClient, tmp_path) -> None:
    uri = (tmp_path / "Dockerfile").as_uri()
    open_doc(client, uri, NODE, version=7)
    diags = await published(client, uri, 7)
    d = next(d for d in diags if d.code == "SLIM101")
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=d.range,
            context=types.CodeActionContext(diagnostics=[d]),
        )
    )
    fix = next(a for a in actions if a.kind == types.CodeActionKind.QuickFix)
    change = fix.edit.document_changes[0]
    assert change.text_document.version == 7
    from slimstage.dockerfile.model import Pos, Range
    from slimstage.fixes import apply_edits
    from slimstage.rules.base import Edit

    edits = [Edit(Range(Pos(e.range.start.line, e.range.start.character), Pos(e.range.end.line, e.range.end.character)), e.new_text) for e in change.edits]
    new = apply_edits(NODE, edits)
    assert new.index("RUN npm ci") < new.index("COPY . .")
    assert "COPY package-lock.json" in new or "package-lock.json" in new


async def test_config_file_settings_apply_and_editor_settings_win(client: LanguageClient, tmp_path) -> None:
    (tmp_path / ".slimstage.toml").write_text('[rules]\nignore = ["SLIM101"]\nmax_stages = "x"\n')
    uri = (tmp_path / "Dockerfile").as_uri()
    open_doc(client, uri, NODE)
    diags = await published(client, uri, 1)
    assert not any(d.code == "SLIM101" for d in diags)
    # max_stages sits under [rules] by mistake: reported once as an unknown setting.
    assert [m.message for m in client.messages if "rules.max_stages" in m.message]
