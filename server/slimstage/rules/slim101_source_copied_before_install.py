"""SLIM101: the application source is copied before the dependency install."""

from __future__ import annotations

import posixpath
from typing import Iterator, Optional

from ..analysis import Analysis
from ..analysis.ecosystems import PackageStep
from ..analysis.images import stage_image
from ..analysis.indirect import delegated_steps, image_ecosystem
from ..analysis.scope import Scope, is_within, join, walk
from ..analysis.shell import Command, commands
from ..analysis.stages import copy_dest, copy_sources
from ..dockerfile.model import Instruction, Range, Stage
from .base import Edit, Fix, Related, Rule, Violation, instruction_lines
from .slim1xx_edits import BROAD_SOURCES, INERT, flags_text, ignored, is_broad_copy, is_context_copy, is_source_copy, listing, quoted_ok, removal

__all__ = ["SourceCopiedBeforeInstall", "BROAD_SOURCES", "is_broad_copy", "is_context_copy"]

# What to copy before the install, per tool: (always, copied when present: lockfiles and config).
_MANIFESTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "npm": (("package.json",), ("package-lock.json", "npm-shrinkwrap.json", ".npmrc")),
    "yarn": (("package.json",), ("yarn.lock", ".yarnrc.yml", ".yarnrc", ".npmrc")),
    "pnpm": (("package.json",), ("pnpm-lock.yaml", ".npmrc", ".pnpmfile.cjs")),
    "bun": (("package.json",), ("bun.lock", "bun.lockb", "bunfig.toml", ".npmrc")),
    "pipenv": (("Pipfile",), ("Pipfile.lock",)),
    "poetry": (("pyproject.toml",), ("poetry.lock", "poetry.toml")),
    "uv": (("pyproject.toml",), ("uv.lock", ".python-version")),
    "pdm": (("pyproject.toml",), ("pdm.lock",)),
    "bundler": (("Gemfile",), ("Gemfile.lock", ".ruby-version")),
    "composer": (("composer.json",), ("composer.lock", "auth.json")),
    "mix": (("mix.exs",), ("mix.lock",)),
}
# Context entries whose presence means the manifests alone are not enough to install.
_NEEDS_MORE = {
    "pnpm": ("pnpm-workspace.yaml",),  # a workspace: every package's package.json is read
}
# Folders the install needs along with the manifests, when the context has them.
_FOLDERS = {"yarn": (".yarn",)}  # Yarn Berry's release, plugins and cache
# Where the install puts what it installs; a COPY of the source after the install must not bring the host's.
_OUTPUT = {"npm": "node_modules", "yarn": "node_modules", "pnpm": "node_modules", "bun": "node_modules", "composer": "vendor", "mix": "deps"}

_PREFETCH_HINT = {
    "go": "copy go.mod and go.sum first and run `go mod download` before copying the source",
    "maven": "copy pom.xml first and run `mvn dependency:go-offline` before copying the source",
    "gradle": "copy the build.gradle and settings.gradle files (and the wrapper) first and run `gradle dependencies` before copying the source",
    "cargo": "build the dependencies from Cargo.toml and Cargo.lock before copying the source (cargo-chef's `cargo chef cook`, or a dummy main)",
    "dotnet": "copy the project files (*.csproj) first and run `dotnet restore` before copying the source",
    "pip": "install the dependencies from their manifests before copying the source, then run `pip install --no-deps .` after it",
    "mix": "copy mix.exs and mix.lock first and run `mix deps.get` before copying the source",
}
_SETUP_TOOLS = frozenset(("npm", "yarn", "pnpm", "bun", "pip", "pip3", "poetry", "bundle", "composer", "pdm", "uv", "pipenv", "gem", "mix", "corepack"))


