"""SLIM202: the final image takes the whole source or a builder's whole workspace."""

from __future__ import annotations

from typing import Iterator, Optional

from ..analysis import Analysis
from ..analysis.artifacts import Build, ContextCopy, context_builds, dev_installs_below, iter_copy_sources, stage_facts, workspace_builds
from ..analysis.runtime import copies_whole_context, final_chain, starts_through_mix
from ..analysis.stages import Edge
from ..dockerfile.model import Instruction
from .base import Related, Rule, Violation


def _words(ins: Instruction) -> str:
    return " ".join(w.text for w in ins.args)


class WorkspaceCopiedIntoRuntime(Rule):
    """The final image takes the whole source, or a builder stage's whole workspace, when only the build output is needed.

    ## What it does
    In a multi-stage build, flags two ways of shipping what the builder was meant to keep:

    - a `COPY --from=<stage> <folder>` into the final image where `<folder>` holds a
      whole copy of the build context and a build ran there (`COPY . .` then `go build`,
      `./gradlew installDist`, `dotnet publish`...): the sources and the build's
      intermediate files come along with its result. For a Node.js build (`npm run
      build`) this is reported when the workspace's `node_modules` also holds the
      devDependencies;
    - a `COPY . .` (or `ADD . /app`) into the final image when the application is
      compiled in another stage from that same context and copied from there (Go, Rust,
      Java, .NET, C, Elixir...): the source is shipped next to the binary for nothing.

    Interpreted applications (Node.js, Python, Ruby, PHP) need their source at run time:
    a `COPY . .` in their final stage is not reported. Neither is an Elixir project that
    the final image starts through Mix (`mix run`, `mix phx.server`, `iex -S mix`): Mix
    reads the sources, `deps` and `_build` when it starts, so the workspace is what runs
    (a release, `mix release`, is what ships without it).

    ## Why it matters
    The point of a builder stage is that its inputs and by-products stay behind. Copying
    its workspace brings them back: source trees, `build/` or `target/` intermediates,
    project caches, `node_modules` with devDependencies. The image grows, the source goes
    to production, and every source change produces a new final layer.

    In `microservices-demo`, the ad service copies `/app` from its Gradle builder: the
    Java sources, the Gradle wrapper and `build/` come along with the
    `build/install/hipstershop` folder it runs. It is reported.

    ## Example
    ```dockerfile
    FROM eclipse-temurin:21-jdk AS builder
    WORKDIR /app
    COPY . .
    RUN ./gradlew installDist

    FROM eclipse-temurin:21-jre
    WORKDIR /app
    COPY --from=builder /app .
    ```
    Use instead:
    ```dockerfile
    FROM eclipse-temurin:21-jre
    WORKDIR /app
    COPY --from=builder /app/build/install/myapp .
    ```

    ## Fix
    None automatic: which files besides the build output the runtime needs (configuration,
    templates, static assets) is for you to say. The message names where the build puts
    its result.
    """

    code = "SLIM202"
    name = "workspace-copied-into-runtime"
    severity = "warning"
    summary = "The final image takes the whole source or a builder's whole workspace when only the build output is needed."

    def check(self, a: Analysis) -> Iterator[Violation]:
        if not a.graph.multi_stage or starts_through_mix(a):
            return
        compiled: Optional[tuple[Edge, Build]] = None
        for e in a.graph.edges:
            if e.kind != "copy" or not a.ships(e.dst) or a.ships(e.src):
                continue
            facts = stage_facts(a, e.src)
            for path in iter_copy_sources(e.instruction):
                found = [(c, b) for c, b in workspace_builds(facts, path) if b.compiled or dev_installs_below(facts, path)]
                if found:
                    yield self._workspace(a, e, path, *found[0])
                    break
            if compiled is None:
                compiled = next(((e, b) for _, b in context_builds(facts) if b.compiled), None)
        if compiled is not None:
            yield from self._source(a, *compiled)

    def _workspace(self, a: Analysis, e: Edge, path: str, copy: ContextCopy, build: Build) -> Violation:
        label = a.doc.stages[e.src].label
        dev = dev_installs_below(stage_facts(a, e.src), path)
        extras = ", `node_modules` with its devDependencies" if dev else ""
        message = (
            f"`{e.instruction.keyword} --from={e.instruction.flag('from').value} {_words(e.instruction)}` copies stage `{label}`'s whole workspace into the final image: "
            f"the source from `{copy.instruction.keyword} {_words(copy.instruction)}`, the build's intermediate files and caches{extras}, "
            f"not just what `{build.label}` produced. Copy only the build output ({build.output_hint}) and the files the runtime reads."
        )
        related = [
            Related(copy.instruction.range, f"the whole build context is copied into `{copy.dest}` here"),
            Related(build.range, f"`{build.label}` builds here"),
        ]
        if dev:
            related.append(Related(dev[0].range, f"`{dev[0].label}` installs the devDependencies too"))
        return self.violation(e.instruction.range, message, related)

    def _source(self, a: Analysis, e: Edge, build: Build) -> Iterator[Violation]:
        for st in final_chain(a):
            own = set(map(id, st.instructions))
            if any(b.compiled and id(b.instruction) in own for b in stage_facts(a, st.index).builds):
                return  # the final image compiles the source itself
        ins = copies_whole_context(a)
        if ins is None:
            return
        label = a.doc.stages[e.src].label
        message = (
            f"`{ins.keyword} {_words(ins)}` copies the whole build context into the final image, but the application is "
            f"compiled in stage `{label}` (`{build.label}`) and copied from there: the source ships for nothing. "
            "Copy only the files the runtime reads (configuration, templates, static assets)."
        )
        related = (
            Related(build.range, f"`{build.label}` compiles the source here"),
            Related(e.instruction.range, "the build result is copied into the final image here"),
        )
        yield self.violation(ins.range, message, related)
