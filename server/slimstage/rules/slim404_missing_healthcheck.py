"""SLIM404: a service image has no HEALTHCHECK."""

from __future__ import annotations

from typing import Iterator

from ..analysis import Analysis
from ..analysis.images import default_user, is_minimal, parse_ref, stage_image
from ..analysis.runtime import final_chain, final_instructions, packages_application, start_command
from .base import Rule, Violation


def _example(image: str, port: str) -> str:
    """A health check the image can run, in words: a TCP connect to the exposed port.

    No HTTP route is suggested: slimstage does not know which one the application
    answers (``/health`` may not exist). A connect check only says the port accepts
    connections; the message says so and asks for the app's own health route if it has one.
    """
    ref = parse_ref(image)
    own = " It only proves the port accepts connections: if the app has a health route or command, check that instead."
    if "alpine" in image or ref.name == "busybox":
        return f"For example `HEALTHCHECK CMD nc -z 127.0.0.1 {port} || exit 1` (busybox nc, a TCP connect).{own}"
    if is_minimal(image):
        return (
            "The image has no shell, curl or wget: use a health command the application binary itself answers, in exec "
            "form (`HEALTHCHECK CMD [\"/app\", \"healthcheck\"]` if your app has one)."
        )
    if ref.name == "node":
        return (
            f"For example `HEALTHCHECK CMD [\"node\", \"-e\", \"require('net').connect({port}, '127.0.0.1')"
            f".on('connect', () => process.exit(0)).on('error', () => process.exit(1))\"]` (a TCP connect).{own}"
        )
    if ref.name in ("python", "pypy"):
        return (
            f"For example `HEALTHCHECK CMD [\"python\", \"-c\", \"import socket; socket.create_connection(('127.0.0.1', {port}), 3)\"]` "
            f"(a TCP connect).{own}"
        )
    return f"For example `HEALTHCHECK CMD bash -c '</dev/tcp/127.0.0.1/{port}' || exit 1` (if the image has bash; a TCP connect).{own}"


class MissingHealthcheck(Rule):
    """A service image has no HEALTHCHECK.

    ## What it does
    With `include_healthcheck` on (the default), points at the start command of an image
    that packages an application (a multi-stage build, or one whose final image copies
    the whole build context) and listens on a port (`EXPOSE`) when no stage that ships
    has a `HEALTHCHECK` (`HEALTHCHECK NONE` counts as a decision). Base images of unknown
    origin are left alone: they may define one.

    `microservices-demo` is reported for every service that exposes a port: the demo
    relies on Kubernetes probes (`grpc_health_probe`, HTTP readiness checks), which
    ignore the Dockerfile's HEALTHCHECK. Turn the setting off for images that only run
    under an orchestrator with its own probes.

    ## Why it matters
    Without a health check, Docker, Compose and Swarm only know whether the process
    exists: a server that hangs, deadlocks or lost its database stays "running", and
    `depends_on: condition: service_healthy` cannot wait for it.

    ## Example
    ```dockerfile
    FROM node:22-slim
    WORKDIR /app
    COPY . .
    EXPOSE 3000
    CMD ["node", "server.js"]
    ```
    Use instead:
    ```dockerfile
    HEALTHCHECK --interval=30s --timeout=3s CMD node healthcheck.js || exit 1
    CMD ["node", "server.js"]
    ```

    The suggested check is a TCP connect to the exposed port with a tool the image has
    (node, python, busybox nc, bash); it never names an HTTP route the application may
    not have.

    ## Fix
    None automatic: the endpoint and the tool that can reach it (curl, wget, the
    application's own health subcommand on distroless) depend on the application.
    """

    code = "SLIM404"
    name = "missing-healthcheck"
    severity = "info"
    summary = "A service image (it exposes a port) has no HEALTHCHECK."
    settings = ("include_healthcheck",)

    def check(self, a: Analysis) -> Iterator[Violation]:
        if not a.settings.include_healthcheck or a.graph.target is None or not packages_application(a):
            return
        if any(True for _ in final_instructions(a, "HEALTHCHECK")):
            return
        exposed = next(iter(final_instructions(a, "EXPOSE")), None)
        if exposed is None:
            return
        image = stage_image(a, final_chain(a)[0].index)
        if image is None or default_user(image) is None:
            return
        port = exposed.args[0].text.split("/", 1)[0] if exposed.args else "<port>"
        how = _example(image, port)
        message = (
            f"The final image exposes port {port} but has no HEALTHCHECK: Docker and Compose cannot tell a hung service from a "
            f"healthy one (Kubernetes ignores it and uses its own probes). {how}"
        )
        where = start_command(a) or exposed
        yield self.violation(where.range, message)
