"""Language package managers in RUN commands: which step reads which manifests.

Each simple command of a RUN (see ``shell.py``) is matched against the package managers
slimstage knows. A match says whether the step needs only the manifests and lockfiles
(``deps``: a dependency install, which belongs before the source is copied), downloads
the dependencies without building (``prefetch``), needs the whole source and downloads
whatever nothing fetched before (``build``), or installs named tools (``tool``:
``npm install -g``, ``pip install poetry``, ``cargo install cargo-chef``).
"""

from __future__ import annotations

import posixpath
import re
import weakref
from dataclasses import dataclass
from typing import Callable, Iterator, Optional

from ..dockerfile.model import Instruction
from .shell import Command, commands, split_commands

__all__ = [
    "Command",
    "PackageStep",
    "NODE_LOCKS",
    "all_steps",
    "classify",
    "classify_any",
    "iter_steps",
    "package_steps",
    "split_commands",
    "tool_installs",
]


@dataclass(frozen=True)
class PackageStep:
    ecosystem: str  # node, python, go, java, rust, ruby, php, dotnet, elixir
    tool: str  # npm, yarn, pnpm, bun, pip, pipenv, poetry, uv, pdm, go, maven, gradle, cargo, bundler, gem, composer, dotnet, mix
    kind: str  # "deps": needs only manifests; "prefetch": downloads deps only; "build": needs the source and downloads what is missing; "tool": installs named packages
    manifests: tuple[str, ...]  # files the step reads (globs allowed), relative to ``dir``
    lockfiles: tuple[str, ...]  # lockfiles it needs or honours
    requires_lock: bool  # fails (or is meaningless) without the lockfile: npm ci, --frozen-lockfile...
    production_only: bool  # leaves dev dependencies out
    command: Command
    dir: Optional[str] = ""  # folder it reads the manifests from, relative to the RUN's WORKDIR ("" there, None unknown)
    needs_source: bool = False  # also installs the project itself or runs its scripts (poetry install without --no-root)
    deps_only_flag: str = ""  # the flag that makes it install only the dependencies (``--no-root``)
    guessed: bool = False  # a project task slimstage does not know (``./gradlew downloadRepos``)
    packages: tuple[str, ...] = ()  # for "tool": the names installed
    via: str = ""  # the command that runs it indirectly (``make build``, ``./bin/installDeps.sh``), see indirect.py
    via_source: str = ""  # the file that says so (``Makefile``), or "shape" when recognised from the command and image alone

    @property
    def label(self) -> str:
        """The command as a user would name it: ``npm ci``, ``pip install -r requirements.txt``."""
        return self.via or self.own_label

    @property
    def own_label(self) -> str:
        """The package-manager command itself, even when it runs through ``make`` or a script."""
        w = self.command.words
        n = min(len(w), 6)
        while n < len(w) and n < 9 and w[n - 1].startswith("-") and "=" not in w[n - 1]:
            n += 1  # keep an option's value with it: ``-r requirements.txt``, ``-o /out``
        return " ".join(w[:n]) + (" ..." if n < len(w) else "")

    @property
    def manifest_paths(self) -> tuple[str, ...]:
        """The manifests with ``dir`` in front (relative to the WORKDIR, or absolute)."""
        return tuple(_under(self.dir, m) for m in self.manifests)

    @property
    def lockfile_paths(self) -> tuple[str, ...]:
        return tuple(_under(self.dir, m) for m in self.lockfiles)


def _under(folder: Optional[str], path: str) -> str:
    if not folder or path.startswith("/"):
        return path
    return posixpath.normpath(posixpath.join(folder, path))


# -- reading a tool's arguments ------------------------------------------------------------------


@dataclass(frozen=True)
class _Argv:
    positional: tuple[str, ...]
    flags: frozenset[str]  # every option, as written before any '=' (``--omit`` for ``--omit=dev``)
    values: dict  # option -> its value (from ``--opt=value`` or ``--opt value``)
    index: tuple[int, ...]  # index in the command's words of each positional

    def has(self, *names: str) -> bool:
        return any(n in self.flags for n in names)

    def value(self, *names: str) -> Optional[str]:
        for n in names:
            if n in self.values:
                return self.values[n]
        return None


