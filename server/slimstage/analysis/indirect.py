"""Builds and installs a RUN starts indirectly: through ``make``, a project script, a
package.json script or a task runner.

``RUN make build`` compiles with ``go build`` when the Makefile's ``build`` target says so;
``RUN ./bin/installDeps.sh`` installs with ``npm ci`` when the script does. Where the build
context is known, the Makefile, justfile, Taskfile, package.json or script is read through
``BuildContext.read_text`` (the one reader of side files) and its commands are split like
a RUN's. Where it is not, the common shapes are recognised from the command and the base
image: ``make`` or ``./build.sh`` on a Go image builds with ``go build``; a script named
like ``install-deps.sh`` on a Node image installs with ``npm install``.

Each resolved command is a ``Command`` located at the outer command (a finding points at
``make build``), and says how it was found (``Delegated.source``). Recursion (a target's
prerequisites, ``npm run a`` calling ``npm run b``, a script calling a script) is bounded,
and every reader is linear in the text it reads.
"""

from __future__ import annotations

import dataclasses
import json
import posixpath
import re
from dataclasses import dataclass
from typing import Optional

from .context import BuildContext
from .ecosystems import PackageStep, classify
from .images import full_variant_ecosystem, parse_ref, toolchain_of
from .shell import Command, script_commands

__all__ = ["Delegated", "delegated", "delegated_steps", "image_ecosystem", "is_delegating", "makefile_targets", "package_scripts"]

_MAX_DEPTH = 4
_MAX_COMMANDS = 200
_MAX_RESOLVES = 12
_MAX_LINE = 8192  # a recipe line after variable expansion


@dataclass(frozen=True)
class Delegated:
    """What an indirect command runs."""

    outer: Command  # ``make build``, ``./build.sh``, ``npm run build``
    via: str  # how a user names it: ``make build``, ``./build.sh``, ``npm run build``
    source: str  # the file the commands were read from ("Makefile", "package.json", "build.sh"), "" for a recognised shape
    commands: tuple[Command, ...]  # what it runs, each located at ``outer``

    @property
    def guessed(self) -> bool:
        return not self.source


# -- which commands delegate ------------------------------------------------------------------------

_SHELLS = frozenset(("sh", "bash", "ash", "dash", "zsh"))
_JS = frozenset(("npm", "yarn", "pnpm", "bun"))
_MAKE_VALUES = frozenset(("-C", "-f", "--file", "--makefile", "--directory", "-j", "--jobs", "-I", "-o", "-W", "-l"))
# npm/yarn/pnpm/bun subcommands that are not a script name.
_JS_BUILTINS = frozenset(
    "install i ci add remove rm uninstall update up upgrade audit cache config dedupe exec dlx x link list ls outdated pack "
    "prune publish rebuild version why workspace workspaces global init create info view set get login logout help import "
    "fetch patch store env root bin doctor explain fund".split()
)


def _script_path(words: tuple[str, ...]) -> Optional[str]:
    """The project script a command runs: ``./build.sh``, ``sh scripts/build.sh``, ``bin/installDeps.sh``."""
    first = words[0]
    name = first.rsplit("/", 1)[-1]
    if name in _SHELLS and len(words) > 1:
        rest = [w for w in words[1:] if not w.startswith("-")]
        if rest and "-c" not in words[1:] and rest[0].endswith((".sh", ".bash")):
            return rest[0]
        return None
    if "/" in first and first.endswith((".sh", ".bash")) or first.startswith("./") and "." not in name.lstrip("."):
        return first if "$" not in first else None
    return None


def is_delegating(words: tuple[str, ...]) -> bool:
    """True when ``words`` hands the work to something else: make, a script, a package script, a task runner."""
    if not words:
        return False
    tool = words[0].rsplit("/", 1)[-1]
    return tool in ("make", "gmake", "just", "task") or _script_path(words) is not None or _js_script(words) is not None


def _js_script(words: tuple[str, ...]) -> Optional[str]:
    """``npm run build`` / ``yarn build`` / ``pnpm run build`` / ``npm start`` -> the script name."""
    tool = words[0].rsplit("/", 1)[-1]
    if tool not in _JS:
        return None
    rest = [w for w in words[1:] if not w.startswith("-")]
    if not rest:
        return None
    if rest[0] in ("run", "run-script") and len(rest) > 1:
        return rest[1]
    if rest[0] in ("start", "test", "t", "stop", "restart"):
        return {"t": "test"}.get(rest[0], rest[0])
    if tool != "npm" and rest[0] not in _JS_BUILTINS and rest[0] != "run":
        return rest[0]
    return None


