"""What a single-stage Dockerfile does, sorted into build time and run time.

The offline planner's input: every instruction of the one stage is placed in a phase
(OS packages, tool set-up, dependency install, source copy, build) or marked as shaping
the runtime (ENV, LABEL, EXPOSE, USER, CMD...). Anything that cannot be placed safely is
recorded in ``unsupported`` with the reason; the planner then declines.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
import shlex
from dataclasses import dataclass, field
from typing import Optional

from ..analysis import Analysis
from ..analysis.ecosystems import Command, PackageStep, classify, split_commands
from ..analysis.images import ImageRef, parse_ref, toolchain_of
from ..analysis.indirect import delegated, image_ecosystem, is_delegating
from ..analysis.stages import copy_dest, copy_sources
from ..dockerfile.model import Dockerfile, Instruction, Range
from .contract import Contract, contract_of

# Instructions that shape the running container, copied to the runtime stage as written.
RUNTIME_META = frozenset(("ENV", "LABEL", "EXPOSE", "VOLUME", "USER", "STOPSIGNAL", "HEALTHCHECK", "CMD", "ENTRYPOINT", "MAINTAINER"))
MANIFEST_NAMES = frozenset(
    (
        "package.json", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb", "bun.lock",
        ".npmrc", ".yarnrc", ".yarnrc.yml", "pnpm-workspace.yaml", "requirements.txt", "pyproject.toml", "poetry.lock",
        "uv.lock", "setup.py", "setup.cfg", "Pipfile", "Pipfile.lock", "go.mod", "go.sum", "pom.xml", "build.gradle",
        "build.gradle.kts", "settings.gradle", "settings.gradle.kts", "gradle.properties", "Cargo.toml", "Cargo.lock",
        "package*.json", "requirements*.txt", "*.csproj", "*.sln", "*.fsproj", "packages.lock.json", "nuget.config",
        "Gemfile", "Gemfile.lock", "Gemfile*", "composer.json", "composer.lock", "composer.*", "mix.exs", "mix.lock",
    )
)
_NODE_TOOLS = frozenset(("npm", "yarn", "pnpm", "bun"))
_PY_TOOLS = frozenset(("poetry", "uv", "pipenv", "pdm", "pip", "wheel", "setuptools", "virtualenv", "pip-tools", "hatch", "hatchling", "build"))
_NOOP = frozenset(("true", "echo", "set", "ls", "pwd", "printenv", "env", "whoami", "id", "date", "uname", "cat", "node", "python", "python3", "java", "go", "cargo", "dotnet"))
_USER_TOOLS = frozenset(("useradd", "adduser", "groupadd", "addgroup"))
_BIN_DIRS = frozenset(("/usr/local/bin", "/usr/bin", "/bin"))
_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


@dataclass(frozen=True)
class Cmd:
    """One shell command of a RUN, placed in a phase."""

    kind: str  # os-update, os-install, os-clean, tool, deps, prefetch, build, script, user, cleanup (dropped), noop, unknown
    text: str  # as written, with its VAR=value prefixes
    words: tuple[str, ...]  # without the prefixes
    step: Optional[PackageStep] = None
    packages: tuple[str, ...] = ()  # for os-install
    mounts: tuple[str, ...] = ()  # the RUN's --mount flags, as written


@dataclass(frozen=True)
class Copy:
    """A COPY/ADD of files from the build context."""

    ins: Instruction
    text: str  # the instruction as written
    sources: tuple[str, ...]
    dest: str  # absolute
    manifests_only: bool


@dataclass(frozen=True)
class Phase:
    """An ENV or ARG line and the first step it precedes (so the builder keeps the order)."""

    text: str
    before: str  # os, tool, deps, copy, build, end


@dataclass(frozen=True)
class SourceFacts:
    doc: Dockerfile
    base: str
    base_ref: ImageRef
    platform: Optional[str]
    ecosystem: str  # node, python, go, java, rust, dotnet, ruby, php, elixir, c, or "" when none is recognized
    tools: tuple[str, ...]  # package-manager tools seen, in order
    prelude: tuple[str, ...]  # directives and ARGs before FROM, as written
    stage_args: tuple[str, ...]
    phases: tuple[Phase, ...]  # ENV lines that came before a build step
    meta: tuple[Instruction, ...]  # runtime-shaping instructions, in order
    workdir: str  # where installs and builds ran
    final_workdir: str
    copies: tuple[Copy, ...]
    image_copies: tuple[str, ...]  # COPY --from=<image> lines, as written (tools for the build)
    commands: tuple[Cmd, ...]
    os_manager: str  # apt, apk or ""
    contract: Contract
    unsupported: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def text_of(self, ins: Instruction) -> str:
        return "\n".join(self.doc.lines[ins.start_line : ins.end_line + 1])

    def of_kind(self, *kinds: str) -> list[Cmd]:
        return [c for c in self.commands if c.kind in kinds]

    @property
    def os_packages(self) -> tuple[str, ...]:
        out: list[str] = []
        for c in self.of_kind("os-install"):
            out += [p for p in c.packages if p not in out]
        return tuple(out)

    @property
    def source_copies(self) -> list[Copy]:
        return [c for c in self.copies if not c.manifests_only]

    def steps(self, *kinds: str) -> list[PackageStep]:
        return [c.step for c in self.commands if c.step is not None and (not kinds or c.step.kind in kinds)]

    @property
    def argv(self) -> Optional[tuple[str, ...]]:
        """The command the container runs as far as the Dockerfile sets it (ENTRYPOINT + CMD).

        Shell form without shell syntax is split into words; the program keeps its path.
        """
        from .contract import normalize_argv

        c = self.contract
        if c.entrypoint is None and c.cmd is None:
            return None
        argv = tuple(c.entrypoint or ()) + tuple(c.cmd or ())
        if not argv:
            return argv
        words = normalize_argv(argv)
        if len(argv) == 3 and argv[:2] == ("/bin/sh", "-c"):
            if len(words) == 3 and words[1:] == argv[1:]:
                return argv  # shell syntax: left to the shell
            raw = shlex.split(argv[2])
            return tuple(raw[1:] if raw[:1] == ["exec"] else raw)
        return (argv[0],) + tuple(words[1:])

    def program(self) -> str:
        """The name of the program the container runs (``node``, ``java``, ``app``), or ''."""
        argv = self.argv
        return argv[0].rsplit("/", 1)[-1] if argv else ""


# -- commands ------------------------------------------------------------------------------


def _strip_assignments(words: tuple[str, ...]) -> tuple[str, ...]:
    i = 0
    while i < len(words) and (_ASSIGN.match(words[i]) or words[i] in ("sudo", "env", "exec", "command")):
        i += 1
    return words[i:]


def _apt_packages(words: tuple[str, ...]) -> tuple[str, ...]:
    pkgs = []
    skip = False
    for w in words[2:]:
        if skip:
            skip = False
            continue
        if w in ("-o", "-t", "--target-release"):
            skip = True
            continue
        if w.startswith("-"):
            continue
        pkgs.append(w)
    return tuple(pkgs)


_SAFE_TO_DROP = ("/var/lib/apt/lists", "/var/cache/apk", "/var/cache/apt", "/tmp/", "/root/.cache", "/root/.npm", "/usr/local/share/.cache")


def classify_command(words: tuple[str, ...], text: str, workdir: str = "/", folders: frozenset[str] = frozenset()) -> Cmd:
    """Which phase one shell command belongs to (``unknown`` when the planner cannot place it)."""
    w = _strip_assignments(words)
    if not w:
        return Cmd("noop", text, w)
    if re.search(r"(?<![<>=-])>|<(?![<(])", text):
        return Cmd("unknown", text, w)  # writes or reads a file: the planner cannot tell what for
    tool = w[0].rsplit("/", 1)[-1]
    sub = w[1] if len(w) > 1 else ""
    if tool in ("apt-get", "apt"):
        if sub == "update":
            return Cmd("os-update", text, w)
        if sub == "install":
            return Cmd("os-install", text, w, packages=_apt_packages(w))
        if sub in ("clean", "autoremove", "autoclean", "purge", "remove"):
            return Cmd("os-clean", text, w)
        return Cmd("unknown", text, w)
    if tool == "apk":
        if sub == "update":
            return Cmd("os-update", text, w)
        if sub == "add":
            return Cmd("os-install", text, w, packages=tuple(p for p in w[2:] if not p.startswith("-")))
        if sub in ("cache", "del"):
            return Cmd("os-clean", text, w)
        return Cmd("unknown", text, w)
    if tool == "rm":
        targets = [x for x in w[1:] if not x.startswith("-")]
        if targets and all(t.startswith(_SAFE_TO_DROP) for t in targets):
            return Cmd("os-clean", text, w)
        return Cmd("unknown", text, w)
    step = classify(Command(tuple(words[len(words) - len(w):]), text, 0, len(text), Range.of(0, 0, 0, 0)))
    if step is not None:
        kind = step.kind
        return Cmd(kind, text, w, step=step)
    if tool in _NODE_TOOLS:
        if tool == "npm" and sub in ("install", "i", "add") and ("-g" in w or "--global" in w):
            return Cmd("tool", text, w)
        if sub in ("run", "run-script") or (tool != "npm" and sub and not sub.startswith("-") and sub not in ("add", "remove", "global", "config")):
            return Cmd("script", text, w)
        if tool == "npm" and sub in ("config", "set"):
            return Cmd("tool", text, w)
        if tool == "npm" and sub in ("cache", "prune"):
            return Cmd("cleanup", text, w)
        return Cmd("unknown", text, w)
    if tool in ("npx", "corepack"):
        return Cmd("tool" if tool == "corepack" else "script", text, w)
    if tool in ("pip", "pip3") or (tool.startswith("python") and sub == "-m" and len(w) > 2 and w[2] in ("pip", "pip3")):
        args = w[1:] if tool.startswith("pip") else w[3:]
        if args and args[0] == "install":
            names = [a for a in args[1:] if not a.startswith("-")]
            if names and all(n.split("==")[0].split(">=")[0].lower() in _PY_TOOLS for n in names):
                return Cmd("tool", text, w)
            if names:
                return Cmd("deps", text, w, step=PackageStep("python", "pip", "deps", (), (), False, False, Command(w, text, 0, len(text), Range.of(0, 0, 0, 0))))
        if args and args[0] in ("config", "cache"):
            return Cmd("tool", text, w)
        return Cmd("unknown", text, w)
    if tool in ("poetry", "uv") and sub in ("config", "self", "export", "--version", "lock", "venv"):
        return Cmd("tool", text, w)
    if tool == "hatch" and sub == "build":
        return Cmd("build", text, w)  # writes the wheel/sdist to dist/, which a pip install then reads
    if tool == "hatch" and sub in ("config", "--version", "version"):
        return Cmd("tool", text, w)
    if tool in ("chmod",) and all(x in ("+x", "a+x", "u+x", "mvnw", "./mvnw", "gradlew", "./gradlew") for x in w[1:]):
        return Cmd("tool", text, w)
    if tool == "cp":
        args = [x for x in w[1:] if not x.startswith("-")]
        if len(args) == 2 and re.search(r"(^|/)target/(release|debug)/[A-Za-z0-9_-]+$", args[0]) and args[1].rstrip("/") in _BIN_DIRS:
            return Cmd("install-bin", text, w)  # a binary cargo built, put on PATH (the Rust recipe ships it there)
    if tool in _USER_TOOLS:
        return Cmd("user", text, w)
    if tool == "mkdir":
        targets = [posixpath.normpath(posixpath.join(workdir, x)) for x in w[1:] if not x.startswith("-")]
        known = folders | {workdir}
        if targets and all(any(f == t or f.startswith(t.rstrip("/") + "/") for f in known) for t in targets):
            return Cmd("noop", text, w)  # a project folder, which WORKDIR creates anyway
        return Cmd("unknown", text, w)
    if tool in _NOOP and (tool not in ("node", "python", "python3", "java", "go", "cargo", "dotnet") or sub in ("--version", "-v", "version")):
        return Cmd("noop", text, w)
    return Cmd("unknown", text, w)


# -- the stage -----------------------------------------------------------------------------


def ecosystem_of(base: str, steps: list[PackageStep]) -> str:
    if steps:
        first_build = next((s for s in steps if s.kind in ("deps", "build", "prefetch")), steps[0])
        return first_build.ecosystem
    ref = parse_ref(base)
    if ref.name == "node":
        return "node"
    if ref.name in ("python", "pypy"):
        return "python"
    if ref.name in ("ruby", "php"):
        return ref.name
    return toolchain_of(base) or ""


def _phase_of_next(kinds: list[str]) -> str:
    for k in kinds:
        if k in ("os-update", "os-install", "os-clean"):
            return "os"
        if k in ("tool", "user"):
            return "tool"
        if k in ("deps", "prefetch"):
            return "deps"
        if k in ("build", "script"):
            return "build"
    return "end"


def extract(a: Analysis) -> SourceFacts:
    """The facts of ``a``'s single stage (call only for a one-stage file)."""
    doc = a.doc
    st = doc.stages[0]
    unsupported: list[str] = []
    prelude = [*(f"# {d.name}={d.value}" for d in doc.directives if d.name == "syntax")]
    prelude += ["\n".join(doc.lines[i.start_line : i.end_line + 1]) for i in doc.global_args]
    stage_args: list[str] = []
    pending_env: list[str] = []
    phases: list[Phase] = []
    meta: list[Instruction] = []
    copies: list[Copy] = []
    image_copies: list[str] = []
    commands: list[Cmd] = []
    workdir = "/"
    build_workdirs: set[str] = set()
    copy_workdirs: set[str] = set()
    step_list = [s for ins in st.instructions for s in a.steps(ins)]
    eco = ecosystem_of(st.base, step_list)
    os_manager = ""

    def lines(ins: Instruction) -> str:
        return "\n".join(doc.lines[ins.start_line : ins.end_line + 1])

    def flush(before: str) -> None:
        for text in pending_env:
            phases.append(Phase(text, before))
        pending_env.clear()

    placed: list[str] = []  # notes on steps the planner could not classify and kept where they ran
    seen_work = False  # a source copy, install or build came before
    folders: set[str] = set()  # every WORKDIR the stage uses
    wd = "/"
    for ins in st.find("WORKDIR"):
        wd = posixpath.normpath(posixpath.join(wd, ins.text.strip() or "."))
        folders.add(wd)
    folders_frozen = frozenset(folders)
    for ins in st.instructions[1:]:
        k = ins.keyword
        if k == "WORKDIR":
            workdir = posixpath.normpath(posixpath.join(workdir, ins.text.strip() or "."))
        elif k == "ARG":
            stage_args.append(lines(ins))
        elif k in ("SHELL", "ONBUILD"):
            unsupported.append(f"line {ins.start_line + 1}: {k} is not something the offline planner can carry over")
        elif k in ("COPY", "ADD"):
            frm = ins.flag("from")
            if frm is not None and frm.value:
                image_copies.append(lines(ins))
                continue
            sources = copy_sources(ins)
            if k == "ADD" and any(re.match(r"^(https?|git|ssh)://|^git@", s) for s in sources):
                unsupported.append(f"line {ins.start_line + 1}: ADD of a remote source ({sources[0]})")
                continue
            if ins.heredocs:
                unsupported.append(f"line {ins.start_line + 1}: {k} with a heredoc")
                continue
            dest = copy_dest(ins)
            absolute = posixpath.normpath(posixpath.join(workdir, dest)) + ("/" if dest.endswith("/") else "")
            manifests_only = bool(sources) and all(posixpath.basename(s.rstrip("/")) in MANIFEST_NAMES for s in sources)
            copies.append(Copy(ins, lines(ins), sources, absolute, manifests_only))
            if not manifests_only:
                # Where the source lands: the WORKDIR for a relative destination (the recipes
                # copy it again as written, after their own WORKDIR), or an absolute folder
                # (``ADD . /app`` before ``WORKDIR /app``).
                whole = any(src in (".", "./", "*", "./*") for src in sources)
                if whole and dest.startswith("/") and "$" not in dest:
                    copy_workdirs.add(posixpath.normpath(dest))
                else:
                    copy_workdirs.add(workdir)
            flush("copy")
        elif k == "RUN":
            mounts = tuple(f"--mount={f.value}" for f in ins.flags_named("mount") if f.value)
            cmds = [classify_command(c.words, c.text, workdir, folders_frozen) for c in split_commands(ins)]
            if ins.is_json and len(ins.args) >= 3 and ins.args[1].text == "-c":
                cmds = cmds[1:]  # the script inside ["sh", "-c", "..."] was split too
            if ins.heredocs and any(h.body.strip() for h in ins.heredocs) and not cmds:
                unsupported.append(f"line {ins.start_line + 1}: RUN with a heredoc script")
            cmds = [Cmd("unknown", c.text, c.words) if c.kind == "install-bin" and eco != "rust" else c for c in cmds]
            cmds = [_place(c, a, eco, workdir, seen_work, ins, placed) for c in cmds]
            seen_work = seen_work or any(c.kind in ("deps", "prefetch", "build", "script") for c in cmds) or bool(copies)
            for c in cmds:
                if c.kind == "unknown":
                    unsupported.append(f"line {ins.start_line + 1}: cannot tell whether `{_short(c.text)}` prepares the build or the runtime")
                elif c.words and c.words[0] == "cd":
                    unsupported.append(f"line {ins.start_line + 1}: `{_short(c.text)}` changes directory inside a RUN")
                if c.kind == "os-install":
                    os_manager = "apk" if c.words[0].endswith("apk") else "apt"
                if c.kind in ("deps", "prefetch", "build", "script") and not _folder_free(c):
                    build_workdirs.add(workdir)
            flush(_phase_of_next([c.kind for c in cmds]))
            commands += [Cmd(c.kind, c.text, c.words, c.step, c.packages, mounts) for c in cmds]
        elif k == "ENV":
            pending_env.append(lines(ins))
            meta.append(ins)
        elif k in RUNTIME_META:
            meta.append(ins)
        elif k != "FROM":
            unsupported.append(f"line {ins.start_line + 1}: {k}")
    flush("end")
    if len(build_workdirs) > 1:
        unsupported.append("dependencies are installed and built in different folders (" + ", ".join(sorted(build_workdirs)) + ")")
    if copy_workdirs and build_workdirs and copy_workdirs != build_workdirs:
        unsupported.append("the source is copied in a different folder from the one the build runs in")
    if any(c.kind == "user" for c in commands) and not any(i.keyword == "USER" for i in meta):
        unsupported.append("a user is created but USER never switches to it")
    contract = contract_of(doc, 0)
    assert contract is not None
    if not eco and is_c_build(commands):
        eco = "c"
    tools = tuple(dict.fromkeys(s.tool for s in step_list))
    return SourceFacts(
        doc=doc,
        base=st.base,
        base_ref=parse_ref(st.base),
        platform=st.platform,
        ecosystem=eco,
        tools=tools,
        prelude=tuple(prelude),
        stage_args=tuple(stage_args),
        phases=tuple(phases),
        meta=tuple(meta),
        workdir=next(iter(build_workdirs)) if len(build_workdirs) == 1 else workdir,
        final_workdir=workdir,
        copies=tuple(copies),
        image_copies=tuple(image_copies),
        commands=tuple(commands),
        os_manager=os_manager,
        contract=contract,
        unsupported=tuple(dict.fromkeys(unsupported)),
        notes=tuple(dict.fromkeys(placed)),
    )