def _argv(words: tuple[str, ...], start: int, takes_value: frozenset[str] = frozenset()) -> _Argv:
    positional: list[str] = []
    index: list[int] = []
    flags: set[str] = set()
    values: dict[str, str] = {}
    i = start
    while i < len(words):
        w = words[i]
        if w == "--":
            positional += words[i + 1 :]
            index += range(i + 1, len(words))
            break
        if w.startswith("-") and len(w) > 1:
            name, eq, value = w.partition("=")
            flags.add(name)
            if eq:
                values[name] = value
            elif name in takes_value and i + 1 < len(words):
                values[name] = words[i + 1]
                i += 1
            elif len(name) > 2 and name[1] != "-" and name[:2] in takes_value:
                values[name[:2]] = name[2:]  # -rrequirements.txt, -Cdir
                flags.add(name[:2])
        else:
            positional.append(w)
            index.append(i)
        i += 1
    return _Argv(tuple(positional), frozenset(flags), values, tuple(index))


def _tool_name(word: str) -> str:
    name = word.rsplit("/", 1)[-1]
    if name.endswith((".cmd", ".bat", ".exe")):
        name = name.rsplit(".", 1)[0]
    if "@" in name and not name.startswith("@"):
        name = name.split("@", 1)[0]  # npx pnpm@9
    return name


def _dir(cmd: Command, *parts: Optional[str]) -> Optional[str]:
    """The folder a step reads from: the RUN's ``cd``, then the tool's own folder option."""
    folder = cmd.cwd
    for part in parts:
        if part is None or part == "":
            continue
        if folder is None or "$" in part:
            return None
        folder = posixpath.normpath(part if part.startswith("/") else posixpath.join(folder or ".", part))
    if folder in (".", "./"):
        return ""
    return folder


def _looks_local(arg: str) -> bool:
    """A path or archive rather than a package name."""
    return arg.startswith((".", "/", "~", "$")) or arg.endswith((".whl", ".tar.gz", ".zip", ".tgz", ".deb", ".rpm", ".apk", ".gem", ".nupkg"))


NODE_LOCKS = ("package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb", "bun.lock")
_Classifier = Callable[[Command, tuple[str, ...]], Optional[PackageStep]]


def _step(eco: str, tool: str, kind: str, manifests, locks, cmd: Command, requires_lock=False, prod=False, **more) -> PackageStep:
    return PackageStep(eco, tool, kind, tuple(manifests), tuple(locks), requires_lock, prod, cmd, **more)


def _tool(eco: str, tool: str, cmd: Command, names) -> Optional[PackageStep]:
    names = tuple(n for n in names if not _looks_local(n))
    if not names:
        return None
    return _step(eco, tool, "tool", (), (), cmd, packages=names)


# -- node ------------------------------------------------------------------------------------------

_NPM_INSTALL = frozenset(("install", "i", "in", "ins", "inst", "insta", "instal", "isnt", "isnta", "isntal", "isntall", "add"))
_NPM_CI = frozenset(("ci", "clean-install", "ic", "install-clean", "isntall-clean"))
_NPM_VALUES = frozenset(("--prefix", "-C", "-w", "--workspace", "--loglevel", "--registry", "--cache", "--omit", "--include", "--only", "--userconfig"))


def _node_prod(cmd: Command, a: _Argv) -> bool:
    return (
        a.has("--production", "--prod", "-P")
        or a.value("--omit") == "dev"
        or (a.value("--only") or "").startswith("prod")
        or cmd.env_value("NODE_ENV") == "production"
    )


