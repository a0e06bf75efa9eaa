"""SLIM301: a single-stage build compiles on a toolchain, so the toolchain ships."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Optional

from ..analysis import Analysis
from ..analysis.artifacts import Build, context_builds, stage_facts
from ..analysis.buildtools import kind_of, os_installs
from ..analysis.images import display_image, full_variant_ecosystem, runtime_suggestion, size_note, stage_image, toolchain_of
from ..analysis.runtime import dev_server, runs_service
from ..dockerfile.model import Range
from .base import Related, Rule, Violation

TOOLCHAIN_NAMES = {
    "go": "the Go toolchain and module cache",
    "rust": "the Rust toolchain and the target/ folder",
    "java": "the JDK, the build tool and its dependency cache",
    "dotnet": "the .NET SDK and the NuGet cache",
    "c": "the compilers and headers",
    "elixir": "Erlang, Elixir and the build folder",
    "swift": "the Swift toolchain",
    "haskell": "GHC and the package store",
    "php": "Composer",
    "node": "the devDependencies and the build caches",
}


@dataclass(frozen=True)
class _Evidence:
    kind: str  # "build" | "tools"
    ecosystem: str
    what: str  # `go build`, `gcc`, `libpq-dev`
    range: Range


class SingleStageToolchainBuild(Rule):
    """A single-stage build compiles its application on a toolchain image, so the toolchain ships with it.

    ## What it does
    Flags the `FROM` of a Dockerfile with one stage when that stage builds:

    - it copies the build context and compiles it (`go build`, `cargo build`, `mvn
      package`, `gradle build`, `dotnet publish`, `mix release`, `npm run build`...;
      `make` only where a compiler is installed or in the base image, since `make` is
      often just a task runner);
    - or builds through `make`, a project script or a package.json script that runs one
      of these: the Makefile, script or package.json is read from the build context, and
      without it the common shapes count (`make`, `make build`, `./build.sh` right after
      the source copy, on a Go, Rust, Java or .NET image, compile with that toolchain);
    - it starts from a toolchain image (`golang`, `rust`, `maven`, `gradle`, a JDK,
      `mcr.microsoft.com/dotnet/sdk`, `gcc`...) and compiles with that toolchain, and the
      image starts a program of its own;
    - it installs compilers or `-dev` header packages (`build-essential`, `gcc`,
      `musl-dev`, `libpq-dev`...) to build native dependencies and does not remove them in
      the same `RUN`, and the image starts a program of its own.

    Files that install build dependencies and purge them in the same `RUN` (`apk add
    --virtual .build-deps ... && apk del .build-deps`, `apt-mark auto` then `apt-get purge
    --auto-remove`), as the official images do, are not reported; nor are images that
    start a shell or an interpreter prompt (toolchain, base and development images, built
    to hold their tools), nor images that start a development server (`npm start` of a
    create-react-app, `vite`, `next dev`, nodemon, `flask run --debug`, Django's
    `runserver`, `rails server` in development, `uvicorn --reload`): a dev image is
    meant to hold its toolchain.

    The "Convert to multi-stage" action is offered on this finding.

    On the official images corpus it reports the owncloud images of that time, which keep
    the `-dev` packages their PHP extensions were compiled against (the php images they
    build on purge theirs, and are not reported); the django `onbuild` images, which keep
    gcc and the database headers; the bashbrew tool image, which keeps `golang-go`; the
    hello-world build image, which compiles in place; and httpd, which keeps
    `libapr1-dev` on purpose so images built from it can compile modules with `apxs`.
    The django `onbuild` images, which start Django's development server, are dev images
    and not reported. In
    such an intended toolchain image, suppress with `# slimstage ignore=SLIM301`.

    ## Why it matters
    Everything needed to build ships in the image: the toolchain (a `golang` image is
    about 885 MB, a `maven` one over 500 MB; the runtime a Go binary needs can be a few
    MB), the dependency caches, the source and the intermediate files. The image is
    bigger to push and pull, slower to start on a new node, and every compiler and header
    in it is attack surface.

    ## Example
    ```dockerfile
    FROM golang:1.27
    WORKDIR /src
    COPY . .
    RUN go build -o /app .
    CMD ["/app"]
    ```
    Use instead:
    ```dockerfile
    FROM golang:1.27 AS builder
    WORKDIR /src
    COPY . .
    RUN CGO_ENABLED=0 go build -o /app .

    FROM gcr.io/distroless/static-debian12
    COPY --from=builder /app /app
    CMD ["/app"]
    ```

    ## Fix
    None in place: use the "Convert to multi-stage" code action (or `slimstage convert`),
    which rewrites the file into builder and runtime stages and checks the result.
    """

    code = "SLIM301"
    name = "single-stage-toolchain-build"
    severity = "warning"
    summary = "A single-stage build compiles on a toolchain image or with compilers installed, so all of it ships."
    settings = ("target_base",)

    def check(self, a: Analysis) -> Iterator[Violation]:
        if len(a.doc.stages) != 1:
            return
        st = a.doc.stages[0]
        image = stage_image(a, 0)
        if image is None or dev_server(a):
            return
        evidence = self._evidence(a, image)
        if evidence is None:
            return
        where = st.base_word.range if st.base_word is not None else st.from_instruction.range
        yield self.violation(where, self._message(a, image, evidence), [Related(evidence.range, self._related(evidence))], None, ecosystem=evidence.ecosystem)

    def _evidence(self, a: Analysis, image: str) -> Optional[_Evidence]:
        facts = stage_facts(a, 0)
        installs = [i for ins in a.doc.stages[0].find("RUN") for i in os_installs(ins)]
        has_compiler = toolchain_of(image) == "c" or full_variant_ecosystem(image) is not None or any(
            kind_of(p) == "compiler" for i in installs for p in i.packages
        )
        for _, build in context_builds(facts):
            if build.ecosystem != "make" or has_compiler:
                return self._build(build)
        service = runs_service(a)
        toolchain = toolchain_of(image)
        if toolchain and toolchain != "c" and service:
            build = next((b for b in facts.builds if b.compiled and b.ecosystem == toolchain), None)
            if build is not None:
                return self._build(build)
        if service:
            build = next((b for b in facts.builds if b.ecosystem == "node"), None)
            if build is not None:
                return self._build(build)
            for install in installs:
                kept = install.kept_tools
                if kept:
                    return _Evidence("tools", "c", ", ".join(f"`{p}`" for p in kept[:4]), install.range)
        return None

    @staticmethod
    def _build(build: Build) -> _Evidence:
        what = f"`{build.label}`"
        if build.runs:
            what += f" (which runs `{build.runs}`" + (", as it usually does on this image" if build.runs_source == "shape" else f" per {build.runs_source}") + ")"
        return _Evidence("build", build.ecosystem, what, build.range)

    @staticmethod
    def _related(e: _Evidence) -> str:
        return f"{e.what} builds here" if e.kind == "build" else f"{e.what} installed here and not removed"

    def _message(self, a: Analysis, image: str, e: _Evidence) -> str:
        ecosystem = "c" if e.ecosystem == "make" else e.ecosystem
        if e.kind == "tools":
            return (
                f"This single-stage build installs {e.what} for building and does not remove them in the same RUN: they ship in the image. "
                "Build in a stage of its own and copy only what it produced (a binary, wheels, a virtualenv, node_modules, "
                "extensions) into the runtime stage, or remove them in the RUN that uses them."
            )
        base_eco = toolchain_of(image) or full_variant_ecosystem(image)
        runtime = runtime_suggestion(ecosystem if ecosystem != "c" or not base_eco else base_eco, a.settings.target_base, image)
        suggestion = f" such as `{runtime}`{size_note(runtime)}" if runtime else ""
        return (
            f"This single-stage build runs {e.what} on `{display_image(image)}`{size_note(image)}: {TOOLCHAIN_NAMES.get(ecosystem, 'the build tools')}, "
            f"the source and the intermediate files ship in the image. Build in a builder stage and copy only the result into a runtime stage{suggestion}."
        )
