""""Convert to multi-stage and verify" in the real server over stdio, with a real engine.

Claude is the real SDK inside the server, pointed at the fake Messages API. The ``engine``
fixture skips without buildah and the stand-in images, and checks nothing was left behind.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from slimstage.rewrite.claude import TOOL_NAME
from tests.fakes.fake_anthropic import TEST_API_KEY, FakeAnthropic, ToolUseReply
from tests.lsp.conftest import capabilities, open_doc

from .conftest import ROOT, TINY

pytestmark = [pytest.mark.engine, pytest.mark.asyncio(loop_scope="module")]

SERVER = [sys.executable, "-m", "slimstage", "serve"]
COMMAND = "slimstage.server.convert"


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env["ANTHROPIC_API_KEY"] = TEST_API_KEY
    return env


@pytest.fixture(scope="module")
def fake() -> FakeAnthropic:
    with FakeAnthropic() as server:
        yield server


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER, server_env=_env()))
async def server(lsp_client: LanguageClient, fake: FakeAnthropic):
    edits: list = []
    asked: list = []

    @lsp_client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        edits.append(params)
        return types.ApplyWorkspaceEditResult(applied=True)

    @lsp_client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
    def show_message_request(params: types.ShowMessageRequestParams):
        asked.append(params)
        return next((a for a in params.actions or [] if a.title == lsp_client.answer), None)  # type: ignore[attr-defined]

    lsp_client.edits, lsp_client.asked, lsp_client.answer = edits, asked, "Keep the file"  # type: ignore[attr-defined]
    caps = capabilities()
    caps.window.show_message = types.ShowMessageRequestClientCapabilities()
    settings = {"debounceMs": 0, "engine": "offline", "verify": {"engine": "buildah", "runTimeout": 20}, "claude": {"baseUrl": fake.url, "maxRetries": 0, "timeout": 10}}
    lsp_client.set_configuration(settings, section="slimstage")
    await lsp_client.initialize_session(types.InitializeParams(capabilities=caps, initialization_options=settings))
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def client(engine: str, server: LanguageClient) -> LanguageClient:
    server.edits.clear(), server.asked.clear(), server.messages.clear(), server.log_messages.clear()  # type: ignore[attr-defined]
    server.answer = "Keep the file"  # type: ignore[attr-defined]
    return server


def _copy(tmp_path: Path, source: Path) -> Path:
    target = tmp_path / source.name
    shutil.copytree(source, target)
    return target / "Dockerfile"


async def _actions(client: LanguageClient, uri: str) -> list:
    got = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=types.Range(types.Position(0, 0), types.Position(0, 0)),
            context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.RefactorRewrite]),
        )
    )
    return list(got or [])


def _messages(client: LanguageClient, token: str) -> list[str]:
    return [r.message or "" for r in client.progress_reports.get(token, [])]


async def test_convert_and_verify_the_node_example_with_progress(client: LanguageClient, tmp_path: Path) -> None:
    path = _copy(tmp_path, ROOT / "examples" / "node-service")
    uri = path.as_uri()
    open_doc(client, uri, path.read_text(), version=1)
    titles = [getattr(a, "title", "") for a in await _actions(client, uri)]
    assert "Convert to multi-stage and verify" in titles
    token = "verify-node"
    client.progress_reports[token] = []
    params = types.ExecuteCommandParams(command=COMMAND, arguments=[{"uri": uri, "version": 1, "verify": True}], work_done_token=token)
    result = await asyncio.wait_for(client.workspace_execute_command_async(params), 600)
    assert result["status"] == "converted", result
    progress = _messages(client, token)
    for phase in ("Building the original…", "Building the rewrite…", "Running the original…", "Running the rewrite…", "Measuring…"):
        assert phase in progress, progress
    assert "Measured " in result["message"] and "Built and ran with buildah" in result["message"]
    assert "measured on stand-in base images" in result["measured"]
    # the measured figure replaces the estimate: message, explanation and result alike
    assert result["estimate"] is None and "estimate" not in result["message"]
    assert "## Size (estimate)" not in result["explanation"]
    assert any("## Verification" in m.message and "port 3000 answered" in m.message for m in client.log_messages)
    assert len(client.edits) == 1  # type: ignore[attr-defined]
    print(f"\nLSP node-service: {result['measured']}")


def _reply(dockerfile: str) -> ToolUseReply:
    return ToolUseReply(
        TOOL_NAME,
        {
            "dockerfile": dockerfile,
            "stages": [{"name": "builder", "explanation": "installs"}, {"name": "runtime", "explanation": "runs"}],
            "size_reduction": "smaller",
            "contract_changes": [
                "USER nonroot: runs as the nonroot user of the distroless image",
                "CMD: the distroless image's ENTRYPOINT starts node, so CMD node server.js now runs /nodejs/bin/node node server.js",
            ],
            # What the gate asks a rewrite to declare when it leaves a setting unmet.
            "warnings": [
                "include_healthcheck: no HEALTHCHECK, the distroless runtime has no shell or HTTP client to probe the port with",
                "cache_mounts: `npm install` runs without a cache mount, to keep the test image build independent of BuildKit",
            ],
        },
    )


@pytest.mark.parametrize("answer", ["Keep the file", "Apply anyway"])
async def test_a_rewrite_that_fails_to_run_is_not_applied_unless_the_user_says_so(answer: str, client: LanguageClient, fake: FakeAnthropic, tmp_path: Path) -> None:
    client.answer = answer  # type: ignore[attr-defined]
    path = _copy(tmp_path, TINY / "tiny-node")
    uri = path.as_uri()
    open_doc(client, uri, path.read_text(), version=1)
    fake.script(_reply((TINY / "tiny-node" / "wrong-cmd.Dockerfile").read_text()))
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    client.set_configuration({"debounceMs": 0, "engine": "claude", "verify": {"engine": "buildah", "runTimeout": 15}, "claude": {"baseUrl": fake.url, "maxRetries": 0, "timeout": 10}}, section="slimstage")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await asyncio.sleep(0.3)
    params = types.ExecuteCommandParams(command=COMMAND, arguments=[{"uri": uri, "version": 1, "verify": True}])
    result = await asyncio.wait_for(client.workspace_execute_command_async(params), 600)
    (question,) = client.asked  # type: ignore[attr-defined]
    assert [a.title for a in question.actions] == ["Apply anyway", "Keep the file"]
    assert "Cannot find module '/app/node'" in question.message
    if answer == "Keep the file":
        assert result["status"] == "verification_failed", result
        assert "Cannot find module '/app/node'" in result["message"]
        assert client.edits == []  # type: ignore[attr-defined]
    else:
        assert result["status"] == "converted", result
        assert "Applied although it was not verified" in result["message"]
        assert len(client.edits) == 1  # type: ignore[attr-defined]


async def test_cancelling_a_verification_kills_the_build(client: LanguageClient, fake: FakeAnthropic, tmp_path: Path) -> None:
    path = _copy(tmp_path, TINY / "tiny-node")
    uri = path.as_uri()
    open_doc(client, uri, path.read_text(), version=1)
    hanging = (TINY / "tiny-node" / "good.Dockerfile").read_text().replace("COPY server.js ./", "COPY server.js ./\nRUN sleep 600")
    fake.script(_reply(hanging))
    client.set_configuration({"debounceMs": 0, "engine": "claude", "verify": {"engine": "buildah"}, "claude": {"baseUrl": fake.url, "maxRetries": 0, "timeout": 10}}, section="slimstage")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await asyncio.sleep(0.3)
    token = "cancel-verify"
    client.progress_reports[token] = []
    params = types.ExecuteCommandParams(command=COMMAND, arguments=[{"uri": uri, "version": 1, "verify": True}], work_done_token=token)
    running = asyncio.ensure_future(client.workspace_execute_command_async(params))
    for _ in range(600):
        if any("RUN sleep 600" in m for m in _messages(client, token)):
            break
        await asyncio.sleep(0.2)
    else:
        pytest.fail(f"the build never reached RUN sleep 600: {_messages(client, token)}")
    await asyncio.sleep(1)
    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
    result = await asyncio.wait_for(running, 60)
    assert result["status"] == "cancelled", result
    assert client.edits == []  # type: ignore[attr-defined]
    assert any("The verification's containers and images were removed" in m.message for m in client.messages)
