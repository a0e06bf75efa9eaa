"""Document links and signature help over stdio."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from ..conftest import FIXTURES
from .conftest import open_doc
from .stage_fixtures import pos, rng, shared_client  # noqa: F401  (fixtures)

pytestmark = pytest.mark.asyncio(loop_scope="module")

DOC = """\
# syntax=docker/dockerfile:1
FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build
COPY app.csproj missing.txt ./
COPY ../outside.txt /x
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out /out
FROM quay.io/prometheus/node-exporter:v1.8.0
FROM ghcr.io/astral-sh/uv:0.4 AS uv
FROM node:22-alpine
RUN --mount=type=cache,target=/root/.npm,
"""


async def test_links(shared_client: LanguageClient, tmp_path) -> None:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "app.csproj").write_text("<Project/>")
    (tmp_path / "outside.txt").write_text("x")
    uri = (ctx / "Dockerfile").as_uri()
    open_doc(shared_client, uri, DOC)
    links = await shared_client.text_document_document_link_async(types.DocumentLinkParams(types.TextDocumentIdentifier(uri)))
    got = [(l.range.start.line, l.target) for l in links]
    assert got == [
        (0, "https://docs.docker.com/reference/dockerfile/"),
        (1, "https://mcr.microsoft.com/artifact/mar/dotnet/sdk"),
        (2, (ctx / "app.csproj").resolve().as_uri()),  # missing.txt and ../outside.txt get none
        (4, "https://gcr.io/distroless/static-debian12"),
        (6, "https://quay.io/repository/prometheus/node-exporter"),
        (7, "https://ghcr.io/astral-sh/uv"),
        (8, "https://hub.docker.com/_/node"),
    ]
    assert links[2].range == rng(2, 5, 2, 15)


async def test_links_on_a_real_file_resolve_default_build_arguments(shared_client: LanguageClient, tmp_path) -> None:
    uri = (tmp_path / "Dockerfile").as_uri()
    open_doc(shared_client, uri, (FIXTURES / "editor" / "buildx.Dockerfile").read_text())
    links = await shared_client.text_document_document_link_async(types.DocumentLinkParams(types.TextDocumentIdentifier(uri)))
    golang = next(l for l in links if l.range.start.line == 18)
    assert golang.target == "https://hub.docker.com/_/golang"
    assert "golang:1.26-alpine3.23" in golang.tooltip


async def signature(client: LanguageClient, uri: str, line: int, char: int) -> types.SignatureHelp:
    return await client.text_document_signature_help_async(
        types.SignatureHelpParams(types.TextDocumentIdentifier(uri), pos(line, char))
    )


def active(help: types.SignatureHelp) -> str:
    sig = help.signatures[help.active_signature]
    start, end = sig.parameters[sig.active_parameter].label
    return sig.label[start:end]


async def test_signature_help_for_mounts_and_instructions(shared_client: LanguageClient, tmp_path) -> None:
    uri = (tmp_path / "Dockerfile").as_uri()
    open_doc(shared_client, uri, DOC)
    mount = await signature(shared_client, uri, 9, len("RUN --mount=type=cache,target=/root/.npm,"))
    assert mount.signatures[0].label.startswith("--mount=type=cache,target=<path>,id=<id>,sharing=shared|private|locked")
    assert active(mount) == "id=<id>"  # the next key a cache mount takes
    typing = await signature(shared_client, uri, 9, len("RUN --mount=type=cache,tar"))
    assert typing is None or active(typing) != "target=<path>"  # a key is active only once it has its `=`
    typing = await signature(shared_client, uri, 9, len("RUN --mount=type=cache,target="))
    assert active(typing) == "target=<path>"
    frm = await signature(shared_client, uri, 1, len("FROM mcr.microsoft.com/dotnet/sdk:8.0 "))
    assert frm.signatures[0].label == "FROM [--platform=<platform>] <image>[:<tag>|@<digest>] [AS <name>]"
    assert active(frm) == "[AS <name>]"
    copy = await signature(shared_client, uri, 5, len("COPY --fr"))
    assert active(copy) == "[--from=<stage|image>]"
    assert await signature(shared_client, uri, 0, 3) is None  # a directive line: nothing