def _npm(cmd: Command, w: tuple[str, ...]) -> Optional[PackageStep]:
    a = _argv(w, 1, _NPM_VALUES)
    if not a.positional:
        return None
    sub, rest = a.positional[0], a.positional[1:]
    folder = _dir(cmd, a.value("--prefix", "-C"))
    if a.has("-g", "--global"):
        return _tool("node", "npm", cmd, rest) if sub in _NPM_INSTALL else None
    if sub in _NPM_CI:
        return _step("node", "npm", "deps", ["package.json"], ["package-lock.json", "npm-shrinkwrap.json"], cmd, True, _node_prod(cmd, a), dir=folder)
    if sub in _NPM_INSTALL and not rest:
        return _step("node", "npm", "deps", ["package.json"], ["package-lock.json", "npm-shrinkwrap.json"], cmd, False, _node_prod(cmd, a), dir=folder)
    return None


_YARN_VALUES = frozenset(("--cwd", "--modules-folder", "--cache-folder", "--mutex", "--network-timeout", "--network-concurrency", "--registry"))


def _yarn(cmd: Command, w: tuple[str, ...]) -> Optional[PackageStep]:
    a = _argv(w, 1, _YARN_VALUES)
    sub = a.positional[0] if a.positional else ""
    folder = _dir(cmd, a.value("--cwd"))
    locked = a.has("--frozen-lockfile", "--immutable")
    if a.has("--version", "-v", "--help", "-h"):
        return None
    if sub == "global" and len(a.positional) > 2 and a.positional[1] == "add":
        return _tool("node", "yarn", cmd, a.positional[2:])
    if sub in ("", "install") and len(a.positional) <= 1:
        return _step("node", "yarn", "deps", ["package.json"], ["yarn.lock"], cmd, locked, _node_prod(cmd, a), dir=folder)
    if sub == "workspaces" and len(a.positional) > 1 and a.positional[1] == "focus":
        return _step("node", "yarn", "deps", ["package.json"], ["yarn.lock"], cmd, locked, _node_prod(cmd, a), dir=folder)
    return None


_PNPM_VALUES = frozenset(("-C", "--dir", "--filter", "-F", "--store-dir", "--reporter", "--registry", "--config.node-linker"))


def _pnpm(cmd: Command, w: tuple[str, ...]) -> Optional[PackageStep]:
    a = _argv(w, 1, _PNPM_VALUES)
    if not a.positional:
        return None
    sub, rest = a.positional[0], a.positional[1:]
    folder = _dir(cmd, a.value("-C", "--dir"))
    if sub in ("add", "install", "i") and a.has("-g", "--global"):
        return _tool("node", "pnpm", cmd, rest)
    if sub in ("install", "i") and not rest:
        return _step("node", "pnpm", "deps", ["package.json"], ["pnpm-lock.yaml"], cmd, a.has("--frozen-lockfile"), _node_prod(cmd, a), dir=folder)
    if sub == "fetch":
        return _step("node", "pnpm", "prefetch", [], ["pnpm-lock.yaml"], cmd, True, _node_prod(cmd, a), dir=folder)
    return None


def _bun(cmd: Command, w: tuple[str, ...]) -> Optional[PackageStep]:
    a = _argv(w, 1, frozenset(("--cwd", "--cache-dir", "--registry")))
    if not a.positional:
        return None
    sub, rest = a.positional[0], a.positional[1:]
    if sub in ("add", "install", "i") and a.has("-g", "--global"):
        return _tool("node", "bun", cmd, rest)
    if sub in ("install", "i") and not rest:
        prod = a.has("--production", "-p") or cmd.env_value("NODE_ENV") == "production"
        return _step("node", "bun", "deps", ["package.json"], ["bun.lock", "bun.lockb"], cmd, a.has("--frozen-lockfile"), prod, dir=_dir(cmd, a.value("--cwd")))
    return None


# -- python ----------------------------------------------------------------------------------------

_PIP_VALUES = frozenset(
    (
        "-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-t", "--target", "--prefix", "--root",
        "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host", "--cache-dir",
        "--platform", "--python-version", "--implementation", "--abi", "--only-binary", "--no-binary",
        "--progress-bar", "--upgrade-strategy", "-w", "--wheel-dir", "-d", "--dest", "--src", "--log",
        "--timeout", "--retries", "--config-settings", "-C", "--python", "-p", "--extra", "--group",
    )
)


