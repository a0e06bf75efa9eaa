"""SLIM402: compilers and build-only packages are installed in the final image of a multi-stage build."""

from __future__ import annotations

from typing import Iterator, Optional

from ..analysis import Analysis
from ..analysis.artifacts import stage_facts
from ..analysis.buildtools import os_installs
from ..analysis.runtime import dev_server, final_instructions
from ..dockerfile.model import Stage
from .base import Related, Rule, Violation


class BuildToolsInFinalImage(Rule):
    """Compilers, headers or build systems are installed in the final image of a multi-stage build.

    ## What it does
    Flags an `apt-get install`, `apk add`, `yum`/`dnf`/`microdnf install` or `zypper
    install` in a stage that ships (the final stage and the stages it is built `FROM`)
    that installs compilers (`gcc`, `g++`, `clang`, `build-essential`, `build-base`,
    `golang`, `cargo`, a JDK...) or development headers (`*-dev`, `*-devel`,
    `linux-headers`) and does not remove them in the same `RUN`. Build systems (`make`,
    `cmake`, `pkg-config`...) are named in the message when they come along, but do not
    trigger the rule alone. Package lists held in variables are not guessed at.

    Single-stage builds are reported by SLIM301 instead. A final image that starts a
    development server (`npm start` of a create-react-app, `vite`, nodemon, `flask run
    --debug`, `rails server` in development) is a dev image, meant to hold its tools,
    and is not reported.

    ## Why it matters
    The build already has a stage where compiling belongs. Compilers and headers in the
    final image cost tens to hundreds of MB, are never used at run time, and give anyone
    who gets a shell in the container a way to build tools. Removing them in a later
    `RUN` does not help: the layer that installed them stays in the image.

    ## Example
    ```dockerfile
    FROM python:3.12-slim AS runtime
    RUN apt-get update && apt-get install -y gcc libpq-dev
    COPY requirements.txt .
    RUN pip install -r requirements.txt
    ```
    Use instead: build the wheels in the builder stage
    (`pip wheel -r requirements.txt -w /wheels`) and install them in the final stage
    with only the runtime library (`libpq5`).

    ## Fix
    None automatic: which runtime libraries the built packages need is not visible from
    the Dockerfile.
    """

    code = "SLIM402"
    name = "build-tools-in-final-image"
    severity = "warning"
    summary = "Compilers or -dev packages are installed in the final image of a multi-stage build."

    def check(self, a: Analysis) -> Iterator[Violation]:
        if not a.graph.multi_stage or a.graph.target is None or dev_server(a):
            return
        builder = self._builder(a)
        for ins in final_instructions(a, "RUN"):
            for install in os_installs(ins):
                tools = install.kept_tools
                if not tools:
                    continue
                extra = [p for p in install.kept if p not in tools]
                names = ", ".join(f"`{p}`" for p in (*tools, *extra)[:6]) + ("..." if len(install.kept) > 6 else "")
                where = f"stage `{builder.label}`" if builder is not None else "a builder stage"
                message = (
                    f"{names} {'is' if len(install.kept) == 1 else 'are'} installed in the final image and not removed in the same RUN: "
                    f"{'it ships' if len(install.kept) == 1 else 'they ship'} with the application. Build what needs "
                    f"{'it' if len(install.kept) == 1 else 'them'} in {where} and copy the result here, installing only the runtime libraries."
                )
                related = [Related(builder.from_instruction.range, f"stage `{builder.label}` builds")] if builder is not None else []
                yield self.violation(install.range, message, related, None, packages=list(install.kept))

    @staticmethod
    def _builder(a: Analysis) -> Optional[Stage]:
        others = [st for st in a.doc.stages if not a.ships(st.index) and st.index in a.graph.needed]
        for st in others:
            if stage_facts(a, st.index).builds or stage_facts(a, st.index).installs:
                return st
        return others[0] if others else None