class SourceCopiedBeforeInstall(Rule):
    """The application source is copied before the dependency install that only needs the manifests.

    ## What it does
    Flags a `COPY . .` (any copy of the whole build context, or of a conventional
    source folder: `src`, `app`, `cmd`, `internal`) that comes before the step
    installing the project's dependencies in the same stage: `npm ci`, `yarn
    install`, `pnpm install`, `bun install`, `pip install -r requirements.txt`, `pipenv
    install`, `poetry install`, `uv sync`, `pdm install`, `bundle install`, `composer
    install`, `mix deps.get`, and prefetches such as `go mod download`, `mvn
    dependency:go-offline`, `dotnet restore`; and builds that download their
    dependencies themselves when nothing fetched them first: `go build`, `mvn package`,
    `gradle build`, `cargo build`, `dotnet publish`, `pip install .`.

    Installs and builds behind another command count too: a `make` target, a project
    script (`./build.sh`, `bin/installDeps.sh`), a package.json script or a `just` /
    `task` recipe that runs one of them. Where the build context is known, slimstage
    reads its Makefile, justfile, Taskfile, package.json or script; where it is not, it
    recognises the common shapes: `make`, `make build` or `./build.sh` on a Go, Rust,
    Java or .NET image builds with that toolchain, and a script named like
    `install-deps.sh` on a Node, Python, Ruby or PHP image installs the dependencies.

    It stays quiet when any step of the same package manager ran before the source copy
    (the manifests-first pattern, whatever the COPY spelling, flags or WORKDIRs), for a
    project task slimstage does not know (`./gradlew downloadRepos`), and for a build
    whose RUN mounts a cache holding what the build would redo, judged per package
    manager: the module cache for Go (`RUN --mount=type=cache,target=/go/pkg/mod go
    build`; the `go-build` cache alone still downloads every module), `.m2` for Maven,
    `.gradle` for Gradle, `.nuget` for .NET, and for Cargo the `target` folder: a cache
    on `/usr/local/cargo/registry` only keeps the downloads, while compiling every
    dependency into `target/` is what costs the time. A dependency-only build before the
    source copy (cargo-chef's `cargo chef cook`, a dummy `src/main.rs`) also keeps it
    quiet. On microservices-demo it
    reports only `cartservice`'s debug Dockerfile, whose `dotnet restore` follows
    `COPY . .` (the release Dockerfile restores first).

    ## Why it matters
    Docker reuses a layer only while everything before it is unchanged. Once the whole
    source is copied, any edit to any file invalidates the cache for every later
    instruction: every source change re-runs the full dependency install, which is
    usually the slowest step of the build. Copying only the manifests and lockfiles
    first lets the install layer stay cached until the dependencies really change.
    This costs build time in every stage, shipped or not.

    ## Example
    ```dockerfile
    FROM node:22-slim
    WORKDIR /app
    COPY . .
    RUN npm ci
    ```
    Use instead:
    ```dockerfile
    FROM node:22-slim
    WORKDIR /app
    COPY package.json package-lock.json ./
    RUN npm ci
    COPY . .
    ```

    ## Fix
    For a dependency install, the fix copies the manifests, lockfiles and package-manager
    config first (those found in the build context, with Yarn Berry's `.yarn` folder;
    when the context is unknown, optional ones as `name*` patterns, which match nothing
    when the file is missing) and moves the install behind them. When the install starts a longer RUN
    (`npm ci && npm run build`), only the install moves and the rest stays after the
    source copy. Installs that also install the project itself (`poetry install` without
    `--no-root`, `uv sync` without `--no-install-project`, `pdm install` without
    `--no-self`, `composer install` without `--no-scripts --no-autoloader`) get a
    dependencies-only install added before the source copy, and the original stays.

    No fix is offered when something between the copy and the install changes what the
    install sees (ENV, ARG, WORKDIR, USER, VOLUME, another RUN or COPY), when the project needs
    more than its manifests to install (a pnpm workspace, a `.gemspec`), or when the build context holds an unignored `node_modules` (or
    `vendor`) that the later `COPY . .` would lay over the installed one. For builds that
    download as they go (Go, Maven, Gradle, Cargo, .NET), the message says which prefetch
    step to add.
    """

    code = "SLIM101"
    name = "source-copied-before-install"
    severity = "warning"
    summary = "The application source is copied before the dependency install, so every code change reinstalls everything."
    fixable = True

    def check(self, a: Analysis) -> Iterator[Violation]:
        for st in a.doc.stages:
            yield from self._check_stage(a, st)

    def _check_stage(self, a: Analysis, st: Stage) -> Iterator[Violation]:
        broad: Optional[Instruction] = None
        broad_scope: Optional[Scope] = None
        seen: set[str] = set()
        reported: set[str] = set()
        adjacent = False  # only instructions that change nothing a RUN sees since the copy
        ecosystem = image_ecosystem(stage_image(a, st.index))
        for ins, scope in walk(a.doc, st):
            if broad is None and is_source_copy(ins):
                broad, broad_scope, adjacent = ins, scope, True
                continue
            if ins.keyword != "RUN":
                adjacent = adjacent and ins.keyword in INERT
                continue
            here, adjacent = adjacent, False
            steps = a.steps(ins)
            if ins.keyword == "RUN":
                steps = steps + delegated_steps(commands(ins), a.context, ecosystem)
            for step in steps:
                if broad is None:
                    # Any step of the tool before the source arrives (a prefetch, a custom
                    # task) means the dependency layer was thought about: stay quiet.
                    seen.add(step.tool)
                    continue
                if step.tool in reported or step.tool in seen or step.guessed:
                    continue
                if step.kind == "build" and (step.tool not in _PREFETCH_HINT or _cache_keeps_downloads(ins, step, scope)):
                    continue
                reported.add(step.tool)
                yield self._report(a, broad, broad_scope, ins, scope, step, here)  # type: ignore[arg-type]

    def _report(self, a: Analysis, broad: Instruction, broad_scope: Scope, ins: Instruction, scope: Scope, step: PackageStep, adjacent: bool) -> Violation:
        copy_text = " ".join(w.text for w in broad.args)
        what = "the whole source" if is_broad_copy(broad) else "source files"
        label = step.label
        fix = None
        if step.kind == "build" and step.tool == "cargo":
            registry = " The cache mount keeps the registry downloads, not the compiled dependencies in `target/`." if _cache_mounts(ins) else ""
            message = (
                f"`{broad.keyword} {copy_text}` copies {what} before `{label}` builds the dependencies: "
                f"every source change downloads and compiles them all again.{registry} To keep them cached, {_PREFETCH_HINT['cargo']}, "
                "or mount a cache on the target folder."
            )
        elif step.kind == "build":
            hint = _PREFETCH_HINT[step.tool]
            message = (
                f"`{broad.keyword} {copy_text}` copies {what} before `{label}` downloads the dependencies: "
                f"every source change downloads them all again. To keep them cached, {hint}."
            )
        elif step.kind == "prefetch":
            files = listing(step.manifest_paths + step.lockfile_paths) or "the manifests"
            message = (
                f"`{broad.keyword} {copy_text}` copies {what} before `{label}`: every source change downloads "
                f"the dependencies again. Copy {files} first, run `{label}`, then copy the rest."
            )
        else:
            manifests = _manifests(a, step)
            shown = _shown(a, step, manifests)
            if step.needs_source:
                message = (
                    f"`{broad.keyword} {copy_text}` copies {what} before `{label}`: every source change "
                    f"re-installs every dependency. Copy {shown} first and run the install with `{step.deps_only_flag}` "
                    f"there; the `{label}` after the source copy then only installs the project."
                )
            else:
                message = (
                    f"`{broad.keyword} {copy_text}` copies {what} before `{label}`: every source change "
                    f"re-runs `{label}`. Copy {shown} first, run `{label}`, then copy the rest."
                )
            fix = _fix(a, broad, broad_scope, ins, scope, step, manifests) if adjacent else None
            out = _OUTPUT.get(step.tool)
            if out and step.dir == "" and a.context.known and a.context.has(out) and not ignored(a, out):
                message += f" Add {out} to .dockerignore too, or the `{broad.keyword} {copy_text}` after the install lays the host's {out} over it."
        if step.via:
            how = "as it usually does on this base image" if step.via_source == "shape" else f"per {step.via_source}"
            script = step.via.split()[0]
            also = f"; copy `{script}` with the manifests" if step.kind == "deps" and script.endswith((".sh", ".bash")) else ""
            message += f" (`{step.via}` runs `{step.own_label}`, {how}{also}.)"
        related = [Related(step.command.range, f"`{label}` runs here, after the source is copied")]
        return self.violation(broad.range, message, related, fix, tool=step.tool)


