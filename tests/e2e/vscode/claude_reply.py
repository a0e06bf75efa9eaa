"""What the fake Messages API answers when the VS Code test converts node-service.

The reply is a multi-stage rewrite of ``examples/node-service/Dockerfile`` that keeps the
runtime contract (workdir, port, environment, command), so the server's validation
accepts it and the test can compare the saved file with ``CONVERTED``. The tool the
server offers Claude is read from the request the server sends, so this module only
needs to know what goes into the tool's input.
"""

from __future__ import annotations

from typing import Any, Mapping

from tests.fakes.fake_anthropic import FakeAnthropic, TextReply, ToolUseReply

CONVERTED = """\
# syntax=docker/dockerfile:1
FROM node:22 AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci

FROM deps AS build
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

FROM node:22 AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev

FROM node:22-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
EXPOSE 3000
HEALTHCHECK CMD ["node", "-e", "fetch('http://127.0.0.1:3000/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/server.js"]
"""


STAGES = [
    {"name": "deps", "explanation": "Installs all dependencies from the lockfile, cached until it changes."},
    {"name": "build", "explanation": "Compiles the TypeScript sources to dist/."},
    {"name": "prod-deps", "explanation": "Installs only the production dependencies."},
    {"name": "runtime", "explanation": "A slim Node image with dist/ and the production node_modules."},
]


def tool_input_for(tool: Mapping[str, Any], dockerfile: str = CONVERTED) -> dict[str, Any]:
    """Fill the tool's input schema: the Dockerfile goes in the one property meant for it,
    and the fields slimstage's tool asks for get answers a model would give."""
    known = {
        "stages": STAGES,
        "size_reduction": "From the full node:22 image to node:22-slim, without devDependencies or sources.",
        "contract_changes": ["Runs as the unprivileged node user instead of root."],
        # node:22-slim rather than the default distroless target: a deviation the gate wants declared.
        "warnings": ["node:22-slim instead of distroless: kept close to the original image for this test."],
        "dockerignore": "",
    }
    schema = tool.get("input_schema") or {}
    props: Mapping[str, Any] = schema.get("properties") or {}
    required = list(props or schema.get("required") or [])
    out: dict[str, Any] = {}
    for name in required:
        spec = props.get(name) or {}
        kind = spec.get("type")
        if "dockerfile" in name.lower() or name.lower() in ("content", "text", "file"):
            out[name] = dockerfile
        elif name in known:
            out[name] = known[name]
        elif kind == "string":
            out[name] = "Split into dependency, build and runtime stages."
        elif kind == "array":
            out[name] = []
        elif kind == "object":
            out[name] = {}
        elif kind == "boolean":
            out[name] = True
        elif kind in ("integer", "number"):
            out[name] = 0
    if not any(value == dockerfile for value in out.values()):
        out.setdefault("dockerfile", dockerfile)
    return out


class ConvertingFake(FakeAnthropic):
    """The fake Messages API, answering each request by calling the first tool it offers
    with ``CONVERTED`` (or, when no tool is offered, with the Dockerfile as text)."""

    def __init__(self, dockerfile: str = CONVERTED, *, delay: float = 0.0, **kwargs: Any) -> None:
        super().__init__([TextReply(dockerfile)], **kwargs)
        self.dockerfile = dockerfile
        self.delay = delay

    def _message_for(self, reply: Any, body: Mapping[str, Any]) -> dict[str, Any]:
        if self.delay:
            self._wait(self.delay)
        tools = body.get("tools") or []
        if tools and isinstance(tools[0], Mapping) and tools[0].get("name"):
            choice = body.get("tool_choice") or {}
            tool = next((t for t in tools if t.get("name") == choice.get("name")), tools[0])
            reply = ToolUseReply(tool["name"], tool_input_for(tool, self.dockerfile))
        else:
            reply = TextReply(f"```dockerfile\n{self.dockerfile}```")
        return super()._message_for(reply, body)
