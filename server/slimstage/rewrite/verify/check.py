"""Build the original and the rewrite, run both, measure both, and say whether the rewrite does
at least what the original did.

``verify(...)`` is one verification from start to end. It is async: cancelling its task kills
the running build or container (``proc``) and still removes every container and image it
made (``Session.cleanup`` runs in ``finally``, off the event loop, shielded from the
cancellation). Phases are reported through ``progress``: "Building the original…",
"Building the rewrite…", "Running …", "Measuring…"; build output lines go to ``on_line``.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import tempfile
import time
import uuid
from dataclasses import dataclass, replace
from typing import Callable, Optional

from . import proc
from .engine import Buildah, Container, Engine, Env, ImageInfo, StartError, discover, is_root_user, unprivileged_port_start
from .result import Build, Image, Report, Run

Progress = Callable[[str], None]

PHASES = ("build original", "build rewrite", "run", "measure")


@dataclass(frozen=True)
class Limits:
    build_timeout: float = 600.0
    run_timeout: float = 30.0  # seconds a container gets to open its ports and pass its check
    settle: float = 2.0  # seconds it must then stay up
    parallel_builds: bool = True  # build the original and the rewrite at the same time


def _silent(_: str) -> None:
    pass


_STEP = re.compile(r"^(?:\[\d+/\d+\] )?STEP \d+/\d+: .*|^#\d+ \[[^\]]*\] .*")
_ERROR = re.compile(r"^(error|ERROR|Error)\b.*|.*\b(error building at STEP|failed to solve|did not complete successfully|not found|No such file or directory|exit status \d+|returned a non-zero code)\b.*")


def failing_step(lines: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """(the last build step started, the error lines after it) of a build log."""
    step, at = "", -1
    for i, line in enumerate(lines):
        if _STEP.match(line):
            step, at = line.strip(), i
    after = [ln for ln in (lines[at + 1 :] if at >= 0 else lines) if ln.strip()]
    return step, tuple(after[-8:])


_RUNTIME_BROKEN = re.compile(r"\b(crun|runc)\b.*(cgroup|permission|not supported)|OCI runtime|OCI permission denied")
_WRAPPER = re.compile(r"^(Error: building at STEP|error building at STEP|subprocess exited|ERROR: failed to solve: process .* did not complete successfully: exit code)")


def telling(errors: tuple[str, ...]) -> str:
    """The error line that says most: the last one that is not the engine's wrapper."""
    for line in reversed(errors):
        if _ERROR.match(line) and not _WRAPPER.match(line):
            return line.strip()
    for line in reversed(errors):
        if not _WRAPPER.match(line):
            return line.strip()
    return errors[-1].strip() if errors else ''


