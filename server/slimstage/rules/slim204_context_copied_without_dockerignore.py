"""SLIM204: the whole build context is copied without a .dockerignore that keeps out what it should."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Iterator
from weakref import WeakKeyDictionary

from ..analysis import Analysis
from ..analysis.artifacts import WHOLE_CONTEXT
from ..analysis.dockerignore import Dockerignore
from ..analysis.ignore_defaults import DEFAULTS, IgnoreDefault, build_needs, context_ecosystems, safe_defaults
from ..analysis.stages import copy_sources
from ..dockerfile.model import Instruction
from .base import FileChange, Fix, Related, Rule, Violation

if TYPE_CHECKING:
    from ..analysis.context import BuildContext

_HEADER = "# Keeps the build context small and `COPY . .` layers cached (written by slimstage).\n"
_PRESENT: "WeakKeyDictionary[BuildContext, frozenset[str]]" = WeakKeyDictionary()


@lru_cache(maxsize=None)
def _matcher(pattern: str) -> Dockerignore:
    return Dockerignore.parse(pattern)


def _present(ctx: "BuildContext", defaults: list[IgnoreDefault]) -> list[IgnoreDefault]:
    """The defaults that match something at the root of the context."""
    found = _PRESENT.get(ctx)
    if found is None:
        names = set()
        for d in (d for d in DEFAULTS if d.what):
            first = d.probe.split("/", 1)[0]
            if not any(ch in d.pattern for ch in "*?["):
                if ctx.has(first):
                    names.add(d.pattern)
            elif any(_matcher(d.pattern).excludes(n) for n in ctx.files):
                names.add(d.pattern)
        found = _PRESENT[ctx] = frozenset(names)
    return [d for d in defaults if d.pattern in found]


def _is_whole_copy(ins: Instruction) -> bool:
    return ins.keyword in ("COPY", "ADD") and ins.flag("from") is None and len(ins.args) >= 2 and any(s in WHOLE_CONTEXT for s in copy_sources(ins))


def _names(defaults: list[IgnoreDefault]) -> str:
    return ", ".join(f"`{d.pattern}` ({d.what})" for d in defaults)


def _them(defaults: list[IgnoreDefault], one: str, many: str) -> str:
    return one if len(defaults) == 1 else many


class ContextCopiedWithoutDockerignore(Rule):
    """The whole build context is copied, and no .dockerignore keeps out what should not go in.

    ## What it does
    Flags the first `COPY . .` (or `ADD . /app`, `COPY * ./`) of a Dockerfile whose build
    context has no `.dockerignore` (nor a `<Dockerfile>.dockerignore` beside the
    Dockerfile), or whose `.dockerignore` does not exclude something the context really
    holds: `.git`, a `.env` file, log files, and for the project's ecosystem its local
    dependency and build folders (`node_modules`, `__pycache__`, `.venv`, `target/`,
    `build/` and `.gradle`, `bin/` and `obj/`, Composer's `vendor/`, `vendor/bundle`,
    `_build/` and `deps/`).

    The build context is the Dockerfile's folder unless the `context` setting names
    another; the language server re-checks when the `.dockerignore` changes. A dependency
    or build folder only counts when the Dockerfile installs or builds it itself, `.git`
    only when no step reads the repository (`git describe`, setuptools-scm), and a path
    the Dockerfile copies by name never does.

    ## Why it matters
    Everything in the context is sent to the builder on every build, and `COPY . .` puts
    it in a layer. Without a `.dockerignore`, the repository history, local
    `node_modules` or virtualenvs, build output, logs and secrets from `.env` go into the
    image, and any change to any of them (a commit, a local build) invalidates the cache
    of that layer and of everything after it.

    ## Example
    A Node.js project whose folder holds `.git` and `node_modules`, with no `.dockerignore`:
    ```dockerfile
    FROM node:22-slim
    WORKDIR /app
    COPY package.json package-lock.json ./
    RUN npm ci
    COPY . .
    ```
    Add a `.dockerignore`:
    ```
    .git
    node_modules
    *.log
    ```

    ## Fix
    Creates the `.dockerignore` with the entries for the ecosystems the context and the
    Dockerfile use (it also keeps out `.env`: pass secrets at run time instead, and the
    Dockerfile itself, which the builder reads anyway), or appends the missing entries to
    the existing one. Entries that could break the build are left out (see above).
    """

    code = "SLIM204"
    name = "context-copied-without-dockerignore"
    severity = "warning"
    summary = "The whole build context is copied, and no .dockerignore keeps out .git, dependencies and build output."
    fixable = True
    settings = ("context",)

    def check(self, a: Analysis) -> Iterator[Violation]:
        ctx = a.context
        if not ctx.known:
            return
        copies = [ins for ins in a.doc.instructions if _is_whole_copy(ins)]
        if not copies:
            return
        needs = build_needs(a)
        entries = safe_defaults(needs, context_ecosystems(ctx) | set(needs.ecosystems))
        first = copies[0]
        text = " ".join(w.text for w in first.args)
        related = [Related(c.range, "the whole context is copied here too") for c in copies[1:]]
        if not ctx.has_dockerignore:
            present = _present(ctx, entries)
            if present:
                inside = (
                    f", so {_names(present)} {_them(present, 'goes', 'go')} into the image too; any change to "
                    f"{_them(present, 'it', 'them')} invalidates this layer and every one after it"
                )
            else:
                inside = (
                    ": everything in the folder (local build output, logs, the Dockerfile itself) goes into the image, "
                    "and any change to it invalidates this layer and every one after it"
                )
            message = f"`{first.keyword} {text}` copies the whole build context and there is no .dockerignore{inside}. Add a .dockerignore."
            body = _HEADER + "".join(d.pattern + "\n" for d in entries)
            fix = Fix(f"Create {ctx.dockerignore_path} ({', '.join(d.pattern for d in entries[:6])}{'...' if len(entries) > 6 else ''})", files=(FileChange(ctx.dockerignore_path, body, "create"),))
            yield self.violation(first.range, message, related, fix)
            return
        missing = [d for d in entries if not ctx.ignore.excludes(d.probe)]
        present = _present(ctx, [d for d in missing if d.what])
        if not present:
            return
        message = (
            f"`{first.keyword} {text}` copies the whole build context, and {ctx.dockerignore_path} does not exclude "
            f"{_names(present)}: {_them(present, 'it goes', 'they go')} into the image, and any change to {_them(present, 'it', 'them')} "
            f"invalidates this layer and every one after it. Add {_them(present, 'it', 'them')} to {ctx.dockerignore_path}."
        )
        missing = [d for d in missing if d.what]
        body = "# added by slimstage\n" + "".join(d.pattern + "\n" for d in missing)
        fix = Fix(f"Add {', '.join(d.pattern for d in missing)} to {ctx.dockerignore_path}", files=(FileChange(ctx.dockerignore_path, body, "append"),))
        yield self.violation(first.range, message, related, fix)
