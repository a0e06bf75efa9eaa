"""The container engine verification uses: found on PATH (docker, then podman, then buildah) or
named by the ``verify.engine`` setting.

Each engine knows how to build (streamed, ``proc.run``), read an image's config and size
(``image inspect``), start a container the way ``docker run`` would, run a command inside it
(the HEALTHCHECK), and remove what it made. docker and podman share one command line; buildah
runs a container as ``buildah from`` + ``buildah run`` with the image's ENTRYPOINT+CMD, USER,
WORKDIR and ENV applied, with chroot isolation and the host's network (so an EXPOSEd port is
reached on 127.0.0.1). When podman builds but cannot start a container (no usable OCI runtime,
as in containers without cgroups), it runs through buildah, which shares its image store.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import signal
from collections import deque
from dataclasses import dataclass, field
from typing import Optional, Sequence

from . import proc

ENGINES = ("docker", "podman", "buildah")
STANDIN_LABEL = "io.slimstage.standin"
PROBE_TIMEOUT = 15.0

Env = tuple[tuple[str, str], ...]  # (NAME, value) pairs a run adds to the image's ENV


def env_flags(flag: str, env: Env) -> list[str]:
    """``-e NAME=value`` (docker, podman) or ``--env NAME=value`` (buildah run) for each pair."""
    out: list[str] = []
    for name, value in env:
        out += [flag, f"{name}={value}"]
    return out


@dataclass(frozen=True)
class ImageInfo:
    """What ``docker run`` uses from an image, and what it weighs."""

    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    user: str = ""
    workdir: str = ""
    env: tuple[str, ...] = ()
    ports: tuple[int, ...] = ()  # EXPOSEd TCP ports
    healthcheck: tuple[str, ...] = ()  # ("CMD", argv...) | ("CMD-SHELL", cmd) | ("NONE",) | ()
    labels: dict = field(default_factory=dict)
    layers: int = 0
    size: Optional[int] = None  # bytes

    @property
    def argv(self) -> tuple[str, ...]:
        return self.entrypoint + self.cmd

    @property
    def standin(self) -> bool:
        return STANDIN_LABEL in self.labels

    def health_argv(self) -> tuple[str, ...]:
        if not self.healthcheck or self.healthcheck[0] == "NONE":
            return ()
        if self.healthcheck[0] == "CMD-SHELL":
            return ("/bin/sh", "-c", " ".join(self.healthcheck[1:]))
        if self.healthcheck[0] == "CMD":
            return tuple(self.healthcheck[1:])
        return tuple(self.healthcheck)


def image_info(config: dict, layers: int, size: Optional[int]) -> ImageInfo:
    """From a Docker image config (``Config`` of ``docker image inspect``)."""
    def strings(value) -> tuple[str, ...]:
        if isinstance(value, str):
            return (value,)
        return tuple(str(v) for v in value) if isinstance(value, list) else ()

    ports = []
    for key in (config.get("ExposedPorts") or {}):
        m = re.fullmatch(r"(\d+)(?:/(tcp|udp|sctp))?", str(key))
        if m and (m.group(2) or "tcp") == "tcp":
            ports.append(int(m.group(1)))
    health = config.get("Healthcheck") or {}
    return ImageInfo(
        entrypoint=strings(config.get("Entrypoint")),
        cmd=strings(config.get("Cmd")),
        user=str(config.get("User") or ""),
        workdir=str(config.get("WorkingDir") or ""),
        env=strings(config.get("Env")),
        ports=tuple(sorted(set(ports))),
        healthcheck=strings(health.get("Test")),
        labels=dict(config.get("Labels") or {}),
        layers=layers,
        size=size,
    )


_UNITS = {"b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4, "kib": 1024, "mib": 1024**2, "gib": 1024**3}


def parse_size(text: str) -> Optional[int]:
    """``"277 MB"`` (as buildah and podman print sizes, decimal units) -> bytes."""
    m = re.fullmatch(r"\s*([\d.]+)\s*([kmgt]?i?b)\s*", str(text), re.IGNORECASE)
    if not m:
        return None
    return int(float(m.group(1)) * _UNITS.get(m.group(2).lower(), 1))


class Container:
    """One running container. ``alive``/``exit_code`` say how it is doing."""

    name: str

    async def alive(self) -> bool:
        raise NotImplementedError

    async def exit_code(self) -> Optional[int]:
        raise NotImplementedError

    async def exec(self, argv: Sequence[str], timeout: float) -> proc.Done:
        raise NotImplementedError

    def host_port(self, port: int) -> Optional[int]:
        return port

    def log_tail(self) -> list[str]:
        return []

    async def stop(self) -> None:
        raise NotImplementedError


class Engine:
    name = ""
    binary = ""
    notes: tuple[str, ...] = ()  # what this engine cannot emulate, said with every report

    def __init__(self, binary: str) -> None:
        self.binary = binary

    # -- discovery -------------------------------------------------------------------------
    def probe(self) -> Optional[str]:
        """None when the engine answers, else why not (one line)."""
        raise NotImplementedError

    # -- build -----------------------------------------------------------------------------
    def build_argv(self, dockerfile: str, context: str, tag: str, target: str = "") -> list[str]:
        raise NotImplementedError

    def build_containers(self) -> set[str]:
        """Working containers of builds (buildah leaves them when a build is killed)."""
        return set()

    # -- images ----------------------------------------------------------------------------
    def inspect(self, tag: str) -> Optional[ImageInfo]:
        q = proc.query([self.binary, "image", "inspect", tag], timeout=60)
        if not q.ok:
            return None
        try:
            data = json.loads(q.out)
            item = data[0] if isinstance(data, list) else data
        except (ValueError, IndexError, KeyError):
            return None
        config = item.get("Config") or item.get("config") or {}
        rootfs = item.get("RootFS") or {}
        layers = len(rootfs.get("Layers") or [])
        size = item.get("Size")
        return image_info(config, layers, int(size) if isinstance(size, (int, float)) else None)

    def exists(self, tag: str) -> bool:
        return proc.query([self.binary, "image", "inspect", tag], timeout=60).ok

    def remove_image(self, tag: str) -> None:
        proc.query([self.binary, "rmi", "-f", tag], timeout=120)

    def remove_container(self, name: str) -> None:
        proc.query([self.binary, "rm", "-f", name], timeout=60)

    # -- run -------------------------------------------------------------------------------
    async def start(self, tag: str, name: str, image: ImageInfo, env: Env = ()) -> Container:
        """Start ``tag`` as ``docker run`` would, with ``env`` added to the image's ENV (``-e``)."""
        raise NotImplementedError