# A C/C++ build on an OS image: a compiler installed with apt or apk, and a build driven by it.
C_COMPILER_PACKAGES = re.compile(r"^(gcc|g\+\+|clang|build-essential|build-base)(-[\w.+-]+)?$")
C_BUILD_TOOLS = frozenset(("make", "gmake", "cmake", "ninja", "meson", "cc", "c++", "gcc", "g++", "clang", "clang++", "configure"))


def is_c_build(commands: list[Cmd]) -> bool:
    """Whether ``commands`` install a C compiler from the OS packages and run make, cmake or the compiler."""
    packages = [p.split("=", 1)[0].split(":", 1)[0] for c in commands if c.kind == "os-install" for p in c.packages]
    if not any(C_COMPILER_PACKAGES.match(p) for p in packages):
        return False
    return any(c.words and c.words[0].rsplit("/", 1)[-1] in C_BUILD_TOOLS for c in commands)


# Programs that write where the runtime reads, or leave the build: these still decline.
_NOT_PLACEABLE = frozenset(
    ("cd", "exec", "exit", "source", ".", "export", "su", "sudo", "docker", "curl", "wget", "sh", "bash", "ash", "dash", "zsh")
)  # a download or a script installs something somewhere the runtime may need


def _place(c: Cmd, a: Analysis, eco: str, workdir: str, seen_work: bool, ins: Instruction, notes: list[str]) -> Cmd:
    """A command ``classify_command`` could not place: a build behind make or a script
    (``analysis.indirect``), or an unknown step kept in the phase where it ran.

    Unknown steps before any source copy, install or build, while no WORKDIR is set, are
    tool set-up (the recipes run those before their WORKDIR); the others run in the build
    stage, after the source copy, in their order. The result still goes through the gate.
    """
    if c.kind != "unknown" or not c.words:
        return c
    if is_delegating(c.words):
        d = delegated(Command.synthetic(c.words, c.text), a.context, image_ecosystem(a.doc.stages[0].base) or eco or None)
        steps = [x for x in (classify(inner) for inner in (d.commands if d else ())) if x is not None]
        build = next((x for x in steps if x.kind == "build"), None)
        if d is not None and build is not None:
            how = "per " + d.source if d.source else "as it usually does on this image"
            notes.append(f"`{d.via}` runs `{build.own_label}` ({how}); the builder runs it as written.")
            return Cmd("build", c.text, build.command.words, dataclasses.replace(build, via=d.via), (), c.mounts)
        if d is not None and steps:
            return Cmd(steps[0].kind, c.text, steps[0].command.words, dataclasses.replace(steps[0], via=d.via), (), c.mounts)
    if c.words[0].rsplit("/", 1)[-1] in _NOT_PLACEABLE or re.search(r"(?<![<>=-])>|<(?![<(])", c.text):
        return c
    outside = [w for w in c.words[1:] if w.startswith("/") and not (w == workdir or w.startswith(workdir.rstrip("/") + "/"))]
    if outside and workdir != "/":
        return c  # touches a folder outside the project (``mkdir -p /data``): the runtime may need it too
    kind = "script" if seen_work or workdir != "/" else "tool"
    where = "the build stage, after the source copy" if kind == "script" else "the build stage's set-up"
    notes.append(f"line {ins.start_line + 1}: `{_short(c.text)}` is not a step the planner knows; it is kept in {where}, where it ran. Check that the runtime does not need it.")
    return Cmd(kind, c.text, c.words, None, (), c.mounts)


def _folder_free(c: Cmd) -> bool:
    """A pip install of packages named by the index alone (``pip install Flask``): it reads
    nothing from the folder it runs in, so that folder need not be the project's."""
    if c.kind != "deps" or c.step is None or c.step.tool != "pip":
        return False
    args = c.words[1:] if c.words[0].rsplit("/", 1)[-1].startswith("pip") else c.words[3:]
    if args[:1] != ("install",):
        return False
    names = [a for a in args[1:] if not a.startswith("-")]
    flags = [a for a in args[1:] if a.startswith("-")]
    return bool(names) and all(re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?([<>=!~]=?[A-Za-z0-9.*+!-]+)?$", n) for n in names) and all(
        f in ("-U", "--upgrade", "-q", "--quiet", "--no-cache-dir", "--no-compile", "--disable-pip-version-check") for f in flags
    )


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