def _requirement_files(w: tuple[str, ...]) -> list[str]:
    files = []
    for i, word in enumerate(w):
        if word in ("-r", "--requirement", "-c", "--constraint") and i + 1 < len(w):
            files.append(w[i + 1])
        elif word.startswith(("--requirement=", "--constraint=")):
            files.append(word.split("=", 1)[1])
        elif word.startswith(("-r", "-c")) and len(word) > 2 and not word.startswith("--"):
            files.append(word[2:].lstrip("="))
    return [f for f in files if f]


def _pip(cmd: Command, w: tuple[str, ...], tool: str = "pip") -> Optional[PackageStep]:
    a = _argv(w, 1, _PIP_VALUES)
    if not a.positional or a.positional[0] not in ("install", "wheel", "download", "sync"):
        return None
    sub = a.positional[0]
    targets = list(a.positional[1:])
    editable = a.value("-e", "--editable")
    if editable:
        targets.append(editable)
    reqs = _requirement_files(w)
    if tool == "uv" and sub == "sync":
        return _step("python", "uv", "deps", reqs + targets or ["requirements.txt"], [], cmd, dir=_dir(cmd))
    if any(t in (".", "./") or t.startswith((".[", "./", "/", "..")) and not t.endswith((".whl", ".tar.gz", ".zip")) for t in targets):
        return _step("python", tool, "build", ["pyproject.toml", "setup.py", "setup.cfg"], [], cmd, dir=_dir(cmd))
    if reqs:
        return _step("python", tool, "deps", reqs, [], cmd, dir=_dir(cmd))
    if sub == "install":
        return _tool("python", tool, cmd, targets)
    return None


def _python(cmd: Command, w: tuple[str, ...]) -> Optional[PackageStep]:
    """``python -m pip ...``, ``python3.12 -m poetry install``."""
    if len(w) > 2 and w[1] == "-m":
        module = w[2]
        inner = (module,) + w[3:]
        if module in ("pip", "pip3"):
            return _pip(cmd, inner)
        if module in _CLASSIFIERS and module in ("poetry", "pipenv", "pdm", "uv"):
            return _CLASSIFIERS[module](cmd, inner)
    return None


def _uv(cmd: Command, w: tuple[str, ...]) -> Optional[PackageStep]:
    a = _argv(w, 1, frozenset(("--project", "--directory", "--python", "-p", "--extra", "--group", "--package", "--only-group", "--no-group", "--index-url", "--cache-dir")))
    if not a.positional:
        return None
    sub = a.positional[0]
    if sub == "pip":
        step = _pip(cmd, w[w.index("pip"):], "uv")
        return step
    if sub == "tool" and len(a.positional) > 2 and a.positional[1] == "install":
        return _tool("python", "uv", cmd, a.positional[2:])
    if sub == "sync":
        folder = _dir(cmd, a.value("--directory"), a.value("--project"))
        project = not a.has("--no-install-project", "--only-dev", "--no-install-workspace")
        return _step(
            "python", "uv", "deps", ["pyproject.toml"], ["uv.lock"], cmd, a.has("--frozen", "--locked"), a.has("--no-dev"),
            dir=folder, needs_source=project, deps_only_flag="--no-install-project",
        )
    return None


def _poetry(cmd: Command, w: tuple[str, ...]) -> Optional[PackageStep]:
    a = _argv(w, 1, frozenset(("-C", "--directory", "-P", "--project", "--only", "--without", "--with", "-E", "--extras")))
    if not a.positional or a.positional[0] not in ("install", "sync"):
        return None
    folder = _dir(cmd, a.value("-C", "--directory"), a.value("-P", "--project"))
    only = a.value("--only") or ""
    prod = a.has("--no-dev") or "main" in only.split(",") or "dev" in (a.value("--without") or "").split(",")
    if a.has("--only-root"):
        return _step("python", "poetry", "build", ["pyproject.toml"], ["poetry.lock"], cmd, dir=folder)
    root = not a.has("--no-root")
    return _step(
        "python", "poetry", "deps", ["pyproject.toml"], ["poetry.lock"], cmd, False, prod,
        dir=folder, needs_source=root, deps_only_flag="--no-root",
    )


