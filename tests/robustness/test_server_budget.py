"""One slow check must not freeze the language server (over stdio, the raw JSON-RPC client).

A file that takes seconds to check (thousands of stages) is opened; while its check runs,
another document's hover, ``shutdown`` and ``exit`` are answered, and a check past the
``checkTimeoutMs`` budget is abandoned with one diagnostic saying so. Before: the check
held the state lock, so the other document's hover waited for it, and ``exit`` waited
for the worker thread to finish.
"""

from __future__ import annotations

import time
from pathlib import Path

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
