""""Convert to multi-stage build" end to end: code action, executeCommand, progress, applyEdit.

The real server over stdio (pytest-lsp); Claude is the real anthropic SDK inside the server,
pointed at the fake Messages API on 127.0.0.1 through the ``claude.baseUrl`` setting.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from typing import Iterator, Union

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from slimstage.dockerfile import parse
from slimstage.fixes import apply_edits
from slimstage.dockerfile.model import Pos, Range
from slimstage.rewrite.claude import TOOL_NAME
from slimstage.rules.base import Edit
from tests.fakes.fake_anthropic import TEST_API_KEY, ErrorReply, FakeAnthropic, MaxTokensReply, SlowReply, ToolUseReply

from .conftest import capabilities, open_doc

SERVER = [sys.executable, "-m", "slimstage", "serve"]
COMMAND = "slimstage.server.convert"
SECRET = "npm_Zx81QpLmT42nVbC7sKdE9wRtYu3oA56hJg"

ORIGINAL = f"""FROM node:22
ARG NPM_TOKEN={SECRET}
WORKDIR /app
COPY . .
RUN npm ci
RUN npm run build
ENV NODE_ENV=production
EXPOSE 3000
CMD ["node", "dist/server.js"]
"""

# What Claude answers: the secret comes back as the placeholder the server sent.
VALID = """# syntax=docker/dockerfile:1
FROM node:22 AS deps
ARG NPM_TOKEN=SLIMSTAGE_SECRET_1
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev

FROM node:22 AS builder
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci
COPY . .
RUN npm run build

FROM node:22-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY --from=builder /app/dist ./dist
EXPOSE 3000
USER node
HEALTHCHECK CMD ["node", "-e", "require('net').connect(3000, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))"]
CMD ["node", "dist/server.js"]
"""
STAGES = [
    {"name": "deps", "explanation": "Production dependencies from the manifests only."},
    {"name": "builder", "explanation": "Compiles TypeScript with the dev dependencies."},
    {"name": "runtime", "explanation": "Slim Node.js with node_modules and dist."},
]
# Not acceptable: an unnamed stage, and the final stage runs a different command.
INVALID = VALID.replace("FROM node:22 AS builder", "FROM node:22").replace("--from=builder", "--from=1").replace(
    'CMD ["node", "dist/server.js"]', 'CMD ["node", "server.js"]'
)


def valid_reply(dockerfile: str = VALID) -> ToolUseReply:
    return ToolUseReply(TOOL_NAME, {"dockerfile": dockerfile, "stages": STAGES, "size_reduction": "About 75% smaller.", "warnings": WARNINGS})


WARNINGS = ["The runtime is node:22-slim, not distroless: npm scripts in the start path need a shell."]


def _env(with_key: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    if with_key:
        env["ANTHROPIC_API_KEY"] = TEST_API_KEY
    return env


def _read_code_actions_right(client: LanguageClient) -> None:
    """lsprotocol reads any object with a "command" key as a Command, so a CodeAction that
    carries a command comes back as a broken Command; tell them apart by the key's type."""
    converter = client.protocol._converter

    def hook(obj, _):
        if isinstance(obj.get("command"), str):
            return converter.structure(obj, types.Command)
        return converter.structure(obj, types.CodeAction)

    converter.register_structure_hook(Union[types.Command, types.CodeAction], hook)


def _record_edits(client: LanguageClient, accept: bool = True) -> list[types.ApplyWorkspaceEditParams]:
    edits: list[types.ApplyWorkspaceEditParams] = []

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        edits.append(params)
        return types.ApplyWorkspaceEditResult(applied=accept)

    client.applied_edits = edits  # type: ignore[attr-defined]
    return edits