def _pipenv(cmd: Command, w: tuple[str, ...]) -> Optional[PackageStep]:
    a = _argv(w, 1, frozenset(("--python", "--pypi-mirror", "--categories")))
    if not a.positional or a.positional[0] not in ("install", "sync") or len(a.positional) > 1:
        return None
    locked = a.positional[0] == "sync" or a.has("--deploy", "--ignore-pipfile")
    return _step("python", "pipenv", "deps", ["Pipfile"], ["Pipfile.lock"], cmd, locked, not a.has("--dev", "-d"), dir=_dir(cmd))


def _pdm(cmd: Command, w: tuple[str, ...]) -> Optional[PackageStep]:
    a = _argv(w, 1, frozenset(("-p", "--project", "-G", "--group", "-L", "--lockfile")))
    if not a.positional or a.positional[0] not in ("install", "sync"):
        return None
    locked = a.positional[0] == "sync" or a.has("--frozen-lockfile", "--check")
    return _step(
        "python", "pdm", "deps", ["pyproject.toml"], ["pdm.lock"], cmd, locked, a.has("--prod", "--production"),
        dir=_dir(cmd, a.value("-p", "--project")), needs_source=not a.has("--no-self"), deps_only_flag="--no-self",
    )


# -- compiled languages ----------------------------------------------------------------------------


def _go(cmd: Command, w: tuple[str, ...]) -> Optional[PackageStep]:
    a = _argv(w, 1, frozenset(("-C", "-o", "-ldflags", "-gcflags", "-tags", "-mod", "-modfile", "-p", "-run", "-pkgdir", "-exec")))
    if not a.positional:
        return None
    sub = a.positional[0]
    folder = _dir(cmd, a.value("-C"))
    if sub == "mod" and len(a.positional) > 1 and a.positional[1] == "download":
        return _step("go", "go", "prefetch", ["go.mod"], ["go.sum"], cmd, dir=folder)
    remote = [p for p in a.positional[1:] if "@" in p or (sub == "get" and not p.startswith("."))]
    if sub in ("install", "get") and remote:
        return _tool("go", "go", cmd, remote)
    if sub in ("build", "install", "test", "vet", "generate", "run", "get"):
        return _step("go", "go", "build", ["go.mod"], ["go.sum"], cmd, dir=folder)
    return None


_MVN_VALUES = frozenset(("-f", "--file", "-s", "--settings", "-gs", "--global-settings", "-t", "--toolchains", "-pl", "--projects", "-rf", "--resume-from", "-T", "--threads", "-l", "--log-file", "-b", "--builder", "-P", "--activate-profiles", "-D", "--define", "-Dmaven.repo.local"))
_MVN_BUILD = frozenset(("package", "install", "verify", "compile", "test", "test-compile", "deploy", "spring-boot:repackage", "quarkus:build", "war:war", "jar:jar", "assembly:single", "native:compile"))


def _maven(cmd: Command, w: tuple[str, ...]) -> Optional[PackageStep]:
    a = _argv(w, 1, _MVN_VALUES)
    goals = a.positional
    pom = a.value("-f", "--file")
    folder, manifest = cmd.cwd, "pom.xml"
    if pom:
        head, tail = posixpath.split(pom)
        if tail.endswith(".xml"):
            folder, manifest = _dir(cmd, head), tail
        else:
            folder = _dir(cmd, pom)
    if goals and all(g.startswith("dependency:") or "go-offline" in g or "maven-dependency-plugin" in g for g in goals):
        return _step("java", "maven", "prefetch", [manifest], [], cmd, dir=folder)
    if any(g in _MVN_BUILD for g in goals):
        return _step("java", "maven", "build", [manifest], [], cmd, dir=folder)
    return None


