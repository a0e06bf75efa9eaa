"""SLIM306: a stage the build target never uses."""

from __future__ import annotations

from typing import Iterator

from ..analysis import Analysis
from .base import Rule, Violation


class StageUnusedByTarget(Rule):
    """A stage that the build target does not use, directly or through other stages.

    ## What it does
    Points at each stage that the target (the last stage, or the `target` setting) neither
    builds on, copies from nor mounts, directly or through the stages it uses. A hint
    only: test, lint and development stages built on their own with `docker build
    --target <stage>` are a good pattern and look exactly like this.

    ## Why it matters
    BuildKit skips such a stage when building the target: its instructions never run in
    that build. When that is not intended (a renamed stage, a `COPY --from` that now
    points elsewhere, a leftover from a refactoring) the file says one thing and the
    build does another.

    ## Example
    ```dockerfile
    FROM node:22 AS assets
    RUN npm ci && npm run build

    FROM nginx:1.27-alpine
    COPY ./dist /usr/share/nginx/html
    ```
    Here `assets` is never used: the final stage copies `./dist` from the build context,
    not from the stage (`COPY --from=assets /dist ...` was meant).

    ## Fix
    None automatic: use the stage, remove it, or leave it if it is built with `--target`
    (suppress with `# slimstage ignore=SLIM306` above its FROM).
    """

    code = "SLIM306"
    name = "stage-unused-by-target"
    severity = "hint"
    summary = "A stage the build target never uses (fine for stages built on their own with --target)."
    settings = ("target",)

    def check(self, a: Analysis) -> Iterator[Violation]:
        g = a.graph
        if not g.multi_stage or g.target is None or g.unresolved_target:
            return
        target = a.doc.stages[g.target]
        target_name = f"the target stage `{target.name}`" if target.name else "the final stage"
        for st in a.doc.stages:
            if st.index in g.needed:
                continue
            where = st.name_word.range if st.name_word is not None else st.from_instruction.range
            message = (
                f"Stage `{st.label}` is not used by {target_name}: BuildKit skips it when building "
                f"the target. Fine if it is built on its own with `--target {st.label}` (tests, a dev image); otherwise "
                "use it or remove it."
            )
            yield self.violation(where, message)