class Session:
    """The names verification gives what it makes, and their removal."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        token = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.prefix = f"slimstage-verify-{token}"
        self.images: list[str] = []
        self.containers: list[str] = []
        self.build_containers_before: Optional[set[str]] = None
        self.left: list[str] = []  # what could not be removed

    def tag(self, which: str) -> str:
        tag = f"localhost/{self.prefix}:{which}"
        self.images.append(tag)
        return tag

    def container(self, which: str) -> str:
        name = f"{self.prefix}-{which}"
        self.containers.append(name)
        return name

    def cleanup(self) -> None:
        for name in self.containers:
            self.engine.remove_container(name)
        if self.build_containers_before is not None:
            # a killed buildah build leaves its working containers: remove the ones that came
            # into being while this verification was building
            for cid in self.engine.build_containers() - self.build_containers_before:
                self.engine.remove_container(cid)
        for tag in self.images:
            if self.engine.exists(tag):
                self.engine.remove_image(tag)
                if self.engine.exists(tag):
                    self.left.append(tag)


async def _cleanup(session: Session) -> None:
    task = asyncio.ensure_future(asyncio.to_thread(session.cleanup))
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await task  # cancelled again while cleaning up: finish anyway
        raise


async def build(engine: Engine, session: Session, which: str, text: str, context: str, target: str, limits: Limits, progress: Progress, on_line: Optional[proc.OnLine], mask: Callable[[str], str]) -> tuple[Build, Optional[str]]:
    tag = session.tag(which)
    folder = tempfile.mkdtemp(prefix="slimstage-verify-")
    dockerfile = os.path.join(folder, "Dockerfile")
    with open(dockerfile, "w", encoding="utf-8") as fh:
        fh.write(text)
    label = "the original" if which == "original" else "the rewrite"
    progress(f"Building {label}…")
    started = time.monotonic()

    def line(text: str) -> None:
        if on_line is not None:
            on_line(mask(text))
        if _STEP.match(text):
            progress(f"Building {label}: {mask(text.strip())[:120]}")

    if session.build_containers_before is None:
        session.build_containers_before = await asyncio.to_thread(engine.build_containers)
    try:
        done = await proc.run(engine.build_argv(dockerfile, context, tag, _target_in(text, target)), timeout=limits.build_timeout, on_line=line)
    finally:
        try:
            os.unlink(dockerfile)
            os.rmdir(folder)
        except OSError:
            pass
    seconds = time.monotonic() - started
    tail = tuple(mask(ln) for ln in done.tail)
    if done.ok:
        return Build(True, seconds), tag
    step, errors = failing_step(tail)
    if done.timed_out:
        return Build(False, seconds, step, errors, timed_out=True, message=f"{label} did not finish building within {limits.build_timeout:.0f} s (verify.build_timeout)" + (f"; it was at {step}" if step else "")), None
    detail = telling(errors)
    why = f"{label} failed to build" + (f" at {step}" if step else "") + (f": {detail[:300]}" if detail else "")
    return Build(False, seconds, step, errors, message=why), None


def _target_in(text: str, target: str) -> str:
    """``target`` when ``text`` has a stage of that name, else "" (its last stage, what ships)."""
    if not target:
        return ""
    from ...dockerfile import parse

    names = {(s.name or "").lower() for s in parse(text).stages}
    return target if target.lower() in names else ""


def _port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


async def run(engine: Engine, session: Session, which: str, tag: str, info: ImageInfo, limits: Limits, progress: Progress, require_ports: tuple[int, ...] = (), env: Env = (), mask: Callable[[str], str] = lambda s: s) -> Run:
    """Start ``tag`` as ``docker run -e NAME=value ...`` would (``env``), for at most
    ``limits.run_timeout`` seconds. What it printed comes back masked."""
    label = "the original" if which == "original" else "the rewrite"
    progress(f"Running {label}…")
    ports = tuple(sorted(set(info.ports) | set(require_ports)))
    notes: list[str] = []
    skip: set[int] = set()
    if engine.name == "buildah":
        for port in ports:
            if _port_open(port):
                return Run(False, message=f"port {port} is already in use on this machine, so whether {label} opens it cannot be told; stop what listens on it and verify again", inconclusive=True)
        low = unprivileged_port_start()
        if not is_root_user(info.user):
            for port in ports:
                if port < low:
                    skip.add(port)
                    notes.append(
                        f"port {port}: {label} runs as {info.user}, and a non-root process binds ports below {low} here only with "
                        "`sysctl net.ipv4.ip_unprivileged_port_start=0` (Docker allows it inside a container); not checked"
                    )
    try:
        container: Container = await engine.start(tag, session.container(which), info, env)
    except StartError as exc:
        return Run(False, message=mask(f"{label} did not start: {exc}"))
    opened: dict[int, bool] = {p: False for p in ports if p not in skip}
    health: Optional[bool] = None
    health_argv = info.health_argv()
    health_out: tuple[str, ...] = ()
    exit_code: Optional[int] = None
    deadline = time.monotonic() + limits.run_timeout
    try:
        while time.monotonic() < deadline:
            for port in opened:
                if not opened[port]:
                    host = await asyncio.to_thread(container.host_port, port)
                    opened[port] = host is not None and await asyncio.to_thread(_port_open, host)
            if not await container.alive():
                exit_code = await container.exit_code()
                break
            if all(opened.values()):
                if health_argv and health is not True:
                    done = await container.exec(health_argv, timeout=max(1.0, min(10.0, deadline - time.monotonic())))
                    health, health_out = done.ok, tuple(mask(ln) for ln in done.tail[-5:])
                    if not health:
                        await asyncio.sleep(1.0)
                        continue
                if opened or health_argv:
                    break
            await asyncio.sleep(0.25)
        if exit_code is None and await container.alive():
            # up, ports open: it must also stay up a moment (a crash right after listening)
            await asyncio.sleep(limits.settle)
            if not await container.alive():
                exit_code = await container.exit_code()
        stayed_up = exit_code is None
        log = tuple(mask(ln) for ln in container.log_tail())
    finally:
        await container.stop()
    ok_exit = stayed_up or exit_code == 0
    parts = []
    if not stayed_up:
        parts.append(f"exited with code {exit_code}" if exit_code is not None else "exited")
    missing = [p for p, ok in opened.items() if not ok]
    if missing:
        parts.append("never accepted a connection on port " + ", ".join(map(str, missing)))
    if health_argv and health is not True:
        parts.append("its HEALTHCHECK did not pass" + (f" ({health_out[-1].strip()[:160]})" if health_out else ""))
    message = f"{label} " + "; ".join(parts) if parts else ""
    return Run(True, stayed_up, exit_code, dict(opened), health, log, message, tuple(notes), ok_exit)


def compare(original: Image, rewrite: Image) -> tuple[str, ...]:
    """What the rewrite does less than the original did (each a named failure)."""
    problems: list[str] = []
    o, r = original.run, rewrite.run
    if o is None or r is None:
        return ()
    if o.ok_exit and not r.ok_exit:
        what = "stayed up" if o.stayed_up else "exited 0"
        problems.append(f"the original {what}; the rewrite exited with code {r.exit_code}" + _log_hint(r))
    for port, ok in o.ports.items():
        if ok and not r.ports.get(port, False) and r.ok_exit:
            problems.append(f"port {port}: the original accepted connections, the rewrite did not")
    if o.health is not False and r.health is False:
        problems.append("the rewrite's HEALTHCHECK did not pass" + (" (the original's did)" if o.health else ""))
    return tuple(problems)


def _log_hint(r: Run) -> str:
    lines = [ln.strip() for ln in r.log if ln.strip()]
    errors = [ln for ln in lines if re.search(r"Error\b|error:|not found|No such file|cannot|Traceback", ln)]
    pick = (errors or lines)[-1:]
    return f" ({pick[0][:200]})" if pick else ""


async def verify(original_text: str, rewrite_text: Optional[str], context: str, *, engine: Optional[Engine] = None, engine_name: str = "auto", target: str = "", limits: Limits = Limits(), progress: Progress = _silent, on_line: Optional[proc.OnLine] = None, mask: Callable[[str], str] = lambda s: s, original: Optional[Image] = None, env: Env = ()) -> Report:
    """Build, run and measure the original (and the rewrite, when given). ``original``: what an
    earlier verification of the same original found (Claude's later rounds reuse it). ``env``:
    what both runs get, as ``docker run -e`` gives it."""
    if engine is None:
        found = await asyncio.to_thread(discover, engine_name)
        if found.engine is None:
            return Report("unavailable", "", message=f"not verified: {found.message}")
        engine = found.engine
    session = Session(engine)
    try:
        report = await _verify(engine, session, original_text, rewrite_text, context, target, limits, progress, on_line, mask, original, env)
    finally:
        await _cleanup(session)
    if session.left:
        report = replace(report, notes=report.notes + ("could not remove: " + ", ".join(session.left),))
    return report


async def _verify(engine: Engine, session: Session, original_text: str, rewrite_text: Optional[str], context: str, target: str, limits: Limits, progress: Progress, on_line: Optional[proc.OnLine], mask: Callable[[str], str], known: Optional[Image] = None, env: Env = ()) -> Report:
    images: dict[str, Image] = {}
    notes: list[str] = []
    reuse = known is not None and known.build.ok and known.info is not None and known.run is not None and rewrite_text is not None
    if reuse:
        assert known is not None
        images["original"] = known  # built and run in an earlier round: not again
    jobs = [(w, t) for w, t in (("original", original_text), ("rewrite", rewrite_text)) if t is not None and w not in images]
    if session.build_containers_before is None:
        session.build_containers_before = await asyncio.to_thread(engine.build_containers)
    built: dict[str, tuple[Build, Optional[str]]] = {}
    if limits.parallel_builds and len(jobs) == 2 and engine.name != "podman":
        # both at once: downloads and compiles overlap (the original is usually the slower)
        results = await asyncio.gather(*(build(engine, session, w, t, context, target, limits, progress, on_line, mask) for w, t in jobs))
        built = {w: r for (w, _), r in zip(jobs, results)}
    for which, text in jobs:
        b, tag = built.get(which) or await build(engine, session, which, text, context, target, limits, progress, on_line, mask)
        if tag is None and engine.name == "podman" and _RUNTIME_BROKEN.search("\n".join(b.errors)) and shutil.which("buildah"):
            # podman here cannot start the containers its RUN steps need; buildah (same image
            # store) builds with chroot isolation instead
            why = next((ln.strip() for ln in b.errors if _RUNTIME_BROKEN.search(ln)), telling(b.errors))
            engine = Buildah(shutil.which("buildah") or "buildah")
            session.engine = engine
            notes.append(f"podman could not run build steps here ({why[:160]}); built and ran with buildah instead.")
            b, tag = await build(engine, session, which, text, context, target, limits, progress, on_line, mask)
        images[which] = Image(which, b)
        if tag is None:
            if which == "original" and rewrite_text is None:
                return _report(engine, images, "failed", f"verification failed: {b.message}", notes, (b.message,))
            if which == "original":
                return _report(engine, images, "error", f"could not verify: {b.message}; nothing to compare the rewrite with", notes)
            return _report(engine, images, "failed", f"verification failed: {b.message}", notes, (b.message,))
    for which, img in list(images.items()):
        if img.info is not None:
            continue
        info = await asyncio.to_thread(engine.inspect, f"localhost/{session.prefix}:{which}")
        if info is None:
            return _report(engine, images, "error", f"could not verify: the engine built {which} but cannot inspect the image", notes)
        images[which] = replace(img, info=info)
    for which in list(images):
        info = images[which].info
        assert info is not None
        if images[which].run is not None:
            continue
        require = ()
        if which == "rewrite" and "original" in images and images["original"].run is not None:
            require = tuple(p for p, ok in images["original"].run.ports.items() if ok)
        r = await run(engine, session, which, f"localhost/{session.prefix}:{which}", info, limits, progress, require, env, mask)
        images[which] = replace(images[which], run=r)
        notes.extend(n for n in r.notes if n not in notes)
        if r.inconclusive:
            return _report(engine, images, "error", f"could not verify: {r.message}", notes)
        if not r.started and which == "original":
            return _report(engine, images, "error", f"could not verify: {r.message}", notes)
    progress("Measuring…")
    if "rewrite" not in images:
        o = images["original"]
        ok = o.run is not None and o.run.started and o.run.ok_exit and not o.run.message
        status = "passed" if ok else "failed"
        return _report(engine, images, status, ("built and ran" if ok else (o.run.message if o.run else "did not run")), notes, () if ok else ((o.run.message if o.run else "did not run"),))
    r = images["rewrite"].run
    assert r is not None
    if not r.started:
        return _report(engine, images, "failed", f"verification failed: {r.message}", notes, (r.message,))
    problems = compare(images["original"], images["rewrite"])
    o = images["original"].run
    if o is not None and o.message:
        notes.append(f"the original too: {o.message}")
    if problems:
        return _report(engine, images, "failed", "verification failed: " + problems[0], notes, problems)
    return _report(engine, images, "passed", "built and ran: the rewrite did what the original did", notes)


def _report(engine: Engine, images: dict[str, Image], status: str, message: str, notes: list[str], problems: tuple[str, ...] = ()) -> Report:
    return Report(status, engine.name, images.get("original"), images.get("rewrite"), problems, tuple(engine.notes) + tuple(notes), message)
