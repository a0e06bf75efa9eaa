"""Claude faults at the two ends a user sees: the editor (LSP over stdio) and ``slimstage convert``.

For every fault the document (or file) is never changed: no ``workspace/applyEdit`` is
sent, ``--write`` leaves the bytes as they were. The user gets one clear message (one
``window/showMessage``; one ``slimstage:`` line first on stderr, exit 2 or 3), progress
that ends, and the API key appears nowhere: not in stderr, window/logMessage,
window/showMessage, stdout, nor in any request body the fake Messages API received.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.fake_anthropic import ErrorReply, FakeAnthropic, MalformedReply, SlowReply, TextReply

from .claude_cases import API_KEY, INJECTION, ORIGINAL, PLAIN, SECRETS, answer, closed_port, obeys_injection, with_curl_pipe
from .jsonrpc import RawServer
from .tally import tally

FAULTS = {
    "401": (ErrorReply(401), "failed"),
    "429-long-retry-after": (ErrorReply(429, retry_after=3600), "failed"),
    "500": (ErrorReply(500, retry_after=0), "failed"),
    "529": (ErrorReply(529, retry_after=0), "failed"),
    "timeout": (SlowReply(30, answer()), "failed"),
    "truncated-json": (MalformedReply(), "failed"),
    "html-200": (MalformedReply(body="<html>oops</html>", content_type="text/html"), "failed"),
    "prose-not-tool": (TextReply("Here is how I would think about it..."), "failed"),
    "curl-pipe-sh": (answer(with_curl_pipe()), "declined"),
}


@pytest.fixture(scope="module")
def fake():
    with FakeAnthropic() as f:
        yield f


@pytest.fixture(scope="module")
def editor(fake: FakeAnthropic, tmp_path_factory):
    folder = tmp_path_factory.mktemp("editor")
    settings = {"debounceMs": 0, "claude": {"baseUrl": fake.url, "maxRetries": 1, "timeout": 2}}
    with RawServer(env={"ANTHROPIC_API_KEY": API_KEY}, settings=settings, cwd=str(folder)) as server:
        server.initialize()
        server.folder = folder  # type: ignore[attr-defined]
        yield server
        assert server.alive(), server.stderr[-3000:]
        everything = server.stderr + json.dumps(server.notifications) + json.dumps(server.server_requests)
        assert API_KEY not in everything, "the API key reached the editor or the server's log"
        assert API_KEY[10:40] not in everything


def convert_in_editor(server: RawServer, name: str, text: str) -> tuple[dict, list[dict], list[dict]]:
    """Open ``text``, run the convert command; (result, showMessages, applyEdits) of that run."""
    uri = (server.folder / name).as_uri()  # type: ignore[attr-defined]
    server.open(uri, text)
    server.wait_for_publish(uri, 1)
    shown_before, edits_before = len(server.messages("window/showMessage")), len(server.applied_edits)
    r = server.request("workspace/executeCommand", {"command": "slimstage.server.convert", "arguments": [{"uri": uri, "version": 1}]}, timeout=90)
    assert r.ok, r.error
    server.pump(0.3)
    tally("claude end to end")
    return r.result, server.messages("window/showMessage")[shown_before:], server.applied_edits[edits_before:]


def assert_progress_ended(server: RawServer) -> None:
    progress = [n["params"] for n in server.notifications if n["method"] == "$/progress"]
    begun = {json.dumps(p["token"]) for p in progress if p["value"].get("kind") == "begin"}
    ended = {json.dumps(p["token"]) for p in progress if p["value"].get("kind") == "end"}
    assert begun <= ended, f"progress left spinning: {begun - ended}"


@pytest.mark.parametrize("fault", list(FAULTS))
def test_editor_fault_changes_nothing_and_says_so_once(editor: RawServer, fake: FakeAnthropic, fault: str) -> None:
    reply, status = FAULTS[fault]
    fake.script(reply)
    result, shown, edits = convert_in_editor(editor, f"{fault}.Dockerfile", PLAIN)
    assert result["status"] == status, result
    assert edits == [], "a failed or rejected conversion sent an edit"
    assert len(shown) == 1, shown
    message = shown[0]["message"]
    assert shown[0]["type"] in (1, 2) and message.startswith("slimstage: ") and "\n" not in message, message
    assert "Traceback" not in message and "Error(" not in message, message
    assert_progress_ended(editor)


def test_editor_injection_is_rejected(editor: RawServer, fake: FakeAnthropic) -> None:
    fake.script(answer(obeys_injection()))
    result, shown, edits = convert_in_editor(editor, "injection.Dockerfile", INJECTION)
    assert result["status"] == "declined" and edits == [] and len(shown) == 1, (result, shown)


def test_editor_success_applies_one_versioned_edit_and_masks_secrets(editor: RawServer, fake: FakeAnthropic) -> None:
    from slimstage.dockerfile import parse
    from slimstage.rewrite.redact import redact

    masked = redact(parse(ORIGINAL)).text.splitlines()
    keep = "".join(line + "\n" for line in masked if line.startswith(("ENV", "LABEL")) and "NODE_ENV" not in line)
    arg = next(line for line in masked if line.startswith("ARG"))
    good = answer().input["dockerfile"].replace("FROM node:22 AS deps\n", f"FROM node:22 AS deps\n{arg}\n").replace("USER node\n", "USER node\n" + keep)
    seen = len(fake.requests)
    fake.script(answer(good))
    for name in ("package.json", "package-lock.json"):  # the rewrite copies them: the gate checks they exist
        (editor.folder / name).write_text("{}", encoding="utf-8")  # type: ignore[attr-defined]
    result, shown, edits = convert_in_editor(editor, "secrets.Dockerfile", ORIGINAL)
    assert result["status"] == "converted", result
    assert len(edits) == 1 and len(shown) == 1
    change = edits[0]["edit"]["documentChanges"][0]
    assert change["textDocument"]["version"] == 1
    new_text = change["edits"][0]["newText"]
    assert SECRETS["npm token"] in new_text  # restored into the user's own file
    for r in fake.requests[seen:]:
        raw = r.raw.decode("utf-8", "replace")
        assert not [name for name, value in SECRETS.items() if value in raw]
        assert API_KEY not in raw
    logs = json.dumps(editor.messages("window/logMessage") + editor.messages("window/showMessage"))
    assert SECRETS["password"] not in json.dumps(editor.messages("window/showMessage")), "a secret in a popup"
    assert API_KEY not in logs


def test_editor_connection_refused(tmp_path: Path) -> None:
    settings = {"debounceMs": 0, "claude": {"baseUrl": f"http://127.0.0.1:{closed_port()}", "maxRetries": 1, "timeout": 2}}
    with RawServer(env={"ANTHROPIC_API_KEY": API_KEY}, settings=settings, cwd=str(tmp_path)) as server:
        server.initialize()
        server.folder = tmp_path  # type: ignore[attr-defined]
        result, shown, edits = convert_in_editor(server, "Dockerfile", PLAIN)
        assert result["status"] == "failed" and edits == [] and len(shown) == 1, (result, shown)
        assert API_KEY not in server.stderr + json.dumps(server.notifications)


# -- the command line -----------------------------------------------------------------------------------


def cli_convert(path: Path, url: str, *extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env["ANTHROPIC_API_KEY"] = API_KEY
    args = [sys.executable, "-m", "slimstage", "convert", str(path), "--engine", "claude", "--write",
            "--set", f"claude.base_url={url}", "--set", "claude.max_retries=1", "--set", "claude.timeout=2", *extra]
    tally("claude end to end")
    return subprocess.run(args, capture_output=True, env=env, timeout=120)


@pytest.mark.parametrize("fault", ["401", "529", "truncated-json", "prose-not-tool", "curl-pipe-sh"])
def test_cli_fault_leaves_the_file_alone(fake: FakeAnthropic, tmp_path: Path, fault: str) -> None:
    reply, status = FAULTS[fault]
    fake.script(reply)
    path = tmp_path / "Dockerfile"
    path.write_bytes(ORIGINAL.encode())
    before = path.stat().st_mtime_ns
    proc = cli_convert(path, fake.url)
    err = proc.stderr.decode()
    assert proc.returncode == (2 if status == "failed" else 3), (proc.returncode, err)
    assert path.read_bytes() == ORIGINAL.encode() and path.stat().st_mtime_ns == before
    assert not [p for p in tmp_path.iterdir() if p.name != "Dockerfile"], "a temporary file was left behind"
    assert proc.stdout == b""
    assert "Traceback" not in err and API_KEY not in err
    first = err.splitlines()[0]
    assert first.startswith("slimstage: ") and len(first) < 400, err


def test_cli_connection_refused(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(PLAIN)
    proc = cli_convert(path, f"http://127.0.0.1:{closed_port()}")
    err = proc.stderr.decode()
    assert proc.returncode == 2 and path.read_text() == PLAIN, err
    assert "Traceback" not in err and API_KEY not in err