class CliEngine(Engine):
    """docker and podman: ``build``, ``run -d -P``, ``exec``, ``port``, ``rm -f``."""

    def __init__(self, name: str, binary: str) -> None:
        super().__init__(binary)
        self.name = name

    def probe(self) -> Optional[str]:
        q = proc.query([self.binary, "info", "--format", "{{json .}}"], timeout=PROBE_TIMEOUT)
        if q.ok:
            return None
        if self.name == "docker":
            return f"docker is installed but its daemon is not answering ({q.why()})"
        return f"{self.name} is installed but does not answer ({q.why()})"

    def build_argv(self, dockerfile: str, context: str, tag: str, target: str = "") -> list[str]:
        argv = [self.binary, "build", "-f", dockerfile, "-t", tag]
        if self.name == "docker":
            argv += ["--progress=plain"]
        else:
            argv += ["--layers=false"]
        if target:
            argv += ["--target", target]
        return argv + [context]

    async def start(self, tag: str, name: str, image: ImageInfo, env: Env = ()) -> Container:
        done = await proc.run([self.binary, "run", "-d", "--name", name, "-P", *env_flags("-e", env), tag], timeout=120)
        if not done.ok:
            text = done.text()
            if self.name == "podman" and "OCI" in text and shutil.which("buildah"):
                # podman built the image into the store buildah shares; buildah can start it.
                self.remove_container(name)
                fallback = Buildah(shutil.which("buildah") or "buildah")
                self.notes = (f"podman could not start a container here ({_last(text)}); it ran with buildah instead.",) + fallback.notes
                return await fallback.start(tag, name, image, env)
            raise StartError(_last(text) or "the container did not start")
        return CliContainer(self, name)


