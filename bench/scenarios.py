"""The language-server measurements, one function per scenario, the same for every server.

Every scenario spawns a fresh server, so one cannot warm the next. Times are taken
with ``time.perf_counter()``: "sent" just before a message is written to the server's
stdin, "received" when the last byte of the answer has been read from its stdout.

Diagnostics "for a version": when a server puts ``version`` in publishDiagnostics we
wait for that version; when it does not (dockerfile-language-server-nodejs), we wait
for the next publish for the document after the change was sent, i.e. match by order.
"""

from __future__ import annotations

import atexit
import os
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from edits import Document, Edit
from lsp_driver import LspClient, Publish
from servers import ServerSpec

# Documents live in empty folders of one temporary workspace, so a server that looks at
# the build context (the Dockerfile's folder) sees the same empty context for every file,
# and `slimstage check` on a copy in a sibling empty folder sees the same too.
WORKSPACE = Path(tempfile.mkdtemp(prefix="slimstage-bench-"))
atexit.register(shutil.rmtree, WORKSPACE, True)
ROOT_URI = WORKSPACE.as_uri()


def _uri(name: str) -> str:
    folder = WORKSPACE / name
    folder.mkdir(exist_ok=True)
    return (folder / "Dockerfile").as_uri()


def _start(spec: ServerSpec, log_dir: Path | None, tag: str) -> LspClient:
    stderr = str(log_dir / f"{spec.name}-{tag}.stderr.log") if log_dir else None
    return LspClient(spec.command, configuration=spec.configuration, env=spec.env, stderr_path=stderr)


def _init(client: LspClient, spec: ServerSpec) -> float:
    response = client.initialize(ROOT_URI, spec.initialization_options)
    return response.at


def _wait(client: LspClient, uri: str, version: int, count_before: int, versioned: bool, timeout: float) -> Publish:
    if versioned:
        return client.wait_publish(uri, version=version, timeout=timeout)
    return client.wait_publish(uri, after=count_before, timeout=timeout)


# -- (a) start-up ----------------------------------------------------------------------


@dataclass
class Startup:
    initialize_ms: float
    first_diagnostics_ms: float
    versioned: bool
    idle_rss_mib: float


def startup(spec: ServerSpec, text: str, log_dir: Path | None = None, timeout: float = 30.0) -> Startup:
    """Spawn → initialize response, and spawn → first diagnostics after an immediate didOpen."""
    client = _start(spec, log_dir, "startup")
    try:
        t0 = client.spawned_at
        init_at = _init(client, spec)
        uri = _uri("startup")
        client.did_open(uri, text, version=1)
        pub = client.wait_publish(uri, timeout=timeout)
        rss = tree_memory_mib(client.proc.pid)[1]
        return Startup((init_at - t0) * 1e3, (pub.at - t0) * 1e3, pub.version is not None, rss)
    finally:
        client.shutdown()


# -- (b) edit → diagnostics ------------------------------------------------------------


@dataclass
class EditLatency:
    lines: int
    latencies_ms: list[float]
    versioned: bool
    kinds: list[str] = field(default_factory=list)
    final_matches_fresh: bool = True
    """The diagnostics after the last edit equal those of a fresh open of the same text."""

    @property
    def p50(self) -> float:
        return percentile(self.latencies_ms, 50)

    @property
    def p95(self) -> float:
        return percentile(self.latencies_ms, 95)

    @property
    def max(self) -> float:
        return max(self.latencies_ms)


def _change_for(client: LspClient, doc: Document, edit: Edit) -> dict[str, Any]:
    if client.sync_kind() == 2:
        return edit.as_change()
    return {"text": doc.text}