# One server per engine for the whole module (starting one, and importing the SDK in it,
# takes seconds); ``fresh`` clears what the client recorded before each test.
pytestmark = pytest.mark.asyncio(loop_scope="module")
BASE_SETTINGS = {"debounceMs": 0, "claude": {"timeout": 10, "maxRetries": 1, "validationRetries": 1}}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as server:
        yield server


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER, server_env=_env(with_key=False)))
async def offline_server(lsp_client: LanguageClient):
    _record_edits(lsp_client)
    _read_code_actions_right(lsp_client)
    await lsp_client.initialize_session(types.InitializeParams(capabilities=capabilities(), initialization_options={"debounceMs": 0}))
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER, server_env=_env(with_key=True)))
async def claude_server(lsp_client: LanguageClient, fake: FakeAnthropic):
    _record_edits(lsp_client)
    _read_code_actions_right(lsp_client)
    settings = _settings(fake)
    lsp_client.set_configuration(settings, section="slimstage")
    caps = capabilities()
    caps.workspace.workspace_edit.resource_operations = [types.ResourceOperationKind.Create]  # can create the .dockerignore
    await lsp_client.initialize_session(types.InitializeParams(capabilities=caps, initialization_options=settings))
    yield
    await lsp_client.shutdown_session()


def _settings(fake: FakeAnthropic, **extra) -> dict:
    claude = {**BASE_SETTINGS["claude"], "baseUrl": fake.url, **extra.pop("claude", {})}
    return {**BASE_SETTINGS, **extra, "claude": claude}


def _forget(client: LanguageClient) -> None:
    client.messages.clear()
    client.log_messages.clear()
    client.progress_reports.clear()
    edits_of(client).clear()


class FakeView:
    """The module's fake Messages API, seen from one test: its script, and only its requests."""

    def __init__(self, fake: FakeAnthropic) -> None:
        self.fake = fake
        self.url = fake.url
        self._seen = len(fake.requests)

    def script(self, *replies) -> None:
        self.fake.script(*replies)

    @property
    def requests(self):
        return self.fake.requests[self._seen :]

    @property
    def message_requests(self):
        return [r for r in self.requests if r.method == "POST" and r.path == "/v1/messages"]


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER, server_env=_env(with_key=False)))
async def prompting_server(lsp_client: LanguageClient):
    """A client that can answer window/showMessageRequest, and always picks "Convert again"."""
    _record_edits(lsp_client)
    asked: list[types.ShowMessageRequestParams] = []

    @lsp_client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
    def show_message_request(params: types.ShowMessageRequestParams):
        asked.append(params)
        return params.actions[0] if params.actions else None

    lsp_client.asked = asked  # type: ignore[attr-defined]
    caps = capabilities()
    caps.window.show_message = types.ShowMessageRequestClientCapabilities()
    await lsp_client.initialize_session(types.InitializeParams(capabilities=caps, initialization_options={"debounceMs": 0}))
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
async def offline(offline_server: LanguageClient) -> LanguageClient:
    _forget(offline_server)
    return offline_server


@pytest.fixture
async def claude(claude_server: LanguageClient) -> LanguageClient:
    _forget(claude_server)
    return claude_server


@pytest.fixture
def fake_claude(fake: FakeAnthropic) -> FakeView:
    return FakeView(fake)


def edits_of(client: LanguageClient) -> list[types.ApplyWorkspaceEditParams]:
    return client.applied_edits  # type: ignore[attr-defined]


async def listed(client: LanguageClient, uri: str, only=None, diagnostics=()) -> list[types.CodeAction]:
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=types.Range(types.Position(4, 0), types.Position(4, 0)),
            context=types.CodeActionContext(diagnostics=list(diagnostics), only=only),
        )
    )
    return list(actions or [])


async def run_convert(client: LanguageClient, uri: str, version: int, token=None, timeout: float = 30.0):
    params = types.ExecuteCommandParams(command=COMMAND, arguments=[{"uri": uri, "version": version}], work_done_token=token)
    return await asyncio.wait_for(client.workspace_execute_command_async(params), timeout)


def applied_text(original: str, params: types.ApplyWorkspaceEditParams, version: int) -> str:
    changes = params.edit.document_changes
    assert changes is not None and len(changes) == 1, "one TextDocumentEdit"
    change = changes[0]
    assert isinstance(change, types.TextDocumentEdit)
    assert change.text_document.version == version
    edits = [
        Edit(Range(Pos(e.range.start.line, e.range.start.character), Pos(e.range.end.line, e.range.end.character)), e.new_text)
        for e in change.edits
    ]
    return apply_edits(original, edits)


def progress_messages(client: LanguageClient) -> list[str]:
    out = []
    for reports in client.progress_reports.values():
        for r in reports:
            title = getattr(r, "title", None)
            out.append(f"{r.kind}:{title or ''}:{r.message or ''}")
    return out


