"""Hover end to end: stage summaries, stage references, variables, reference text, rule docs."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from .stage_fixtures import open_fixture, plain_client, pos, rng, shared_client  # noqa: F401  (fixtures)

pytestmark = pytest.mark.asyncio(loop_scope="module")

RUNTIME = """\
**Stage `runtime`** (line 20, 4 of 4) · **runtime**

- **Role**: runtime: is the last stage, which `docker build` produces
- **Base**: `node:22-alpine` · ~167 MB, estimate for `node:22-alpine`
- **Slimmer for node**: `gcr.io/distroless/nodejs20-debian12` ~55 MB compressed
- **Takes**: `/app/node_modules` from `deps` (line 24); `/app/dist` from `build` (line 25)
- **Ships**: yes: it is the image `docker build` produces
- **Final image**: ~167 MB, estimate for `node:22-alpine` (its base image; copied files not counted)"""

FROM_REFERENCE = """\
**FROM**: Starts a new build stage on top of an image, or on top of an earlier stage when it names one. \
`AS name` lets later stages refer to this one.

```dockerfile
FROM [--platform=<platform>] <image>[:<tag>|@<digest>] [AS <name>]
```"""

DEPS = """\
**Stage `deps`** (line 6, 1 of 4) · **dependencies**

Installs the production dependencies once, so the runtime stage can copy node_modules.

