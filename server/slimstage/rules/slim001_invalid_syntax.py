"""SLIM001: text that BuildKit's parser would reject."""

from __future__ import annotations

from typing import Iterator

from ..analysis import Analysis
from .base import Rule, Violation
from .buildkit._common import parse_check_options


class InvalidSyntax(Rule):
    """Text that is not a valid Dockerfile.

    ## What it does
    Reports what BuildKit's parser (the one `docker build` uses) would reject or warn
    about: an unknown instruction, an instruction without arguments, a heredoc with no
    terminator line, an instruction before the first `FROM`, a file without `FROM`, an
    invalid `# escape=` directive, an invalid `# check=` directive (BuildKit refuses to build
    when it cannot read its options: `skip=`, `error=` and `experimental=`, separated by
    `;`), a file that ends inside a line continuation.

    ## Why it matters
    `docker build` stops at the first syntax error, after you have waited for the
    context to upload. Seeing it as you type is cheaper.

    ## Example
    ```dockerfile
    FROM alpine
    RUN <<EOF
    echo never terminated
    ```
    Use instead:
    ```dockerfile
    FROM alpine
    RUN <<EOF
    echo terminated
    EOF
    ```

    ## Fix
    None: the message says what the parser expected.
    """

    code = "SLIM001"
    name = "invalid-syntax"
    severity = "error"
    summary = "Text that BuildKit's parser would reject."

    def check(self, a: Analysis) -> Iterator[Violation]:
        for p in a.doc.problems:
            v = self.violation(p.range, p.message)
            if p.severity != "error":
                v = Violation(v.code, v.name, p.severity, v.message, v.range)
            yield v
        for d in a.doc.directives:
            if d.name == "check" and parse_check_options(d.value) is None:
                yield self.violation(
                    d.range,
                    f"invalid check directive '{d.value}': BuildKit refuses to build (it takes "
                    "skip=NAME,NAME|all, error=true|false and experimental=NAME|all, separated by ';')",
                )