_GRADLE_VALUES = frozenset(("-p", "--project-dir", "-b", "--build-file", "-c", "--settings-file", "-x", "--exclude-task", "-g", "--gradle-user-home", "-I", "--init-script", "--console", "--max-workers", "--warning-mode", "-D", "-P"))
_GRADLE_PREFETCH = frozenset(("dependencies", "downloadDependencies", "resolveDependencies", "androidDependencies", "buildEnvironment"))
_GRADLE_BUILD = frozenset(("build", "assemble", "bootJar", "bootWar", "jar", "war", "installDist", "shadowJar", "distTar", "distZip", "test", "check", "compileJava", "compileKotlin", "classes", "nativeCompile", "quarkusBuild", "buildFatJar", "publishToMavenLocal", "bootDistTar", "jibBuildTar"))


def _gradle(cmd: Command, w: tuple[str, ...]) -> Optional[PackageStep]:
    a = _argv(w, 1, _GRADLE_VALUES)
    tasks = [t.rsplit(":", 1)[-1] for t in a.positional]
    manifests = ["build.gradle*", "settings.gradle*"]
    folder = _dir(cmd, a.value("-p", "--project-dir"))
    if not tasks:
        return None
    if all(t in _GRADLE_PREFETCH for t in tasks):
        return _step("java", "gradle", "prefetch", manifests, ["gradle.lockfile"], cmd, dir=folder)
    if any(t in _GRADLE_BUILD for t in tasks):
        return _step("java", "gradle", "build", manifests, [], cmd, dir=folder)
    if all(t not in ("clean", "help", "tasks", "wrapper", "--version") for t in tasks):
        # A project's own task (``downloadRepos``): taken as fetching dependencies, not reported on.
        return _step("java", "gradle", "prefetch", manifests, [], cmd, dir=folder, guessed=True)
    return None


_CARGO_VALUES = frozenset(("--manifest-path", "--target", "-p", "--package", "--bin", "--features", "-F", "-j", "--jobs", "--target-dir", "--profile", "--recipe-path", "--root", "--version", "--git", "--branch", "--tag", "--rev", "--path", "--example"))


def _cargo(cmd: Command, w: tuple[str, ...]) -> Optional[PackageStep]:
    a = _argv(w, 1, _CARGO_VALUES)
    if not a.positional:
        return None
    sub = a.positional[0]
    manifest = a.value("--manifest-path")
    folder = _dir(cmd, posixpath.dirname(manifest)) if manifest else cmd.cwd
    locked = a.has("--locked", "--frozen")
    if sub == "fetch":
        return _step("rust", "cargo", "prefetch", ["Cargo.toml"], ["Cargo.lock"], cmd, locked, dir=folder)
    if sub == "chef" and len(a.positional) > 1:
        if a.positional[1] == "cook":
            return _step("rust", "cargo", "prefetch", [a.value("--recipe-path") or "recipe.json"], [], cmd, dir=folder)
        return None
    if sub == "install" and not a.has("--path"):
        return _tool("rust", "cargo", cmd, a.positional[1:])
    if sub in ("build", "install", "test", "run", "zigbuild", "auditable", "leptos", "doc", "clippy"):
        return _step("rust", "cargo", "build", ["Cargo.toml"], ["Cargo.lock"], cmd, locked, dir=folder)
    return None


# -- ruby, php, .NET, elixir -----------------------------------------------------------------------


def _bundler(cmd: Command, w: tuple[str, ...]) -> Optional[PackageStep]:
    # ``--without development test``: the groups are separate words.
    kept, skipping = [], False
    for word in w:
        if word in ("--without", "--with"):
            skipping = True
            kept.append(word + "=groups")
            continue
        if skipping and not word.startswith("-"):
            continue
        skipping = False
        kept.append(word)
    a = _argv(tuple(kept), 1, frozenset(("--jobs", "-j", "--retry", "--path", "--gemfile", "--binstubs", "--standalone", "--shebang", "--trust-policy")))
    sub = a.positional[0] if a.positional else ""
    if sub not in ("", "install") or len(a.positional) > 1:
        return None
    gemfile = a.value("--gemfile") or cmd.env_value("BUNDLE_GEMFILE")
    folder, manifest = cmd.cwd, "Gemfile"
    if gemfile:
        head, manifest = posixpath.split(gemfile)
        folder = _dir(cmd, head)
    locked = a.has("--frozen", "--deployment") or cmd.env_value("BUNDLE_FROZEN") == "true" or cmd.env_value("BUNDLE_DEPLOYMENT") in ("1", "true")
    prod = bool(a.value("--without")) or "BUNDLE_WITHOUT" in dict(cmd.env)
    return _step("ruby", "bundler", "deps", [manifest], [manifest + ".lock"], cmd, locked, prod, dir=folder)


