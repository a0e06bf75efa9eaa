"""Engine commands as child processes: streamed output, a time bound, and a kill that sticks.

Every command runs in its own process group (``start_new_session``), so a timeout or a
cancelled task ends the engine *and* whatever it started (a build step, a server in a
chroot): SIGTERM to the group, then SIGKILL after a grace period. Output is read line by
line and handed to ``on_line`` as it arrives; only the last lines are kept.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from collections import deque
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

OnLine = Callable[[str], None]
KEEP_LINES = 200
MAX_LINE = 4096


@dataclass(frozen=True)
class Done:
    argv: tuple[str, ...]
    code: Optional[int]  # None: killed (timeout or cancelled)
    tail: tuple[str, ...]  # the last lines of combined stdout/stderr
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.code == 0

    def text(self) -> str:
        return "\n".join(self.tail)


def kill_group(proc: "asyncio.subprocess.Process | subprocess.Popen", sig: int = signal.SIGTERM) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError, OSError):
        pass


async def stop(proc: asyncio.subprocess.Process, grace: float = 3.0) -> None:
    """SIGTERM the process group, SIGKILL it if it is still there after ``grace`` seconds."""
    if proc.returncode is not None:
        kill_group(proc, signal.SIGKILL)  # leftovers of the group, if any
        return
    kill_group(proc, signal.SIGTERM)
    try:
        await asyncio.wait_for(asyncio.shield(proc.wait()), grace)
    except (asyncio.TimeoutError, asyncio.CancelledError):
        pass
    kill_group(proc, signal.SIGKILL)
    try:
        await asyncio.wait_for(asyncio.shield(proc.wait()), grace)
    except (asyncio.TimeoutError, asyncio.CancelledError):
        pass


async def start(argv: Sequence[str], env: Optional[dict] = None) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
        env=env,
        limit=1 << 20,
    )


async def pump(proc: asyncio.subprocess.Process, tail: deque, on_line: Optional[OnLine]) -> None:
    assert proc.stdout is not None
    while True:
        try:
            raw = await proc.stdout.readline()
        except (ValueError, asyncio.LimitOverrunError):  # an over-long line: drop a chunk
            raw = await proc.stdout.read(65536)
        if not raw:
            return
        line = raw.decode("utf-8", "replace").rstrip("\r\n")[:MAX_LINE]
        tail.append(line)
        if on_line is not None:
            try:
                on_line(line)
            except Exception:
                pass


async def run(argv: Sequence[str], timeout: Optional[float] = None, on_line: Optional[OnLine] = None, env: Optional[dict] = None) -> Done:
    """Run ``argv`` to the end (or ``timeout`` seconds); cancelling the task kills the group."""
    tail: deque = deque(maxlen=KEEP_LINES)
    try:
        proc = await start(argv, env)
    except (FileNotFoundError, PermissionError) as exc:
        return Done(tuple(argv), 127, (f"{argv[0]}: {exc.strerror or exc}",))
    reader = asyncio.ensure_future(pump(proc, tail, on_line))
    try:
        await asyncio.wait_for(asyncio.shield(proc.wait()), timeout)
        await asyncio.wait_for(reader, 5)
        return Done(tuple(argv), proc.returncode, tuple(tail))
    except asyncio.TimeoutError:
        await stop(proc)
        return Done(tuple(argv), None, tuple(tail), timed_out=True)
    except BaseException:  # cancelled: the engine and what it started go too
        await stop(proc)
        raise
    finally:
        if not reader.done():
            reader.cancel()
        kill_group(proc, signal.SIGKILL)


@dataclass(frozen=True)
class Query:
    code: Optional[int]
    out: str
    err: str

    @property
    def ok(self) -> bool:
        return self.code == 0

    def why(self) -> str:
        """The engine's own complaint, one line."""
        lines = [ln.strip() for ln in (self.err or self.out).splitlines() if ln.strip()]
        return lines[-1][:400] if lines else (f"exit code {self.code}" if self.code is not None else "no answer in time")


def query(argv: Sequence[str], timeout: float = 60) -> Query:
    """A short engine command (inspect, rm, rmi, info): its stdout and stderr apart. Blocking:
    used from worker threads and on clean-up paths, where it must finish even when cancelled."""
    try:
        p = subprocess.run(list(argv), stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, start_new_session=True)
    except (FileNotFoundError, PermissionError) as exc:
        return Query(127, "", f"{argv[0]}: {exc.strerror or exc}")
    except subprocess.TimeoutExpired:
        return Query(None, "", f"{' '.join(argv[:2])}: no answer within {timeout:.0f} s")
    return Query(p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace"))