# -- the readers ----------------------------------------------------------------------------------



def _make_rule(line: str) -> Optional[tuple[str, str]]:
    """(targets, prerequisites) of a rule line ``a b: c d``, or None (no regex: linear on any line)."""
    colon = line.find(":")
    if colon <= 0 or line[0] in " \t=#":
        return None
    head = line[:colon]
    if "=" in head or "#" in head:
        return None
    rest = line[colon + 1 :]
    if rest.startswith(":"):
        rest = rest[1:]  # ``a:: b``
    if rest.startswith("="):
        return None  # ``a := b``, ``a ::= b``: a variable
    return head.strip(), rest.strip()
_MAKE_VAR = re.compile(r"^(?:export\s+|override\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(?:\?|:|::|\+)?=\s*(.*)$")
_MAKE_REF = re.compile(r"\$[({]([A-Za-z_][A-Za-z0-9_.-]*)[)}]")


def makefile_targets(text: str) -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, str], Optional[str]]:
    """(recipes, prerequisites, variables, default target) of a Makefile or justfile, read line by line."""
    recipes: dict[str, list[str]] = {}
    prereqs: dict[str, list[str]] = {}
    variables: dict[str, str] = {}
    current: list[str] = []
    default = None
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        while line.endswith("\\") and i + 1 < len(lines):  # continuation lines
            i += 1
            line = line[:-1] + " " + lines[i].strip()
        i += 1
        if line.startswith(("\t", "    ")) and current is not None:
            body = line.strip()
            if body and not body.startswith("#"):
                current.append(body)
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        m = _MAKE_VAR.match(stripped)
        if m and ":" not in stripped.split("=", 1)[0].rstrip(":?+! \t"):
            variables.setdefault(m.group(1), m.group(2).strip())
            current = []
            continue
        rule = _make_rule(stripped)
        if rule is None:
            current = []
            continue
        names = [n for n in rule[0].split() if n]
        deps = rule[1].split(";", 1)
        current = []
        for name in names:
            name = name.lstrip("@")  # justfile: @name
            if not recipes.get(name):
                recipes[name] = current  # a target's recipe follows the rule that has one
            prereqs.setdefault(name, []).extend(d for d in deps[0].split() if not d.startswith(("$", "|")))
            if default is None and not name.startswith(".") and "%" not in name:
                default = name
        if len(deps) > 1 and deps[1].strip():
            current.append(deps[1].strip())
    return recipes, prereqs, variables, default


def _expand_make(line: str, variables: dict[str, str]) -> str:
    for _ in range(3):
        grown = [len(line)]

        def value(m: "re.Match[str]") -> str:
            found = variables.get(m.group(1))
            if found is None or grown[0] + len(found) > _MAX_LINE:
                return m.group(0)  # unknown, or the line would grow past the cap: left as written
            grown[0] += len(found)
            return found

        new = _MAKE_REF.sub(value, line)
        if new == line:
            break
        line = new
    line = line.replace("$$", "$")
    return line.lstrip("@-+ \t")


def package_scripts(text: str) -> dict[str, str]:
    """The ``scripts`` of a package.json (empty when it is not JSON)."""
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    scripts = data.get("scripts") if isinstance(data, dict) else None
    if not isinstance(scripts, dict):
        return {}
    return {k: v for k, v in scripts.items() if isinstance(k, str) and isinstance(v, str)}


_TASK_NAME = re.compile(r"^  ([A-Za-z0-9_:.-]+):\s*$")
_TASK_CMD = re.compile(r"^\s+-\s+(?:cmd:\s*)?(.+)$")


def _taskfile(text: str, name: str) -> list[str]:
    """The ``cmds`` of task ``name`` in a Taskfile.yml (its plain ``- command`` entries)."""
    out: list[str] = []
    inside = in_cmds = False
    for line in text.splitlines():
        m = _TASK_NAME.match(line)
        if m:
            inside, in_cmds = m.group(1) == name, False
            continue
        if not inside:
            continue
        if line.strip() == "cmds:":
            in_cmds = True
            continue
        if in_cmds:
            c = _TASK_CMD.match(line)
            if c and not c.group(1).startswith(("task:", "{")):
                out.append(c.group(1).strip().strip("'\""))
            elif line.strip() and not line.startswith("      "):
                in_cmds = False
    return out


# -- resolution -----------------------------------------------------------------------------------


