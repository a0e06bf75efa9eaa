"""CopyIgnoredFile: COPY/ADD of a path the .dockerignore excludes."""

from __future__ import annotations

import posixpath
from typing import Iterator

from ...analysis import Analysis
from ..base import Violation
from ._common import BuildKitCheck

_ROOT_PATTERNS = ("*", "**", "**/*")


class CopyIgnoredFile(BuildKitCheck):
    """`COPY` or `ADD` names a source the `.dockerignore` excludes.

    ## What it does
    With a build context whose `.dockerignore` has no `!` exception lines, flags each
    `COPY`/`ADD` source from the context (not `--from`, not a URL or git source, not a
    heredoc) that a pattern excludes, or whose parent folder a pattern excludes. The
    source is compared as written (after `./` and `..` are cleaned), wildcards included,
    as BuildKit does; `.` is reported only when a pattern excludes everything (`*`).
    With `!` lines BuildKit does not decide, and neither does this check (slimstage's
    SLIM205 still looks at those files).

    ## Why it matters
    Excluded files never reach the builder: the build fails at this line with "not found",
    usually after a `.dockerignore` entry meant for something else.

    ## Example
    With a `.dockerignore` holding `*/tmp/*`:
    ```dockerfile
    FROM scratch
    COPY ./tmp/helloworld.txt /helloworld.txt
    ```
    Use instead:
    ```dockerfile
    FROM scratch
    COPY ./forever/helloworld.txt /helloworld.txt
    ```

    ## Fix
    None automatic: narrow the `.dockerignore` entry or stop copying the file. This check
    reports what SLIM205 reports; when both find the same instruction, only
    CopyIgnoredFile is shown.
    """

    code = "CopyIgnoredFile"
    summary = "COPY/ADD of a path the .dockerignore excludes."
    settings = ("context",)

    def check(self, a: Analysis) -> Iterator[Violation]:
        ctx = a.context
        if not ctx.known or not ctx.has_dockerignore:
            return
        ignore = ctx.ignore
        if not ignore.patterns or ignore.has_exclusions:
            return
        root_ignored = any(p.text in _ROOT_PATTERNS for p in ignore.patterns)
        for st in a.doc.stages:
            for ins in st.instructions[1:]:
                if ins.keyword not in ("COPY", "ADD") or ins.flag("from") is not None or len(ins.args) < 2:
                    continue
                names = {h.name for h in ins.heredocs}
                cmd = "Add" if ins.keyword == "ADD" else "Copy"
                for word in ins.args[:-1]:
                    src = word.text
                    if src in names or src.lstrip("0123456789").startswith("<<") or "$" in src:
                        continue
                    if "://" in src or src.startswith("git@"):
                        continue
                    cleaned = posixpath.normpath(src)
                    if cleaned in (".", "/"):
                        if root_ignored:
                            yield self.violation(word.range, f'Attempting to {cmd} file "{cleaned}" that is excluded by .dockerignore', path=cleaned)
                        continue
                    if ignore.excludes(cleaned):
                        yield self.violation(word.range, f'Attempting to {cmd} file "{cleaned}" that is excluded by .dockerignore', path=cleaned)