class CliContainer(Container):
    def __init__(self, engine: CliEngine, name: str) -> None:
        self.engine = engine
        self.name = name
        self._ports: dict[int, Optional[int]] = {}

    def _state(self) -> tuple[bool, Optional[int]]:
        q = proc.query([self.engine.binary, "inspect", "-f", "{{.State.Running}} {{.State.ExitCode}}", self.name], timeout=30)
        if not q.ok:
            return False, None
        parts = q.out.split()
        running = bool(parts) and parts[0] == "true"
        code = int(parts[1]) if len(parts) > 1 and parts[1].lstrip("-").isdigit() else None
        return running, code

    async def alive(self) -> bool:
        return (await asyncio.to_thread(self._state))[0]

    async def exit_code(self) -> Optional[int]:
        running, code = await asyncio.to_thread(self._state)
        return None if running else code

    async def exec(self, argv: Sequence[str], timeout: float) -> proc.Done:
        return await proc.run([self.engine.binary, "exec", self.name, *argv], timeout=timeout)

    def host_port(self, port: int) -> Optional[int]:
        if port not in self._ports:
            q = proc.query([self.engine.binary, "port", self.name, f"{port}/tcp"], timeout=30)
            m = re.search(r":(\d+)\s*$", q.out.splitlines()[0]) if q.ok and q.out.strip() else None
            self._ports[port] = int(m.group(1)) if m else None
        return self._ports[port]

    def log_tail(self) -> list[str]:
        q = proc.query([self.engine.binary, "logs", "--tail", "30", self.name], timeout=30)
        return (q.out + q.err).splitlines()[-30:]

    async def stop(self) -> None:
        await asyncio.to_thread(self.engine.remove_container, self.name)


class Buildah(Engine):
    """``buildah bud --isolation=chroot``; run = ``buildah from`` + ``buildah run``."""

    name = "buildah"

    def __init__(self, binary: str) -> None:
        super().__init__(binary)
        notes = [
            "buildah runs the image with chroot isolation on the host's network: EXPOSEd ports are reached on 127.0.0.1, "
            "and resource limits, capabilities and the container's own network are not emulated."
        ]
        self.notes = tuple(notes)

    def probe(self) -> Optional[str]:
        q = proc.query([self.binary, "images", "--quiet"], timeout=PROBE_TIMEOUT)
        return None if q.ok else f"buildah is installed but cannot use its image store ({q.why()})"

    def build_argv(self, dockerfile: str, context: str, tag: str, target: str = "") -> list[str]:
        argv = [self.binary, "bud", "--isolation=chroot", "--format", "docker", "--pull=missing", "--layers=false", "-f", dockerfile, "-t", tag]
        if target:
            argv += ["--target", target]
        return argv + [context]

    def build_containers(self) -> set[str]:
        q = proc.query([self.binary, "containers", "--format", "{{.ContainerID}}"], timeout=60)
        return set(q.out.split()) if q.ok else set()

    def inspect(self, tag: str) -> Optional[ImageInfo]:
        q = proc.query([self.binary, "inspect", "--type", "image", tag], timeout=60)
        if not q.ok:
            return None
        try:
            data = json.loads(q.out)
        except ValueError:
            return None
        docker = data.get("Docker") or {}
        config = docker.get("config") or {}
        if not config:  # an OCI image: same fields, other spelling
            oci = (data.get("OCIv1") or {}).get("config") or {}
            config = {
                "Entrypoint": oci.get("Entrypoint"), "Cmd": oci.get("Cmd"), "User": oci.get("User"),
                "WorkingDir": oci.get("WorkingDir"), "Env": oci.get("Env"), "ExposedPorts": oci.get("ExposedPorts"),
                "Labels": oci.get("Labels"),
            }
        layers = len(((docker.get("rootfs") or {}).get("diff_ids")) or ((data.get("OCIv1") or {}).get("rootfs") or {}).get("diff_ids") or [])
        return image_info(config, layers, self._size(tag))

    def _size(self, tag: str) -> Optional[int]:
        podman = shutil.which("podman")
        if podman:  # bytes, from the store buildah shares
            q = proc.query([podman, "image", "inspect", "--format", "{{.Size}}", tag], timeout=60)
            if q.ok and q.out.strip().isdigit():
                return int(q.out.strip())
        q = proc.query([self.binary, "images", "--json", tag], timeout=60)
        try:
            rows = json.loads(q.out) if q.ok else []
            return parse_size(rows[0]["size"]) if rows else None
        except (ValueError, KeyError, IndexError, TypeError):
            return None

    def exists(self, tag: str) -> bool:
        return proc.query([self.binary, "inspect", "--type", "image", tag], timeout=60).ok

    def remove_image(self, tag: str) -> None:
        proc.query([self.binary, "rmi", "-f", tag], timeout=120)

    def remove_container(self, name: str) -> None:
        proc.query([self.binary, "rm", name], timeout=60)

    async def start(self, tag: str, name: str, image: ImageInfo, env: Env = ()) -> Container:
        made = await asyncio.to_thread(proc.query, [self.binary, "from", "--pull-never", "--name", name, tag], 120)
        if not made.ok:
            raise StartError(made.why())
        argv = list(image.argv)
        if not argv:
            await asyncio.to_thread(self.remove_container, name)
            raise StartError("the image has no ENTRYPOINT or CMD to start")
        run = [self.binary, "run", "--isolation=chroot"]
        if image.user:
            run += ["--user", image.user]
        if image.workdir:
            run += ["--workingdir", image.workdir]
        run += [*env_flags("--env", env), name, "--", *argv]
        tail: deque = deque(maxlen=200)
        try:
            p = await proc.start(run)
        except BaseException:
            await asyncio.to_thread(self.remove_container, name)
            raise
        reader = asyncio.ensure_future(proc.pump(p, tail, None))
        return BuildahContainer(self, name, p, reader, tail, env)


