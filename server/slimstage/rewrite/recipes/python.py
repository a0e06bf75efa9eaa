"""Python (pip, poetry, uv): a virtual environment built with compilers, a slim runtime.

builder: the original image (compilers, -dev headers) builds every dependency into
/opt/venv from the manifests alone, so code changes reuse the layer. runtime:
python:<v>-slim (or -alpine) with the virtual environment, the runtime libraries the
-dev packages were for, and the application files.
"""

from __future__ import annotations

import re

from ...settings import Settings
from ..facts import Cmd, SourceFacts
from ..project import ProjectFiles
from .common import (
    Decline,
    Plan,
    StageSpec,
    command_lines,
    copy_from,
    envs_before,
    healthcheck,
    image_copy_split,
    meta_lines,
    kept_root,
    original_user,
    os_install,
    privileged_port,
    run,
    source_copy_lines,
    split_os_packages,
    stage_prelude,
    unprivileged_user,
    version_of,
    workdir_line,
)
from .scan import scan_stage

VENV = "/opt/venv"
SOCKET_PROBE = "import socket; socket.create_connection(('127.0.0.1', {port}), timeout=3)"
APP_USER = "app"


def _requirements(cmd: Cmd, p: ProjectFiles) -> list[str]:
    """The files a pip install reads: -r/-c files and what they include in turn."""
    files: list[str] = []
    words = list(cmd.words)
    for i, w in enumerate(words):
        if w in ("-r", "--requirement", "-c", "--constraint") and i + 1 < len(words):
            files.append(words[i + 1])
        elif w.startswith("--requirement=") or (w.startswith("-r") and len(w) > 2):
            files.append(w.split("=", 1)[1] if "=" in w else w[2:])
    for name in list(files):
        text = p.text(name) or ""
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip()
            if re.match(r"^(-e|--editable)\s+(\.|/)", line) or line in (".", "./"):
                raise Decline(f"{name} installs the project itself ({line}); the planner cannot install it before the source is copied")
            m = re.match(r"^(-r|-c|--requirement|--constraint)\s*=?\s*(\S+)", line)
            if m and m.group(2) not in files:
                files.append(m.group(2))
    return files


def _local_install(c: Cmd) -> bool:
    """``pip install dist/*.whl`` / ``pip install ./pkg``: what it installs comes from the source or the build."""
    if c.step is None or c.step.tool != "pip":
        return False
    names = [w for w in c.words[2:] if not w.startswith("-")]
    return any(n in (".", "./") or "/" in n or n.endswith((".whl", ".tar.gz", ".zip")) for n in names)


def _same_poetry_install(installs: list[Cmd]) -> bool:
    """``poetry install [--no-root]`` repeated with the same options (the usual before/after the source copy)."""
    shapes = {tuple(w for w in c.words if w != "--no-root") for c in installs if c.step is not None and c.step.tool == "poetry"}
    return len(shapes) == 1 and len([c for c in installs if c.step is not None and c.step.tool == "poetry"]) == len(installs) and next(iter(shapes))[:2] == ("poetry", "install")


def _pip_command(cmd: Cmd) -> str:
    words = [w for w in cmd.words if w not in ("--user",)]
    if any(w.startswith(("--target", "--prefix", "--root")) or w in ("-t",) for w in words):
        raise Decline("pip installs into a custom location (--target/--prefix); the planner builds a virtual environment")
    return " ".join(words)