class _Resolver:
    def __init__(self, context: BuildContext, ecosystem: Optional[str]) -> None:
        self.context = context
        self.ecosystem = ecosystem
        self.out: list[Command] = []
        self.sources: list[str] = []
        self.budget = _MAX_RESOLVES  # files followed per outer command, whatever they call

    def add(self, text: str, outer: Command, depth: int) -> None:
        for cmd in script_commands(text, outer):
            if len(self.out) >= _MAX_COMMANDS:
                return
            self.out.append(cmd)
            if depth < _MAX_DEPTH and cmd.words and is_delegating(cmd.words):
                self.resolve(cmd.words, outer, depth + 1)

    def read(self, name: str) -> Optional[str]:
        if not self.context.known:
            return None
        text = self.context.read_text(name)
        if text is not None and name not in self.sources:
            self.sources.append(name)
        return text

    def resolve(self, words: tuple[str, ...], outer: Command, depth: int) -> bool:
        if self.budget <= 0:
            return False
        self.budget -= 1
        tool = words[0].rsplit("/", 1)[-1]
        if tool in ("make", "gmake", "just"):
            return self._make(tool, words, outer, depth)
        if tool == "task":
            targets = [w for w in words[1:] if not w.startswith("-")] or ["default"]
            text = self.read("Taskfile.yml") or self.read("Taskfile.yaml")
            if text is None:
                return False
            for t in targets[:4]:
                for line in _taskfile(text, t):
                    self.add(line, outer, depth)
            return True
        script = _js_script(words)
        if script is not None:
            text = self.read(_join(outer.cwd, "package.json"))
            if text is None:
                return False
            scripts = package_scripts(text)
            for name in ("pre" + script, script, "post" + script):
                if name in scripts:
                    self.add(scripts[name], outer, depth)
            return script in scripts
        path = _script_path(words)
        if path is not None:
            text = None
            for candidate in _candidates(path, outer.cwd):
                text = self.read(candidate)
                if text is not None:
                    break
            if text is None:
                return False
            self.add(text, outer, depth)
            return True
        return False

    def _make(self, tool: str, words: tuple[str, ...], outer: Command, depth: int) -> bool:
        folder, names, targets = "", ["GNUmakefile", "makefile", "Makefile"], []
        if tool == "just":
            names = ["justfile", "Justfile", ".justfile"]
        i = 1
        while i < len(words):
            w = words[i]
            if w in ("-C", "--directory", "-d") and i + 1 < len(words):
                folder = words[i + 1]
                i += 2
                continue
            if w in ("-f", "--file", "--makefile", "--justfile") and i + 1 < len(words):
                names = [words[i + 1]]
                i += 2
                continue
            if w in _MAKE_VALUES:
                i += 2
                continue
            if not w.startswith("-") and "=" not in w:
                targets.append(w)
            i += 1
        text = None
        for name in names:
            text = self.read(_join(_join(outer.cwd, folder), name))
            if text is not None:
                break
        if text is None:
            return False
        recipes, prereqs, variables, default = makefile_targets(text)
        # Prerequisites run before the target's own recipe (post-order, each target once).
        seen: set[str] = set()
        order: list[str] = []
        stack: list[tuple[str, bool]] = [(t, False) for t in reversed(targets or ([default] if default else []))]
        while stack and len(seen) < 64:
            t, expanded = stack.pop()
            if expanded:
                order.append(t)
                continue
            if t in seen:
                continue
            seen.add(t)
            stack.append((t, True))
            stack += [(p, False) for p in reversed(prereqs.get(t, [])) if p not in seen]
        for t in order:
            for line in recipes.get(t, []):
                self.add(_expand_make(line, variables), outer, depth)
        return True


def _join(folder: Optional[str], name: str) -> str:
    if not folder or folder.startswith("/") or "$" in folder:
        return name
    return posixpath.normpath(posixpath.join(folder, name))


def _candidates(path: str, cwd: Optional[str]) -> list[str]:
    """Where a script named in a RUN may be in the build context: as written, then shorter tails."""
    if "$" in path:
        return []
    parts = [p for p in posixpath.normpath(path).split("/") if p and p != "."]
    if ".." in parts:
        return []
    out = []
    if not path.startswith("/") and cwd and not cwd.startswith("/"):
        out.append(_join(cwd, "/".join(parts)))
    out += ["/".join(parts[i:]) for i in range(min(len(parts), 4))]
    return out


# -- recognised shapes (no build context) ---------------------------------------------------------

