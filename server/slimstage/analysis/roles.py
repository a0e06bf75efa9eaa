"""What each stage is for: dependencies, builder, test, runtime, dev, or a shared base.

A role is inferred from what the stage does (package installs, builds, test runs, the
command it starts) and from how the other stages use it (built FROM it, copied or
mounted from it, the build's target). The stage's name only decides when its commands
say nothing, or when it names a test or dev stage outright. Each role comes with the
reasons that led to it, so hover and ``slimstage explain`` can say why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional
from weakref import WeakKeyDictionary

from ..dockerfile.model import Instruction, Stage
from .images import parse_ref, toolchain_of
from .shell import commands

if TYPE_CHECKING:
    from . import Analysis

DEPENDENCIES, BUILDER, TEST, RUNTIME, DEV, BASE, OTHER = "dependencies", "builder", "test", "runtime", "dev", "base", "other"
ROLES = (DEPENDENCIES, BUILDER, TEST, RUNTIME, DEV, BASE, OTHER)


@dataclass(frozen=True)
class StageRole:
    index: int
    role: str  # one of ROLES
    reasons: tuple[str, ...]  # short phrases: "runs `npm ci`", "the runtime stage copies from it"
    ecosystem: Optional[str]  # node, python, go, java, rust, ruby, php, dotnet, elixir, or None


# -- what a stage does ----------------------------------------------------------------------

_NAME_ROLES: dict[str, str] = {
    **dict.fromkeys(("deps", "dep", "dependencies", "modules", "vendor", "packages", "install", "installer", "prod-deps"), DEPENDENCIES),
    **dict.fromkeys(("build", "builder", "compile", "compiler", "assets", "bundle", "publish", "dist", "artifacts"), BUILDER),
    **dict.fromkeys(("test", "tests", "testing", "ci", "lint", "check", "checks", "unit", "integration", "e2e", "scan", "audit"), TEST),
    **dict.fromkeys(("dev", "develop", "development", "debug", "local", "devcontainer", "watch"), DEV),
    **dict.fromkeys(("runtime", "final", "prod", "production", "release", "run", "runner", "app", "server", "service", "serve"), RUNTIME),
    **dict.fromkeys(("base",), BASE),
}


def role_from_name(name: Optional[str]) -> Optional[str]:
    """The role a stage name states (``deps``, ``build-frontend``, ``test``), if any."""
    if not name:
        return None
    if name in _NAME_ROLES:
        return _NAME_ROLES[name]
    found = {_NAME_ROLES.get(token.rstrip("0123456789")) for token in re.split(r"[-_.]+", name)}
    # "prod-deps" installs dependencies, "build-test" tests: the more specific word wins
    return next((role for role in (TEST, DEV, DEPENDENCIES, BUILDER, BASE, RUNTIME) if role in found), None)


_JS_TOOLS = ("npm", "yarn", "pnpm", "bun", "npx", "turbo", "nx", "lerna")
_BUILD_TOOLS = frozenset(
    "make cmake ninja meson gcc g++ cc c++ clang clang++ tsc webpack esbuild rollup vite parcel javac rustc zig hugo "
    "msbuild bazel bazelisk sbt lein ant scons".split()
)
_TEST_TOOLS = frozenset("pytest tox nox rspec phpunit jest vitest mocha ava karma eslint ruff flake8 pylint mypy golangci-lint hadolint trivy grype shellcheck".split())
_DEV_WORDS = ("nodemon", "ts-node-dev", "watchexec", "air", "reflex", "--reload", "--watch", "run dev", "next dev", "vite dev")


_OPTIONS_WITH_VALUES = frozenset(("--filter", "-F", "--workspace", "-w", "-C", "--dir", "--prefix", "--cwd", "--scope"))


def _script(words: tuple[str, ...]) -> Optional[str]:
    """``npm run build`` / ``yarn build`` / ``pnpm --filter web test`` -> the script name."""
    tool = words[0].rsplit("/", 1)[-1]
    if tool not in _JS_TOOLS:
        return None
    rest: list[str] = []
    skip = False
    for w in words[1:]:
        if skip:
            skip = False
        elif w in _OPTIONS_WITH_VALUES:
            skip = True
        elif not w.startswith("-"):
            rest.append(w)
    if not rest:
        return None
    if rest[0] in ("run", "run-script", "exec") and len(rest) > 1:
        return rest[1]
    if rest[0] in ("test", "t", "build", "lint"):
        return rest[0]
    if tool != "npm" and rest[0] not in ("install", "i", "add", "ci", "workspaces", "fetch", "prune", "dlx", "exec"):
        return rest[0]
    return None


def _is_test(words: tuple[str, ...]) -> bool:
    tool = words[0].rsplit("/", 1)[-1]
    sub = words[1] if len(words) > 1 else ""
    script = _script(words)
    if script is not None:
        return script in ("test", "t", "lint", "check", "typecheck", "coverage") or script.startswith(("test:", "lint:", "test-"))
    if tool in _TEST_TOOLS:
        return True
    if tool.startswith("python") and sub == "-m" and len(words) > 2 and words[2] in ("pytest", "unittest", "tox", "mypy", "ruff"):
        return True
    if tool in ("go", "cargo", "dotnet", "mix", "deno") and sub == "test":
        return True
    if tool in ("mvn", "mvnw", "./mvnw", "gradle", "gradlew", "./gradlew"):
        goals = [w for w in words[1:] if not w.startswith("-")]
        return bool(goals) and all(g in ("test", "check", "verify") for g in goals)
    if tool in ("bundle", "bundler") and sub == "exec" and len(words) > 2:
        return _is_test(words[2:])
    return False


def _is_build(words: tuple[str, ...]) -> bool:
    tool = words[0].rsplit("/", 1)[-1]
    script = _script(words)
    if script is not None:
        return script in ("build", "compile", "dist", "bundle", "prepare", "package") or script.startswith(("build:", "build-"))
    if tool in _BUILD_TOOLS:
        return True
    sub = words[1] if len(words) > 1 else ""
    return tool.startswith("python") and sub == "-m" and len(words) > 2 and words[2] in ("build", "compileall", "nuitka", "PyInstaller")


@dataclass(frozen=True)
class _Facts:
    deps: list[str]  # labels of dependency installs / prefetches
    builds: list[str]
    tests: list[str]
    dev: Optional[str]  # the dev command it starts
    starts: bool  # has CMD or ENTRYPOINT
    ecosystem: Optional[str]


def _run_words(ins: Instruction) -> list[tuple[str, ...]]:
    return [c.words for c in commands(ins) if c.words]


def _facts(a: "Analysis", st: Stage) -> _Facts:
    deps: list[str] = []
    builds: list[str] = []
    tests: list[str] = []
    dev = None
    starts = False
    ecosystem = None
    for ins in st.instructions[1:]:
        if ins.keyword == "RUN":
            steps = a.steps(ins)
            for step in steps:
                ecosystem = ecosystem or step.ecosystem
                label = short_command(step.command.words)
                if _is_test(step.command.words):
                    tests.append(label)
                elif step.kind == "build":
                    builds.append(label)
                else:
                    deps.append(label)
            stepped = {s.command.words for s in steps}
            for words in _run_words(ins):
                if words in stepped:
                    continue
                label = short_command(words)
                if _is_test(words):
                    tests.append(label)
                elif _is_build(words):
                    builds.append(label)
        elif ins.keyword in ("CMD", "ENTRYPOINT"):
            starts = True
            command = " ".join(w.text for w in ins.args) if ins.is_json else ins.text
            words = tuple(command.split())
            if words and _is_test(words):
                tests.append(short_command(words))
            padded = f" {command} "
            for marker in _DEV_WORDS:
                if f" {marker} " in padded or f"/{marker} " in padded:
                    dev = short_command(words)
                    break
    return _Facts(deps, builds, tests, dev, starts, ecosystem or _image_ecosystem(a.graph.root_image(st.index)))


_IMAGE_ECOSYSTEMS = {
    "node": "node", "nodejs": "node", "bun": "node", "deno": "node",
    "python": "python", "pypy": "python",
    "golang": "go",
    "rust": "rust",
    "eclipse-temurin": "java", "openjdk": "java", "amazoncorretto": "java", "maven": "java", "gradle": "java", "ibm-semeru-runtimes": "java", "sapmachine": "java",
    "ruby": "ruby", "jruby": "ruby",
    "php": "php", "composer": "php",
    "sdk": "dotnet", "aspnet": "dotnet", "runtime": "dotnet", "runtime-deps": "dotnet",
    "elixir": "elixir", "erlang": "elixir",
}


def _image_ecosystem(image: str) -> Optional[str]:
    ref = parse_ref(image)
    name = ref.name
    if "distroless" in ref.repository:
        for key, eco in (("nodejs", "node"), ("python", "python"), ("java", "java")):
            if name.startswith(key):
                return eco
        return None
    if name in ("sdk", "aspnet", "runtime", "runtime-deps") and "dotnet" not in ref.repository:
        return None
    return _IMAGE_ECOSYSTEMS.get(name) or toolchain_of(image)


def _q(text: str) -> str:
    return f"`{text}`"


def stage_label(st: Stage) -> str:
    """How prose names a stage: `` `build` `` or ``stage 2``."""
    return _q(st.name_word.text) if st.name_word is not None else f"stage {st.index}"


def short_command(words: tuple[str, ...]) -> str:
    """``pip install -r requirements.txt`` -> ``pip install``; ``pnpm --filter web run build`` -> ``pnpm run build``."""
    if len(words) > 2 and words[1] == "-m":
        return " ".join(words[:3])
    kept = [words[0]]
    skip = False
    for w in words[1:]:
        if skip:
            skip = False
        elif w in _OPTIONS_WITH_VALUES:
            skip = True
        elif not w.startswith("-"):
            kept.append(w)
    n = 3 if len(kept) > 2 and kept[1] in ("run", "run-script", "exec", "mod", "chef", "workspaces") else 2
    return " ".join(kept[:n])


def _users(a: "Analysis", index: int, kinds: tuple[str, ...]) -> list[str]:
    labels: list[str] = []
    for e in a.graph.used_by(index):
        if e.kind in kinds:
            label = stage_label(a.doc.stages[e.dst])
            if label not in labels:
                labels.append(label)
    return labels


def _infer(a: "Analysis", st: Stage) -> StageRole:
    f = _facts(a, st)
    g = a.graph
    named = role_from_name(st.name)
    takers = _users(a, st.index, ("copy", "mount"))
    children = _users(a, st.index, ("base",))
    is_target = g.is_final(st.index)

    def done(role: str, *reasons: str) -> StageRole:
        return StageRole(st.index, role, tuple(r for r in reasons if r), f.ecosystem)

    took = f"{', '.join(takers)} cop{'ies' if len(takers) == 1 else 'y'} from it" if takers else ""
    built_on = f"{', '.join(children)} build{'s' if len(children) == 1 else ''} on it" if children else ""
    if f.dev or (named == DEV and not takers):
        return done(DEV, f"starts {_q(f.dev)}" if f.dev else "", f"is named {_q(st.name or '')}" if named == DEV else "")
    if is_target:
        if f.tests and not f.starts and (named == TEST or len(a.doc.stages) > 1):
            return done(TEST, f"runs {_q(f.tests[0])}", "is the build target")
        if named == TEST:
            return done(TEST, f"is named {_q(st.name or '')}", "is the build target")
        target = "the build target (set in the settings)" if g.target != len(a.doc.stages) - 1 else "the last stage, which `docker build` produces"
        return done(RUNTIME, f"is {target}")
    if (f.tests or named == TEST) and not takers and not children:
        return done(TEST, f"runs {_q(f.tests[0])}" if f.tests else f"is named {_q(st.name or '')}", "nothing takes from it")
    if children and not f.builds and not f.deps and (named in (None, BASE) or len(st.instructions) <= 3):
        return done(BASE, built_on, f"is named {_q(st.name or '')}" if named == BASE else "")
    if f.builds:
        return done(BUILDER, f"runs {_q(f.builds[0])}", took or built_on)
    if f.deps:
        return done(DEPENDENCIES, f"installs dependencies ({_q(f.deps[0])})", took or built_on)
    if named in (DEPENDENCIES, BUILDER, BASE):
        return done(named, f"is named {_q(st.name or '')}", took or built_on)
    if takers:
        return done(BUILDER, took)
    if children:
        return done(BASE, built_on)
    if named == RUNTIME or f.starts:
        return done(RUNTIME, "starts the application" if f.starts else f"is named {_q(st.name or '')}", "is an alternative target (not the default)")
    if toolchain_of(g.root_image(st.index)):
        return done(BUILDER, f"{_q(g.root_image(st.index))} is a toolchain image")
    return done(OTHER, "nothing uses it and it starts nothing")


_CACHE: "WeakKeyDictionary[Analysis, tuple[StageRole, ...]]" = WeakKeyDictionary()


def stage_roles(a: "Analysis") -> tuple[StageRole, ...]:
    """The role of every stage, in order (computed once per Analysis)."""
    found = _CACHE.get(a)
    if found is None:
        roles = [_infer(a, st) for st in a.doc.stages]
        for i, r in enumerate(roles):
            if r.ecosystem is None:  # a runtime on distroless/alpine: the ecosystem of what it copies in
                eco = next((roles[e.src].ecosystem for e in a.graph.uses(i) if e.kind == "copy" and roles[e.src].ecosystem), None)
                if eco:
                    roles[i] = StageRole(r.index, r.role, r.reasons, eco)
        found = _CACHE[a] = tuple(roles)
    return found


def role_of(a: "Analysis", index: int) -> StageRole:
    return stage_roles(a)[index]
