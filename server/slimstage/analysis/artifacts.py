"""What each stage holds: where it works, what it copies in from the build context, what it
builds and installs, and which folders hold the results.

A stage built FROM another stage starts with that stage's files, WORKDIR and ENV, so its
facts include the ones it inherits. Computed once per Analysis, in stage order.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable, Optional
from weakref import WeakKeyDictionary

from ..dockerfile.model import Instruction, Range, Stage
from .context import UNKNOWN, BuildContext
from .shell import Command, commands
from .images import expand, parse_ref, stage_image
from .indirect import delegated, image_ecosystem, is_delegating
from .stages import copy_dest, copy_sources

if TYPE_CHECKING:
    from . import Analysis

WHOLE_CONTEXT = frozenset((".", "./", "*", "./*", "/", "./."))


@dataclass(frozen=True)
class ContextCopy:
    """A COPY/ADD from the build context."""

    instruction: Instruction
    dest: str  # absolute folder (or file) it writes; "" when a variable or an unknown WORKDIR hides it
    whole: bool  # copies the whole context (``COPY . .``), not named files


@dataclass(frozen=True)
class Build:
    """A command that turns source into something runnable."""

    instruction: Instruction
    command: Command
    ecosystem: str  # go, rust, java, dotnet, c, elixir, swift, haskell, node; "make" for make / cmake --build
    label: str  # how a user names it: `go build`, `./gradlew installDist`, `npm run build`
    workdir: str  # where it ran ("" unknown)
    compiled: bool  # the result (binary, jar, assembly) runs without the source
    outputs: tuple[str, ...]  # absolute paths it names (-o, --output, -d, --outDir)
    output_hint: str  # where the tool puts its result by convention, for messages
    runs: str = ""  # for a build behind make or a script: the build command it runs (`go build`)
    runs_source: str = ""  # where that was read ("Makefile"), or "shape" when recognised from the command and image

    @property
    def range(self) -> Range:
        return command_range(self.command, self.instruction)


@dataclass(frozen=True)
class Install:
    """A dependency install whose folder another stage may copy (node_modules, a Python environment)."""

    instruction: Instruction
    command: Command
    ecosystem: str  # node | python
    label: str
    path: Optional[str]  # node_modules or the environment folder; "" = the system site-packages; None = unknown
    includes_dev: bool  # devDependencies / dev groups / test requirements are installed too

    @property
    def range(self) -> Range:
        return command_range(self.command, self.instruction)


def command_range(cmd: Command, ins: Instruction) -> Range:
    """Where a command is: its own words when known, else the whole RUN."""
    return cmd.range if cmd.editable else ins.range


@dataclass(frozen=True)
class StageFacts:
    index: int
    workdir: str  # at the end of the stage ("" unknown)
    env: tuple[tuple[str, Optional[str]], ...]  # ENV and ARG values at the end of the stage
    context_copies: tuple[ContextCopy, ...]
    builds: tuple[Build, ...]
    installs: tuple[Install, ...]

    @property
    def outputs(self) -> tuple[str, ...]:
        """Absolute paths the stage's builds and environment installs name, in order."""
        out: list[str] = []
        for b in self.builds:
            out += [p for p in b.outputs if p not in out]
        return tuple(out)

    def env_value(self, name: str) -> Optional[str]:
        return dict(self.env).get(name)


# -- paths ------------------------------------------------------------------------------------


def join(workdir: str, path: str) -> str:
    """``path`` made absolute against ``workdir`` ("" when either is unknown)."""
    if not path or "$" in path:
        return ""
    if path.startswith("/"):
        return posixpath.normpath(path).replace("//", "/")
    if not workdir:
        return ""
    return posixpath.normpath(posixpath.join(workdir, path)).replace("//", "/")


def covers(outer: str, inner: str) -> bool:
    """True when folder ``outer`` is ``inner`` or one of its parents."""
    if not outer or not inner:
        return False
    if outer == "/":
        return True
    return inner == outer or inner.startswith(outer.rstrip("/") + "/")


