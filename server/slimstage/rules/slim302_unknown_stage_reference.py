"""SLIM302: COPY --from, RUN --mount=from or FROM names a stage that does not exist yet."""

from __future__ import annotations

import difflib
from typing import Iterator, Optional

from ..analysis import Analysis
from ..analysis.references import StageReference, stage_references
from ..dockerfile.model import Stage
from .base import Edit, Fix, Related, Rule, Violation


def _looks_like_image(ref: str) -> bool:
    return any(c in ref for c in "/:@.")


class UnknownStageReference(Rule):
    """A `COPY --from`, `RUN --mount=from` or `FROM` names a stage that is not defined above it.

    ## What it does
    Flags a reference to a stage that the build cannot use there:

    - a stage index that is not a stage above this one (`COPY --from=3` in the second
      stage);
    - a stage name that is only defined later in the file, or is this stage's own name
      (a stage can only use the stages above it);
    - a name that is not defined anywhere but is one or two letters away from a stage
      that is (`--from=bulider`), reported as a warning.

    Other undefined names are left alone: `--from=nginx` is an image, and a name can be a
    named build context (`docker buildx build --build-context assets=./web`).

    ## Why it matters
    BuildKit resolves a name it does not know as an image: the build tries to pull
    `docker.io/library/bulider` and fails with a registry error that says nothing about
    the typo, or, worse, pulls an image of that name. A later stage cannot be used at all.

    ## Example
    ```dockerfile
    FROM golang:1.27 AS builder
    RUN go build -o /out/app .

    FROM gcr.io/distroless/static-debian12
    COPY --from=bulider /out/app /app
    ```
    Use instead:
    ```dockerfile
    COPY --from=builder /out/app /app
    ```

    ## Fix
    For a near-miss of a stage name defined above, the fix writes that name (not applied
    by "fix all": a named build context could be meant). A stage that comes later has to
    be moved above by hand.
    """

    code = "SLIM302"
    name = "unknown-stage-reference"
    severity = "error"
    summary = "COPY --from, RUN --mount=from or FROM names a stage that is not defined above it."
    fixable = True

    def check(self, a: Analysis) -> Iterator[Violation]:
        doc = a.doc
        if not doc.stages:
            return
        for r in stage_references(doc):
            if "$" in r.ref:
                continue
            v = self._check(a, r)
            if v is not None:
                yield v

    def _check(self, a: Analysis, r: StageReference) -> Optional[Violation]:
        doc = a.doc
        key = r.ref.lower()
        flag = "FROM" if r.kind == "base" else ("--from" if r.kind == "copy" else "--mount=from")
        if key.isdigit() and r.kind != "base":
            idx = int(key)
            if idx < r.stage:
                return None
            what = "this stage" if idx == r.stage else ("a later stage" if idx < len(doc.stages) else "no stage")
            above = "stage 0" if r.stage == 1 else f"stages 0 to {r.stage - 1}"
            message = (
                f"`{flag}={r.ref}` names stage {idx}, which is {what}: a stage can only use the stages above it ({above})."
                if r.stage
                else f"`{flag}={r.ref}` names stage {idx}, but this is the first stage: there is no stage above it to use."
            )
            return self.violation(r.range, message)
        target = doc.stage_by_name.get(key)
        if target is not None and target.index >= r.stage:
            if r.kind == "base" and target.index == r.stage:
                return None  # `FROM node AS node`: the image, not the stage
            where = "this stage's own name" if target.index == r.stage else f"a stage defined later (line {target.range.start.line + 1})"
            shown = f"FROM {r.ref}" if r.kind == "base" else f"{flag}={r.ref}"
            # A stage cannot move above itself: for its own name, say what it can do instead.
            advice = (
                f"Use an earlier stage, or build what it needs in a stage of its own above this one."
                if target.index == r.stage
                else f"Move stage `{target.label}` above this one."
            )
            message = (
                f"`{shown}` names {where}: a stage can only use the stages above it, so BuildKit looks for an image "
                f"called `{r.ref}` instead. {advice}"
            )
            return self.violation(r.range, message, [Related(target.from_instruction.range, f"stage `{target.label}` is defined here")])
        if target is not None or r.kind == "base" or _looks_like_image(r.ref):
            return None
        close = self._close(key, doc.stages[: r.stage])
        if close is None:
            return None
        message = (
            f"`{flag}={r.ref}`: no stage is called `{r.ref}`, so BuildKit pulls an image of that name. "
            f"Did you mean stage `{close.name}`?"
        )
        fix = None
        if r.name_range is not None:
            fix = Fix(f"Use stage `{close.name}`", (Edit(r.name_range, close.name or ""),), safe=False)
        v = self.violation(r.range, message, [Related(close.from_instruction.range, f"stage `{close.name}` is defined here")], fix)
        return Violation(v.code, v.name, "warning", v.message, v.range, v.related, v.fix, v.data)

    @staticmethod
    def _close(key: str, stages: tuple[Stage, ...]) -> Optional[Stage]:
        names = [st.name for st in stages if st.name]
        if len(key) < 4:
            return None
        match = difflib.get_close_matches(key, names, n=2, cutoff=0.8)
        if len(match) != 1:
            return None
        return next(st for st in stages if st.name == match[0])
