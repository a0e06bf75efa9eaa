"""Formatting over stdio: whole document, a range, and Enter after a continuation."""

from __future__ import annotations

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from slimstage.editor.formatting import FormatOptions, format_text

from .conftest import SERVER, capabilities, open_doc
from .stage_fixtures import pos, rng, shared_client  # noqa: F401  (fixtures)

pytestmark = pytest.mark.asyncio(loop_scope="module")

MESSY = """\
from alpine:3.20 AS base
run   apk add --no-cache curl && rm -rf /tmp/*   
ENV A=1 \\
  B="x \\
  y"
COPY <<EOF /etc/motd  
 body kept exactly   
EOF
onbuild  run make
CMD ["a",   "b"]  
"""

FORMATTED = """\
FROM alpine:3.20 AS base
RUN apk add --no-cache curl && rm -rf /tmp/*
ENV A=1 \\
    B="x \\
  y"
COPY <<EOF /etc/motd
 body kept exactly   
EOF
ONBUILD RUN make
CMD ["a",   "b"]
"""


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        s = offsets[e.range.start.line] + e.range.start.character
        t = offsets[e.range.end.line] + e.range.end.character
        text = text[:s] + e.new_text + text[t:]
    return text


async def test_document_formatting_gives_the_formatted_text(shared_client: LanguageClient, tmp_path) -> None:
    uri = (tmp_path / "Dockerfile").as_uri()
    open_doc(shared_client, uri, MESSY)
    edits = await shared_client.text_document_formatting_async(
        types.DocumentFormattingParams(types.TextDocumentIdentifier(uri), types.FormattingOptions(tab_size=2, insert_spaces=True))
    )
    assert edits
    assert apply_edits(MESSY, edits) == FORMATTED == format_text(MESSY)
    assert all(e.range.start.line not in (6, 7) for e in edits)  # the heredoc body is not touched


async def test_range_formatting_touches_only_the_instructions_in_range(shared_client: LanguageClient, tmp_path) -> None:
    uri = (tmp_path / "Dockerfile").as_uri()
    open_doc(shared_client, uri, MESSY)
    edits = await shared_client.text_document_range_formatting_async(
        types.DocumentRangeFormattingParams(
            types.TextDocumentIdentifier(uri), rng(1, 3, 1, 5), types.FormattingOptions(tab_size=4, insert_spaces=True)
        )
    )
    assert [(e.range, e.new_text) for e in edits] == [(rng(1, 0, 1, 49), "RUN apk add --no-cache curl && rm -rf /tmp/*")]


async def test_enter_after_a_continuation_indents_the_new_line(shared_client: LanguageClient, tmp_path) -> None:
    uri = (tmp_path / "Dockerfile").as_uri()
    open_doc(shared_client, uri, "FROM alpine\nRUN apk add curl \\\n\n")
    edits = await shared_client.text_document_on_type_formatting_async(
        types.DocumentOnTypeFormattingParams(
            types.TextDocumentIdentifier(uri), pos(2, 0), "\n", types.FormattingOptions(tab_size=4, insert_spaces=True)
        )
    )
    assert list(edits) == [types.TextEdit(rng(2, 0, 2, 0), "    ")]
    # not after a line that ends the instruction
    open_doc(shared_client, uri, "FROM alpine\nRUN apk add curl\n\n", version=2)
    edits = await shared_client.text_document_on_type_formatting_async(
        types.DocumentOnTypeFormattingParams(
            types.TextDocumentIdentifier(uri), pos(2, 0), "\n", types.FormattingOptions(tab_size=4, insert_spaces=True)
        )
    )
    assert not edits


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def split_client(lsp_client: LanguageClient):
    settings = {"debounceMs": 0, "format": {"indent": 2, "splitAndChains": True}}
    lsp_client.set_configuration(settings, section="slimstage")
    await lsp_client.initialize_session(types.InitializeParams(capabilities=capabilities(), initialization_options=settings))
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio(loop_scope="function")
async def test_the_format_settings_apply(split_client: LanguageClient, tmp_path) -> None:
    uri = (tmp_path / "Dockerfile").as_uri()
    open_doc(split_client, uri, MESSY)
    edits = await split_client.text_document_formatting_async(
        types.DocumentFormattingParams(types.TextDocumentIdentifier(uri), types.FormattingOptions(tab_size=8, insert_spaces=True))
    )
    out = apply_edits(MESSY, edits)
    assert out == format_text(MESSY, FormatOptions(indent=2, split_and_chains=True))
    assert "RUN apk add --no-cache curl && \\\n  rm -rf /tmp/*\n" in out
