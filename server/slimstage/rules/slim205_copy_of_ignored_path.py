"""SLIM205: a COPY/ADD names a path the .dockerignore excludes, so the build fails."""

from __future__ import annotations

import re
from typing import Iterator

from ..analysis import Analysis
from ..analysis.artifacts import WHOLE_CONTEXT
from ..analysis.dockerignore import Dockerignore, clean_path
from ..dockerfile.model import Instruction, Range, Word
from .base import Rule, Violation

_WILDCARD = re.compile(r"[*?\[]")


class CopyOfIgnoredPath(Rule):
    """A COPY or ADD names a path that the .dockerignore excludes from the build context.

    ## What it does
    Flags each source of a `COPY` or `ADD` from the build context (not `--from`, not a
    URL, not a heredoc) written as a plain path, when the build context's `.dockerignore`
    excludes that path (or a folder above it) and no `!` line could put it, or something
    inside it, back. Paths with wildcards or variables are left alone.

    ## Why it matters
    Excluded files never reach the builder: the build stops at this line with a "not
    found" error, usually after a new `.dockerignore` entry meant for something else
    (`*.json` hiding `package.json`, `build` hiding a prebuilt `build/app.jar`).

    ## Example
    With a `.dockerignore` holding `config`:
    ```dockerfile
    FROM nginx:1.27-alpine
    COPY config/nginx.conf /etc/nginx/nginx.conf
    ```
    Either remove the entry, narrow it, or put the file back with `!config/nginx.conf`.

    ## Fix
    None automatic: whether the entry or the COPY is wrong is for you to say. The message
    names the `.dockerignore` line that excludes the path.

    BuildKit's `CopyIgnoredFile` check reports the same thing for a `.dockerignore`
    without `!` lines; when both report an instruction, only `CopyIgnoredFile` is shown.
    SLIM205 still reports where BuildKit does not decide (a `.dockerignore` with `!` lines)
    and when the check is skipped or ignored.
    """

    code = "SLIM205"
    name = "copy-of-ignored-path"
    severity = "error"
    summary = "A COPY or ADD names a path the .dockerignore excludes: the build fails with \"not found\"."
    settings = ("context",)

    def check(self, a: Analysis) -> Iterator[Violation]:
        ctx = a.context
        if not ctx.known or not ctx.has_dockerignore:
            return
        ignore = ctx.ignore
        if not ignore.patterns:
            return
        for ins in a.doc.instructions:
            if ins.keyword not in ("COPY", "ADD") or ins.flag("from") is not None or len(ins.args) < 2:
                continue
            excluded = list(self._excluded(ins, ignore))
            if not excluded:
                continue
            parts = []
            for word, path in excluded:
                pattern = ignore.decisive(path)
                parts.append(f"`{word.text}`" + (f" (line {pattern.line}: `{pattern.text}`)" if pattern else ""))
            first, last = excluded[0][0], excluded[-1][0]
            message = (
                f"{', '.join(parts)} {'is' if len(parts) == 1 else 'are'} excluded by {ctx.dockerignore_path}: "
                f"{'it never reaches' if len(parts) == 1 else 'they never reach'} the builder, so the build fails here with \"not found\". "
                f"Remove or narrow the entry, put the path back with a `!` line after it, or stop copying it."
            )
            yield self.violation(Range(first.range.start, last.range.end), message, (), None, paths=[p for _, p in excluded])

    @staticmethod
    def _excluded(ins: Instruction, ignore: Dockerignore) -> Iterator[tuple[Word, str]]:
        names = {h.name for h in ins.heredocs}
        for word in ins.args[:-1]:
            src = word.text
            if src in WHOLE_CONTEXT or src in names or src.startswith("<<") or "$" in src or _WILDCARD.search(src):
                continue
            if "://" in src or src.startswith("git@") or ".." in src.split("/"):
                continue
            path = clean_path(src)
            if path != "." and ignore.excludes(path) and not ignore.may_put_back_inside(path):
                yield word, path