def edit_latency(
    spec: ServerSpec,
    text: str,
    script: list[Edit],
    *,
    think_ms: float = 20.0,
    log_dir: Path | None = None,
    timeout: float = 30.0,
) -> EditLatency:
    """didChange → the publishDiagnostics for that version, one edit at a time."""
    client = _start(spec, log_dir, "edits")
    try:
        _init(client, spec)
        uri = _uri("edits")
        client.did_open(uri, text, version=1)
        first = client.wait_publish(uri, timeout=timeout)
        versioned = first.version is not None
        doc = Document(text)
        latencies: list[float] = []
        last = first
        for i, edit in enumerate(script):
            time.sleep(think_ms / 1e3)  # a person's pause between keystrokes
            doc.apply(edit)
            version = i + 2
            before = client.publish_count(uri)
            sent = client.did_change(uri, version, [_change_for(client, doc, edit)])
            pub = _wait(client, uri, version, before, versioned, timeout)
            latencies.append((pub.at - sent) * 1e3)
            last = pub
        # A server that updates its analysis incrementally must end where a fresh parse does.
        fresh_uri = _uri("edits-fresh")
        client.did_open(fresh_uri, doc.text, version=1)
        fresh = client.wait_publish(fresh_uri, timeout=timeout)
        same = _normalise(last.diagnostics) == _normalise(fresh.diagnostics)
        return EditLatency(len(text.splitlines()), latencies, versioned, [e.kind for e in script], same)
    finally:
        client.shutdown()


# -- (c) memory with many documents ----------------------------------------------------