def project(tmp_path) -> str:
    (tmp_path / "package.json").write_text(json.dumps({"name": "api", "scripts": {"build": "tsc"}}), encoding="utf-8")
    (tmp_path / "package-lock.json").write_text("{}", encoding="utf-8")
    return (tmp_path / "Dockerfile").as_uri()


# -- listing -------------------------------------------------------------------------------


async def test_single_stage_file_offers_convert_as_a_refactor_anywhere(offline: LanguageClient, tmp_path) -> None:
    uri = project(tmp_path)
    open_doc(offline, uri, ORIGINAL, version=3)
    # (with a container engine on PATH "Convert to multi-stage and verify" follows: tests/verify/test_lsp_verify.py)
    actions = [a for a in await listed(offline, uri, only=[types.CodeActionKind.Refactor]) if a.command and not a.title.endswith(" and verify")]
    assert [a.title for a in actions] == ["Convert to multi-stage build"]
    action = actions[0]
    assert action.kind == types.CodeActionKind.RefactorRewrite
    assert action.edit is None
    assert action.command.command == COMMAND
    assert list(action.command.arguments) == [{"uri": uri, "version": 3}]


async def test_multi_stage_file_offers_optimize(offline: LanguageClient, tmp_path) -> None:
    uri = project(tmp_path)
    open_doc(offline, uri, VALID.replace("SLIMSTAGE_SECRET_1", "x"))
    titles = [a.title for a in await listed(offline, uri) if a.command]
    assert "Optimize multi-stage build" in titles


async def test_action_is_attached_to_the_single_stage_finding(offline: LanguageClient, tmp_path) -> None:
    uri = project(tmp_path)
    open_doc(offline, uri, ORIGINAL)
    finding = types.Diagnostic(
        range=types.Range(types.Position(0, 0), types.Position(0, 12)), message="single stage", code="SLIM301", source="slimstage"
    )
    actions = await listed(offline, uri, only=[types.CodeActionKind.QuickFix], diagnostics=[finding])
    convert = [a for a in actions if a.command and a.command.command == COMMAND]
    assert len(convert) == 1 and convert[0].diagnostics and convert[0].diagnostics[0].code == "SLIM301"


async def test_listing_never_calls_claude(claude: LanguageClient, fake_claude: FakeView, tmp_path) -> None:
    uri = project(tmp_path)
    open_doc(claude, uri, ORIGINAL)
    assert await listed(claude, uri)
    await asyncio.sleep(0.2)
    assert fake_claude.requests == []


# -- offline planner -----------------------------------------------------------------------


async def test_offline_conversion_applies_a_versioned_edit_and_explains(offline: LanguageClient, tmp_path) -> None:
    uri = project(tmp_path)
    open_doc(offline, uri, ORIGINAL, version=5)
    result = await run_convert(offline, uri, 5)
    assert result["status"] == "converted" and result["engine"] == "offline"
    (params,) = edits_of(offline)
    new = applied_text(ORIGINAL, params, 5)
    doc = parse(new)
    assert [s.name for s in doc.stages] == ["deps", "builder", "runtime"]
    assert doc.comment_above(doc.stages[0].from_instruction.start_line) is not None  # the stage explains itself
    assert SECRET in new  # the ARG and its value are carried over untouched
    messages = [m.message for m in offline.messages]
    assert any("Converted to a multi-stage build" in m and "offline planner" in m for m in messages), messages
    assert any("No API key" in m for m in messages)
    progress = progress_messages(offline)
    assert progress[0].startswith("begin:slimstage: Convert to multi-stage build")
    assert any("Validating" in p for p in progress) and progress[-1].startswith("end:")


async def test_offline_declines_what_it_cannot_convert(offline: LanguageClient, tmp_path) -> None:
    uri = (tmp_path / "Dockerfile").as_uri()
    open_doc(offline, uri, "FROM ubuntu:24.04\nRUN ./configure && make install\nCMD [\"app\"]\n")
    result = await run_convert(offline, uri, 1)
    assert result["status"] == "declined"
    assert edits_of(offline) == []
    warning = [m for m in offline.messages if m.type == types.MessageType.Warning]
    assert warning and "Not converted" in warning[-1].message


