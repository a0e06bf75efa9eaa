"""SLIM401: the final stage of a multi-stage build is based on a toolchain or SDK image."""

from __future__ import annotations

from typing import Iterator

from ..analysis import Analysis
from ..analysis.images import display_image, full_variant_ecosystem, runtime_suggestion, size_note, stage_image, toolchain_of
from ..analysis.runtime import final_chain, runs_service
from .base import Related, Rule, Violation

_TOOLCHAIN = {
    "go": "the Go toolchain",
    "rust": "the Rust toolchain",
    "java": "a full JDK (the compiler and development tools)",
    "dotnet": "the .NET SDK",
    "c": "gcc and the build tools",
    "php": "Composer and its build dependencies",
    "elixir": "the Erlang and Elixir build toolchain",
    "swift": "the Swift toolchain",
    "haskell": "GHC and Cabal",
}
_HINTS = {
    ("go", "distroless"): " for a `CGO_ENABLED=0` build; `gcr.io/distroless/base-debian12` when cgo is on",
    ("go", "scratch"): " for a static `CGO_ENABLED=0` build (copy CA certificates in if it makes TLS calls)",
    ("rust", "distroless"): " for a glibc build; `gcr.io/distroless/static-debian12` for a static musl build",
    ("rust", "scratch"): " for a static musl build",
    ("java", "distroless"): ": a JRE is all a jar needs",
    ("java", "alpine"): ": a JRE is all a jar needs",
    ("java", "slim"): ": a JRE is all a jar needs",
    ("dotnet", "distroless"): "; `runtime-deps` for self-contained or Native AOT publishes",
    ("node", "distroless"): " (its entrypoint is node: `CMD [\"server.js\"]`), or the `-slim` variant",
    ("node", "slim"): "",
}


class ToolchainFinalImage(Rule):
    """The final stage of a multi-stage build is based on a toolchain or SDK image.

    ## What it does
    Flags the `FROM` that the final image is built on (following `FROM <stage>` back to
    the image) when it is a build image: `golang`, `rust`, `maven`, `gradle`, a JDK
    (`eclipse-temurin:21-jdk`, `openjdk:17`), `mcr.microsoft.com/dotnet/sdk`, `gcc`,
    `buildpack-deps`, `composer`, `elixir`..., or the full variant of the `node`,
    `python`, `ruby` and `perl` images (built on buildpack-deps: gcc, make, git and
    hundreds of headers). Images whose start command is a shell or an interpreter prompt
    (development images) are left alone. Base images named with ARGs are resolved with
    the global ARG defaults; when that is not possible the rule stays quiet.

    The message suggests the runtime image of that ecosystem in the `target_base` family:
    distroless, alpine, slim, or scratch for static binaries; a JRE instead of a JDK;
    `aspnet` or `runtime-deps` instead of the .NET SDK; the slim or alpine variant of a
    language image. Sizes are estimates from `data/base-image-sizes.tsv`.

    ## Why it matters
    A multi-stage build exists so the final image holds only what runs. Built on a
    toolchain image, it carries the compiler, the package manager and their caches
    anyway: a `golang` image is about 885 MB where a static Go binary needs a 2 MB
    distroless base, and a JDK is 150 MB more than the JRE that runs the same jar.

    ## Example
    ```dockerfile
    FROM golang:1.27 AS builder
    WORKDIR /src
    COPY . .
    RUN CGO_ENABLED=0 go build -o /out/app .

    FROM golang:1.27
    COPY --from=builder /out/app /app
    CMD ["/app"]
    ```
    Use instead:
    ```dockerfile
    FROM gcr.io/distroless/static-debian12
    COPY --from=builder /out/app /app
    CMD ["/app"]
    ```

    ## Fix
    None automatic: whether the application needs glibc, a shell, certificates or time
    zone data in the runtime image is not visible from the Dockerfile. The message names
    the runtime image to try.
    """

    code = "SLIM401"
    name = "toolchain-final-image"
    severity = "warning"
    summary = "The final stage of a multi-stage build is based on a toolchain or SDK image."
    settings = ("target_base", "target")

    def check(self, a: Analysis) -> Iterator[Violation]:
        g = a.graph
        if not g.multi_stage or g.target is None or not runs_service(a):
            return
        chain = final_chain(a)
        root = chain[0]
        image = stage_image(a, root.index)
        if image is None:
            return
        eco = toolchain_of(image)
        full = None if eco else full_variant_ecosystem(image)
        if eco is None and full is None:
            return
        target_base = a.settings.target_base
        runtime = runtime_suggestion(eco or full or "", target_base, image)
        hint = _HINTS.get((eco or full or "", target_base), "")
        use = f" Use `{runtime}`{size_note(runtime)}{hint}." if runtime else ""
        if eco:
            message = f"The final image is built on `{display_image(image)}`{size_note(image)}, which carries {_TOOLCHAIN.get(eco, 'a build toolchain')}: it all ships with the application.{use}"
        else:
            message = (
                f"The final image is built on `{display_image(image)}`{size_note(image)}, the full {full} image: gcc, make, git and hundreds of "
                f"development headers ship with the application.{use}"
            )
        where = root.base_word.range if root.base_word is not None else root.from_instruction.range
        final = a.doc.stages[g.target]
        related = [] if final is root else [Related(final.from_instruction.range, "the final stage builds on it")]
        yield self.violation(where, message, related, None, ecosystem=eco or full, runtime=runtime)
