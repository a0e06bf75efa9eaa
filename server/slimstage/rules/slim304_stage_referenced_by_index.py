"""SLIM304: a stage is used by its index (COPY --from=0) instead of a name."""

from __future__ import annotations

from typing import Iterator, Optional

from ..analysis import Analysis
from ..analysis.artifacts import stage_facts
from ..analysis.references import StageReference, stage_references
from ..dockerfile.model import Range, Stage
from .base import Edit, Fix, Related, Rule, Violation


class StageReferencedByIndex(Rule):
    """A stage is used by its index (`COPY --from=0`, `--mount=from=1`) instead of by a name.

    ## What it does
    Flags `COPY --from=<n>` and `RUN --mount=...,from=<n>` that name an earlier stage by
    its position. This covers unnamed stages that other stages use, since an index is the
    only way to refer to them.

    ## Why it matters
    Indexes count stages from the top: adding, removing or reordering a stage above makes
    every index point at a different stage, and the build then copies the wrong files,
    often without failing. A name also says what the stage is for, which an index does
    not.

    ## Example
    ```dockerfile
    FROM golang:1.27
    RUN go build -o /out/app .

    FROM gcr.io/distroless/static-debian12
    COPY --from=0 /out/app /app
    ```
    Use instead:
    ```dockerfile
    FROM golang:1.27 AS build
    RUN go build -o /out/app .

    FROM gcr.io/distroless/static-debian12
    COPY --from=build /out/app /app
    ```

    ## Fix
    Writes the stage's name in place of the index, in every reference to that stage.
    An unnamed stage is named first (`AS build` when it builds, `AS deps` when it only
    installs dependencies, else `AS stage-<n>`).
    """

    code = "SLIM304"
    name = "stage-referenced-by-index"
    severity = "warning"
    summary = "A stage is used by its index (COPY --from=0) instead of a name, which breaks when stages move."
    fixable = True

    def check(self, a: Analysis) -> Iterator[Violation]:
        refs = stage_references(a.doc)
        by_index = [r for r in refs if r.kind != "base" and r.ref.isdigit() and int(r.ref) < r.stage]
        if not by_index:
            return
        fixes: dict[int, Optional[Fix]] = {}
        for r in by_index:
            st = a.doc.stages[int(r.ref)]
            if st.index not in fixes:
                fixes[st.index] = self._fix(a, st, [x for x in by_index if int(x.ref) == st.index], refs)
            flag = "--from" if r.kind == "copy" else "--mount=from"
            if st.name:
                message = f"`{flag}={r.ref}` uses stage `{st.name}` by its index: inserting or moving a stage above it makes this copy take from another stage. Use `{flag}={st.name}`."
            else:
                message = f"`{flag}={r.ref}` uses the unnamed stage {st.index} by its index: inserting or moving a stage above it makes this copy take from another stage. Name the stage (`AS <name>`) and use the name."
            yield self.violation(r.range, message, [Related(st.from_instruction.range, f"stage {st.index} starts here")], fixes[st.index])

    def _fix(self, a: Analysis, st: Stage, uses: list[StageReference], refs: list[StageReference]) -> Optional[Fix]:
        if any(u.name_range is None for u in uses):
            return None
        edits = []
        name = st.name
        if not name:
            if st.base_word is None or st.from_instruction.is_json:
                return None
            taken = {s.name for s in a.doc.stages if s.name} | {r.ref.lower() for r in refs}
            name = _new_name(a, st, taken)
            end = st.base_word.range.end
            edits.append(Edit(Range(end, end), f" AS {name}"))
        edits += [Edit(u.name_range, name) for u in uses if u.name_range is not None]
        title = f"Refer to stage {st.index} as `{name}`" + ("" if st.name else f" (naming it `{name}`)")
        return Fix(title, tuple(edits))


def _new_name(a: Analysis, st: Stage, taken: set[str]) -> str:
    facts = stage_facts(a, st.index)
    own = {id(i) for i in st.instructions}
    if any(id(b.instruction) in own for b in facts.builds):
        base = "build"
    elif any(id(i.instruction) in own for i in facts.installs):
        base = "deps"
    else:
        base = f"stage-{st.index}"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name