async def test_stale_version_is_not_converted(offline: LanguageClient, tmp_path) -> None:
    uri = project(tmp_path)
    open_doc(offline, uri, ORIGINAL, version=2)
    result = await run_convert(offline, uri, 1)
    assert result["status"] == "stale"
    assert edits_of(offline) == []
    assert any("again" in m.message for m in offline.messages)


# -- Claude --------------------------------------------------------------------------------


async def test_claude_conversion_with_the_real_sdk(claude: LanguageClient, fake_claude: FakeView, tmp_path) -> None:
    fake_claude.script(valid_reply())
    uri = project(tmp_path)
    open_doc(claude, uri, ORIGINAL, version=4)
    token = f"vscode-{uuid.uuid4()}"
    claude.progress_reports[token] = []
    result = await run_convert(claude, uri, 4, token=token)
    assert result["status"] == "converted" and result["engine"] == "claude", result

    (request,) = fake_claude.message_requests
    body = request.body
    assert request.api_key == TEST_API_KEY
    assert body["model"] == "claude-sonnet-4-6"
    assert body["tool_choice"] == {"type": "tool", "name": TOOL_NAME}
    assert "cache_control" not in body["system"][0]  # caching is marked on the request, and only when long enough
    system = body["system"][0]["text"]
    assert "distroless" in system and "at most 4 stages" in system and "cache mounts" in system
    sent = request.raw.decode()
    assert SECRET not in sent and "SLIMSTAGE_SECRET_1" in sent  # masked on the way out
    user = body["messages"][0]["content"][0]["text"]
    assert "package.json" in user and "SLIM101" in user  # the context and the findings go along

    (params,) = edits_of(claude)
    new = applied_text(ORIGINAL, params, 4)
    assert f"ARG NPM_TOKEN={SECRET}" in new  # restored on the way back
    assert "# deps: Production dependencies from the manifests only." in new
    assert [s.name for s in parse(new).stages] == ["deps", "builder", "runtime"]
    assert [r.kind for r in claude.progress_reports[token]][0] == "begin"
    assert any("Asking Claude" in (r.message or "") for r in claude.progress_reports[token])
    assert any("Converted" in m.message and "Claude" in m.message for m in claude.messages)
    assert TEST_API_KEY not in json.dumps([m.message for m in claude.messages + claude.log_messages])


async def test_project_facts_reach_the_request_masked(claude: LanguageClient, fake_claude: FakeView, tmp_path) -> None:
    fake_claude.script(valid_reply())
    uri = project(tmp_path)
    token = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    (tmp_path / "package.json").write_text(
        json.dumps({
            "name": "api",
            "main": "dist/server.js",
            "scripts": {"build": "tsc -p .", "start": "node dist/server.js", "deploy": f"GITHUB_TOKEN={token} ./deploy.sh"},
            "dependencies": {"express": "4", "pg": "8"},
            "devDependencies": {"typescript": "5"},
        }),
        encoding="utf-8",
    )
    (tmp_path / "tsconfig.json").write_text('{"compilerOptions": {"outDir": "build/out"}}', encoding="utf-8")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "server.ts").write_text("", encoding="utf-8")
    open_doc(claude, uri, ORIGINAL, version=1)
    result = await run_convert(claude, uri, 1)
    assert result["status"] == "converted", result
    (request,) = fake_claude.message_requests
    user = request.body["messages"][0]["content"][0]["text"]
    facts = user.split("<project_facts>", 1)[1].split("</project_facts>", 1)[0]
    assert "build: tsc -p ." in facts and "start: node dist/server.js" in facts  # scripts
    assert "dependencies (2): express, pg" in facts and "devDependencies (1): typescript" in facts
    assert "compilerOptions.outDir: build/out" in facts and "src/server.ts" in facts  # output folder, listing
    assert "Lockfiles: package-lock.json" in facts
    assert token not in request.raw.decode() and "GITHUB_TOKEN=SLIMSTAGE_SECRET_" in facts  # masked like the Dockerfile
    assert "target: (the last stage)" in user and "include_healthcheck: true" in user  # the user's settings


