"""Package managers in RUN commands: which install or build step reads which manifests.

A RUN's shell text (and its heredoc bodies) is split into simple commands; each command
is matched against the package managers slimstage knows. The result says whether the
step needs only the manifests and lockfiles (a dependency install, which should come
before the source is copied) or the whole source (a build that also downloads
dependencies when nothing fetched them before).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, Optional

from ..dockerfile.model import Instruction, Range
from ..dockerfile.parse import split_words


@dataclass(frozen=True)
class Command:
    """One simple shell command inside a RUN, with its words and where it is."""

    words: tuple[str, ...]
    text: str
    start: int  # offset in the RUN's text (or -1 when it comes from a heredoc body)
    end: int
    range: Range


@dataclass(frozen=True)
class PackageStep:
    ecosystem: str  # node, python, go, java, rust, ruby, php, dotnet, elixir
    tool: str  # npm, yarn, pnpm, bun, pip, pipenv, poetry, uv, pdm, go, maven, gradle, cargo, bundler, composer, dotnet, mix
    kind: str  # "deps": needs only manifests; "build": needs the source and downloads what is missing; "prefetch": downloads deps only
    manifests: tuple[str, ...]  # files the step reads (globs allowed)
    lockfiles: tuple[str, ...]  # lockfiles it needs or honours
    requires_lock: bool  # fails (or is meaningless) without the lockfile: npm ci, --frozen-lockfile...
    production_only: bool  # leaves dev dependencies out
    command: Command

    @property
    def label(self) -> str:
        """The command as a user would name it: ``npm ci``, ``pip install -r requirements.txt``."""
        return " ".join(self.command.words[:6])


_SEPARATORS = re.compile(r"&&|\|\||;|\||\n|&(?!&)")
_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_PREFIXES = frozenset(("sudo", "exec", "time", "command", "nice", "nohup", "env"))
_SHELL_WORDS = frozenset(("(", "{", "!", "then", "do", "else", "if", "while", "until"))


def split_commands(ins: Instruction) -> list[Command]:
    """The simple commands of a RUN: shell form text, exec form, and heredoc bodies."""
    out: list[Command] = []
    if ins.is_json:
        words = tuple(w.text for w in ins.args)
        if words:
            out.append(Command(words, " ".join(words), 0, len(ins.text), ins.range_of(0, len(ins.text))))
        # ["sh", "-c", "a && b"]: look inside the script too
        if len(words) >= 3 and words[1] == "-c":
            out += _commands_in(words[2], None)
        return out
    out += _commands_in(ins.text, ins)
    for doc in ins.heredocs:
        out += [Command(c.words, c.text, -1, -1, doc.range) for c in _commands_in(doc.body, None)]
    return out


def _commands_in(text: str, ins: Optional[Instruction]) -> list[Command]:
    out: list[Command] = []
    pos = 0
    pieces = []
    for m in _SEPARATORS.finditer(text):
        pieces.append((pos, m.start()))
        pos = m.end()
    pieces.append((pos, len(text)))
    for start, end in pieces:
        segment = text[start:end]
        words = [w for w, _, _ in split_words(segment)]
        while words and (words[0] in _PREFIXES or words[0] in _SHELL_WORDS or _ASSIGN.match(words[0])):
            words = words[1:]
        words = [w.strip("(){}") for w in words if w.strip("(){}")]
        if not words:
            continue
        lead = len(segment) - len(segment.lstrip())
        s, e = start + lead, start + len(segment.rstrip())
        rng = ins.range_of(s, e) if ins is not None else Range.of(0, 0, 0, 0)
        out.append(Command(tuple(words), text[s:e], s, e, rng))
    return out


def _positional(words: tuple[str, ...], start: int) -> list[str]:
    out = []
    skip = False
    for w in words[start:]:
        if skip:
            skip = False
            continue
        if w.startswith("-"):
            if w in ("-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-w", "--workspace", "--filter", "-F", "--prefix", "-C", "--cwd"):
                skip = w not in ("-e", "--editable")
            continue
        out.append(w)
    return out


def _requirement_files(words: tuple[str, ...]) -> list[str]:
    files = []
    for i, w in enumerate(words):
        if w in ("-r", "--requirement", "-c", "--constraint") and i + 1 < len(words):
            files.append(words[i + 1])
        elif w.startswith("--requirement=") or w.startswith("-r"):
            val = w.split("=", 1)[1] if "=" in w else w[2:]
            if val:
                files.append(val)
    return files


NODE_LOCKS = ("package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb", "bun.lock")


def _step(eco: str, tool: str, kind: str, manifests, locks, cmd: Command, requires_lock=False, prod=False) -> PackageStep:
    return PackageStep(eco, tool, kind, tuple(manifests), tuple(locks), requires_lock, prod, cmd)


def classify(cmd: Command) -> Optional[PackageStep]:
    """What package-manager step ``cmd`` is, if any."""
    w = cmd.words
    if not w:
        return None
    tool = w[0].rsplit("/", 1)[-1]
    sub = w[1] if len(w) > 1 else ""
    flags = set(w[1:])
    if tool == "npm":
        if sub == "ci" or sub == "clean-install" or (sub in ("install", "i", "add") and not _positional(w, 2)):
            if "-g" in flags or "--global" in flags:
                return None
            prod = bool({"--omit=dev", "--production", "--only=production", "--only=prod"} & flags)
            req = sub in ("ci", "clean-install")
            return _step("node", "npm", "deps", ["package.json"], ["package-lock.json", "npm-shrinkwrap.json"], cmd, req, prod)
        return None
    if tool == "yarn":
        if sub in ("", "install") or (sub.startswith("-") and sub != "--version") or (sub == "workspaces" and len(w) > 2 and w[2] == "focus"):
            if sub == "" or sub == "install" or sub.startswith("-") or sub == "workspaces":
                prod = bool({"--production", "--prod"} & flags)
                req = bool({"--frozen-lockfile", "--immutable", "--pure-lockfile"} & flags)
                return _step("node", "yarn", "deps", ["package.json"], ["yarn.lock"], cmd, req, prod)
        return None
    if tool == "pnpm":
        if sub in ("install", "i") and not _positional(w, 2):
            prod = bool({"--prod", "-P", "--production"} & flags)
            req = "--frozen-lockfile" in flags
            return _step("node", "pnpm", "deps", ["package.json"], ["pnpm-lock.yaml"], cmd, req, prod)
        if sub == "fetch":
            return _step("node", "pnpm", "prefetch", [], ["pnpm-lock.yaml"], cmd, True, "--prod" in flags)
        return None
    if tool == "bun":
        if sub in ("install", "i") and not _positional(w, 2):
            return _step("node", "bun", "deps", ["package.json"], ["bun.lockb", "bun.lock"], cmd, "--frozen-lockfile" in flags, "--production" in flags)
        return None
    # python -m pip / python3 -m pip / uv pip
    if tool.startswith("python") and sub == "-m" and len(w) > 2 and w[2] in ("pip", "pip3"):
        return classify(Command(("pip",) + w[3:], cmd.text, cmd.start, cmd.end, cmd.range))
    if tool == "uv" and sub == "pip":
        step = classify(Command(("pip",) + w[2:], cmd.text, cmd.start, cmd.end, cmd.range))
        if step is not None:
            return _step("python", "uv", step.kind, step.manifests, step.lockfiles, cmd, step.requires_lock)
        if len(w) > 2 and w[2] == "sync":
            files = _positional(w, 3)
            return _step("python", "uv", "deps", files or ["requirements.txt"], [], cmd)
        return None
    if tool in ("pip", "pip3") or re.fullmatch(r"pip3\.\d+", tool):
        if sub != "install":
            return None
        reqs = _requirement_files(w)
        pos = _positional(w, 2)
        if any(p in (".", "./") or p.startswith(".[") or p.startswith("./") or p.startswith("/") and not p.endswith(".whl") for p in pos):
            return _step("python", "pip", "build", ["pyproject.toml", "setup.py", "setup.cfg"], [], cmd)
        if reqs:
            return _step("python", "pip", "deps", reqs, [], cmd)
        return None
    if tool == "pipenv":
        if sub in ("install", "sync") and not _positional(w, 2):
            req = sub == "sync" or "--deploy" in flags
            return _step("python", "pipenv", "deps", ["Pipfile"], ["Pipfile.lock"], cmd, req, "--dev" not in flags)
        return None
    if tool == "poetry":
        if sub == "install":
            src = "--no-root" not in flags and "--only-root" not in flags
            prod = bool({"--no-dev", "--without=dev", "--only=main"} & flags) or any(f.startswith("--only") and "main" in f for f in flags)
            return _step("python", "poetry", "deps", ["pyproject.toml"], ["poetry.lock"], cmd, True, prod)
        return None
    if tool == "uv":
        if sub == "sync":
            prod = "--no-dev" in flags
            return _step("python", "uv", "deps", ["pyproject.toml"], ["uv.lock"], cmd, bool({"--frozen", "--locked"} & flags), prod)
        return None
    if tool == "pdm":
        if sub in ("install", "sync"):
            return _step("python", "pdm", "deps", ["pyproject.toml"], ["pdm.lock"], cmd, "--frozen-lockfile" in flags, "--prod" in flags)
        return None
    if tool == "go":
        if sub == "mod" and len(w) > 2 and w[2] == "download":
            return _step("go", "go", "prefetch", ["go.mod"], ["go.sum"], cmd, False)
        if sub in ("build", "install", "test", "vet", "generate", "run"):
            return _step("go", "go", "build", ["go.mod"], ["go.sum"], cmd)
        return None
    if tool in ("mvn", "mvnw", "./mvnw"):
        goals = [x for x in w[1:] if not x.startswith("-")]
        if goals and all(g.startswith("dependency:") or g.startswith("de.qaware") for g in goals):
            return _step("java", "maven", "prefetch", ["pom.xml"], [], cmd)
        if any(g in ("package", "install", "verify", "compile", "test", "spring-boot:repackage", "clean") for g in goals):
            return _step("java", "maven", "build", ["pom.xml"], [], cmd)
        return None
    if tool in ("gradle", "gradlew", "./gradlew"):
        tasks = [x for x in w[1:] if not x.startswith("-")]
        if tasks and all(t in ("dependencies", "downloadDependencies", "resolveDependencies", "--refresh-dependencies") for t in tasks):
            return _step("java", "gradle", "prefetch", ["build.gradle*", "settings.gradle*"], ["gradle.lockfile"], cmd)
        if any(t in ("build", "assemble", "bootJar", "jar", "installDist", "shadowJar", "test", "clean") for t in tasks):
            return _step("java", "gradle", "build", ["build.gradle*", "settings.gradle*"], [], cmd)
        if tasks:  # a project's own task (e.g. downloadRepos): treated as fetching dependencies
            return _step("java", "gradle", "prefetch", ["build.gradle*", "settings.gradle*"], [], cmd)
        return None
    if tool == "cargo":
        if sub == "fetch":
            return _step("rust", "cargo", "prefetch", ["Cargo.toml"], ["Cargo.lock"], cmd)
        if sub == "chef" and len(w) > 2 and w[2] == "cook":
            return _step("rust", "cargo", "prefetch", ["recipe.json"], [], cmd)
        if sub in ("build", "install", "test") and not (sub == "install" and _positional(w, 2) and "--path" not in flags):
            return _step("rust", "cargo", "build", ["Cargo.toml"], ["Cargo.lock"], cmd)
        return None
    if tool in ("bundle", "bundler"):
        if sub == "install" or sub == "" :
            return _step("ruby", "bundler", "deps", ["Gemfile"], ["Gemfile.lock"], cmd, "--frozen" in flags or "--deployment" in flags)
        return None
    if tool in ("composer", "composer.phar"):
        if sub == "install":
            return _step("php", "composer", "deps", ["composer.json"], ["composer.lock"], cmd, True, "--no-dev" in flags)
        return None
    if tool == "dotnet":
        if sub == "restore":
            return _step("dotnet", "dotnet", "prefetch", ["*.csproj", "*.sln", "*.fsproj"], ["packages.lock.json"], cmd)
        if sub in ("publish", "build", "test", "pack"):
            if "--no-restore" in flags:
                return None
            return _step("dotnet", "dotnet", "build", ["*.csproj", "*.sln"], [], cmd)
        return None
    if tool == "mix":
        if sub == "deps.get":
            return _step("elixir", "mix", "deps", ["mix.exs"], ["mix.lock"], cmd)
        if sub in ("compile", "release"):
            return _step("elixir", "mix", "build", ["mix.exs"], ["mix.lock"], cmd)
        return None
    return None


def package_steps(ins: Instruction) -> list[PackageStep]:
    """Every package-manager step of a RUN instruction, in order."""
    if ins.keyword != "RUN":
        return []
    steps = []
    for cmd in split_commands(ins):
        step = classify(cmd)
        if step is not None:
            steps.append(step)
    return steps


def iter_steps(instructions) -> Iterator[tuple[Instruction, PackageStep]]:
    for ins in instructions:
        for step in package_steps(ins):
            yield ins, step