- **Role**: dependencies: installs dependencies (`npm ci`); `runtime` copies from it
- **Base**: `node:${NODE_VERSION}` (`node:22` with the default build arguments) · ~1,220 MB, estimate for `node:22-trixie`
- **Slimmer for node**: `node:22-alpine` ~167 MB, `node:22-trixie-slim` ~231 MB
- **Gives**: `build` builds on it; `runtime` copies `/app/node_modules` (line 24)
- **Ships**: no: built because `runtime` needs it, then left out of the final image
- **Final image**: ~167 MB, estimate for `node:22-alpine` (its base image; copied files not counted)"""


async def hover(client: LanguageClient, doc: types.TextDocumentIdentifier, line: int, char: int) -> types.Hover:
    result = await client.text_document_hover_async(types.HoverParams(text_document=doc, position=pos(line, char)))
    assert result is not None
    return result


async def test_from_keyword_shows_the_stage_summary_and_the_reference(shared_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(shared_client, tmp_path, "node.Dockerfile")
    h = await hover(shared_client, doc, 19, 2)
    assert h.contents.kind == types.MarkupKind.Markdown
    assert h.contents.value == RUNTIME + "\n\n---\n\n" + FROM_REFERENCE
    assert h.range == rng(19, 0, 19, 4)


async def test_stage_name_shows_the_explanation_comment(shared_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(shared_client, tmp_path, "node.Dockerfile")
    h = await hover(shared_client, doc, 5, 30)  # FROM node:${NODE_VERSION} AS d|eps
    assert h.contents.value == DEPS
    assert h.range == rng(5, 29, 5, 33)


async def test_base_image_word_shows_its_own_stage(shared_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(shared_client, tmp_path, "node.Dockerfile")
    h = await hover(shared_client, doc, 19, 8)  # FROM node:22-|alpine
    assert h.contents.value == RUNTIME
    assert h.range == rng(19, 0, 19, 30)


async def test_copy_from_stage_shows_that_stage(shared_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(shared_client, tmp_path, "node.Dockerfile")
    h = await hover(shared_client, doc, 23, 13)  # COPY --from=d|eps
    assert h.contents.value == DEPS
    assert h.range == rng(23, 12, 23, 16)


async def test_from_stage_shows_that_stage(shared_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(shared_client, tmp_path, "node.Dockerfile")
    h = await hover(shared_client, doc, 10, 6)  # FROM d|eps AS build
    assert h.contents.value == DEPS
    assert h.range == rng(10, 5, 10, 9)


async def test_mount_from_stage_and_copy_from_index(shared_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(shared_client, tmp_path, "monorepo.Dockerfile")
    h = await hover(shared_client, doc, 27, 30)  # RUN --mount=type=bind,from=d|eps
    assert h.contents.value.startswith("**Stage `deps`** (line 6, 2 of 6) · **dependencies**\n")
    assert "- **Gives**: `build-web` builds on it; `build-api` builds on it; `runtime` mounts `/repo/package.json` (line 28)" in h.contents.value
    assert h.range == rng(27, 27, 27, 31)
    doc = open_fixture(shared_client, tmp_path, "image-and-index.Dockerfile", version=2)
    h = await hover(shared_client, doc, 6, 12)  # COPY --from=|0
    assert h.contents.value.startswith("**Stage `build`** (line 1, 1 of 2) · **builder**\n")
    assert h.range == rng(6, 12, 6, 13)


async def test_image_copies_are_listed_as_taken_from_images(shared_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(shared_client, tmp_path, "image-and-index.Dockerfile")
    h = await hover(shared_client, doc, 5, 0)
    assert (
        "- **Takes**: `/bin/app` from `build` (line 7); `/etc/nginx/nginx.conf` from image `nginx:1.31-alpine` (line 8); "
        "`/bin/busybox` from image `busybox:latest` (line 9)"
    ) in h.contents.value
    assert h.contents.value.startswith("**Stage 1** (line 6, 2 of 2) · **runtime**\n")


@pytest.mark.asyncio(loop_scope="function")
async def test_configured_target_changes_what_ships(client: LanguageClient, tmp_path) -> None:
    client.set_configuration({"debounceMs": 0, "target": "test"}, section="slimstage")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
    doc = open_fixture(client, tmp_path, "node.Dockerfile")
    for _ in range(50):  # the server pulls the new configuration asynchronously
        h = await hover(client, doc, 16, 0)
        if "configured target" in h.contents.value:
            break
    assert "- **Role**: test: runs `npm test`; is the build target" in h.contents.value
    assert "- **Ships**: yes: it is the configured target `test`" in h.contents.value
    h = await hover(client, doc, 10, 0)
    assert "- **Ships**: yes: `test` is built on it, so its layers are in the configured target `test`" in h.contents.value
    h = await hover(client, doc, 19, 0)
    assert "- **Ships**: no: `docker build` skips it (`test` does not need it)" in h.contents.value


async def test_keyword_and_flag_reference(shared_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(shared_client, tmp_path, "node.Dockerfile")
    h = await hover(shared_client, doc, 22, 1)  # WORKDIR
    assert h.contents.value == (
        "**WORKDIR**: Sets (and creates) the working directory for the following instructions of this stage."
        "\n\n```dockerfile\nWORKDIR /path\n```"
    )
    assert h.range == rng(22, 0, 22, 7)
    h = await hover(shared_client, doc, 8, 14)  # RUN --mount=ty|pe=cache
    assert h.contents.value.startswith(
        "**--mount type**: What to mount: bind (default), cache, tmpfs, secret or ssh.\n\n"
        "**RUN --mount**: Mounts something for this command only"
    )
    assert h.range == rng(8, 4, 8, 40)
    h = await hover(shared_client, doc, 23, 7)  # COPY --fr|om
    assert h.contents.value.startswith("**COPY --from**: Copies from an earlier stage (by name or index) or from an image")


async def test_variable_use_and_redeclaration(shared_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(shared_client, tmp_path, "node.Dockerfile")
    h = await hover(shared_client, doc, 5, 14)  # FROM node:${NO|DE_VERSION}
    assert h.contents.value == "`NODE_VERSION` uses the global build argument set on line 2: `ARG NODE_VERSION=22`"
    assert h.range == rng(5, 12, 5, 24)
    h = await hover(shared_client, doc, 20, 6)  # ARG NO|DE_VERSION in the runtime stage
    assert h.contents.value == "`NODE_VERSION` redeclares the global build argument set on line 2: `ARG NODE_VERSION=22`"
    h = await hover(shared_client, doc, 1, 6)
    assert h.contents.value == (
        "`NODE_VERSION`: global build argument (FROM lines, and stages that declare it again), set by `ARG NODE_VERSION=22`"
    )


async def test_directive(shared_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(shared_client, tmp_path, "node.Dockerfile")
    h = await hover(shared_client, doc, 0, 4)
    assert h.contents.value.startswith("**# syntax=**: Which Dockerfile frontend (parser) BuildKit uses")
    assert h.range == rng(0, 0, 0, 28)


async def test_finding_shows_the_rule_docs(shared_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(shared_client, tmp_path, "node.Dockerfile")
    h = await hover(shared_client, doc, 11, 5)  # COPY |. . in the build stage, before npm ci
    value = h.contents.value
    assert value.startswith("**SLIM101** `source-copied-before-install`: ")
    assert "\n\n**Fix**: " in value
    assert h.range == rng(11, 0, 11, 8)


async def test_nothing_to_say_is_null(shared_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(shared_client, tmp_path, "node.Dockerfile")
    result = await shared_client.text_document_hover_async(types.HoverParams(text_document=doc, position=pos(2, 0)))
    assert result is None


@pytest.mark.asyncio(loop_scope="function")
async def test_plain_text_client(plain_client: LanguageClient, tmp_path) -> None:
    doc = open_fixture(plain_client, tmp_path, "node.Dockerfile")
    h = await hover(plain_client, doc, 23, 13)
    assert h.contents.kind == types.MarkupKind.PlainText
    assert h.contents.value == (
        "Stage deps (line 6, 1 of 4) · dependencies\n"
        "  Installs the production dependencies once, so the runtime stage can copy node_modules.\n"
        "  Role: dependencies: installs dependencies (npm ci); runtime copies from it\n"
        "  Base: node:${NODE_VERSION} (node:22 with the default build arguments) · ~1,220 MB, estimate for node:22-trixie\n"
        "  Slimmer for node: node:22-alpine ~167 MB, node:22-trixie-slim ~231 MB\n"
        "  Gives: build builds on it; runtime copies /app/node_modules (line 24)\n"
        "  Ships: no: built because runtime needs it, then left out of the final image\n"
        "  Final image: ~167 MB, estimate for node:22-alpine (its base image; copied files not counted)"
    )
    h = await hover(plain_client, doc, 11, 5)
    assert "**" not in h.contents.value and "`" not in h.contents.value
    assert h.contents.value.startswith("SLIM101 source-copied-before-install: ")