async def test_a_proposed_dockerignore_is_applied_in_the_same_edit(claude: LanguageClient, fake_claude: FakeView, tmp_path) -> None:
    reply = valid_reply()
    reply.input["dockerignore"] = "node_modules\n.git\ndist\n"
    fake_claude.script(reply)
    uri = project(tmp_path)
    open_doc(claude, uri, ORIGINAL, version=2)
    result = await run_convert(claude, uri, 2)
    assert result["status"] == "converted", result
    (params,) = edits_of(claude)
    changes = params.edit.document_changes
    assert changes is not None and len(changes) == 3  # the Dockerfile, then create + fill .dockerignore: one edit
    assert isinstance(changes[0], types.TextDocumentEdit) and changes[0].text_document.version == 2
    ignore_uri = (tmp_path / ".dockerignore").as_uri()
    assert isinstance(changes[1], types.CreateFile) and changes[1].uri == ignore_uri
    assert isinstance(changes[2], types.TextDocumentEdit) and changes[2].text_document.uri == ignore_uri
    assert changes[2].edits[0].new_text == "node_modules\n.git\ndist\n"
    assert any(".dockerignore" in m.message for m in claude.messages)
    assert result["dockerignore"]["applied"] and result["warnings"] == WARNINGS
    assert any(m.type == types.MessageType.Warning and WARNINGS[0] in m.message for m in claude.messages)  # warnings are shown


async def test_an_existing_dockerignore_gets_only_the_missing_lines_appended(claude: LanguageClient, fake_claude: FakeView, tmp_path) -> None:
    reply = valid_reply()
    reply.input["dockerignore"] = "node_modules\n.git\n"
    fake_claude.script(reply)
    uri = project(tmp_path)
    (tmp_path / ".dockerignore").write_text("node_modules", encoding="utf-8")
    open_doc(claude, uri, ORIGINAL, version=3)
    result = await run_convert(claude, uri, 3)
    assert result["status"] == "converted", result
    (params,) = edits_of(claude)
    changes = params.edit.document_changes
    assert len(changes) == 2 and isinstance(changes[1], types.TextDocumentEdit)
    (edit,) = changes[1].edits
    assert edit.range.start == types.Position(0, 12) and edit.new_text == "\n.git\n"


@pytest.mark.parametrize(
    "broken, reason",
    [
        (VALID.replace("COPY --from=builder /app/dist ./dist", "COPY --from=builder /app/dist ./dist\nCOPY server/config.json ./"), "does not exist in the build context"),
        (VALID.replace("ENV NODE_ENV=production", 'ENV NODE_ENV=""'), "ENV: NODE_ENV=production -> NODE_ENV="),
        (VALID.replace('CMD ["node", "dist/server.js"]', 'CMD ["node", "node", "dist/server.js"]'), "CMD/ENTRYPOINT"),
        (VALID.replace("HEALTHCHECK CMD", "# no check\n# CMD"), "include_healthcheck is on"),
    ],
    ids=["missing-path", "env-value-dropped", "command-changed", "healthcheck-ignored"],
)
async def test_a_broken_rewrite_is_retried_with_the_reason_and_never_applied(
    claude: LanguageClient, fake_claude: FakeView, tmp_path, broken: str, reason: str
) -> None:
    # The explanation says "CMD" and "ENV": a word in an explanation is not a declaration.
    reply = ToolUseReply(TOOL_NAME, {"dockerfile": broken, "stages": [{"name": "runtime", "explanation": "Same CMD and ENV as before."}], "size_reduction": "smaller", "warnings": WARNINGS})
    fake_claude.script(reply, reply)
    uri = project(tmp_path)
    open_doc(claude, uri, ORIGINAL, version=5)
    result = await run_convert(claude, uri, 5)
    assert result["status"] == "declined", result
    assert not edits_of(claude)  # never applied as it was
    first, second = fake_claude.message_requests
    retry = second.body["messages"][-1]["content"][0]
    assert retry["type"] == "tool_result" and retry["is_error"] is True
    assert reason in retry["content"], retry["content"]


