"""Shared pieces of the offline planner's recipes: stage specs, rendering, runtime stage parts.

A recipe turns ``SourceFacts`` into a ``Plan`` (stages, each with lines and a reason to
exist); ``render`` writes the plan as a Dockerfile with a comment above each FROM.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field
from typing import Iterable, Optional

from ...dockerfile.model import Instruction
from ...settings import Settings
from ..annotate import comment_lines
from ..contract import normalize_argv
from ..facts import Cmd, SourceFacts


class Decline(Exception):
    """The recipe cannot convert this file safely; the message says what it could not determine."""


@dataclass
class StageSpec:
    name: str
    base: str
    lines: list[str]
    explanation: str
    platform: Optional[str] = None


@dataclass
class Plan:
    stages: list[StageSpec]
    summary: str
    changes: list[str] = field(default_factory=list)  # deliberate runtime contract changes, named
    notes: list[str] = field(default_factory=list)  # choices the planner made that the user should know


# -- settings-driven details ---------------------------------------------------------------

CACHE_DIRS = {
    "npm": "/root/.npm",
    "yarn": "/usr/local/share/.cache/yarn",
    "pnpm": "/root/.local/share/pnpm/store",
    "bun": "/root/.bun/install/cache",
    "pip": "/root/.cache/pip",
    "poetry": "/root/.cache/pypoetry",
    "uv": "/root/.cache/uv",
    "pdm": "/root/.cache/pdm",  # wheels and HTTP responses pdm downloads
    "go": "/go/pkg/mod",
    "go-build": "/root/.cache/go-build",
    "maven": "/root/.m2",
    "gradle": "/root/.gradle",
    "gradle-image": "/home/gradle/.gradle",  # the gradle image sets GRADLE_USER_HOME there
    "cargo": "/usr/local/cargo/registry",
    "dotnet": "/root/.nuget/packages",
}


def run(command: str, settings: Settings, *caches: str, extra: Iterable[str] = ()) -> str:
    """A RUN line, with BuildKit cache mounts for ``caches`` when ``cache_mounts`` is on."""
    mounts = list(extra)
    if settings.cache_mounts:
        mounts += [f"--mount=type=cache,target={CACHE_DIRS[c]}" for c in caches if c in CACHE_DIRS]
    if not mounts:
        return f"RUN {command}"
    if len(mounts) == 1 and len(command) < 60:
        return f"RUN {mounts[0]} {command}"
    return "RUN " + " \\\n    ".join(mounts) + " \\\n    " + command


def exec_form(argv: Iterable[str]) -> str:
    return json.dumps(list(argv))


def uses_cache_mounts(plan: Plan) -> bool:
    return any("--mount=" in line for st in plan.stages for line in st.lines)


# -- OS packages ---------------------------------------------------------------------------

BUILD_ONLY_PACKAGES = frozenset(
    (
        "build-essential", "gcc", "g++", "make", "cmake", "autoconf", "automake", "libtool", "pkg-config", "pkgconf",
        "git", "curl", "wget", "unzip", "gnupg", "gnupg2", "dirmngr", "ca-certificates", "build-base", "musl-dev",
        "python3-dev", "python-dev", "gfortran", "clang", "llvm", "binutils", "patch", "xz-utils", "bzip2",
        "apt-transport-https", "software-properties-common", "lsb-release", "openssh-client", "rustc", "cargo",
        "python-pip", "python3-pip",  # an installer: the runtime gets the virtual environment it filled
    )
)
# What a -dev package leaves behind at run time (Debian package names).
RUNTIME_LIBRARY = {
    "libpq-dev": "libpq5",
    "libffi-dev": "libffi8",
    "libssl-dev": "",  # libssl3 is in every slim image
    "zlib1g-dev": "",
    "libjpeg-dev": "libjpeg62-turbo",
    "libjpeg62-turbo-dev": "libjpeg62-turbo",
    "libpng-dev": "libpng16-16",
    "libxml2-dev": "libxml2",
    "libxslt1-dev": "libxslt1.1",
    "libxslt-dev": "libxslt1.1",
    "libyaml-dev": "libyaml-0-2",
    "default-libmysqlclient-dev": "libmariadb3",
    "libmariadb-dev": "libmariadb3",
    "libmariadb-dev-compat": "libmariadb3",
    "libsqlite3-dev": "libsqlite3-0",
    "libcurl4-openssl-dev": "libcurl4",
    "libgeos-dev": "libgeos-c1v5",
    "libmagic-dev": "libmagic1",
    "libsasl2-dev": "libsasl2-2",
    "libldap2-dev": "libldap-2.5-0",
    "libbz2-dev": "",
    "liblzma-dev": "",
    "libreadline-dev": "",
    "libncurses-dev": "",
    "libncurses5-dev": "",
    # Python's own headers: the interpreter they belong to is in the runtime image (or its package list) already.
    "python-dev": "",
    "python3-dev": "",
    "python2-dev": "",
}


def split_os_packages(packages: Iterable[str], used_at_runtime: str = "") -> tuple[list[str], list[str]]:
    """(build-time packages, runtime packages); raises Decline for a -dev package with no known runtime library."""
    build: list[str] = []
    runtime: list[str] = []
    for raw in packages:
        pkg = raw.split("=", 1)[0]
        if pkg.endswith("-dev") or pkg.endswith("-devel"):
            build.append(raw)
            if pkg not in RUNTIME_LIBRARY:
                raise Decline(f"cannot tell which runtime library the build package {pkg} needs at run time")
            lib = RUNTIME_LIBRARY[pkg]
            if lib and lib not in runtime:
                runtime.append(lib)
        elif pkg in BUILD_ONLY_PACKAGES and not re.search(rf"(?<![\w-]){re.escape(pkg)}(?![\w-])", used_at_runtime):
            build.append(raw)
        else:
            runtime.append(raw)
    return build, runtime


def apt_install(packages: Iterable[str], settings: Settings) -> str:
    pkgs = " ".join(packages)
    if settings.cache_mounts:
        return (
            "RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \\\n"
            "    --mount=type=cache,target=/var/lib/apt,sharing=locked \\\n"
            "    rm -f /etc/apt/apt.conf.d/docker-clean \\\n"
            f"    && apt-get update && apt-get install -y --no-install-recommends {pkgs}"
        )
    return f"RUN apt-get update \\\n    && apt-get install -y --no-install-recommends {pkgs} \\\n    && rm -rf /var/lib/apt/lists/*"


def apk_add(packages: Iterable[str]) -> str:
    return f"RUN apk add --no-cache {' '.join(packages)}"


def os_install(manager: str, packages: list[str], settings: Settings) -> Optional[str]:
    if not packages:
        return None
    return apk_add(packages) if manager == "apk" else apt_install(packages, settings)


# -- the runtime stage ---------------------------------------------------------------------


def meta_lines(f: SourceFacts, keywords: Iterable[str]) -> list[str]:
    keep = set(keywords)
    return [f.text_of(i) for i in f.meta if i.keyword in keep]


def last_meta(f: SourceFacts, keyword: str) -> Optional[Instruction]:
    found = None
    for i in f.meta:
        if i.keyword == keyword:
            found = i
    return found


def needs_shell(f: SourceFacts) -> list[str]:
    """Runtime instructions that need /bin/sh (so a shell-less image such as distroless cannot run them)."""
    out = []
    for i in f.meta:
        if i.keyword in ("CMD", "ENTRYPOINT") and not i.is_json:
            out.append(f"{i.keyword} in shell form")
        elif i.keyword == "HEALTHCHECK" and i.args and i.args[0].text.upper() == "CMD" and not i.text.split(None, 1)[1].lstrip().startswith("["):
            out.append("HEALTHCHECK in shell form")
        elif i.keyword == "HEALTHCHECK" and i.args and i.args[0].text.upper() == "CMD":
            words = _json_words(i.text.split(None, 1)[1])
            if words and words[0].rsplit("/", 1)[-1] in ("sh", "bash", "curl", "wget", "nc"):
                out.append(f"HEALTHCHECK runs {words[0]}")
    return out


def _json_words(text: str) -> list[str]:
    try:
        value = json.loads(text)
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def original_user(f: SourceFacts) -> str:
    ins = last_meta(f, "USER")
    return ins.text.strip() if ins is not None else ""


def is_root(user: str) -> bool:
    return user.split(":", 1)[0] in ("", "root", "0")


def port(f: SourceFacts) -> Optional[str]:
    """The first TCP port the image exposes (for a health check), if a literal one."""
    for i in f.meta:
        if i.keyword == "EXPOSE":
            for w in i.args:
                p = w.text.split("/", 1)
                if p[0].isdigit() and (len(p) == 1 or p[1].lower() == "tcp"):
                    return p[0]
    return None


def privileged_port(f: SourceFacts) -> Optional[int]:
    """The lowest port below 1024 the image EXPOSEs, if any: a recipe that would switch a root
    image to an unprivileged user keeps root instead, since such a user binds it only where the
    runtime lowers ``net.ipv4.ip_unprivileged_port_start`` (Docker does, Kubernetes and hosts by
    default do not), and moving the port changes what its clients connect to."""
    low = [int(p) for p in (w.split("/", 1)[0] for w in f.contract.ports) if p.isdigit() and int(p) < 1024]
    return min(low) if low else None


def kept_root(port: int) -> str:
    """The note of a recipe that kept root for ``privileged_port``."""
    return (
        f"The image still runs as root: it listens on port {port}, which an unprivileged user can bind only where the "
        "runtime allows it (Docker does; Kubernetes and plain hosts do not by default). Move it to a port of 1024 or "
        "above and add a USER to drop root."
    )


def env_path(texts: Iterable[str], *names: str) -> str:
    """The first absolute, variable-free path ``texts`` (ENV lines, RUN prefixes) give one of ``names`` ("" when none)."""
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")[= ]\"?([^\s\"]+)")
    for t in texts:
        m = pattern.search(t)
        if m and m.group(1).startswith("/") and "$" not in m.group(1):
            return m.group(1).rstrip("/")
    return ""


def healthcheck(f: SourceFacts, settings: Settings, probe: Optional[list[str]], notes: list[str]) -> list[str]:
    """The original HEALTHCHECK, or a TCP check on the exposed port when ``include_healthcheck``."""
    original = last_meta(f, "HEALTHCHECK")
    if original is not None:
        return [f.text_of(original)]
    if not settings.include_healthcheck:
        return []
    p = port(f)
    if p is None:
        notes.append("No HEALTHCHECK was added: the image exposes no port to probe.")
        return []
    if probe is None:
        notes.append("No HEALTHCHECK was added: the runtime image has no tool to probe the port with.")
        return []
    argv = [part.replace("{port}", p) for part in probe]
    notes.append(
        f"The HEALTHCHECK only checks that port {p} accepts connections; point it at your health endpoint if you have one."
    )
    return [f"HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 CMD {exec_form(argv)}"]


def command_lines(f: SourceFacts, rewrite_program: Optional[dict[str, list[str]]] = None) -> list[str]:
    """ENTRYPOINT and CMD as in the original, with the program swapped where the runtime needs it.

    ``rewrite_program`` maps a program name (``node``) to the argv that replaces it, e.g.
    ``[]`` when the runtime image's own ENTRYPOINT already is that program.
    """
    entry, cmd = last_meta(f, "ENTRYPOINT"), last_meta(f, "CMD")
    if not rewrite_program:
        return [f.text_of(i) for i in (entry, cmd) if i is not None]
    out = []
    first = entry if entry is not None else cmd
    for ins in (entry, cmd):
        if ins is None:
            continue
        if ins is first:
            words = list(normalize_argv(tuple(w.text for w in ins.args) if ins.is_json else ("/bin/sh", "-c", ins.text.strip())))
            if words and words[0] in rewrite_program:
                words = rewrite_program[words[0]] + words[1:]
            out.append(f"{ins.keyword} {exec_form(words)}")
        else:
            out.append(f.text_of(ins))
    return out


def stage_prelude(f: SourceFacts) -> list[str]:
    return list(f.stage_args)


def envs_before(f: SourceFacts, *phases: str) -> list[str]:
    return [p.text for p in f.phases if p.before in phases]


def workdir_line(path: str) -> Optional[str]:
    return f"WORKDIR {path}" if path and path != "/" else None


def rel_to(workdir: str, path: str) -> str:
    """``path`` as written relative to ``workdir`` when inside it (``/app/dist`` -> ``./dist``)."""
    path = posixpath.normpath(path)
    if workdir != "/" and (path == workdir or path.startswith(workdir + "/")):
        rest = path[len(workdir):].lstrip("/")
        return "./" + rest if rest else "."
    return path


def copy_from(stage: str, src: str, dest: str, chown: str = "") -> str:
    flag = f" --chown={chown}" if chown else ""
    return f"COPY --from={stage}{flag} {src} {dest}"


def source_copy_lines(f: SourceFacts) -> list[str]:
    return [c.text for c in f.source_copies]


def commands_of(f: SourceFacts, *kinds: str) -> list[Cmd]:
    return f.of_kind(*kinds)


def _link_scan(stages: list[StageSpec]) -> None:
    """Make the final stage use the scan stage (its empty marker file), so the build runs it."""
    from .scan import SCAN_MARKER_LINE

    if len(stages) < 2 or stages[-1].name == "scan" or not any(st.name == "scan" for st in stages[:-1]):
        return
    lines = stages[-1].lines
    if SCAN_MARKER_LINE in lines:
        return
    at = next((i for i, ln in enumerate(lines) if ln and ln.startswith("COPY")), len(lines))
    lines.insert(at, SCAN_MARKER_LINE)


def render(plan: Plan, f: SourceFacts) -> str:
    """The plan as Dockerfile text: prelude, then each stage under a comment saying why it exists."""
    out: list[str] = []
    prelude = list(f.prelude)
    if uses_cache_mounts(plan) and not any(p.startswith("# syntax=") for p in prelude):
        prelude.insert(0, "# syntax=docker/dockerfile:1")
    directives = [p for p in prelude if p.startswith("# syntax=")]
    args = [p for p in prelude if not p.startswith("# syntax=")]
    out += directives
    if args:
        if out:
            out.append("")
        out += args
    _link_scan(plan.stages)
    for st in plan.stages:
        if out:
            out.append("")
        out += comment_lines(st.name, st.explanation)
        platform = f"--platform={st.platform} " if st.platform else ""
        out.append(f"FROM {platform}{st.base} AS {st.name}")
        out += [line for line in st.lines if line is not None]
    return "\n".join(out) + "\n"


def major_of(tag: str) -> Optional[str]:
    m = re.match(r"^(\d+)", tag or "")
    return m.group(1) if m else None


def version_of(tag: str) -> Optional[str]:
    """``3.12`` from ``3.12-slim-bookworm``, ``1.27`` from ``1.27.1-alpine``."""
    m = re.match(r"^(\d+(?:\.\d+)?)", tag or "")
    return m.group(1) if m else None


def unprivileged_user(family: str, name: str = "app") -> tuple[list[str], str]:
    """(lines that create it, the USER value) for a non-root user in a runtime of ``family``.

    ``family``: distroless (has ``nonroot``), scratch/chiseled (numeric only), alpine
    (busybox adduser), debian (useradd).
    """
    if family == "distroless":
        return [], "nonroot"
    if family in ("scratch", "chiseled"):
        return [], "65532:65532"
    if family == "alpine":
        return [f"RUN addgroup -S {name} && adduser -S -G {name} -u 10001 {name}"], name
    return [f"RUN useradd --system --create-home --uid 10001 {name}"], name


def image_copy_split(f: SourceFacts) -> tuple[list[str], list[str]]:
    """COPY --from=<image> lines: (tools for the build, files the runtime command uses)."""
    used = " ".join(meta_lines(f, ("CMD", "ENTRYPOINT", "HEALTHCHECK")))
    build: list[str] = []
    runtime: list[str] = []
    for line in f.image_copies:
        dest = line.split()[-1].rstrip("/")
        name = posixpath.basename(dest)
        if name and re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w.-])", used):
            runtime.append(line)
        else:
            build.append(line)
    return build, runtime
