"""ExposeProtoCasing: `EXPOSE 80/TCP`."""

from __future__ import annotations

from typing import Iterator

from ...analysis import Analysis
from ..base import Edit, Fix, Violation
from ._common import BuildKitCheck
from ._expose import expose_ports


class ExposeProtoCasing(BuildKitCheck):
    """The protocol of an `EXPOSE` port is not lower case.

    ## What it does
    Flags each `EXPOSE` port whose protocol (`/tcp`, `/udp`, `/sctp`) has upper-case
    letters, after variables are expanded.

    ## Why it matters
    BuildKit lower-cases the protocol anyway, so `80/TCP` and `80/tcp` expose the same
    port; writing it as stored keeps the file consistent with what `docker inspect`
    shows and with tools that compare the text.

    ## Example
    ```dockerfile
    FROM alpine
    EXPOSE 80/TcP
    ```
    Use instead:
    ```dockerfile
    FROM alpine
    EXPOSE 80/tcp
    ```

    ## Fix
    Lower-cases the protocol (for ports written without variables).
    """

    code = "ExposeProtoCasing"
    summary = "An EXPOSE protocol is not lower case."
    fixable = True

    def check(self, a: Analysis) -> Iterator[Violation]:
        for word, raw, parts, literal in expose_ports(a):
            if parts[3] == parts[3].lower():
                continue
            fix = None
            if literal and "/" in word.text:
                head, _, tail = word.text.rpartition("/")
                fix = Fix(f"Write '{head}/{tail.lower()}'", (Edit(word.range, f"{head}/{tail.lower()}"),))
            yield self.violation(word.range, f"Defined protocol '{raw}' in EXPOSE instruction should be lowercase", fix=fix)