async def test_settings_reach_the_system_prompt(claude: LanguageClient, fake_claude: FakeView, tmp_path) -> None:
    fake_claude.script(valid_reply())
    settings = _settings(
        fake_claude.fake,
        targetBase="alpine",
        maxStages=3,
        securityScan=True,
        cacheMounts=False,
        claude={"model": "claude-test-model", "maxTokens": 2048},
    )
    claude.set_configuration(settings, section="slimstage")
    claude.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
    uri = project(tmp_path)
    open_doc(claude, uri, ORIGINAL)
    await asyncio.sleep(0.3)
    try:
        await run_convert(claude, uri, 1)
    finally:
        claude.set_configuration(_settings(fake_claude.fake), section="slimstage")
        claude.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
        await asyncio.sleep(0.3)
    body = fake_claude.message_requests[0].body
    assert body["model"] == "claude-test-model" and body["max_tokens"] == 2048
    system = body["system"][0]["text"]
    assert "Alpine" in system and "at most 3 stages" in system and "scan stage" in system and "Do not use BuildKit cache mounts" in system


async def test_invalid_then_valid_is_retried_with_the_problems(claude: LanguageClient, fake_claude: FakeView, tmp_path) -> None:
    fake_claude.script(valid_reply(INVALID), valid_reply())
    uri = project(tmp_path)
    open_doc(claude, uri, ORIGINAL)
    result = await run_convert(claude, uri, 1)
    assert result["status"] == "converted"
    first, second = fake_claude.message_requests
    retry = second.body["messages"][-1]["content"][0]
    assert retry["type"] == "tool_result" and retry["is_error"] is True
    assert "has no name" in retry["content"] and "changes how the container runs" in retry["content"]
    assert any("Retrying:" in p for p in progress_messages(claude))
    assert len(edits_of(claude)) == 1


async def test_always_invalid_applies_nothing(claude: LanguageClient, fake_claude: FakeView, tmp_path) -> None:
    fake_claude.script(valid_reply(INVALID))
    uri = project(tmp_path)
    open_doc(claude, uri, ORIGINAL)
    result = await run_convert(claude, uri, 1)
    assert result["status"] == "declined"
    assert len(fake_claude.message_requests) == 2  # the first answer and one retry (maxRetries 1)
    assert edits_of(claude) == []
    assert any(m.type == types.MessageType.Warning and "has no name" in m.message for m in claude.messages)


async def test_truncated_answer_is_an_error(claude: LanguageClient, fake_claude: FakeView, tmp_path) -> None:
    fake_claude.script(MaxTokensReply(tool_name=TOOL_NAME, partial_input={"dockerfile": "FROM node:22 AS deps\n"}))
    uri = project(tmp_path)
    open_doc(claude, uri, ORIGINAL)
    result = await run_convert(claude, uri, 1)
    assert result["status"] == "failed"
    assert edits_of(claude) == []
    assert any(m.type == types.MessageType.Error and "maxTokens" in m.message for m in claude.messages)


async def test_rejected_key_says_how_to_set_it(claude: LanguageClient, fake_claude: FakeView, tmp_path) -> None:
    fake_claude.script(ErrorReply(401))
    uri = project(tmp_path)
    open_doc(claude, uri, ORIGINAL)
    result = await run_convert(claude, uri, 1)
    assert result["status"] == "failed"
    assert len(fake_claude.message_requests) == 1  # a 401 is not retried
    error = [m.message for m in claude.messages if m.type == types.MessageType.Error]
    assert error and "401" in error[-1] and "ANTHROPIC_API_KEY" in error[-1]
    assert TEST_API_KEY not in error[-1]


async def test_rate_limit_is_retried_after_the_servers_delay(claude: LanguageClient, fake_claude: FakeView, tmp_path) -> None:
    fake_claude.script(ErrorReply(429, retry_after=1), valid_reply())
    uri = project(tmp_path)
    open_doc(claude, uri, ORIGINAL)
    loop = asyncio.get_running_loop()
    started = loop.time()
    result = await run_convert(claude, uri, 1)
    assert result["status"] == "converted"
    assert len(fake_claude.message_requests) == 2
    assert loop.time() - started >= 0.9  # waited as retry-after said


async def test_rate_limit_asking_for_a_long_wait_gives_up_at_once(claude: LanguageClient, fake_claude: FakeView, tmp_path) -> None:
    fake_claude.script(ErrorReply(429, retry_after=3600))
    uri = project(tmp_path)
    open_doc(claude, uri, ORIGINAL)
    result = await run_convert(claude, uri, 1, timeout=10)
    assert result["status"] == "failed"
    assert len(fake_claude.message_requests) == 1
    assert any("rate limiting" in m.message for m in claude.messages)


