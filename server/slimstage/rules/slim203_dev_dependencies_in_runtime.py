"""SLIM203: dependencies installed with their dev packages are copied into the final image."""

from __future__ import annotations

import re
from typing import Iterator

from ..analysis import Analysis
from ..analysis.artifacts import Install, covers, iter_copy_sources, stage_facts, workspace_builds
from ..analysis.runtime import dev_server
from ..analysis.stages import Edge
from .base import Related, Rule, Violation

_SYSTEM_PYTHON = re.compile(r"/(site|dist)-packages(/|$)|^/usr/local/lib/python[\d.]*/?$|^/usr/local/?$|^/usr/lib/python3/?$")

_PRODUCTION_INSTALL = {
    "npm": "`npm ci --omit=dev` (or NODE_ENV=production)",
    "yarn": "`yarn install --production` (Yarn 1) or `yarn workspaces focus --production` (Yarn 2+)",
    "pnpm": "`pnpm install --prod`",
    "bun": "`bun install --production`",
    "poetry": "`poetry install --only main`",
    "uv": "`uv sync --no-dev`",
    "pdm": "`pdm install --prod`",
    "pipenv": "`pipenv install` without `--dev`",
    "pip": "only the runtime requirements file",
}


def _copied(install: Install, path: str) -> bool:
    """True when copying ``path`` takes the folder ``install`` filled."""
    if install.path:
        return covers(path, install.path) or (install.ecosystem == "python" and covers(install.path, path))
    if install.path == "" and install.ecosystem == "python":
        return bool(_SYSTEM_PYTHON.search(path))
    return False


class DevDependenciesInRuntime(Rule):
    """Dependencies installed together with their dev packages are copied into the final image.

    ## What it does
    Flags a `COPY --from=<stage>` into the final image that takes a dependency folder
    filled by an install that includes the development packages:

    - `node_modules` (or the project folder holding it) from an `npm ci`, `npm
      install`, `yarn install`, `pnpm install` or `bun install` run without
      `--omit=dev` / `--production` / `--prod`, without `NODE_ENV=production`, and not
      pruned afterwards (`npm prune --omit=dev`);
    - a Python environment (a virtualenv, a `--prefix`/`--target` folder or the system
      site-packages) filled by `poetry install` without `--only main`, `uv sync` without
      `--no-dev`, `pdm install` without `--prod`, `pipenv install --dev`, or `pip install
      -r` of a dev or test requirements file.

    A copy of a builder's whole workspace is reported by SLIM202 instead. A final image
    that starts a development server (`npm start` of a create-react-app, `vite`,
    nodemon, `next dev`) needs its dev dependencies and is not reported.

    ## Why it matters
    Test runners, linters, bundlers, type definitions and their own dependencies often
    outnumber the runtime dependencies several times over. In the final image they cost
    size and pull time, and every one of them is attack surface a scanner will report.

    ## Example
    ```dockerfile
    FROM node:22 AS deps
    WORKDIR /app
    COPY package.json package-lock.json ./
    RUN npm ci

    FROM node:22-slim
    WORKDIR /app
    COPY --from=deps /app/node_modules ./node_modules
    COPY . .
    CMD ["node", "server.js"]
    ```
    Use instead:
    ```dockerfile
    FROM node:22 AS deps
    WORKDIR /app
    COPY package.json package-lock.json ./
    RUN npm ci --omit=dev
    ```

    ## Fix
    None automatic: the stage that installs may need its dev packages for a build step
    or an install script. Install the production set in the stage the runtime copies from
    (a separate `prod-deps` stage when the build needs the dev packages), or prune after
    the build.
    """

    code = "SLIM203"
    name = "dev-dependencies-in-runtime"
    severity = "warning"
    summary = "Dependencies installed with their dev packages are copied into the final image."

    def check(self, a: Analysis) -> Iterator[Violation]:
        if not a.graph.multi_stage or dev_server(a):
            return
        for e in a.graph.edges:
            if e.kind != "copy" or not a.ships(e.dst) or a.ships(e.src):
                continue
            facts = stage_facts(a, e.src)
            dev = [i for i in facts.installs if i.includes_dev]
            if not dev:
                continue
            for path in iter_copy_sources(e.instruction):
                if path == "/" or workspace_builds(facts, path):
                    continue  # SLIM201 / SLIM202 report these copies
                install = next((i for i in dev if _copied(i, path)), None)
                if install is not None:
                    yield self._report(a, e, install)
                    break

    def _report(self, a: Analysis, e: Edge, install: Install) -> Violation:
        label = a.doc.stages[e.src].label
        tool = install.label.split()[0]
        copy = " ".join(w.text for w in e.instruction.args)
        what = "the devDependencies" if install.ecosystem == "node" else "the development packages"
        folder = "`node_modules`" if install.ecosystem == "node" else "the Python environment"
        message = (
            f"`{e.instruction.keyword} --from={e.instruction.flag('from').value} {copy}` copies {folder} of stage `{label}`, "  # type: ignore[union-attr]
            f"where `{install.label}` also installed {what}: they ship in the final image. "
            f"Install only the production set there: {_PRODUCTION_INSTALL.get(tool, 'leave the dev packages out')}."
        )
        return self.violation(e.instruction.range, message, [Related(install.range, f"`{install.label}` installs {what} too")])