# Per package manager, what a cache mount must hold to spare a build its downloads (and, for
# Cargo, the compilation of every dependency): the folder's name or a part of its path.
_CACHE_HOLDS = {
    "go": ("pkg/mod", "/go", "gomodcache"),  # the module cache (GOMODCACHE, under GOPATH)
    "maven": (".m2",),
    "gradle": (".gradle",),
    "dotnet": (".nuget", "nuget"),
    "pip": ("pip", "/root/.cache", "uv"),
    "mix": ("deps", ".hex", ".mix"),
    # A registry cache keeps the downloads, but cargo build's cost is compiling every
    # dependency into target/: only a cache of the target folder makes it incremental.
    "cargo": ("target",),
}


def _cache_mounts(ins: Instruction) -> list[str]:
    out = []
    for f in ins.flags_named("mount"):
        opts = f.options()
        if opts.get("type") == "cache":
            out.append((opts.get("target") or opts.get("dst") or opts.get("destination") or "").rstrip("/"))
    return out


def _cache_keeps_downloads(ins: Instruction, step: PackageStep, scope: Scope) -> bool:
    """True when a cache mount of this RUN holds what ``step``'s package manager would otherwise redo."""
    targets = _cache_mounts(ins)
    if not targets:
        return False
    holds = _CACHE_HOLDS.get(step.tool)
    if holds is None:
        return True
    for target in targets:
        low = target.lower()
        if "$" in target:
            return True  # a variable: cannot tell, stay quiet
        if step.tool == "cargo":
            if low.rsplit("/", 1)[-1] == "target":
                return True
            custom = scope.env.get("CARGO_TARGET_DIR")
            if custom and low == custom.rstrip("/").lower():
                return True
            continue
        if step.tool == "go" and low.endswith("go-build"):
            continue  # the build cache: modules are still downloaded
        if any(h in low for h in holds):
            return True
    return False


