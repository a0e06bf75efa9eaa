"""BuildKit's build checks over stdio: BuildKit's names and documentation links in the
diagnostics, ``# check=error=true``, and their quick fixes."""

from __future__ import annotations

from lsprotocol import types
from pytest_lsp import LanguageClient

from .conftest import open_doc
from .test_diagnostics import published

TEXT = "FROM alpine as Build\nMAINTAINER me@example.org\nCMD [\"true\"]\n"


async def test_buildkit_checks_arrive_with_their_names_and_docker_docs(client: LanguageClient, tmp_path) -> None:
    uri = (tmp_path / "Dockerfile").as_uri()
    open_doc(client, uri, TEXT)
    diags = {d.code: d for d in await published(client, uri, 1)}
    for code, page in (
        ("FromAsCasing", "from-as-casing"),
        ("StageNameCasing", "stage-name-casing"),
        ("MaintainerDeprecated", "maintainer-deprecated"),
    ):
        d = diags[code]
        assert d.source == "slimstage"
        assert d.severity == types.DiagnosticSeverity.Warning
        assert d.code_description is not None
        assert d.code_description.href == f"https://docs.docker.com/go/dockerfile/rule/{page}/"
    assert diags["MaintainerDeprecated"].message == "Maintainer instruction is deprecated in favor of using label"


async def test_check_directives_apply_in_the_editor(client: LanguageClient, tmp_path) -> None:
    uri = (tmp_path / "Dockerfile").as_uri()
    open_doc(client, uri, "# check=skip=StageNameCasing;error=true\n" + TEXT)
    diags = await published(client, uri, 1)
    codes = {d.code for d in diags}
    assert "StageNameCasing" not in codes and "FromAsCasing" in codes
    assert {d.severity for d in diags if d.code in ("FromAsCasing", "MaintainerDeprecated")} == {types.DiagnosticSeverity.Error}


async def test_maintainer_quick_fix_writes_the_label(client: LanguageClient, tmp_path) -> None:
    uri = (tmp_path / "Dockerfile").as_uri()
    open_doc(client, uri, TEXT, version=3)
    d = next(d for d in await published(client, uri, 3) if d.code == "MaintainerDeprecated")
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=d.range,
            context=types.CodeActionContext(diagnostics=[d]),
        )
    )
    fix = next(a for a in actions if a.kind == types.CodeActionKind.QuickFix and "LABEL" in a.title)
    edit = fix.edit.document_changes[0].edits[0]
    assert edit.new_text == 'LABEL org.opencontainers.image.authors="me@example.org"'
