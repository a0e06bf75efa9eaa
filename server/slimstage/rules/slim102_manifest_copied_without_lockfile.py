"""SLIM102: a dependency manifest is copied for an install, but its lockfile is not."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Iterator, Optional

from ..analysis import Analysis
from ..analysis.ecosystems import PackageStep
from ..analysis.scope import Scope, is_within, join, walk
from ..analysis.shell import commands
from ..analysis.stages import copy_dest, copy_sources
from ..dockerfile.model import Instruction, Range, Stage, Word
from .base import Edit, Fix, Related, Rule, Violation
from .slim1xx_edits import BROAD_SOURCES, ignored, insert_run_flag, listing, quoted_ok

# Tools whose install follows a lockfile when it is there.
_LOCKING = frozenset(("npm", "yarn", "pnpm", "bun", "pipenv", "poetry", "uv", "pdm", "bundler", "composer", "mix", "cargo"))
# Installs that stop when the lockfile they were told to follow is missing (others install without it).
_RUNS_WITHOUT_LOCK = {("yarn", "--frozen-lockfile")}
# Commands that can put files in place that slimstage cannot follow.
_FILE_MAKERS = frozenset(("git", "tar", "unzip", "cp", "mv", "rsync", "ln", "install", "bsdtar", "7z"))
_MANIFEST_NAMES = frozenset(
    "package.json package-lock.json npm-shrinkwrap.json yarn.lock pnpm-lock.yaml bun.lock bun.lockb Pipfile Pipfile.lock "
    "pyproject.toml poetry.lock uv.lock pdm.lock Gemfile Gemfile.lock composer.json composer.lock mix.exs mix.lock "
    "Cargo.toml Cargo.lock go.mod go.sum".split()
)


@dataclass(frozen=True)
class _Placed:
    """Something a COPY, ADD or bind mount puts in the image."""

    folder: Optional[str]  # absolute (or under the unknown WORKDIR, "@/..."); None when unknown
    name: str  # a file name or glob; "*" with ``everything`` for folders and whole contexts
    everything: bool  # a whole tree lands at ``folder``
    source: str  # path in the build context ("" when not from the context)
    ins: Instruction
    word: Optional[Word]  # the source word (for the fix and the range)
    mount: bool = False  # from a ``--mount=type=bind`` of the install's own RUN


def _is_file_name(path: str) -> bool:
    base = posixpath.basename(path.rstrip("/"))
    return not path.endswith("/") and (base in _MANIFEST_NAMES or "." in base.lstrip(".") or any(c in base for c in "*?["))


def _copy_placements(ins: Instruction, scope: Scope) -> list[_Placed]:
    sources = copy_sources(ins)
    if not sources:
        return []
    dest = copy_dest(ins)
    dest_abs = scope.resolve(dest)
    if ins.flag("from") is not None:
        return [_Placed(dest_abs, "*", True, "", ins, None)]
    words = [w for w in ins.args[:-1] if w.text in sources]
    into_dir = dest.endswith("/") or dest in (".", "./", "..") or len(sources) > 1
    out = []
    for word in words:
        src = word.text
        if src in BROAD_SOURCES or not _is_file_name(src) or "$" in src or src.startswith(("http://", "https://", "git@")):
            remote = src.startswith(("http://", "https://", "git@"))
            out.append(_Placed(None if remote else dest_abs, "*", True, src, ins, word))
            continue
        name = posixpath.basename(src)
        if into_dir or any(c in src for c in "*?["):
            out.append(_Placed(dest_abs, name, False, src, ins, word))
        else:
            # ``COPY package.json /app``: /app/package.json when /app is a folder, else the file /app.
            out.append(_Placed(dest_abs, name, False, src, ins, word))
            if dest_abs is not None:
                out.append(_Placed(posixpath.dirname(dest_abs), posixpath.basename(dest_abs), False, src, ins, word))
    return out


def _mount_placements(ins: Instruction, scope: Scope) -> list[_Placed]:
    out = []
    for flag in ins.flags_named("mount"):
        opts = flag.options()
        if opts.get("type", "bind") != "bind":
            continue
        target = opts.get("target") or opts.get("dst") or opts.get("destination") or ""
        target_abs = scope.resolve(target) if target else None
        source = opts.get("source") or opts.get("src") or ""
        if opts.get("from") or not source or source in BROAD_SOURCES or not _is_file_name(source):
            out.append(_Placed(target_abs, "*", True, "", ins, None, True))
        elif target_abs is not None:
            out.append(_Placed(posixpath.dirname(target_abs), posixpath.basename(target_abs), False, source, ins, None, True))
        else:
            out.append(_Placed(None, posixpath.basename(source), False, source, ins, None, True))
    return out


def _makes_files(ins: Instruction, locks: tuple[str, ...]) -> bool:
    """A RUN that may have put a lockfile in place (cloned, unpacked, copied, or named it)."""
    for cmd in commands(ins):
        if cmd.name in _FILE_MAKERS or any(lock in w for w in cmd.words for lock in locks):
            return True
    return False


def _made_earlier_in_run(ins: Instruction, step: PackageStep) -> bool:
    """An earlier command of the same RUN may write the lockfile (``npm install && npm ci``, ``poetry lock && ...``)."""
    for cmd in commands(ins):
        if cmd is step.command:
            return False
        if cmd.name == step.command.name or cmd.name in _FILE_MAKERS or any("lock" in w or "shrinkwrap" in w for w in cmd.words):
            return True
    return False


class ManifestCopiedWithoutLockfile(Rule):
    """A dependency manifest is copied for an install, but its lockfile is not.

    ## What it does
    Flags the COPY (or `--mount=type=bind`) that brings a project's manifest
    (`package.json`, `pyproject.toml`, `Pipfile`, `Gemfile`, `composer.json`, `mix.exs`,
    `Cargo.toml`) to where an install runs, when the lockfile that install follows does
    not come along:

    - the install insists on the lockfile (`npm ci`, `pnpm install --frozen-lockfile`,
      `yarn install --immutable` or `--frozen-lockfile`, `uv sync --locked`, `pipenv
      sync`, `pdm sync`, `bundle install --deployment`, `cargo build --locked`...), or
    - the build context has the lockfile next to the copied manifest (so the install
      would follow it if it were there).

    It stays quiet when the lockfile arrives by any other way before the install: a glob
    (`COPY package*.json ./`), another COPY, a COPY of a folder or of the whole context,
    a COPY from another stage, a bind mount, or a RUN that clones, unpacks or names it;
    and when the lockfile is left out by `.dockerignore` for an install that does not need
    it (a project that chose not to pin).

    ## Why it matters
    Without the lockfile, an install that needs it fails (`npm ci` refuses to run), and
    one that only follows it resolves every version anew on every build: the image gets
    whatever was published that day, not what was tested. The layer cache does not see
    the lockfile either, so a change to it does not re-run the install.

    ## Example
    ```dockerfile
    FROM node:22-slim
    WORKDIR /app
    COPY package.json ./
    RUN npm ci
    ```
    Use instead:
    ```dockerfile
    FROM node:22-slim
    WORKDIR /app
    COPY package.json package-lock.json ./
    RUN npm ci
    ```

    ## Fix
    Adds the lockfile to the COPY, next to the manifest (or adds a bind mount of the
    lockfile to the RUN that mounts the manifest). The fix is offered when the COPY's
    destination is a folder (it ends in `/`, is `.`, or the COPY has several sources) and
    the lockfile's name is certain: the one in the build context, or the tool's own
    (`package-lock.json`, `yarn.lock`...) for an install that insists on it.
    """

    code = "SLIM102"
    name = "manifest-copied-without-lockfile"
    severity = "warning"
    summary = "A dependency manifest is copied for an install, but the lockfile that install follows is not."
    fixable = True

    def check(self, a: Analysis) -> Iterator[Violation]:
        done: dict[int, list[_Placed]] = {}
        for st in a.doc.stages:
            yield from self._check_stage(a, st, done)

    def _placed_before(self, a: Analysis, st: Stage, done: dict[int, list[_Placed]]) -> list[_Placed]:
        if st.base_stage is None or st.base_stage >= st.index:
            return []
        return list(done.get(st.base_stage, []))

    def _check_stage(self, a: Analysis, st: Stage, done: dict[int, list[_Placed]]) -> Iterator[Violation]:
        placed = self._placed_before(a, st, done)
        made_files = False
        for ins, scope in walk(a.doc, st):
            if ins.keyword in ("COPY", "ADD"):
                placed += _copy_placements(ins, scope)
                continue
            if ins.keyword != "RUN":
                continue
            for step in a.steps(ins):
                if step.tool not in _LOCKING or step.kind == "tool" or step.dir is None or not step.lockfiles:
                    continue
                if step.tool == "uv" and step.command.words[1:2] == ("pip",):
                    continue
                v = self._judge(a, ins, scope, step, placed + _mount_placements(ins, scope), made_files or _made_earlier_in_run(ins, step))
                if v is not None:
                    yield v
            made_files = made_files or _makes_files(ins, ("lock", "shrinkwrap"))
        done[st.index] = placed

    def _judge(self, a: Analysis, ins: Instruction, scope: Scope, step: PackageStep, placed: list[_Placed], made_files: bool) -> Optional[Violation]:
        cwd = join(scope.workdir, step.dir or "")
        if cwd is None:
            return None
        manifest = next(
            (p for p in reversed(placed) if not p.everything and p.folder == cwd and any(fnmatchcase(m, p.name) for m in step.manifests)),
            None,
        )
        if manifest is None or made_files:
            return None
        for p in placed:
            if p.folder is None:
                return None  # something went somewhere slimstage cannot tell
            if p.everything and is_within(cwd, p.folder):
                return None
            if p.folder == cwd and any(fnmatchcase(lock, p.name) for lock in step.lockfiles):
                return None
        in_context = self._lock_in_context(a, manifest, step)
        if not step.requires_lock:
            if in_context is None or ignored(a, in_context):
                return None
        return self._report(a, ins, step, manifest, in_context)

    @staticmethod
    def _lock_in_context(a: Analysis, manifest: _Placed, step: PackageStep) -> Optional[str]:
        """The context path of the lockfile next to the copied manifest, when the context shows one."""
        ctx = a.context
        folder = posixpath.dirname(manifest.source)
        if not ctx.known or folder or any(c in manifest.source for c in "*?["):
            return None
        for lock in step.lockfiles:
            if ctx.has(lock):
                return lock
        return None

    def _report(self, a: Analysis, ins: Instruction, step: PackageStep, manifest: _Placed, in_context: Optional[str]) -> Violation:
        label = step.label
        lock = in_context or _default_lock(step)
        locks = listing(step.lockfiles[:1] if step.tool != "npm" else ["package-lock.json"])
        where = "this bind mount" if manifest.mount else "this COPY"
        if step.requires_lock:
            if any(tool == step.tool and flag in step.command.words for tool, flag in _RUNS_WITHOUT_LOCK):
                effect = "installs without it, unpinned"
            else:
                effect = "fails"
            message = f"`{label}` needs {locks}, but {where} brings only {manifest.name}: the install {effect}."
            if a.context.known and step.dir == "" and in_context is None and not posixpath.dirname(manifest.source):
                message += f" The build context has no {locks} either: create it (and commit it), or use an install that does not need it."
            elif in_context and ignored(a, in_context):
                message += f" .dockerignore leaves {in_context} out of the build context: stop ignoring it."
            else:
                message += f" Add {lock} to {where}."
        else:
            message = (
                f"`{label}` follows {lock} when it is there, but {where} brings only {manifest.name}: every build "
                f"resolves the versions anew instead of installing the locked ones, and a change to {lock} does not "
                f"re-run the install. Add {lock} to {where}."
            )
        related = [Related(step.command.range, f"`{label}` runs here")]
        fix = self._fix(a, ins, step, manifest, in_context)
        rng = manifest.word.range if manifest.word is not None else _mount_range(ins)
        return self.violation(rng, message, related, fix, tool=step.tool)

    def _fix(self, a: Analysis, ins: Instruction, step: PackageStep, manifest: _Placed, in_context: Optional[str]) -> Optional[Fix]:
        if in_context is None and not step.requires_lock:
            return None
        lock_name = in_context or _default_lock(step)
        if lock_name is None or (in_context and ignored(a, in_context)):
            return None
        if a.context.known and step.dir == "" and in_context is None and not posixpath.dirname(manifest.source):
            return None  # the context has no lockfile: adding it to the COPY would only move the failure
        lock_path = posixpath.join(posixpath.dirname(manifest.source), lock_name)
        if not quoted_ok(lock_path) or any(c in manifest.source for c in "*?["):
            return None
        title = f"Copy {lock_path} along with {manifest.source}"
        if manifest.mount:
            target = posixpath.join(posixpath.dirname(_mount_target(ins, manifest.source) or ""), lock_name)
            if not target or not quoted_ok(target):
                return None
            return Fix(f"Mount {lock_path} along with {manifest.source}", (insert_run_flag(ins, f"--mount=type=bind,source={lock_path},target={target}"),))
        copy = manifest.ins
        dest = copy_dest(copy)
        if manifest.word is None or not (dest.endswith("/") or dest in (".", "./") or len(copy_sources(copy)) > 1):
            return None
        end = manifest.word.range.end
        text = f', "{lock_path}"' if copy.is_json else f" {lock_path}"
        return Fix(title, (Edit(Range(end, end), text),))


def _default_lock(step: PackageStep) -> Optional[str]:
    if step.tool == "npm":
        return "package-lock.json"
    return step.lockfiles[0] if step.lockfiles else None


def _mount_target(ins: Instruction, source: str) -> Optional[str]:
    for flag in ins.flags_named("mount"):
        opts = flag.options()
        if (opts.get("source") or opts.get("src")) == source:
            return opts.get("target") or opts.get("dst") or opts.get("destination")
    return None


def _mount_range(ins: Instruction) -> Range:
    for flag in ins.flags_named("mount"):
        if flag.options().get("type", "bind") == "bind":
            return flag.range
    return ins.keyword_range
