"""Sizes of base images measured by the local container engine, for hover.

Hover must stay fast: it never waits for a subprocess. ``LocalImages.measured(ref)`` answers
from a cache at once; a miss queues the reference for one background worker thread that runs
the engine's ``image inspect`` (one subprocess at a time, a short timeout) and caches the
answer, found or not, for ``TTL`` seconds. Until then hover shows the table's estimate.

Only references that match the image reference grammar reach the engine (a FROM ``--rm`` or
``-x`` can never become a flag). Which engine runs is given by the caller, who takes it from
the user's own settings only.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Optional

TTL = 300.0  # seconds a measured (or missing) figure is trusted
TIMEOUT = 5.0  # seconds one ``image inspect`` may take
MAX_ENTRIES = 256
MAX_QUEUE = 32

# name[:tag][@digest]; components lower-case alnum with . _ - separators; an optional host[:port]
_REFERENCE = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,253}[A-Za-z0-9])?(?::[0-9]{1,5})?/)?"
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*){0,16}"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@[a-z0-9]+:[a-f0-9]{32,256})?\Z",
    re.ASCII,
)


def valid_reference(ref: str) -> bool:
    """Whether ``ref`` is an image reference (and so can never be read as an option)."""
    return 0 < len(ref) <= 512 and not ref.startswith("-") and _REFERENCE.match(ref) is not None


@dataclass(frozen=True)
class Measured:
    size: int  # bytes
    layers: int
    engine: str
    created: str = ""


Inspect = Callable[[str], Optional[Measured]]


def engine_inspector(wanted: str) -> Optional[Inspect]:
    """An inspector for the engine the user chose (``auto``: docker, podman, buildah on PATH), or
    None when none is on PATH. Probing happens in the worker, on first use."""
    from .rewrite.verify import engine as eng

    if not eng.on_path(wanted):
        return None
    state: dict = {}

    def inspect(ref: str) -> Optional[Measured]:
        if "engine" not in state:
            state["engine"] = eng.discover(wanted).engine
        e = state["engine"]
        if e is None or not valid_reference(ref):
            return None
        return _inspect(e, ref)

    return inspect


def _inspect(e, ref: str) -> Optional[Measured]:
    """``image inspect`` with a short timeout, ``--`` before the (validated) reference."""
    import json

    from .rewrite.verify import proc
    from .rewrite.verify.engine import parse_size

    try:
        if e.name == "buildah":
            q = proc.query([e.binary, "inspect", "--type", "image", "--", ref], timeout=TIMEOUT)
            if not q.ok:
                return None
            data = json.loads(q.out)
            oci = data.get("OCIv1") or {}
            docker = data.get("Docker") or {}
            layers = len((oci.get("rootfs") or {}).get("diff_ids") or (docker.get("rootfs") or {}).get("diff_ids") or [])
            created = str(oci.get("created") or docker.get("created") or "")
            rows = proc.query([e.binary, "images", "--json", "--", ref], timeout=TIMEOUT)
            listed = json.loads(rows.out) if rows.ok else []
            size = parse_size(listed[0]["size"]) if listed else None
        else:
            q = proc.query([e.binary, "image", "inspect", "--", ref], timeout=TIMEOUT)
            if not q.ok:
                return None
            data = json.loads(q.out)
            item = data[0] if isinstance(data, list) else data
            layers = len((item.get("RootFS") or {}).get("Layers") or [])
            created = str(item.get("Created") or "")
            raw = item.get("Size")
            size = int(raw) if isinstance(raw, (int, float)) else None
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None
    if size is None:
        return None
    return Measured(size=size, layers=layers, engine=e.name, created=created[:19])


_FROM = re.compile(r"[ \t]*FROM[ \t]+(?:--[^ \t\r\n]*[ \t]+)*([^ \t\r\n$]{1,512})(?=[ \t\r\n]|\Z)", re.IGNORECASE)


_AS = re.compile(r"[ \t]AS[ \t]+([A-Za-z0-9_.-]{1,128})[ \t]*$", re.IGNORECASE | re.MULTILINE)


def from_images(text: str, limit: int = 16) -> list[str]:
    """Image references on FROM lines (without build arguments), valid ones only."""
    out: list[str] = []
    stages = {m.group(1).lower() for m in _AS.finditer(text)}
    for line in text.splitlines():
        m = _FROM.match(line)
        if m and valid_reference(m.group(1)) and m.group(1) not in out and m.group(1).lower() not in stages:
            out.append(m.group(1))
            if len(out) >= limit:
                break
    return out


class LocalImages:
    """Cache of measured sizes, filled by one background worker."""

    def __init__(self, inspect: Optional[Inspect], ttl: float = TTL, on_new: Optional[Callable[[], None]] = None) -> None:
        self._inspect = inspect
        self._ttl = ttl
        self._on_new = on_new  # called from the worker thread when a lookup brings a figure the cache did not have
        self._cache: "OrderedDict[str, tuple[float, Optional[Measured]]]" = OrderedDict()
        self._queue: "OrderedDict[str, None]" = OrderedDict()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = False
        self._thread: Optional[threading.Thread] = None

    def measured(self, ref: str) -> Optional[Measured]:
        """The cached figure for ``ref`` (None when unknown: then it is looked up in the background)."""
        if self._inspect is None or not valid_reference(ref):
            return None
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(ref)
            if hit is not None and now - hit[0] < self._ttl:
                return hit[1]
            if ref not in self._queue and len(self._queue) < MAX_QUEUE:
                self._queue[ref] = None
            self._start()
        self._wake.set()
        return hit[1] if hit is not None else None

    def prefetch(self, refs) -> None:
        for ref in refs:
            self.measured(ref)

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._work, name="slimstage-local-images", daemon=True)
            self._thread.start()

    def _work(self) -> None:
        if sys.platform.startswith("linux"):
            # Linux gives each thread its own nice value, and a child inherits its thread's:
            # the lookups and the engine processes they start yield the CPU to checks.
            # Measured (60 edits at 500 lines, right after open, while lookups ran): edit
            # p95 8.5-9.0 ms without lookups, 10.6-11.9 ms with them at normal priority,
            # 10.2 ms at nice 10. Elsewhere nice() would slow the whole server: left alone.
            try:
                os.nice(10)
            except OSError:
                pass
        while not self._stopped:
            with self._lock:
                ref = next(iter(self._queue), None)
            if ref is None:
                self._wake.wait(30)
                self._wake.clear()
                with self._lock:
                    if not self._queue:
                        self._thread = None
                        return
                continue
            try:
                found = self._inspect(ref) if self._inspect else None
            except Exception:  # an engine that misbehaves leaves the estimate
                found = None
            with self._lock:
                self._queue.pop(ref, None)
                before = self._cache.get(ref)
                self._cache[ref] = (time.monotonic(), found)
                self._cache.move_to_end(ref)
                while len(self._cache) > MAX_ENTRIES:
                    self._cache.popitem(last=False)
            if found is not None and (before is None or before[1] != found) and self._on_new is not None:
                try:
                    self._on_new()
                except Exception:  # a listener's failure must not stop the lookups
                    pass
