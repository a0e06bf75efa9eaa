"""DuplicateStageName: two stages with the same name."""

from __future__ import annotations

from typing import Iterator

from ...analysis import Analysis
from ..base import Related, Violation
from ._common import BuildKitCheck


class DuplicateStageName(BuildKitCheck):
    """Two stages have the same name.

    ## What it does
    Flags every `FROM ... AS name` whose name (compared in lower case, as BuildKit does)
    an earlier stage already uses.

    ## Why it matters
    A reference to the name (`COPY --from=name`, `FROM name`, `--target name`) cannot say
    which of the stages it means, and BuildKit refuses to build the file.

    ## Example
    ```dockerfile
    FROM debian:12 AS builder
    RUN apt-get update && apt-get install -y curl
    FROM golang:1.23 AS builder
    ```
    Use instead:
    ```dockerfile
    FROM debian:12 AS deb-builder
    RUN apt-get update && apt-get install -y curl
    FROM golang:1.23 AS go-builder
    ```

    ## Fix
    None automatic: which stage to rename, and what the references mean, is for you to
    say. This check reports what slimstage's SLIM303 reports; when both are enabled only
    DuplicateStageName is shown (SLIM303 stays as the fallback when the BuildKit check is
    skipped or ignored).
    """

    code = "DuplicateStageName"
    summary = "Two stages have the same name."

    def check(self, a: Analysis) -> Iterator[Violation]:
        first: dict[str, object] = {}
        for st in a.doc.stages:
            if not st.name or st.name_word is None:
                continue
            earlier = first.get(st.name)
            if earlier is None:
                first[st.name] = st
                continue
            related = [Related(earlier.name_word.range, f"'{st.name}' is first declared here")]  # type: ignore[attr-defined]
            yield self.violation(
                st.name_word.range, f'Duplicate stage name "{st.name}", stage names should be unique', related
            )