def copy_from_path(source: str) -> str:
    """A ``COPY --from`` source as an absolute path: BuildKit resolves it from the source's root."""
    if "$" in source:
        return ""
    return posixpath.normpath("/" + source.lstrip("/")) if source not in ("", ".") else "/"


# Folders official images start in (their WORKDIR); "/" for images that set none.
_IMAGE_WORKDIRS = {"golang": "/go", "php": "/var/www/html", "composer": "/app", "tomcat": "/usr/local/tomcat", "httpd": "/usr/local/apache2"}
_NO_WORKDIR = frozenset(
    "scratch alpine debian ubuntu busybox node python ruby rust eclipse-temurin openjdk amazoncorretto maven gcc "
    "buildpack-deps elixir erlang perl".split()
)


def initial_workdir(image: Optional[str]) -> str:
    if not image:
        return ""
    if image.strip().lower() == "scratch":
        return "/"
    ref = parse_ref(image)
    if "distroless" in ref.repository or ref.registry == "mcr.microsoft.com":
        return "/"
    if ref.registry:
        return ""
    if ref.repository in _IMAGE_WORKDIRS:
        return _IMAGE_WORKDIRS[ref.repository]
    return "/" if ref.repository in _NO_WORKDIR else ""


# -- builds -----------------------------------------------------------------------------------

_MAVEN_GOALS = frozenset(("package", "install", "verify", "deploy", "spring-boot:repackage", "quarkus:build"))
_GRADLE_TASKS = frozenset(
    ("build", "assemble", "bootJar", "jar", "installDist", "shadowJar", "war", "bootWar", "distTar", "distZip", "nativeCompile", "buildFatJar")
)
_NODE_BUILD_TOOLS = frozenset(("tsc", "ng", "vite", "next", "nuxt", "webpack", "react-scripts", "parcel", "rollup", "esbuild", "astro"))
_C_COMPILERS = frozenset(("gcc", "g++", "cc", "c++", "clang", "clang++"))


def _option(words: tuple[str, ...], *names: str) -> list[str]:
    """Values of ``-o X`` / ``--output=X`` style options."""
    out = []
    for i, w in enumerate(words):
        for name in names:
            if w == name and i + 1 < len(words):
                out.append(words[i + 1])
            elif name.startswith("--") and w.startswith(name + "="):
                out.append(w.split("=", 1)[1])
    return out