_BUILD_TARGETS = frozenset(("", "all", "build", "install", "release", "dist", "bin", "binary", "binaries", "compile", "static", "prod", "production", "default", "app", "server"))
_SHAPE_BUILD = {
    "go": "go build",
    "rust": "cargo build --release",
    "java": "mvn package",
    "dotnet": "dotnet publish",
}
_DEPS_SCRIPT = re.compile(r"(?i)install[-_]?deps|deps[-_]?install|install[-_]?dependencies|bootstrap")
_BUILD_SCRIPT = re.compile(r"(?i)^(build|compile|make)([-_.].*)?\.(sh|bash)$")
_SHAPE_DEPS = {"node": "npm install", "python": "pip install -r requirements.txt", "ruby": "bundle install", "php": "composer install"}


def _shape(words: tuple[str, ...], outer: Command, ecosystem: Optional[str]) -> tuple[Command, ...]:
    if ecosystem is None:
        return ()
    tool = words[0].rsplit("/", 1)[-1]
    text = None
    if tool in ("make", "gmake", "just", "task"):
        # make, just and task alike: a build target (or the default one) run where the RUN
        # starts, from the usual file (no -C/-d/-f/-t pointing elsewhere).
        targets = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
        elsewhere = ("-C", "--directory", "-f", "--file", "-d", "--dir", "-t", "--taskfile", "--justfile", "--working-directory")
        if all(t in _BUILD_TARGETS or t.startswith("build") for t in targets) and not any(w.split("=", 1)[0] in elsewhere for w in words):
            text = _SHAPE_BUILD.get(ecosystem)
    else:
        path = _script_path(words)
        if path is not None:
            name = path.rsplit("/", 1)[-1]
            if _DEPS_SCRIPT.search(name):
                text = _SHAPE_DEPS.get(ecosystem)
            elif _BUILD_SCRIPT.match(name):
                text = _SHAPE_BUILD.get(ecosystem)
    return script_commands(text, outer) if text else ()


def image_ecosystem(image: Optional[str]) -> Optional[str]:
    """The language an image is for, as far as recognising shapes needs it."""
    if not image:
        return None
    eco = toolchain_of(image) or full_variant_ecosystem(image)
    if eco:
        return eco
    name = parse_ref(image).name
    return {"node": "node", "python": "python", "ruby": "ruby", "php": "php", "bun": "node"}.get(name)


def delegated(cmd: Command, context: BuildContext, ecosystem: Optional[str] = None) -> Optional[Delegated]:
    """What ``cmd`` runs when it hands the work to make, a script, a package script or a task runner.

    ``ecosystem`` is the base image's (``image_ecosystem``): without the build context,
    the common shapes are recognised for it. None when ``cmd`` delegates nothing, or
    nothing could be learnt about what it runs.
    """
    words = cmd.words
    if not words or not is_delegating(words):
        return None
    r = _Resolver(context, ecosystem)
    if r.resolve(words, cmd, 0):
        if not r.out:
            return None
        return Delegated(cmd, _via(words), r.sources[0] if r.sources else "", tuple(r.out))
    if _js_script(words) is not None:
        return None  # package scripts are read from package.json only (the build rules know `npm run build`)
    found = _shape(words, cmd, ecosystem)
    return Delegated(cmd, _via(words), "", found) if found else None


def _via(words: tuple[str, ...]) -> str:
    kept = [w for w in words[:4] if "=" not in w or w.startswith("-")]
    return " ".join(kept) + (" ..." if len(words) > 4 else "")


def delegated_steps(cmds, context: BuildContext, ecosystem: Optional[str]) -> list[PackageStep]:
    """Package-manager steps that ``cmds`` (a RUN's commands) run through make, scripts or package scripts.

    Each step keeps the inner command's words (``own_label``) and names the outer command
    in ``via``; ``dir`` is None, since where a script runs its commands is not followed.
    """
    out: list[PackageStep] = []
    configured = False
    for cmd in cmds:
        if cmd.words and cmd.words[0].rsplit("/", 1)[-1] in ("configure", "cmake", "autoreconf", "autogen.sh"):
            configured = True
        if not cmd.words or configured or classify(cmd) is not None:
            continue
        d = delegated(cmd, context, ecosystem)
        if d is None or (d.guessed and cmd.cwd != ""):
            continue  # a recognised shape counts only where the RUN starts, not after a cd elsewhere
        for inner in d.commands:
            step = classify(inner)
            if step is not None:
                out.append(dataclasses.replace(step, via=d.via, via_source=d.source or "shape", dir=None))
    return out
