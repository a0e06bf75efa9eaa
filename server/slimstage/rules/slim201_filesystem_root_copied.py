"""SLIM201: a whole filesystem root is copied from another stage or image."""

from __future__ import annotations

from typing import Iterator, Optional

from ..analysis import Analysis
from ..analysis.images import lookup_size
from ..analysis.stages import copy_dest, copy_sources
from ..dockerfile.model import Instruction, Stage
from .base import Edit, Fix, Related, Rule, Violation

ROOTS = frozenset(("/", "/.", "/*", "/./"))


def _is_scratch_stage(a: Analysis, st: Stage) -> bool:
    """A stage that starts from scratch holds only what it copied in: its root is its artifacts."""
    root = a.graph.root_image(st.index)
    return root.strip().lower() == "scratch"


class FilesystemRootCopied(Rule):
    """A whole filesystem root is copied from another stage or image.

    ## What it does
    Flags `COPY --from=<stage or image> / <dest>`: a copy whose source is the root of
    another stage's or image's filesystem. A stage built `FROM scratch` is exempt: its
    root holds only the artifacts copied into it, which is the point of an export stage.

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
    When the source stage names its outputs (`go build -o`, `dotnet publish -o`,
    `npm run build` into a WORKDIR...), the fix copies those paths instead of `/`.
    Otherwise the message asks for the paths the runtime needs.
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
                yield self._report(a, st, ins, frm.value, src)

    def _report(self, a: Analysis, st: Stage, ins: Instruction, ref: str, src: Optional[Stage]) -> Violation:
        image = a.graph.root_image(src.index) if src is not None else ref
        size = lookup_size(image)
        what = f"stage `{src.label}`" if src is not None else f"image `{ref}`"
        cost = f" (about {size.mb:.0f} MB for {size.reference}, an estimate)" if size and size.mb else ""
        ships = a.ships(st.index)
        message = (
            f"`COPY --from={ref} /` copies the entire filesystem of {what}{cost}: its OS, toolchain, caches and sources"
            + (" end up in the final image." if ships else " are copied into this stage.")
            + " Copy only the paths the runtime needs."
        )
        related = []
        if src is not None:
            related.append(Related(src.from_instruction.range, f"stage `{src.label}` starts here, from `{image}`"))
        fix = self._fix(a, ins, src)
        v = self.violation(ins.range, message, related, fix)
        if not ships:
            v = Violation(v.code, v.name, "info", v.message, v.range, v.related, v.fix)
        return v

    def _fix(self, a: Analysis, ins: Instruction, src: Optional[Stage]) -> Optional[Fix]:
        if src is None or len(ins.args) != 2 or ins.is_json:
            return None
        outputs = build_outputs(src)
        if not outputs:
            return None
        dest = copy_dest(ins)
        flags = " ".join(f"--{f.name}={f.value}" if f.value is not None else f"--{f.name}" for f in ins.flags)
        lines = []
        for path in outputs:
            target = path if dest in ("/", "/.") else dest.rstrip("/") + "/" + path.lstrip("/").rsplit("/", 1)[-1]
            lines.append(f"{ins.keyword} {flags} {path} {target}")
        return Fix(f"Copy only {', '.join(outputs)} from `{src.label}`", (Edit(ins.range, "\n".join(lines)),))


def build_outputs(st: Stage) -> list[str]:
    """Absolute paths a stage says it builds: ``-o``/``--output`` targets of its RUN commands."""
    from ..analysis.ecosystems import split_commands

    workdir = "/"
    out: list[str] = []
    for ins in st.instructions[1:]:
        if ins.keyword == "WORKDIR" and ins.args:
            path = ins.args[0].text
            workdir = path if path.startswith("/") else workdir.rstrip("/") + "/" + path
            continue
        if ins.keyword != "RUN":
            continue
        for cmd in split_commands(ins):
            w = cmd.words
            if len(w) < 2 or w[0].rsplit("/", 1)[-1] not in ("go", "dotnet", "gcc", "g++", "cc", "clang", "rustc", "tsc"):
                continue
            for i, word in enumerate(w[:-1]):
                if word in ("-o", "--output", "--outDir", "--outdir"):
                    target = w[i + 1]
                    if "$" in target:
                        continue
                    path = target if target.startswith("/") else workdir.rstrip("/") + "/" + target.lstrip("./")
                    if path not in out:
                        out.append(path)
    return out