def _children(pid: int) -> list[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read().decode(errors="replace")
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            kids.append(int(entry))
    return kids


def _status_kib(pid: int, field_name: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_memory_mib(pid: int) -> tuple[float, float]:
    """(peak RSS = sum of VmHWM, current RSS = sum of VmRSS) of ``pid`` and its descendants."""
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        todo.extend(_children(p))
    hwm = sum(_status_kib(p, "VmHWM") for p in pids)
    rss = sum(_status_kib(p, "VmRSS") for p in pids)
    return hwm / 1024, rss / 1024


@dataclass
class Memory:
    documents: int
    total_lines: int
    peak_rss_mib: float
    rss_mib: float


def memory(spec: ServerSpec, texts: list[str], log_dir: Path | None = None, timeout: float = 120.0) -> Memory:
    """Peak RSS of the server process tree after opening ``texts`` and getting their diagnostics."""
    client = _start(spec, log_dir, "memory")
    try:
        _init(client, spec)
        uris = [_uri(f"doc{i:03d}") for i in range(len(texts))]
        for uri, text in zip(uris, texts):
            client.did_open(uri, text, version=1)
        for uri in uris:
            client.wait_publish(uri, timeout=timeout)
        time.sleep(0.2)  # let anything scheduled after the last publish run
        peak, now = tree_memory_mib(client.proc.pid)
        return Memory(len(texts), sum(len(t.splitlines()) for t in texts), peak, now)
    finally:
        client.shutdown()


# -- (d) edit storm --------------------------------------------------------------------


@dataclass
class Storm:
    changes: int
    last_change_to_final_ms: float
    first_change_to_final_ms: float
    publishes: int
    """Publishes for the document between the first change and the final diagnostics."""
    stale_after_newer: int
    """Publishes whose version is older than one already published (must be 0)."""
    after_final: int
    """Publishes that arrived after the final version's (must be 0: no backlog)."""
    correct: bool
    mismatch: str = ""


def _normalise(diags: list[Mapping[str, Any]]) -> list[tuple]:
    out = []
    for d in diags:
        r = d.get("range", {})
        s, e = r.get("start", {}), r.get("end", {})
        out.append(
            (s.get("line"), s.get("character"), e.get("line"), e.get("character"), str(d.get("code")), d.get("message"))
        )
    return sorted(out)


def storm(
    spec: ServerSpec,
    text: str,
    script: list[Edit],
    *,
    settle_s: float = 1.0,
    log_dir: Path | None = None,
    timeout: float = 120.0,
    cross_check: Callable[[str, list[Mapping[str, Any]]], str] | None = None,
) -> Storm:
    """Send every change without waiting, then time the diagnostics for the final version.

    Correctness: the final diagnostics must equal what the same server publishes for a
    fresh document holding the final text, and ``cross_check`` (slimstage: the CLI) may
    add its own verdict (an empty string means agreement).
    """
    client = _start(spec, log_dir, "storm")
    try:
        _init(client, spec)
        uri = _uri("storm")
        client.did_open(uri, text, version=1)
        first = client.wait_publish(uri, timeout=timeout)
        versioned = first.version is not None
        doc = Document(text)
        before = client.publish_count(uri)
        incremental = client.sync_kind() == 2
        first_sent = last_sent = 0.0
        for i, edit in enumerate(script):
            doc.apply(edit)
            sent = client.did_change(uri, i + 2, [edit.as_change() if incremental else {"text": doc.text}])
            first_sent = first_sent or sent
            last_sent = sent
        final_version = len(script) + 1
        if versioned:
            final = client.wait_publish(uri, version=final_version, timeout=timeout)
        else:
            # No versions: every change is answered in order, so the final one is the last.
            final = client.wait_publish(uri, after=before + len(script) - 1, timeout=timeout)
        time.sleep(settle_s)
        pubs = client.publishes(uri)[before:]
        stale, newest = 0, 0
        for p in pubs:
            if p.version is not None:
                if p.version < newest:
                    stale += 1
                newest = max(newest, p.version)
        after_final = len([p for p in pubs if p.index > final.index])
        upto = len([p for p in pubs if p.index <= final.index])

        fresh_uri = _uri("storm-fresh")
        client.did_open(fresh_uri, doc.text, version=1)
        fresh = client.wait_publish(fresh_uri, timeout=timeout)
        mismatch = ""
        if _normalise(final.diagnostics) != _normalise(fresh.diagnostics):
            mismatch = (
                f"final publish has {len(final.diagnostics)} diagnostics, a fresh open of the final text "
                f"{len(fresh.diagnostics)}"
            )
        if cross_check and not mismatch:
            mismatch = cross_check(doc.text, final.diagnostics)
        return Storm(
            changes=len(script),
            last_change_to_final_ms=(final.at - last_sent) * 1e3,
            first_change_to_final_ms=(final.at - first_sent) * 1e3,
            publishes=upto,
            stale_after_newer=stale,
            after_final=after_final,
            correct=not mismatch and stale == 0 and after_final == 0,
            mismatch=mismatch,
        )
    finally:
        client.shutdown()


# -- helpers ---------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (p95 of 60 values is the 57th smallest)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def temp_dockerfile(text: str) -> str:
    """Write ``text`` as ``Dockerfile`` in a new empty folder of the workspace."""
    folder = Path(tempfile.mkdtemp(prefix="cli-", dir=WORKSPACE))
    path = folder / "Dockerfile"
    path.write_text(text, encoding="utf-8")
    return str(path)


# -- (e) formatting ------------------------------------------------------------------


@dataclass
class Formatting:
    lines: int
    latencies_ms: list[float]
    edits: int  # text edits in the last answer (how much each server changes)

    @property
    def p50(self) -> float:
        return percentile(self.latencies_ms, 50)


def formatting(spec: ServerSpec, text: str, *, requests: int = 10, log_dir: Path | None = None, timeout: float = 30.0) -> Formatting:
    """textDocument/formatting → its response, ``requests`` times on the open document (after its first diagnostics)."""
    client = _start(spec, log_dir, "format")
    try:
        _init(client, spec)
        uri = _uri("format")
        client.did_open(uri, text, version=1)
        client.wait_publish(uri, timeout=timeout)
        latencies: list[float] = []
        edits = 0
        for _ in range(requests):
            sent, response = client.request(
                "textDocument/formatting",
                {"textDocument": {"uri": uri}, "options": {"tabSize": 4, "insertSpaces": True}},
                timeout=timeout,
            )
            latencies.append((response.at - sent) * 1e3)
            edits = len(response.message.get("result") or [])
        return Formatting(len(text.splitlines()), latencies, edits)
    finally:
        client.shutdown()