def _manifests(a: Analysis, step: PackageStep) -> list[str]:
    """Files to copy before the install, relative to the folder it runs in."""
    if step.tool in ("pip", "uv") and step.manifests and step.manifests[0].endswith((".txt", ".in")):
        # A requirements file in a folder may include its neighbours (-r base.txt): copy the folder.
        out: list[str] = []
        for m in step.manifests:
            folder = posixpath.dirname(m)
            item = folder + "/" if folder else m
            if item not in out:
                out.append(item)
        return out
    always, optional = _MANIFESTS.get(step.tool, (step.manifests, step.lockfiles))
    if step.manifests and step.manifests[0] not in always:
        always, optional = step.manifests, step.lockfiles  # a custom Gemfile name...
    ctx = a.context
    at_root = step.dir == "" and ctx.known
    files = list(always)
    for name in optional:
        if at_root:
            if ctx.has(name):
                files.append(name)
        elif step.requires_lock and name == step.lockfiles[0] and not (step.tool == "npm"):
            files.append(name)
        else:
            files.append(name + "*")  # matches nothing when the file is missing
    if at_root:
        files += [f"{d}/" for d in _FOLDERS.get(step.tool, ()) if ctx.has(d)]
    if step.tool == "npm" and not at_root:
        files = ["package*.json"] + [f for f in files if not f.startswith("package")]
    if step.requires_lock and at_root and not any(lock in files for lock in step.lockfiles):
        files.append(step.lockfiles[0])
    return files


def _shown(a: Analysis, step: PackageStep, manifests: list[str]) -> str:
    """The files to copy first as the message names them: the certain ones, and the main lockfile."""
    out: list[str] = []
    for m in manifests:
        if m == "package*.json":
            out += ["package.json", "package-lock.json"]
        elif not m.endswith("*"):
            out.append(m)
    if step.lockfiles and not any(lock in out for lock in step.lockfiles) and not (a.context.known and step.dir == ""):
        out.append(step.lockfiles[0])
    return listing([posixpath.join(step.dir or "", m) for m in out])


def _is_setup(cmd: Command, step: PackageStep) -> bool:
    """A command that prepares the package manager and reads no source (``corepack enable``)."""
    if cmd is step.command:
        return True
    w = cmd.words
    if cmd.name == "corepack":
        return True
    if cmd.name in _SETUP_TOOLS and len(w) > 1 and w[1] in ("config", "set", "version", "--version", "-v"):
        return True
    if cmd.name in ("npm", "pnpm", "bun", "yarn") and ("-g" in w or "--global" in w or (len(w) > 1 and w[1] == "global")):
        return True
    return cmd.name in ("pip", "pip3", "gem") and len(w) > 2 and w[1] == "install" and not any(x.startswith(("-r", "-e", ".", "/")) or x == "--requirement" for x in w[2:])


