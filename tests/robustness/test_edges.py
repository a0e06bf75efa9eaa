"""Correctness at the edges, through the real front ends (the server over stdio, the CLI).

- A lone CR is a line end for an LSP client: diagnostics sit on the client's lines, and the
  SLIM101 quick fix, applied the way a client applies it, gives the right file.
- Fixes and conversions keep the file's line ends (CRLF) and byte-order mark.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hypothesis import given

from slimstage.dockerfile import parse
from slimstage.fixes import apply_edits
from slimstage.lint import lint

from .fuzz import fuzz
from .jsonrpc import RawServer, encode, frame
from .strategies import lone_cr_files
from .tally import tally
from .test_protocol_abuse import lsp_apply

NODE = {"package.json": '{"name": "x", "scripts": {"build": "tsc"}}', "package-lock.json": "{}"}


def _quick_fix(server: RawServer, uri: str, code: str, line: int) -> list[dict]:
    r = server.request("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}}, "context": {"diagnostics": []}})
    assert r.ok, r.error
    actions = [a for a in r.result if a.get("kind") == "quickfix" and f"({code})" in a["title"]]
    assert actions, [a["title"] for a in r.result]
    return actions[0]["edit"]["documentChanges"][0]["edits"]


def _apply_all(text: str, edits: list[dict]) -> str:
    for e in sorted(edits, key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]), reverse=True):
        text = lsp_apply(text, {"range": e["range"], "text": e["newText"]})
    return text


def test_slim101_fix_on_a_lone_cr_file(tmp_path: Path) -> None:
    # a lone CR after WORKDIR: BuildKit reads "WORKDIR /app\r# note" as one line, the editor as two
    text = 'FROM node:22\nWORKDIR /app\r# note\nCOPY . .\nRUN npm ci\nCMD ["node", "index.js"]\n'
    uri = (tmp_path / "Dockerfile").as_uri()
    with RawServer(cwd=str(tmp_path)) as server:
        server.initialize()
        server.open(uri, text)
        found = {d["code"]: d for d in server.wait_for_publish(uri, 1)["diagnostics"]}
        assert found["SLIM101"]["range"]["start"]["line"] == 3  # the COPY, as the editor numbers it (before: 2)
        assert found["SLIM106"]["range"]["start"]["line"] == 4
        fixed = _apply_all(text, _quick_fix(server, uri, "SLIM101", 3))
        # the manifests are copied first, then the install, then the source; nothing else moves
        # (before: the CMD line was deleted and `RUN npm ci` duplicated)
        assert fixed.startswith("FROM node:22\nWORKDIR /app\r# note\nCOPY package"), repr(fixed)
        assert fixed.endswith('./\nRUN npm ci\nCOPY . .\nCMD ["node", "index.js"]\n'), repr(fixed)
        assert fixed.count("RUN npm ci") == 1 and fixed.count("\n") == 6, repr(fixed)
        server.shutdown()


def test_quick_fix_keeps_crlf(tmp_path: Path) -> None:
    text = 'FROM node:22\r\nWORKDIR /app\r\nCOPY . .\r\nRUN npm ci\r\nCMD ["node", "index.js"]\r\n'
    uri = (tmp_path / "Dockerfile").as_uri()
    with RawServer(cwd=str(tmp_path)) as server:
        server.initialize()
        server.open(uri, text)
        server.wait_for_publish(uri, 1)
        fixed = _apply_all(text, _quick_fix(server, uri, "SLIM101", 2))
        assert "RUN npm ci\r\nCOPY . .\r\n" in fixed and fixed.count("\n") == fixed.count("\r\n"), repr(fixed)
        server.shutdown()


def test_convert_write_keeps_crlf_and_bom(tmp_path: Path) -> None:
    for name, body in NODE.items():
        (tmp_path / name).write_text(body)
    path = tmp_path / "Dockerfile"
    path.write_bytes('\ufeffFROM node:22\r\nWORKDIR /app\r\nCOPY . .\r\nRUN npm ci && npm run build\r\nCMD ["node", "dist/index.js"]\r\n'.encode("utf-8"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    proc = subprocess.run([sys.executable, "-m", "slimstage", "convert", "--engine", "offline", "--write", str(path)], capture_output=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfFROM") or data.startswith(b"\xef\xbb\xbf#"), data[:40]  # before: the BOM was dropped
    assert data.count(b"\n") == data.count(b"\r\n") > 5, data  # before: CRLF became LF
    assert "AS " in data.decode("utf-8")


@fuzz(60)
@given(lone_cr_files())
def test_positions_follow_the_client_lines(text: str) -> None:
    """Every range of every finding and fix lies inside the document as a client splits it,
    and each fix applies (the pipeline suite's invariants, on lone-CR files)."""
    tally("lone CR files")
    import re

    lines = re.split(r"\r\n|\n|\r", text)
    result = lint(parse(text))
    for v in result.violations:
        for r in [v.range] + [e.range for e in (v.fix.edits if v.fix else ())]:
            for p in (r.start, r.end):
                assert p.line < len(lines), (v.code, r, len(lines))
                assert p.character <= len(lines[p.line].encode("utf-16-le")) // 2, (v.code, r, lines[p.line])
        if v.fix is not None and v.fix.edits:
            apply_edits(text, v.fix.edits)


# -- smaller edges ----------------------------------------------------------------------------------


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    return subprocess.run([sys.executable, "-m", "slimstage", *args], capture_output=True, env=env, timeout=120, cwd=cwd)


def test_infinite_or_nan_claude_timeout_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM alpine\nUSER 1000\n")
    for value in ("inf", "nan", "-inf"):
        proc = _cli("check", "--set", f"claude.timeout={value}", str(tmp_path / "Dockerfile"))
        err = proc.stderr.decode()
        assert "claude.timeout" in err and "expected a finite number > 0" in err, err  # before: inf was accepted


def test_unknown_target_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text("FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM scratch AS run\nCOPY --from=build /app /app\nUSER 65532\n")
    proc = _cli("check", "--target", "nosuch", str(path))
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "--target 'nosuch' names no stage" in err and "build, run" in err, (proc.returncode, err)
    assert _cli("check", "--target", "build", str(path)).returncode in (0, 1)
    for command in (("convert", "--engine", "offline"), ("verify",)):
        proc = _cli(*command, "--target", "nosuch", str(path))
        err = proc.stderr.decode()
        assert proc.returncode == 2 and "--target 'nosuch' names no stage" in err and "build, run" in err, (command, proc.returncode, err)  # before: convert went on, verify built
    single = tmp_path / "single.Dockerfile"
    single.write_text("FROM node:22\nCOPY . .\nRUN npm ci\n")
    err = _cli("convert", "--engine", "offline", "--target", "runtime", str(single)).stderr.decode()
    assert "none of its stages has a name" in err, err


def test_sarif_uris_are_percent_encoded(tmp_path: Path) -> None:
    folder = tmp_path / "my app #1"
    folder.mkdir()
    (folder / "Dockerfile").write_text("FROM node:22\nCOPY . .\nRUN npm ci\n")
    proc = _cli("check", "--format", "sarif", str(folder / "Dockerfile"))
    import json

    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for run in json.loads(proc.stdout)["runs"] for r in run["results"] for loc in r["locations"]}
    assert uris and all("my%20app%20%231/Dockerfile" in u and " " not in u and "#" not in u for u in uris), uris