def _deps_lines(f: SourceFacts, s: Settings, p: ProjectFiles, notes: list[str]) -> tuple[list[str], list[tuple[int, str]], str]:
    """(lines before the source copy, (command index, line) after it, tool) for the builder."""
    installs = [c for c in f.commands if c.kind in ("deps", "build") and c.step is not None and c.step.ecosystem == "python"]
    if not installs:
        raise Decline("no pip, poetry or uv install: nothing to split into a builder and a runtime")
    tool = installs[0].step.tool  # type: ignore[union-attr]
    before: list[str] = []
    after: list[tuple[int, str]] = []
    at = {id(c): i for i, c in enumerate(f.commands)}
    if tool in ("pipenv", "pdm"):
        # Both install into the active virtual environment (VIRTUAL_ENV and PATH point at
        # /opt/venv in the builder), so the recipe's environment is filled as with pip.
        if len(installs) > 1:
            raise Decline(f"{tool} and another installer both install dependencies")
        c = installs[0]
        if tool == "pipenv":
            lock = "Pipfile.lock" if (p.has("Pipfile.lock") or (not p.known and ("--deploy" in c.words or c.words[1:2] == ("sync",)))) else "Pipfile.lock*"
            before.append(f"COPY Pipfile {lock} ./")
            words = [w for w in c.words if w not in ("--system",)]
            before.append(run(" ".join(words), s, "pip"))
            notes.append("pipenv installs into the builder's virtual environment (/opt/venv), which the runtime copies.")
            return before, after, tool
        lock = "pdm.lock" if p.has("pdm.lock") else "pdm.lock*"
        before.append(f"COPY pyproject.toml {lock} ./")
        flags = [w for w in c.words[2:] if w not in ("--no-self",)]
        prod = [] if any(w in ("--prod", "--production") for w in flags) else ["--prod"]
        if prod:
            notes.append("pdm installs with --prod: development dependencies stay out of the image.")
        before.append(run(" ".join(["pdm", c.words[1], *flags, *prod, "--no-self"]), s, "pdm"))
        if "--no-self" not in c.words:
            after.append((at[id(c)], run(" ".join(["pdm", c.words[1], *flags, *prod]), s, "pdm")))
        return before, after, tool
    if tool in ("pip", "uv") and all(c.step and c.step.tool in ("pip", "uv") for c in installs):
        for c in installs:
            if c.kind == "build" or _local_install(c):  # pip install . / dist/*.whl needs the source or the build
                after.append((at[id(c)], run(_pip_command(c), s, "pip" if c.step.tool == "pip" else "uv")))  # type: ignore[union-attr]
                continue
            if c.step is not None and c.step.tool == "uv" and c.words[:2] == ("uv", "sync"):
                before.append("COPY " + " ".join(["pyproject.toml"] + (["uv.lock"] if (not p.known or p.has("uv.lock")) else [])) + " ./")
                flags = [w for w in c.words[2:] if w not in ("--no-dev",)]
                before.append(run(" ".join(["uv", "sync", *flags, "--no-dev", "--no-install-project"]), s, "uv"))
                if "--no-dev" not in c.words:
                    notes.append("uv sync runs with --no-dev: development dependencies stay out of the image.")
                after.append((at[id(c)], run(" ".join(["uv", "sync", *flags, "--no-dev"]), s, "uv")))
                continue
            reqs = _requirements(c, p)
            if reqs:
                before.append(f"COPY {' '.join(dict.fromkeys(reqs))} ./")
            before.append(run(_pip_command(c), s, "pip" if c.step is None or c.step.tool == "pip" else "uv"))
        return before, after, tool
    if tool == "poetry":
        if len(installs) > 1 and not _same_poetry_install(installs):
            raise Decline("poetry and another installer both install dependencies")
        # Installed twice (before and after the source copy, as the recipe does): the last decides.
        c = installs[-1]
        lock = ["poetry.lock"] if (not p.known or p.has("poetry.lock")) else []
        before.append(f"COPY pyproject.toml {' '.join(lock)} ./".replace("  ", " "))
        flags = [w for w in c.words[2:] if not w.startswith(("--no-dev", "--without", "--only", "--with")) and w not in ("--no-root", "--no-interaction", "-n")]
        base = ["poetry", "install", "--only", "main", "--no-interaction", *flags]
        before.append(run(" ".join(base + ["--no-root"]), s, "poetry"))
        if not any(w.startswith(("--only", "--without")) or w == "--no-dev" for w in c.words):
            notes.append("poetry installs only the main group: development dependencies stay out of the image.")
        if "--no-root" not in c.words:
            after.append((at[id(c)], run(" ".join(base), s, "poetry")))
        return before, after, tool
    raise Decline("dependencies are installed by more than one tool")


def _runtime_image(f: SourceFacts, s: Settings, needs_apt: bool, notes: list[str]) -> tuple[str, str]:
    ref = f.base_ref
    repo = ref.full if ref.registry else ref.repository
    if ref.name not in ("python", "pypy"):
        raise Decline(
            f"Python comes from {f.base}'s packages, not a python image: the planner has no slim runtime that matches it "
            "(start FROM python:<version> to convert)"
        )
    version = version_of(ref.tag)
    if not version:
        raise Decline(f"cannot tell the Python version of {f.base}; pin a tag such as python:3.12")
    family = s.target_base
    if family in ("distroless", "scratch"):
        notes.append(
            f"Using python:{version}-slim rather than {family}: distroless Python images bring their own "
            "interpreter version, which the virtual environment built on the original image cannot use."
        )
        family = "slim"
    if family == "alpine":
        if needs_apt or "alpine" not in ref.tag:
            notes.append("Using a slim image rather than Alpine: wheels and libraries built on Debian do not run on musl.")
            family = "slim"
        else:
            return f"{repo}:{ref.tag}", "alpine"
    if "alpine" in ref.tag:
        return f"{repo}:{ref.tag}", "alpine"
    distro = next((d for d in ("bookworm", "trixie", "bullseye", "buster", "stretch") if d in ref.tag), "")
    return f"{repo}:{version}-slim" + (f"-{distro}" if distro else ""), "slim"


