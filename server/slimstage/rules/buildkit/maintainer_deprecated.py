"""MaintainerDeprecated: the MAINTAINER instruction."""

from __future__ import annotations

from typing import Iterator

from ...analysis import Analysis
from ...dockerfile.model import Range
from ..base import Edit, Fix, Violation
from ._common import BuildKitCheck, keyword_text


def label_value(text: str, escape: str) -> str:
    """``text`` as a double-quoted Dockerfile value that expands to exactly ``text``."""
    out = []
    for ch in text:
        if ch in ('"', "$", escape):
            out.append(escape)
        out.append(ch)
    return '"' + "".join(out) + '"'


class MaintainerDeprecated(BuildKitCheck):
    """The deprecated `MAINTAINER` instruction.

    ## What it does
    Flags every `MAINTAINER` instruction.

    ## Why it matters
    `MAINTAINER` is deprecated: image metadata belongs in labels, where tools read it
    (the OCI annotation `org.opencontainers.image.authors` names the authors).

    ## Example
    ```dockerfile
    FROM alpine
    MAINTAINER moby@example.com
    ```
    Use instead:
    ```dockerfile
    FROM alpine
    LABEL org.opencontainers.image.authors="moby@example.com"
    ```

    ## Fix
    Replaces the instruction with `LABEL org.opencontainers.image.authors="..."` holding
    the same text (quotes, `$` and the escape character are escaped so the value stays
    literal, as `MAINTAINER` kept it).
    """

    code = "MaintainerDeprecated"
    summary = "The deprecated MAINTAINER instruction; use a label for the author."
    fixable = True

    def check(self, a: Analysis) -> Iterator[Violation]:
        for ins in a.doc.instructions:
            if ins.keyword != "MAINTAINER":
                continue
            kw = keyword_text(a.doc, ins)
            label = "label" if kw == kw.lower() else "LABEL"
            new = f"{label} org.opencontainers.image.authors={label_value(ins.text, a.doc.escape)}"
            fix = Fix("Use LABEL org.opencontainers.image.authors", (Edit(Range(ins.keyword_range.start, ins.range.end), new),))
            yield self.violation(ins.keyword_range, "Maintainer instruction is deprecated in favor of using label", fix=fix)