def test_slim302_never_asks_a_stage_to_move_above_itself(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text("FROM node:22 AS build\nCOPY --from=build /x /y\nRUN npm ci\n")
    out = _cli("check", "--full", "--select", "SLIM302", str(path)).stdout.decode()
    assert "SLIM302" in out and "this stage's own name" in out, out
    assert "Move stage `build` above this one" not in out, out  # before: it did


def test_windows_images_get_no_linux_runtime_advice(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(
        "FROM mcr.microsoft.com/dotnet/sdk:8.0-nanoserver-ltsc2022\nWORKDIR /src\nCOPY *.csproj .\nRUN dotnet restore\nCOPY . .\n"
        'RUN dotnet publish -c Release -o /app\nENTRYPOINT ["dotnet", "/app/x.dll"]\n'
    )
    out = _cli("check", "--full", str(path)).stdout.decode()
    assert "SLIM403" not in out, out  # before: "runs as root ... USER $APP_UID"
    assert "chiseled" not in out and "distroless" not in out and "alpine" not in out, out
    assert "aspnet:8.0-nanoserver-ltsc2022" in out, out


def test_refused_requests_print_no_traceback(tmp_path: Path) -> None:
    uri = (tmp_path / "Dockerfile").as_uri()
    with RawServer(cwd=str(tmp_path)) as server:
        server.initialize()
        server.open(uri, "FROM node:22 AS build\nRUN npm ci\n")
        r = server.request("textDocument/rename", {"textDocument": {"uri": uri}, "position": {"line": 1, "character": 2}, "newName": "x"})
        assert r.error is not None
        r = server.request("workspace/executeCommand", {"command": "no.such.command", "arguments": []})
        assert r.error is not None
        server.shutdown()
        server.proc.wait(timeout=10)
        assert "Traceback" not in server.stderr, server.stderr[-2000:]  # before: one pygls traceback per refusal


def test_windows_file_uris_map_to_drive_paths() -> None:
    from pathlib import PurePosixPath, PureWindowsPath

    from slimstage.lsp.convert import uri_to_path

    assert str(uri_to_path("file:///c%3A/Users/me/My%20App/Dockerfile", PureWindowsPath)) == r"C:\Users\me\My App\Dockerfile"
    assert str(uri_to_path("file:///D:/src/Dockerfile", PureWindowsPath)) == r"D:\src\Dockerfile"
    assert str(uri_to_path("file://server/share/x/Dockerfile", PureWindowsPath)) == r"\\server\share\x\Dockerfile"
    assert str(uri_to_path("file:///home/me/a%20b/Dockerfile", PurePosixPath)) == "/home/me/a b/Dockerfile"
    assert uri_to_path("untitled:Untitled-1", PureWindowsPath) is None


def test_exit_while_a_check_is_queued_prints_no_traceback(tmp_path: Path) -> None:
    # Found by CI: exit arrived while the diagnostics of a check were still queued in
    # the event loop; pygls had closed stdout, so the queued send printed a traceback.
    from slimstage.lsp.server import create_server

    class ClosedStdout:
        writes = 0

        def write(self, data: bytes) -> None:
            ClosedStdout.writes += 1
            raise ValueError("I/O operation on closed file")

        def close(self) -> None:
            pass

    server = create_server()
    server.protocol.set_writer(ClosedStdout())
    server.protocol.exiting = True
    server.protocol._send_data({"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics", "params": {}})
    assert ClosedStdout.writes == 0  # before: written, failed, logged with a traceback

    # End to end: a burst of opens, then shutdown and exit, leaves a clean stderr.
    text = "FROM node:22 AS build\nCOPY . .\nRUN npm ci\n" * 200
    with RawServer(cwd=str(tmp_path)) as raw:
        raw.initialize()
        burst = [{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": (tmp_path / f"Dockerfile.{i}").as_uri(), "languageId": "dockerfile", "version": 1, "text": text}}} for i in range(8)]
        burst += [{"jsonrpc": "2.0", "id": 9001, "method": "shutdown"}, {"jsonrpc": "2.0", "method": "exit"}]
        raw.send_bytes(b"".join(frame(encode(m)) for m in burst))
        assert raw.proc.wait(timeout=30) == 0
        assert "Traceback" not in raw.stderr and "Error sending data" not in raw.stderr, raw.stderr[-2000:]
