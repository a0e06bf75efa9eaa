"""ExposeInvalidFormat: an IP address or host port in EXPOSE."""

from __future__ import annotations

from typing import Iterator

from ...analysis import Analysis
from ..base import Edit, Fix, Violation
from ._common import BuildKitCheck
from ._expose import expose_ports


class ExposeInvalidFormat(BuildKitCheck):
    """An `EXPOSE` port has an IP address or a host-port mapping.

    ## What it does
    Flags each `EXPOSE` port written like a `docker run -p` mapping: `127.0.0.1:80:80`,
    `8080:80`. `EXPOSE` takes only the container's port (or range) and a protocol.

    ## Why it matters
    `EXPOSE` documents which ports the container listens on; it cannot bind host ports
    or addresses. BuildKit ignores everything before the container port today and will
    reject the form in a future release.

    ## Example
    ```dockerfile
    FROM alpine
    EXPOSE 127.0.0.1:80:80
    ```
    Use instead:
    ```dockerfile
    FROM alpine
    EXPOSE 80
    ```

    ## Fix
    Keeps only the container port and protocol (what BuildKit exposes anyway), for ports
    written without variables.
    """

    code = "ExposeInvalidFormat"
    summary = "EXPOSE with an IP address or host port (a future release rejects it)."
    fixable = True

    def check(self, a: Analysis) -> Iterator[Violation]:
        for word, raw, (ip, host, port, proto), literal in expose_ports(a):
            if not ip and not host:
                continue
            fix = None
            if literal and port:
                keep = port + (f"/{proto}" if proto else "")
                fix = Fix(f"Keep only '{keep}'", (Edit(word.range, keep),))
            yield self.violation(
                word.range, f"EXPOSE instruction should not define an IP address or host-port mapping, found '{raw}'", fix=fix
            )