def _tool(words: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """The program (``npx tsc`` -> ``tsc``) and its arguments."""
    if words and words[0] in ("npx", "pnpx", "bunx") and len(words) > 1:
        rest = tuple(w for w in words[1:] if not w.startswith("-"))
        if rest:
            i = words.index(rest[0])
            return rest[0], words[i + 1 :]
    if words and words[0] in ("pnpm", "yarn") and len(words) > 2 and words[1] == "exec":
        return words[2].rsplit("/", 1)[-1], words[3:]
    return (words[0].rsplit("/", 1)[-1], words[1:]) if words else ("", ())


@lru_cache(maxsize=4096)
def classify_build(words: tuple[str, ...]) -> Optional[tuple[str, bool, str, tuple[str, ...], str]]:
    """(ecosystem, compiled, label, output options, conventional output) for a build command."""
    tool, args = _tool(words)
    sub = args[0] if args else ""
    label = " ".join(words[:3])
    if tool == "go" and sub in ("build", "install"):
        return "go", True, f"go {sub}", tuple(_option(args, "-o")), "the binary (`go build -o`)"
    if tool == "cargo" and sub in ("build", "install"):
        roots = tuple(r.rstrip("/") + "/bin" for r in _option(args, "--root"))
        return "rust", True, f"cargo {sub}", roots, "target/release/<binary>"
    if tool in ("mvn", "mvnw") and any(g in _MAVEN_GOALS for g in args if not g.startswith("-")):
        return "java", True, " ".join(words[:1] + tuple(g for g in args if not g.startswith("-"))[:2]), (), "target/*.jar"
    if tool in ("gradle", "gradlew"):
        tasks = [t.rsplit(":", 1)[-1] for t in args if not t.startswith("-")]
        if any(t in _GRADLE_TASKS for t in tasks):
            hint = "build/install/<project>/" if "installDist" in tasks else "build/libs/*.jar"
            return "java", True, " ".join(words[:1] + tuple(t for t in args if not t.startswith("-"))[:2]), (), hint
    if tool == "dotnet" and sub in ("publish", "build"):
        return "dotnet", True, f"dotnet {sub}", tuple(_option(args, "-o", "--output")), "the `dotnet publish -o` folder"
    if tool == "javac":
        return "java", True, "javac", tuple(_option(args, "-d")), "the classes (`javac -d`)"
    if tool in _C_COMPILERS and "-o" in args:
        return "c", True, tool, tuple(_option(args, "-o")), "the binary"
    if tool == "make" or (tool == "cmake" and "--build" in args):
        # Often a task runner too: it counts as compiling only where a compiler is (the rules check).
        return "make", False, " ".join(words[:2]), (), "the binary"
    if tool == "mix" and sub in ("release", "compile"):
        return "elixir", True, f"mix {sub}", (), "_build/<env>/rel/<app>/"
    if tool == "swift" and sub == "build":
        return "swift", True, "swift build", (), ".build/release/<product>"
    if tool in ("stack", "cabal") and sub in ("build", "install"):
        return "haskell", True, f"{tool} {sub}", tuple(_option(args, "--local-bin-path", "--installdir")), "the installed binary"
    # Node: a bundler or compiler, or a package script called build.
    if tool in ("npm", "pnpm", "bun", "yarn"):
        script = args[1] if sub == "run" and len(args) > 1 else ("" if sub == "run" else sub)
        if tool in ("npm", "bun") and sub != "run":
            script = ""
        if script.startswith("build"):
            return "node", False, " ".join(words[: 3 if sub == "run" else 2]), (), "dist/ or build/ (wherever the build script writes)"
        return None
    if tool in _NODE_BUILD_TOOLS and (tool in ("tsc", "webpack", "esbuild", "rollup", "parcel") or sub == "build"):
        return "node", False, label, tuple(_option(args, "--outDir", "--outdir", "--out-dir", "-o")), "dist/ or build/"
    return None


# -- installs ---------------------------------------------------------------------------------

_PYTHON_TOOL = re.compile(r"^(pip\d?(\.\d+)?|python[\d.]*|pypy\d?|uv|poetry|pdm|pipenv|virtualenv)$")
_NODE_PROD_FLAGS = frozenset(("--production", "--prod", "-P", "--only=production", "--only=prod", "--omit=dev", "--production=true"))
_DEV_REQUIREMENTS = re.compile(r"(^|[/_.-])(dev|develop|development|test|tests|testing|lint|ci)([/_.-]|$)", re.I)
_NODE_ENV_PROD = re.compile(r"(^|\s)NODE_ENV=[\"']?production\b")


@lru_cache(maxsize=4096)
def _node_install(words: tuple[str, ...]) -> Optional[str]:
    tool, args = _tool(words)
    sub = args[0] if args else ""
    positional = [w for w in args[1:] if not w.startswith("-")]
    if tool == "npm" and (sub in ("ci", "clean-install") or (sub in ("install", "i") and not positional)):
        return None if {"-g", "--global"} & set(args) else f"npm {sub}"
    if tool == "yarn" and (sub in ("", "install") or sub.startswith("-") or sub == "workspaces" and "focus" in args):
        return "yarn install" if sub != "workspaces" else "yarn workspaces focus"
    if tool in ("pnpm", "bun") and sub in ("install", "i") and not positional:
        return f"{tool} install"
    return None


def _node_dev(cmd: Command, env: dict[str, Optional[str]]) -> bool:
    args = set(cmd.words)
    if "--include=dev" in args or "--production=false" in args:
        return True
    if args & _NODE_PROD_FLAGS:
        return False
    words = cmd.words
    if any(w == "--omit" and i + 1 < len(words) and words[i + 1] == "dev" for i, w in enumerate(words)):
        return False
    if cmd.env_value("NODE_ENV") == "production" or _NODE_ENV_PROD.search(cmd.text) or env.get("NODE_ENV") == "production":
        return False
    return True


@lru_cache(maxsize=4096)
def _is_node_prune(words: tuple[str, ...]) -> bool:
    tool, args = _tool(words)
    if tool in ("npm", "pnpm") and args[:1] == ("prune",):
        return bool({"--production", "--prod", "--omit=dev"} & set(args)) or ("--omit" in args and "dev" in args)
    return False


def _python_env(cmd: Command, workdir: str, env: dict[str, Optional[str]], venvs: list[str]) -> Optional[tuple[str, Optional[str], bool]]:
    """(label, environment folder, installs dev requirements) for a Python dependency install."""
    words = cmd.words
    tool, args = _tool(words)
    if tool.startswith("python") and args[:2] in (("-m", "pip"), ("-m", "pip3")):
        tool, args = "pip", args[2:]
    active = env.get("VIRTUAL_ENV") or ""
    if not active:
        path = env.get("PATH") or ""
        active = next((v for v in venvs if f"{v}/bin" in path), "")
    exe = words[0] if words else ""
    in_venv = next((v for v in venvs if exe.startswith(v.rstrip("/") + "/")), "")
    if tool in ("pip", "pip3") or re.fullmatch(r"pip3\.\d+", tool) or (tool == "uv" and args[:1] == ("pip",)):
        if tool == "uv":
            args = args[1:]
        if args[:1] != ("install",):
            return None
        reqs = _option(args, "-r", "--requirement")
        extras = [w for w in args[1:] if re.search(r"\[(dev|test|tests|lint)[\],]", w)]
        dev = any(_DEV_REQUIREMENTS.search(r) for r in reqs) or bool(extras)
        place = (
            next(iter(_option(args, "--prefix", "--target", "-t", "--root")), None)
            or ("/root/.local" if "--user" in args else None)
        )
        if place is not None:
            return "pip install", join(workdir, place) or None, dev
        return "pip install", in_venv or active or "", dev
    if tool == "poetry" and args[:1] == ("install",):
        flat = " ".join(args)
        dev = not re.search(r"--only[= ]main\b|--without[= ]\S*\bdev\b|--no-dev|--only-root", flat)
        if (env.get("POETRY_VIRTUALENVS_CREATE") or "").lower() == "false":
            return "poetry install", "", dev
        if (env.get("POETRY_VIRTUALENVS_IN_PROJECT") or "").lower() in ("true", "1"):
            return "poetry install", join(workdir, ".venv") or None, dev
        return "poetry install", None, dev
    if tool == "uv" and args[:1] == ("sync",):
        flat = " ".join(args)
        dev = not re.search(r"--no-dev|--only-group|--no-default-groups|--no-group[= ]dev\b", flat) and not env.get("UV_NO_DEV")
        target = env.get("UV_PROJECT_ENVIRONMENT") or ".venv"
        return "uv sync", join(workdir, target) or None, dev
    if tool == "pdm" and args[:1] in (("install",), ("sync",)):
        dev = not ({"--prod", "--production"} & set(args))
        return f"pdm {args[0]}", join(workdir, ".venv") or None, dev
    if tool == "pipenv" and args[:1] in (("install",), ("sync",)):
        dev = bool({"--dev", "-d"} & set(args))
        if "--system" in args:
            return f"pipenv {args[0]}", "", dev
        return f"pipenv {args[0]}", join(workdir, ".venv") if env.get("PIPENV_VENV_IN_PROJECT") else None, dev
    return None


def _venv_created(words: tuple[str, ...], workdir: str) -> Optional[str]:
    tool, args = _tool(words)
    if tool.startswith("python") and args[:2] == ("-m", "venv"):
        rest = [w for w in args[2:] if not w.startswith("-")]
    elif tool == "virtualenv" or (tool == "uv" and args[:1] == ("venv",)):
        rest = [w for w in (args[1:] if tool == "uv" else args) if not w.startswith("-")]
        if tool == "uv" and not rest:
            rest = [".venv"]
    else:
        return None
    return join(workdir, rest[0]) if rest else None


# -- ENV --------------------------------------------------------------------------------------


def env_pairs(ins: Instruction, env: dict[str, Optional[str]]) -> list[tuple[str, Optional[str]]]:
    """The variables an ENV or ARG sets, values expanded where possible."""
    words = [w.text for w in ins.args]
    if not words:
        return []
    if ins.keyword == "ENV" and "=" not in words[0]:
        return [(words[0], " ".join(words[1:]))]
    out = []
    for w in words:
        name, sep, value = w.partition("=")
        if not sep:
            out.append((name, env.get(name)) if ins.keyword == "ARG" else (name, None))
            continue
        out.append((name, expand(value, env)))
    return out


# -- the walk ---------------------------------------------------------------------------------


class _Walk:
    def __init__(self, start: Optional[StageFacts], workdir: str, context: BuildContext = UNKNOWN, ecosystem: Optional[str] = None) -> None:
        self.context = context
        self.ecosystem = ecosystem
        self.workdir = start.workdir if start else workdir
        self.env: dict[str, Optional[str]] = dict(start.env) if start else {}
        self.copies: list[ContextCopy] = list(start.context_copies) if start else []
        self.builds: list[Build] = list(start.builds) if start else []
        self.installs: list[Install] = list(start.installs) if start else []
        self.venvs: list[str] = [i.path for i in self.installs if i.ecosystem == "python" and i.path]

    def instruction(self, ins: Instruction) -> None:
        kw = ins.keyword
        if kw == "WORKDIR" and ins.args:
            path = expand(ins.args[0].text, self.env)
            self.workdir = join(self.workdir, path) if path else ""
        elif kw in ("ENV", "ARG"):
            self.env.update(env_pairs(ins, self.env))
        elif kw in ("COPY", "ADD") and ins.flag("from") is None and len(ins.args) >= 2 and not ins.heredocs:
            sources = copy_sources(ins)
            dest = copy_dest(ins)
            whole = any(s in WHOLE_CONTEXT for s in sources)
            self.copies.append(ContextCopy(ins, join(self.workdir, expand(dest, self.env) or ""), whole))
        elif kw == "RUN":
            self._run(ins)

    def _run(self, ins: Instruction) -> None:
        configured = False  # a ./configure or cmake ran first: a following make builds C, whatever the image
        for cmd in commands(ins):
            words = cmd.words
            if not words or words[0] == "cd":
                continue
            if words[0].rsplit("/", 1)[-1] in ("configure", "cmake", "autoreconf", "autogen.sh", "bootstrap"):
                configured = True
            workdir = self.workdir if cmd.cwd == "" else (join(self.workdir, cmd.cwd) if cmd.cwd else "")
            build = classify_build(words)
            if (build is None or build[0] == "make") and is_delegating(words) and not configured:
                found = self._delegated(ins, cmd, workdir)
                if found is not None:
                    self.builds.append(found)
                    continue
            if build is not None:
                eco, compiled, label, outputs, hint = build
                paths = tuple(p for p in (join(workdir, o) for o in outputs) if p and p != "/")
                self.builds.append(Build(ins, cmd, eco, label, workdir, compiled, paths, hint))
                continue
            label = _node_install(words)
            if label is not None:
                path = join(workdir, "node_modules") or None
                self.installs = [i for i in self.installs if i.path != path or path is None]
                self.installs.append(Install(ins, cmd, "node", label, path, _node_dev(cmd, self.env)))
                continue
            if _is_node_prune(words):
                path = join(workdir, "node_modules")
                self.installs = [
                    Install(i.instruction, i.command, i.ecosystem, i.label, i.path, False) if i.path == path else i for i in self.installs
                ]
                continue
            if not _PYTHON_TOOL.match(cmd.name) and words[0] not in ("npx", "pnpx", "bunx"):
                continue
            venv = _venv_created(words, workdir)
            if venv:
                self.venvs.append(venv)
                continue
            py = _python_env(cmd, workdir, self.env, self.venvs)
            if py is not None:
                label, path, dev = py
                self.installs.append(Install(ins, cmd, "python", label, path, dev))

    def _delegated(self, ins: Instruction, cmd: Command, workdir: str) -> Optional[Build]:
        """The build that ``make``, a script or a package script runs, read from the context or recognised."""
        d = delegated(cmd, self.context, self.ecosystem)
        if d is None:
            return None
        if d.guessed and not any(c.whole and covers(c.dest, workdir) for c in self.copies):
            return None  # a recognised shape counts only where the project's source was copied
        found = [b for b in (classify_build(c.words) for c in d.commands) if b is not None and b[0] != "make"]
        if not found:
            return None
        eco, compiled, label, outputs, hint = next((b for b in found if b[1]), found[0])
        paths = tuple(p for p in (join(workdir, o) for o in outputs) if p and p != "/")
        return Build(ins, cmd, eco, d.via, workdir, compiled, paths, hint, label, d.source or "shape")

    def facts(self, index: int) -> StageFacts:
        return StageFacts(index, self.workdir, tuple(self.env.items()), tuple(self.copies), tuple(self.builds), tuple(self.installs))


_CACHE: "WeakKeyDictionary[Analysis, list[StageFacts]]" = WeakKeyDictionary()


def stage_facts(a: "Analysis", index: int) -> StageFacts:
    """What stage ``index`` holds (its own work and what it inherits from the stage it is FROM)."""
    found = _CACHE.get(a)
    if found is None:
        found = []
        for st in a.doc.stages:
            found.append(_walk(a, st, found))
        _CACHE[a] = found
    return found[index]


def _walk(a: "Analysis", st: Stage, done: list[StageFacts]) -> StageFacts:
    start = done[st.base_stage] if st.base_stage is not None and st.base_stage < len(done) else None
    image = stage_image(a, st.index)
    walk = _Walk(start, initial_workdir(image) if start is None else "", a.context, image_ecosystem(image))
    for ins in st.instructions[1:]:
        walk.instruction(ins)
    return walk.facts(st.index)


def context_builds(facts: StageFacts) -> list[tuple[ContextCopy, Build]]:
    """Whole-context copies followed by a build in the folder they were copied to."""
    out = []
    for copy in facts.context_copies:
        if not copy.whole or not copy.dest:
            continue
        for b in facts.builds:
            if _comes_after(copy.instruction, b.instruction) and covers(copy.dest, b.workdir):
                out.append((copy, b))
                break
    return out


def workspace_builds(facts: StageFacts, path: str) -> list[tuple[ContextCopy, Build]]:
    """The context builds whose folder lies at or below ``path``.

    Copying ``path`` out of the stage then copies the source, the build's intermediate
    files and whatever the build left behind, not just its result.
    """
    if not path or path == "/":
        return []
    return [(c, b) for c, b in context_builds(facts) if covers(path, c.dest)]


def dev_installs_below(facts: StageFacts, path: str) -> list[Install]:
    """Dependency installs with dev packages whose folder lies at or below ``path``."""
    return [i for i in facts.installs if i.includes_dev and i.path and covers(path, i.path)]


def _comes_after(first: Instruction, second: Instruction) -> bool:
    return (second.start_line, second.range.start.character) > (first.start_line, first.range.start.character)


def iter_copy_sources(ins: Instruction) -> Iterable[str]:
    """Absolute source paths of a ``COPY --from``."""
    for src in copy_sources(ins):
        path = copy_from_path(src)
        if path:
            yield path
