"""SLIM401: the final stage of a multi-stage build is based on a toolchain or SDK image."""

from __future__ import annotations

from typing import Iterator, Optional

from ..analysis import Analysis
from ..analysis.images import display_image, expand, full_variant_ecosystem, parse_ref, runtime_suggestion, size_note, stage_image, toolchain_of
from ..analysis.artifacts import context_builds, stage_facts
from ..analysis.runtime import dev_server, final_chain, final_instructions, runs_service, start_command
from ..analysis.stages import copy_sources
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
    """The final image is based on a toolchain or SDK image: a multi-stage build's final stage, or a single stage running a prebuilt jar on a JDK.

    ## What it does
    Flags the `FROM` that the final image is built on (following `FROM <stage>` back to
    the image) when it is a build image: `golang`, `rust`, `maven`, `gradle`, a JDK
    (`eclipse-temurin:21-jdk`, `openjdk:17`), `mcr.microsoft.com/dotnet/sdk`, `gcc`,
    `buildpack-deps`, `composer`, `elixir`..., or the full variant of the `node`,
    `python`, `ruby` and `perl` images (built on buildpack-deps: gcc, make, git and
    hundreds of headers). Images whose start command is a shell or an interpreter prompt,
    or a development server (`npm start` of a create-react-app, `vite`, `flask run
    --debug`...), are development images and left alone.

    A single-stage file is flagged too when it runs an application built elsewhere on a
    full JDK: it copies a `.jar`, `.war` or `.ear` (or `target/`, `build/libs`) in,
    compiles nothing, and starts it, on `openjdk:17`, `eclipse-temurin:21` without
    `-jre`, or a server image's JDK variant (`tomcat:9-jdk11`, which starts Tomcat
    without a CMD of its own). Where the file compiles, SLIM301 reports it instead.

    Base images named with ARGs are resolved with the global ARG defaults; when that is
    not possible the rule stays quiet.

    The message suggests the runtime image of that ecosystem in the `target_base` family:
    distroless, alpine, slim, or scratch for static binaries; a JRE instead of a JDK
    (for Tomcat and Jetty, the same tag's `jre` variant); `aspnet` or `runtime-deps` instead of the .NET SDK; the slim or alpine variant of a
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
    summary = "The final image is based on a toolchain or SDK image (a JDK where a JRE would do, the Go toolchain, the .NET SDK...)."
    settings = ("target_base", "target")

    def check(self, a: Analysis) -> Iterator[Violation]:
        g = a.graph
        if g.target is None or dev_server(a):
            return
        if not g.multi_stage:
            yield from self._single_stage_jdk(a)
            return
        if not runs_service(a):
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

    def _single_stage_jdk(self, a: Analysis):
        """A single-stage image that runs a prebuilt jar or war on a full JDK (nothing compiles here)."""
        image = stage_image(a, 0)
        if image is None or toolchain_of(image) != "java":
            return
        ref = parse_ref(image)
        server = ref.name in _JAVA_SERVERS
        if not (runs_service(a) or server and start_command(a) is None):
            return
        facts = stage_facts(a, 0)
        if facts.builds or context_builds(facts):
            return  # it compiles: SLIM301's case
        env = dict(facts.env)
        artifact = next((ins for ins in final_instructions(a, "COPY", "ADD") if ins.flag("from") is None and _copies_artifact(ins, env)), None)
        if artifact is None:
            return
        runtime = _jre_variant(image) if server else runtime_suggestion("java", a.settings.target_base, image)
        use = f" Use `{runtime}`{size_note(runtime)}: a JRE is all a jar or war needs." if runtime else ""
        message = (
            f"The image is built on `{display_image(image)}`{size_note(image)}, which carries {_TOOLCHAIN['java']}, "
            f"to run a prebuilt application: the compiler ships and is never used.{use}"
        )
        st = a.doc.stages[0]
        where = st.base_word.range if st.base_word is not None else st.from_instruction.range
        yield self.violation(where, message, [Related(artifact.range, "the prebuilt application is copied in here")], None, ecosystem="java", runtime=runtime)


_JAVA_SERVERS = frozenset(("tomcat", "jetty", "tomee"))


def _copies_artifact(ins, env: dict) -> bool:
    for src in copy_sources(ins):
        low = (expand(src, env) or src).lower()  # ARG JAR_FILE=target/*.jar, as Spring's guide writes it
        if low.endswith((".jar", ".war", ".ear")) or "/target/" in "/" + low or "build/libs" in low:
            return True
    return False


def _jre_variant(image: str) -> Optional[str]:
    """``tomcat:9-jdk11`` -> ``tomcat:9-jre11`` (the server images publish both)."""
    ref = parse_ref(image)
    if "jdk" not in ref.tag:
        return None
    return f"{ref.full}:{ref.tag.replace('jdk', 'jre', 1)}"