def plan_python(f: SourceFacts, s: Settings, p: ProjectFiles) -> Plan:
    notes: list[str] = []
    changes: list[str] = []
    if f.workdir == "/":
        raise Decline("the install runs in / (no WORKDIR): the planner needs a project folder")
    argv = f.argv or ()
    if argv and argv[0].rsplit("/", 1)[-1] in ("poetry", "pipenv", "pdm", "uv", "hatch") and len(argv) > 1 and argv[1] == "run":
        raise Decline(f"the container starts through `{argv[0]} run`, which would need the tool in the runtime image")
    hatch_env = next((c for c in f.commands if c.words[:2] in (("hatch", "env"), ("hatch", "run"), ("hatch", "shell"))), None)
    if hatch_env is not None:
        raise Decline(
            f"`{' '.join(hatch_env.words[:3])}` installs into Hatch's own environments, outside the virtual environment the runtime "
            "gets; build a wheel (`hatch build -t wheel`) and `pip install dist/*.whl`, and the planner can split it"
        )
    runtime_uses = " ".join(meta_lines(f, ("CMD", "ENTRYPOINT", "HEALTHCHECK")))
    build_pkgs, runtime_pkgs = split_os_packages(f.os_packages, runtime_uses)
    before, after, tool = _deps_lines(f, s, p, notes)
    image, family = _runtime_image(f, s, bool(runtime_pkgs) and f.os_manager == "apt", notes)
    wd = f.workdir

    builder = stage_prelude(f) + envs_before(f, "os")
    os_line = os_install(f.os_manager, list(f.os_packages), s)
    if os_line:
        builder.append(os_line)
    tool_copies, runtime_copies = image_copy_split(f)
    builder += envs_before(f, "tool") + tool_copies + [run(c.text, s) for c in f.of_kind("tool")]
    if tool == "poetry":
        builder += [f"ENV POETRY_VIRTUALENVS_CREATE=false VIRTUAL_ENV={VENV} PATH=\"{VENV}/bin:$PATH\""]
    elif tool == "uv":
        builder += [f"ENV UV_PROJECT_ENVIRONMENT={VENV} UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy VIRTUAL_ENV={VENV} PATH=\"{VENV}/bin:$PATH\""]
    else:
        builder += [f"ENV VIRTUAL_ENV={VENV} PATH=\"{VENV}/bin:$PATH\""]
    builder.append(f"RUN python -m venv {VENV}")
    builder.append(workdir_line(wd) or "")
    builder += envs_before(f, "deps", "copy") + before
    # After the source copy, in the order they ran: installs that need the source (or a
    # wheel the build wrote) and the other build steps.
    rest = list(after) + [
        (i, run(c.text, s)) for i, c in enumerate(f.commands)
        if c.kind in ("script", "build") and (c.step is None or c.step.ecosystem != "python")
    ]
    if rest:
        builder += source_copy_lines(f) + envs_before(f, "build") + [line for _, line in sorted(rest, key=lambda x: x[0])]

    runtime = stage_prelude(f)
    rt_os = os_install("apk" if family == "alpine" else "apt", runtime_pkgs, Settings(cache_mounts=False))
    if rt_os:
        runtime.append(rt_os)
    user = original_user(f)
    low_port = privileged_port(f) if not user else None
    user_cmds = [f"RUN {c.text}" for c in f.of_kind("user")]
    if user_cmds:
        runtime += user_cmds
    elif not user and low_port is None:
        runtime += unprivileged_user(family, APP_USER)[0]
    runtime.append(f"ENV VIRTUAL_ENV={VENV} PATH=\"{VENV}/bin:$PATH\"")
    runtime.append(workdir_line(f.final_workdir) or "")
    runtime += meta_lines(f, ("ENV", "LABEL", "MAINTAINER"))
    runtime.append(copy_from("builder", VENV, VENV))
    runtime += source_copy_lines(f)
    runtime += runtime_copies + meta_lines(f, ("EXPOSE", "VOLUME", "STOPSIGNAL"))
    if user:
        runtime.append(f"USER {user}")
    elif low_port is not None:
        notes.append(kept_root(low_port))
    else:
        runtime.append(f"USER {APP_USER}")
        changes.append(f"USER {APP_USER}: the app no longer runs as root (a system user created in the runtime stage).")
    runtime += healthcheck(f, s, ["python", "-c", SOCKET_PROBE], notes)
    runtime += command_lines(f)

    stages = [
        StageSpec(
            "builder",
            f.base,
            [x for x in builder if x],
            f"builds every dependency into the virtual environment {VENV}, with the compilers and headers of {f.base}; "
            "the manifests are copied first, so code changes reuse this layer.",
        )
    ]
    scan = scan_stage(f, s, stages, image, [("builder", VENV)], notes, 3)
    if scan is not None:
        stages.append(scan)
    stages.append(
        StageSpec(
            "runtime",
            image,
            [x for x in runtime if x],
            f"only what runs: {image} with the virtual environment"
            + (f", the runtime libraries ({', '.join(runtime_pkgs)})" if runtime_pkgs else "")
            + " and the application files"
            + "; no compilers, headers or pip cache.",
        )
    )
    summary = (
        f"Split into {', '.join(st.name for st in stages)}: dependencies are built once per change of the manifests "
        f"into a virtual environment, and only that environment and the application ship on {image} instead of {f.base}."
    )
    return Plan(stages, summary, changes, notes)