def _gem(cmd: Command, w: tuple[str, ...]) -> Optional[PackageStep]:
    a = _argv(w, 1, frozenset(("-v", "--version", "-i", "--install-dir", "-n", "--bindir", "--source", "-s", "--platform")))
    if len(a.positional) > 1 and a.positional[0] == "install":
        return _tool("ruby", "gem", cmd, a.positional[1:])
    return None


def _composer(cmd: Command, w: tuple[str, ...]) -> Optional[PackageStep]:
    a = _argv(w, 1, frozenset(("-d", "--working-dir", "--prefer-install")))
    if not a.positional:
        return None
    sub = a.positional[0]
    folder = _dir(cmd, a.value("-d", "--working-dir"))
    if sub == "global" and len(a.positional) > 2 and a.positional[1] == "require":
        return _tool("php", "composer", cmd, a.positional[2:])
    if sub in ("install", "i", "update", "u", "upgrade") and len(a.positional) == 1:
        # Without these flags composer also runs the project's scripts and builds its autoloader from the source.
        source = not (a.has("--no-scripts") and a.has("--no-autoloader"))
        return _step(
            "php", "composer", "deps", ["composer.json"], ["composer.lock"], cmd, False, a.has("--no-dev"),
            dir=folder, needs_source=source, deps_only_flag="--no-scripts --no-autoloader",
        )
    return None


def _php(cmd: Command, w: tuple[str, ...]) -> Optional[PackageStep]:
    if len(w) > 1 and w[1].rsplit("/", 1)[-1] in ("composer", "composer.phar"):
        return _composer(cmd, w[1:])
    return None


_DOTNET_VALUES = frozenset(("-c", "--configuration", "-o", "--output", "-r", "--runtime", "-f", "--framework", "-a", "--arch", "--os", "-v", "--verbosity", "-s", "--source", "--packages", "--configfile"))


def _dotnet(cmd: Command, w: tuple[str, ...]) -> Optional[PackageStep]:
    a = _argv(w, 1, _DOTNET_VALUES)
    if not a.positional:
        return None
    sub, rest = a.positional[0], a.positional[1:]
    projects = [p for p in rest if p.endswith((".csproj", ".fsproj", ".vbproj", ".sln", ".slnx"))]
    manifests = projects or ["*.csproj", "*.fsproj", "*.sln"]
    if sub == "tool" and len(rest) > 1 and rest[0] == "install":
        return _tool("dotnet", "dotnet", cmd, rest[1:])
    if sub == "restore":
        locked = a.has("--locked-mode")  # packages.lock.json is opt-in for .NET projects
        return _step("dotnet", "dotnet", "prefetch", manifests, ["packages.lock.json"] if locked else [], cmd, locked, dir=_dir(cmd))
    if sub in ("publish", "build", "test", "pack", "run") and not a.has("--no-restore"):
        return _step("dotnet", "dotnet", "build", manifests, [], cmd, dir=_dir(cmd))
    return None


