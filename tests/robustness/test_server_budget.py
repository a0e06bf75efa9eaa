"""One slow check must not freeze the language server (over stdio, the raw JSON-RPC client).

A file that takes seconds to check (thousands of stages) is opened; while its check runs,
another document's hover, ``shutdown`` and ``exit`` are answered, and a check past the
``checkTimeoutMs`` budget is abandoned with one diagnostic saying so. Before: the check
held the state lock, so the other document's hover waited for it, and ``exit`` waited
for the worker thread to finish.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from .jsonrpc import RawServer


def slow_dockerfile(stages: int = 4000) -> str:
    """About 430 kB that takes seconds to check: a chain of stages, each installing and copying."""
    lines = ["FROM node:22 AS b0"]
    for i in range(1, stages):
        lines += [f"FROM b{i - 1} AS b{i}", "COPY . .", f"RUN npm ci && apt-get install -y gcc pkg{i}", f"ENV X{i}=$X{i - 1}y", "WORKDIR /app/$X1"]
    return "\n".join(lines) + "\n"


SMALL = "FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\n"


def _uri(tmp_path: Path, name: str) -> str:
    return (tmp_path / name).as_uri()


def test_other_documents_are_answered_while_a_slow_check_runs(tmp_path: Path) -> None:
    with RawServer(cwd=str(tmp_path), settings={"debounceMs": 0, "checkTimeoutMs": 0}) as server:
        server.initialize()
        slow, small = _uri(tmp_path, "slow.Dockerfile"), _uri(tmp_path, "Dockerfile")
        server.open(slow, slow_dockerfile())
        time.sleep(0.3)  # the slow check has started in its worker thread
        server.open(small, SMALL)
        hover = server.request("textDocument/hover", {"textDocument": {"uri": small}, "position": {"line": 0, "character": 6}}, timeout=60)
        assert hover.ok, hover.error
        assert hover.result is not None, "the hover of the small document came back empty"
        # the small document's answer did not wait for the slow one (which reports its time on
        # stderr when it ends, before it is published)
        time.sleep(0.2)
        assert "slow.Dockerfile took" not in server.stderr and not server.publishes(slow), "the hover waited for the slow check"
        server.wait_for_publish(slow, 1, timeout=120)
        server.shutdown()
        server.proc.wait(timeout=10)
        assert server.proc.returncode == 0


def test_a_check_past_its_budget_is_abandoned_with_a_diagnostic(tmp_path: Path) -> None:
    with RawServer(cwd=str(tmp_path), settings={"debounceMs": 0, "checkTimeoutMs": 1500}) as server:
        server.initialize()
        slow = _uri(tmp_path, "slow.Dockerfile")
        server.open(slow, slow_dockerfile())
        published = server.wait_for_publish(slow, 1, timeout=60)
        assert [d["code"] for d in published["diagnostics"]] == ["timeout"], published["diagnostics"][:3]
        assert "stopped checking this file after 1.5 s" in published["diagnostics"][0]["message"]
        # requests on the abandoned version are answered at once, without re-running the check
        started = time.monotonic()
        r = server.request("textDocument/documentSymbol", {"textDocument": {"uri": slow}}, timeout=30)
        assert r.ok and not r.result
        assert time.monotonic() - started < 20
        # a small edit checks again (and is abandoned again); a small document is still checked
        small = _uri(tmp_path, "Dockerfile")
        server.open(small, SMALL)
        codes = [d["code"] for d in server.wait_for_publish(small, 1)["diagnostics"]]
        assert "SLIM101" in codes, codes
        server.shutdown()
        server.proc.wait(timeout=10)
        assert server.proc.returncode == 0
        assert "Traceback" not in server.stderr, server.stderr[-2000:]


def test_shutdown_and_exit_are_answered_while_a_check_runs(tmp_path: Path) -> None:
    with RawServer(cwd=str(tmp_path), settings={"debounceMs": 0, "checkTimeoutMs": 0}) as server:
        server.initialize()
        slow = _uri(tmp_path, "slow.Dockerfile")
        server.open(slow, slow_dockerfile(8000))
        time.sleep(0.3)
        r = server.request("shutdown", timeout=30)
        assert r.ok and r.result is None
        server.notify("exit")
        server.proc.wait(timeout=30)  # before: the process waited for the check to end
        assert server.proc.returncode == 0
        assert not server.publishes(slow), "exit waited for the check"
        assert "Traceback" not in server.stderr, server.stderr[-2000:]


# -- shutdown, exit and cancel during a conversion ----------------------------------------------------

NODE_APP = {"package.json": '{"name": "x", "scripts": {"build": "tsc"}}', "package-lock.json": "{}"}


def _big_single_stage(steps: int) -> str:
    lines = ["FROM node:22", "WORKDIR /app", "COPY . .", "RUN npm ci && npm run build"]
    lines += [f"RUN echo step{i} && ls /app/x{i}" for i in range(steps)]
    return "\n".join(lines + ['CMD ["node", "dist/index.js"]']) + "\n"


def _convert(server: RawServer, uri: str) -> int:
    return server.request_async("workspace/executeCommand", {"command": "slimstage.server.convert", "arguments": [{"uri": uri, "version": 1}]})


def _threads(server: RawServer) -> int:
    with open(f"/proc/{server.proc.pid}/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("Threads:"))


def _cpu_seconds(server: RawServer) -> float:
    with open(f"/proc/{server.proc.pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _app(tmp_path: Path, text: str) -> str:
    for name, body in NODE_APP.items():
        (tmp_path / name).write_text(body)
    (tmp_path / "Dockerfile").write_text(text)
    return (tmp_path / "Dockerfile").as_uri()


@pytest.mark.parametrize("delay", [0.0, 0.3])
def test_shutdown_and_exit_during_a_conversion(tmp_path: Path, delay: float) -> None:
    text = _big_single_stage(3000)
    uri = _app(tmp_path, text)
    with RawServer(cwd=str(tmp_path), settings={"debounceMs": 0, "engine": "offline"}) as server:
        server.initialize()
        server.open(uri, text)
        conversion = _convert(server, uri)
        time.sleep(delay)
        r = server.request("shutdown", timeout=30)
        assert r.ok and r.result is None, r.raw  # before: -32603 "dictionary changed size during iteration"
        answer = server.response(conversion, timeout=30)
        assert answer.ok or answer.error["code"] == -32800, answer.raw  # a result, or "cancelled"
        server.notify("exit")
        server.proc.wait(timeout=30)
        assert server.proc.returncode == 0
        assert "Traceback" not in server.stderr and "internal error" not in server.stderr, server.stderr[-3000:]


def test_a_cancelled_offline_conversion_stops_its_thread(tmp_path: Path) -> None:
    text = _big_single_stage(30000)
    uri = _app(tmp_path, text)
    with RawServer(cwd=str(tmp_path), settings={"debounceMs": 0, "engine": "offline", "checkTimeoutMs": 0}) as server:
        server.initialize()
        server.open(uri, text)
        server.wait_for_publish(uri, 1, timeout=120)
        idle = _threads(server)
        conversion = _convert(server, uri)
        server.wait_for(lambda: _threads(server) > idle, 30, "the conversion thread")
        time.sleep(0.5)
        server.notify("$/cancelRequest", {"id": conversion})
        answer = server.response(conversion, timeout=30)
        assert not answer.ok and answer.error["code"] == -32800, answer.raw
        # before: the planner's thread ran on to the end (tens of seconds of CPU) after the cancel
        server.wait_for(lambda: _threads(server) <= idle, 10, "the conversion thread to end")
        busy = _cpu_seconds(server)
        time.sleep(1.0)
        assert _cpu_seconds(server) - busy < 0.5, "the server kept working after the cancel"
        server.shutdown()
        server.proc.wait(timeout=30)
        assert server.proc.returncode == 0
