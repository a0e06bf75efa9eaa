"""SLIM201: a whole filesystem root is copied from another stage or image."""

from __future__ import annotations

from typing import Iterator, Optional

from ..analysis import Analysis
from ..analysis.artifacts import stage_facts
from ..analysis.images import display_image, scanner_of, size_note, stage_image
from ..analysis.stages import copy_dest, copy_sources
from ..dockerfile.model import Instruction, Stage
from .base import Edit, Fix, Related, Rule, Violation

ROOTS = frozenset(("/", "/.", "/*", "/./"))


def _is_scratch_stage(a: Analysis, st: Stage) -> bool:
    """A stage that starts from scratch holds only what it copied in: its root is its artifacts."""
    root = stage_image(a, st.index) or a.graph.root_image(st.index)
    return root.strip().lower() == "scratch"


class FilesystemRootCopied(Rule):
    """A whole filesystem root is copied from another stage or image.

    ## What it does
    Flags `COPY --from=<stage or image> / <dest>`: a copy whose source is the root of
    another stage's or image's filesystem. A stage built `FROM scratch` is exempt: its
    root holds only the artifacts copied into it, which is the point of an export stage.
    So is a copy into a Trivy or Grype stage, which scans the whole filesystem on purpose.
    A copy into a stage that does not ship is reported as information only.

    ## Why it matters
    The root of a builder stage is everything: the base OS, the compiler or SDK, package
    manager caches, the source tree and intermediate build files. Copying it into the
    runtime stage brings all of it back, undoing what the multi-stage build was for,
    and ships the toolchain and sources along with the application.

    ## Example
    ```dockerfile
    FROM golang:1.27 AS builder
    WORKDIR /src
    COPY . .
    RUN CGO_ENABLED=0 go build -o /out/server .

    FROM gcr.io/distroless/static-debian12
    COPY --from=builder / /
    ```
    Use instead:
    ```dockerfile
    FROM gcr.io/distroless/static-debian12
    COPY --from=builder /out/server /server
    ```

    ## Fix
    When the source stage names its outputs (`go build -o`, `dotnet publish -o`, `cargo
    install --root`, `javac -d`, `gcc -o`, `tsc --outDir`, relative paths resolved against
    its WORKDIR), the fix copies those paths to the same place instead of `/`. Otherwise
    the message asks for the paths the runtime needs.
    """

    code = "SLIM201"
    name = "filesystem-root-copied"
    severity = "warning"
    summary = "A whole filesystem root is copied from another stage or image."
    fixable = True

    def check(self, a: Analysis) -> Iterator[Violation]:
        for st in a.doc.stages:
            for ins in st.find("COPY", "ADD"):
                frm = ins.flag("from")
                if frm is None or not frm.value:
                    continue
                if not any(s in ROOTS for s in copy_sources(ins)):
                    continue
                src = a.doc.stage_ref(frm.value, before=st.index)
                if src is not None and _is_scratch_stage(a, src):
                    continue
                if scanner_of(stage_image(a, st.index) or ""):
                    continue  # a Trivy/Grype stage scans the whole filesystem on purpose
                yield self._report(a, st, ins, frm.value, src)

    def _report(self, a: Analysis, st: Stage, ins: Instruction, ref: str, src: Optional[Stage]) -> Violation:
        image = (stage_image(a, src.index) or a.graph.root_image(src.index)) if src is not None else ref
        what = f"stage `{src.label}`" if src is not None else f"image `{ref}`"
        ships = a.ships(st.index)
        message = (
            f"`COPY --from={ref} /` copies the entire filesystem of {what}{size_note(image)}: its OS, toolchain, caches and sources"
            + (" end up in the final image." if ships else " are copied into this stage.")
            + " Copy only the paths the runtime needs."
        )
        related = []
        if src is not None:
            related.append(Related(src.from_instruction.range, f"stage `{src.label}` starts here, from `{display_image(image)}`"))
        fix = self._fix(a, ins, src)
        v = self.violation(ins.range, message, related, fix)
        if not ships:
            v = Violation(v.code, v.name, "info", v.message, v.range, v.related, v.fix)
        return v

    def _fix(self, a: Analysis, ins: Instruction, src: Optional[Stage]) -> Optional[Fix]:
        if src is None or len(ins.args) != 2 or ins.is_json:
            return None
        outputs = list(stage_facts(a, src.index).outputs)
        if not outputs:
            return None
        dest = copy_dest(ins)
        if "$" in dest:
            return None
        flags = " ".join(f"--{f.name}={f.value}" if f.value is not None else f"--{f.name}" for f in ins.flags)
        lines = []
        for path in outputs:
            target = path if dest in ("/", "/.") else dest.rstrip("/") + "/" + path.rstrip("/").rsplit("/", 1)[-1]
            lines.append(f"{ins.keyword} {flags} {path} {target}")
        return Fix(f"Copy only {', '.join(outputs)} from `{src.label}`", (Edit(ins.range, "\n".join(lines)),))