def _mix(cmd: Command, w: tuple[str, ...]) -> Optional[PackageStep]:
    a = _argv(w, 1, frozenset(("--only",)))
    if not a.positional:
        return None
    sub = a.positional[0]
    prod = a.value("--only") == "prod" or cmd.env_value("MIX_ENV") == "prod"
    if sub == "deps.get":
        return _step("elixir", "mix", "deps", ["mix.exs"], ["mix.lock"], cmd, a.has("--check-locked"), prod, dir=_dir(cmd))
    if sub in ("compile", "release", "assets.deploy", "phx.digest"):
        return _step("elixir", "mix", "build", ["mix.exs"], ["mix.lock"], cmd, dir=_dir(cmd))
    if sub in ("local.hex", "local.rebar", "archive.install"):
        return _tool("elixir", "mix", cmd, [sub])
    return None


def _corepack(cmd: Command, w: tuple[str, ...]) -> Optional[PackageStep]:
    """``corepack pnpm install`` / ``npx pnpm@9 install``: the package manager run through a shim."""
    i = 1
    while i < len(w) and w[i].startswith("-"):
        i += 1
    if i < len(w) and _tool_name(w[i]) in ("npm", "yarn", "pnpm", "bun"):
        step = _CLASSIFIERS[_tool_name(w[i])](cmd, w[i:])
        return step  # the step keeps the command as written (``corepack pnpm i``)
    return None


_CLASSIFIERS: dict[str, _Classifier] = {
    "npm": _npm,
    "yarn": _yarn,
    "yarnpkg": _yarn,
    "pnpm": _pnpm,
    "bun": _bun,
    "corepack": _corepack,
    "npx": _corepack,
    "pip": _pip,
    "pip3": _pip,
    "uv": _uv,
    "poetry": _poetry,
    "pipenv": _pipenv,
    "pdm": _pdm,
    "go": _go,
    "mvn": _maven,
    "mvnw": _maven,
    "gradle": _gradle,
    "gradlew": _gradle,
    "cargo": _cargo,
    "bundle": _bundler,
    "bundler": _bundler,
    "gem": _gem,
    "composer": _composer,
    "composer.phar": _composer,
    "php": _php,
    "dotnet": _dotnet,
    "mix": _mix,
}
_PYTHON = re.compile(r"^(python|pypy)(\d+(\.\d+)?)?$|^py$")
_PIP_VERSIONED = re.compile(r"^pip\d+(\.\d+)?$")


def classify(cmd: Command) -> Optional[PackageStep]:
    """The dependency install, prefetch or build ``cmd`` is, if any (tool installs are not: see ``classify_any``)."""
    step = classify_any(cmd)
    return None if step is None or step.kind == "tool" else step


def classify_any(cmd: Command) -> Optional[PackageStep]:
    """What package-manager step ``cmd`` is, tool installs (``npm install -g``, ``pip install poetry``) included."""
    w = cmd.words
    if not w or "--version" in w or "--help" in w:
        return None
    tool = _tool_name(w[0])
    if _PYTHON.match(tool):
        return _python(cmd, w)
    if _PIP_VERSIONED.match(tool):
        return _pip(cmd, w)
    found = _CLASSIFIERS.get(tool)
    return found(cmd, w) if found else None


# -- per instruction -------------------------------------------------------------------------------

_ALL: "weakref.WeakKeyDictionary[Instruction, tuple[PackageStep, ...]]" = weakref.WeakKeyDictionary()


def all_steps(ins: Instruction) -> tuple[PackageStep, ...]:
    """Every package-manager step of a RUN, tool installs included, in order (cached)."""
    if ins.keyword != "RUN":
        return ()
    found = _ALL.get(ins)
    if found is None:
        found = _ALL[ins] = tuple(s for s in map(classify_any, commands(ins)) if s is not None)
    return found


def package_steps(ins: Instruction) -> list[PackageStep]:
    """The project's dependency installs, prefetches and builds in a RUN, in order."""
    return [s for s in all_steps(ins) if s.kind != "tool"]


def tool_installs(ins: Instruction) -> list[PackageStep]:
    """Named packages installed by a language package manager (``npm i -g``, ``pip install poetry``)."""
    return [s for s in all_steps(ins) if s.kind == "tool"]


def iter_steps(instructions) -> Iterator[tuple[Instruction, PackageStep]]:
    for ins in instructions:
        for step in package_steps(ins):
            yield ins, step