async def test_server_error_fails_cleanly(claude: LanguageClient, fake_claude: FakeView, tmp_path) -> None:
    fake_claude.script(ErrorReply(500))
    uri = project(tmp_path)
    open_doc(claude, uri, ORIGINAL)
    result = await run_convert(claude, uri, 1)
    assert result["status"] == "failed"
    assert len(fake_claude.message_requests) == 2  # the SDK retried once (maxRetries 1)
    assert any("HTTP 500" in m.message for m in claude.messages)
    assert edits_of(claude) == []


async def test_user_cancels_a_slow_answer_from_the_progress(claude: LanguageClient, fake_claude: FakeView, tmp_path) -> None:
    fake_claude.script(SlowReply(20, valid_reply()))
    uri = project(tmp_path)
    open_doc(claude, uri, ORIGINAL)
    token = "cancel-me"
    claude.progress_reports[token] = []
    running = asyncio.ensure_future(run_convert(claude, uri, 1, token=token))
    for _ in range(100):
        if fake_claude.message_requests:
            break
        await asyncio.sleep(0.05)
    claude.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
    result = await asyncio.wait_for(running, 10)
    assert result["status"] == "cancelled"
    assert claude.progress_reports[token][-1].kind == "end"
    await asyncio.sleep(0.2)
    assert edits_of(claude) == []


async def test_cancel_request_stops_the_conversion(claude: LanguageClient, fake_claude: FakeView, tmp_path) -> None:
    fake_claude.script(SlowReply(20, valid_reply()))
    uri = project(tmp_path)
    open_doc(claude, uri, ORIGINAL)
    msg_id = str(uuid.uuid4())
    future = claude.protocol.send_request(
        types.WORKSPACE_EXECUTE_COMMAND,
        types.ExecuteCommandParams(command=COMMAND, arguments=[{"uri": uri, "version": 1}]),
        msg_id=msg_id,
    )
    for _ in range(100):
        if fake_claude.message_requests:
            break
        await asyncio.sleep(0.05)
    claude.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))
    with pytest.raises(Exception):
        await asyncio.wait_for(asyncio.wrap_future(future), 10)
    for _ in range(100):
        if any("cancelled" in m.message for m in claude.messages):
            break
        await asyncio.sleep(0.05)
    assert any("cancelled" in m.message for m in claude.messages)
    assert edits_of(claude) == []


async def test_edit_during_conversion_is_never_overwritten(claude: LanguageClient, fake_claude: FakeView, tmp_path) -> None:
    fake_claude.script(SlowReply(1.0, valid_reply()))
    uri = project(tmp_path)
    open_doc(claude, uri, ORIGINAL)
    running = asyncio.ensure_future(run_convert(claude, uri, 1))
    for _ in range(100):
        if fake_claude.message_requests:
            break
        await asyncio.sleep(0.05)
    claude.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=ORIGINAL + "LABEL edited=yes\n")],
        )
    )
    result = await asyncio.wait_for(running, 15)
    assert result["status"] == "stale"
    assert edits_of(claude) == []
    assert any("edited" in m.message and "again" in m.message for m in claude.messages)


async def test_stale_conversion_offers_to_run_again(prompting_server: LanguageClient, tmp_path) -> None:
    client = prompting_server
    uri = project(tmp_path)
    open_doc(client, uri, ORIGINAL, version=2)
    result = await run_convert(client, uri, 1)  # offered on version 1, the editor is at 2
    assert result["status"] == "stale"
    for _ in range(200):  # the user picks "Convert again": the current version is converted
        if edits_of(client):
            break
        await asyncio.sleep(0.05)
    assert client.asked and client.asked[0].actions[0].title == "Convert again"  # type: ignore[attr-defined]
    (params,) = edits_of(client)
    assert "AS runtime" in applied_text(ORIGINAL, params, 2)


async def test_folder_config_file_settings_are_used(offline: LanguageClient, tmp_path) -> None:
    uri = project(tmp_path)
    (tmp_path / ".slimstage.toml").write_text('target_base = "alpine"\n', encoding="utf-8")
    open_doc(offline, uri, ORIGINAL)
    result = await run_convert(offline, uri, 1)
    assert result["status"] == "converted"
    assert "FROM node:22-alpine AS runtime" in applied_text(ORIGINAL, edits_of(offline)[0], 1)
