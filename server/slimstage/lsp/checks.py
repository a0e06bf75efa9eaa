"""Checks run off the event loop, each under a time budget, and can be abandoned.

The event loop never parses or lints: it hands a document version to one of two daemon
worker threads and waits at most ``REQUEST_WAIT`` seconds for the answer (a wait on a
lock releases the GIL, so the worker runs at full speed meanwhile). When the answer is
not there in time, the request is answered without it (an empty hover, no symbols...)
instead of freezing the editor, and ``shutdown`` and ``exit`` are answered at once:
the workers are daemon threads, so the process never waits for a check to end.

A check that runs longer than ``check_timeout_ms`` is abandoned: an exception is raised
inside its thread (``PyThreadState_SetAsyncExc``, delivered at the next bytecode of
the check: every matcher in the checker is linear, so none sits in one C call for long),
the document gets one diagnostic saying so, and nothing is recomputed for that version.
"""

from __future__ import annotations

import ctypes
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Callable, Optional

WORKERS = 2
REQUEST_WAIT = 2.0  # seconds a request waits for a check before answering without it


class CheckAbandoned(BaseException):
    """Raised inside a worker thread whose check ran past its time budget (a BaseException:
    the rule runner's `except Exception` must not swallow it)."""


class Abandoned:
    """The result of a check that was abandoned (``budget`` seconds)."""

    def __init__(self, budget: float) -> None:
        self.budget = budget


def _raise_in(thread_id: int, exc: Optional[type]) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc else ctypes.c_void_p(0))


@dataclass(eq=False)
class Job:
    key: tuple
    work: Callable[[], object]
    budget: float  # seconds; 0: no limit
    future: Future = field(default_factory=Future)
    lock: threading.Lock = field(default_factory=threading.Lock)
    thread_id: Optional[int] = None
    finished: bool = False
    injected: bool = False
    stop_early: bool = False
    timer: Optional[threading.Timer] = None

    def run(self) -> None:
        if not self.future.set_running_or_notify_cancel():
            return
        try:
            try:
                with self.lock:
                    self.thread_id = threading.get_ident()
                    if self.stop_early:
                        raise CheckAbandoned
                if self.budget > 0:
                    self.timer = threading.Timer(self.budget, self.abandon)
                    self.timer.daemon = True
                    self.timer.start()
                value: object = self.work()
            finally:
                with self.lock:
                    self.finished = True
                    if self.injected:  # raised too late to matter: take it back
                        _raise_in(threading.get_ident(), None)
                if self.timer is not None:
                    self.timer.cancel()
                    self.timer = None  # job -> timer -> job.abandon -> job: a cycle that kept the findings
        except CheckAbandoned:
            value = Abandoned(self.budget)
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits
            if not self.future.done():
                self.future.set_exception(exc)
            return
        if not self.future.done():
            self.future.set_result(value)

    def abandon(self) -> None:
        with self.lock:
            if self.finished or self.injected:
                return
            if self.thread_id is None:  # not started yet: it stops as it starts
                self.stop_early = True
                return
            self.injected = True
            _raise_in(self.thread_id, CheckAbandoned)


class Checker:
    """Two daemon worker threads and the jobs in flight (one per key)."""

    def __init__(self) -> None:
        self._queue: "queue.SimpleQueue[Job]" = queue.SimpleQueue()
        self._jobs: dict[object, Job] = {}
        self._lock = threading.Lock()
        for n in range(WORKERS):
            threading.Thread(target=self._loop, name=f"slimstage-check-{n}", daemon=True).start()

    def _loop(self) -> None:
        while True:
            try:
                job = self._queue.get()
                job.run()
            except CheckAbandoned:  # pragma: no cover - run() takes late ones back
                continue

    def submit(self, name: object, key: tuple, work: Callable[[], object], budget: float) -> Future:
        """The future of the check ``key`` of ``name`` (a document): the one in flight, or a new one."""
        with self._lock:
            job = self._jobs.get(name)
            if job is not None and job.key == key and not job.future.done():
                return job.future
            job = Job(key, work, budget)
            self._jobs[name] = job
        # The callback names the future, not the job: no job -> future -> callback -> job cycle
        # that would keep a finished check's findings alive until a full garbage collection.
        job.future.add_done_callback(lambda future, name=name: self._forget(name, future))
        self._queue.put(job)
        return job.future

    def _forget(self, name: object, future: Future) -> None:
        with self._lock:
            job = self._jobs.get(name)
            if job is not None and job.future is future:
                del self._jobs[name]


def in_daemon_thread(fn: Callable[..., object], *args: object) -> tuple[Future, Callable[[], None]]:
    """Run ``fn(*args)`` in a new daemon thread: its future, and a function that stops it.

    Stopping raises ``CheckAbandoned`` inside the thread (the future is then cancelled), so
    a cancelled offline conversion ends at once instead of running on, and the process
    never waits for the thread at exit (asyncio's default executor joins its threads).
    """
    job = Job(("thread",), lambda: fn(*args), 0)
    threading.Thread(target=job.run, name="slimstage-convert", daemon=True).start()

    def stop() -> None:
        job.abandon()
        job.future.cancel()

    return job.future, stop