def _fix(
    a: Analysis, broad: Instruction, broad_scope: Scope, ins: Instruction, scope: Scope, step: PackageStep, manifests: list[str]
) -> Optional[Fix]:
    """Copy the manifests and install before ``broad`` (``ins`` follows it with nothing in between that matters)."""
    if step.dir is None:
        return None
    sources = copy_sources(broad)
    if len(sources) != 1 or sources[0] not in (".", "./"):
        return None
    ctx = a.context
    if ctx.known and step.dir == "":
        if any(ctx.has(x) for x in _NEEDS_MORE.get(step.tool, ())):
            return None
        if step.tool == "bundler" and any(f.endswith(".gemspec") for f in ctx.files):
            return None
        out = _OUTPUT.get(step.tool)
        if out and ctx.has(out) and not ignored(a, out):
            return None  # COPY . . would lay the host's node_modules over the installed one
    # Where the source lands, and where the install reads its manifests.
    dest = copy_dest(broad)
    dest_abs = broad_scope.resolve(dest)
    cwd = join(scope.workdir, step.dir) if step.dir is not None else None
    if dest_abs is None or cwd is None or not is_within(cwd, dest_abs) or not quoted_ok(dest, *manifests):
        return None
    rel = posixpath.relpath(cwd, dest_abs)
    rel = "" if rel == "." else rel
    if any(m.startswith("/") or ".." in m for m in manifests):
        return None
    move = _moved_commands(a, ins, step)
    if move is None:
        return None
    run_text, removed = move
    base = dest if dest.endswith("/") else dest + "/"
    chown = flags_text(broad, ("chown", "chmod", "link"))
    groups: dict[str, list[str]] = {}
    for m in manifests:
        if m.endswith("/"):
            groups.setdefault("\0" + m, []).append(m)  # a folder: its own COPY, to the same folder
        else:
            groups.setdefault(posixpath.join(rel, posixpath.dirname(m)).rstrip("/"), []).append(posixpath.join(rel, m))
    lines = []
    for folder, files in groups.items():
        if folder.startswith("\0"):
            src = posixpath.join(rel, folder[1:])
            target = posixpath.join(base, rel, folder[1:]).rstrip("/") + "/"
            lines.append(" ".join(x for x in ("COPY", chown, src, target) if x))
        else:
            target = posixpath.join(base, folder).rstrip("/") + "/" if folder else base
            lines.append(" ".join(x for x in ("COPY", chown, *files, target) if x))
    new_text = "\n".join(lines) + "\n" + run_text
    start = Range.of(broad.start_line, 0, broad.start_line, 0)
    edits = [Edit(start, new_text)]
    if removed is not None:
        edits.append(Edit(removed, ""))
    shown = _shown(a, step, manifests)
    title = f"Install dependencies before copying the source ({shown} first)"
    # Without the context the optional files are guesses; for Yarn a missing .yarn folder breaks the install.
    safe = ctx.known or step.tool != "yarn"
    return Fix(title, tuple(edits), safe=safe)


def _moved_commands(a: Analysis, ins: Instruction, step: PackageStep) -> Optional[tuple[str, Optional[Range]]]:
    """The RUN to put before the source copy, and the range to delete from the original (if any)."""
    cmds = [c for c in commands(ins) if not c.via]
    if step.command not in cmds or step.command.via:
        return None
    k = next(i for i, c in enumerate(cmds) if c is step.command)
    head, rest = cmds[: k + 1], cmds[k + 1 :]
    flags = flags_text(ins)
    prefix = "RUN " + (flags + " " if flags else "")
    if step.needs_source:
        # Keep the original; add a dependencies-only install in front of the source copy.
        if ins.heredocs or ins.is_json or not all(_is_setup(c, step) for c in head) or not step.command.editable:
            return None
        sub = next((i for i, w in enumerate(step.command.words) if i > 0 and w in ("install", "sync", "i")), -1)
        if sub < 0:
            return None
        cut = step.command.spans[sub][1]
        text = ins.text[head[0].start : cut] + " " + step.deps_only_flag + ins.text[cut : step.command.end]
        return prefix + text + "\n", None
    if not rest:
        # The whole RUN is the install and its set-up: move it as written.
        if all(_is_setup(c, step) or c.name in ("set", "cd", "export") for c in cmds):
            return instruction_lines(a, ins), removal(a, ins)
        return None
    if ins.heredocs or ins.is_json or not all(_is_setup(c, step) for c in head):
        return None
    if any(c.joiner not in ("&&", ";") for c in head) or any(c.cwd for c in rest):
        return None
    text = ins.text[head[0].start : step.command.end]
    return prefix + text + "\n", ins.range_of(head[0].start, rest[0].start)