class BuildahContainer(Container):
    def __init__(self, engine: Buildah, name: str, p: asyncio.subprocess.Process, reader: asyncio.Future, tail: deque, env: Env = ()) -> None:
        self.engine = engine
        self.env = env  # a HEALTHCHECK run through ``buildah run`` sees them, as ``docker exec`` does
        self.name = name
        self.proc = p
        self.reader = reader
        self.tail = tail

    async def alive(self) -> bool:
        return self.proc.returncode is None

    async def exit_code(self) -> Optional[int]:
        return self.proc.returncode

    async def exec(self, argv: Sequence[str], timeout: float) -> proc.Done:
        return await proc.run([self.engine.binary, "run", "--isolation=chroot", *env_flags("--env", self.env), self.name, "--", *argv], timeout=timeout)

    def log_tail(self) -> list[str]:
        return [ln for ln in self.tail if not ln.startswith(("subprocess exited", "Error: exit status"))][-30:]

    async def stop(self) -> None:
        try:
            await proc.stop(self.proc)
        finally:
            proc.kill_group(self.proc, signal.SIGKILL)
            if not self.reader.done():
                self.reader.cancel()
            await asyncio.to_thread(self.engine.remove_container, self.name)


class StartError(Exception):
    pass


def _last(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1][:300] if lines else ""


@dataclass(frozen=True)
class Found:
    engine: Optional[Engine]
    message: str = ""  # why there is none, or what was skipped on the way
    skipped: tuple[str, ...] = ()


def make(name: str) -> Optional[Engine]:
    binary = shutil.which(name)
    if binary is None:
        return None
    return Buildah(binary) if name == "buildah" else CliEngine(name, binary)


def on_path(wanted: str = "auto") -> bool:
    """Whether an engine could be used (cheap: PATH only; ``discover`` asks it)."""
    names = ENGINES if wanted in ("", "auto") else (wanted,)
    return any(shutil.which(n) for n in names)


def discover(wanted: str = "auto") -> Found:
    """The engine to verify with: ``wanted`` (docker, podman, buildah), or the first of them on
    PATH that answers. None with a message saying what was tried."""
    names = ENGINES if wanted in ("", "auto") else (wanted,)
    skipped: list[str] = []
    for name in names:
        engine = make(name)
        if engine is None:
            if wanted not in ("", "auto"):
                return Found(None, f"verify.engine is {name}, but no {name} command is on PATH")
            continue
        why = engine.probe()
        if why is None:
            return Found(engine, "", tuple(skipped))
        if wanted not in ("", "auto"):
            return Found(None, why)
        skipped.append(why)
    if skipped:
        return Found(None, "no usable container engine: " + "; ".join(skipped), tuple(skipped))
    return Found(None, "no container engine found (docker, podman or buildah on PATH)")


def unprivileged_port_start() -> int:
    try:
        with open("/proc/sys/net/ipv4/ip_unprivileged_port_start", encoding="ascii") as fh:
            return int(fh.read().strip())
    except (OSError, ValueError):
        return 1024


def is_root_user(user: str) -> bool:
    name = user.split(":", 1)[0].strip()
    return name in ("", "0", "root")
