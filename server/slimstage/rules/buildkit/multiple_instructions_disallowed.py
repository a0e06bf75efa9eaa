"""MultipleInstructionsDisallowed: a second CMD, ENTRYPOINT or HEALTHCHECK in one stage."""

from __future__ import annotations

from typing import Iterator

from ...analysis import Analysis
from ...dockerfile.model import Instruction
from ..base import Edit, Fix, Related, Violation
from ._common import BuildKitCheck, keyword_text, whole_lines_range

ONCE = ("CMD", "ENTRYPOINT", "HEALTHCHECK")


class MultipleInstructionsDisallowed(BuildKitCheck):
    """A stage has more than one `CMD`, `ENTRYPOINT` or `HEALTHCHECK`.

    ## What it does
    Flags each `CMD`, `ENTRYPOINT` and `HEALTHCHECK` that a later one of the same kind in
    the same stage replaces (the earlier ones are the ignored ones, so they are the ones
    reported). A `CMD` inside `HEALTHCHECK` does not count, and a stage built `FROM`
    another may set its own.

    ## Why it matters
    An image has one command, one entrypoint and one health check: only the last of each
    is kept. The earlier ones are dead text that misleads whoever reads the file.

    ## Example
    ```dockerfile
    FROM alpine
    ENTRYPOINT ["echo", "Hello, Norway!"]
    ENTRYPOINT ["echo", "Hello, Sweden!"]
    ```
    Use instead:
    ```dockerfile
    FROM alpine
    ENTRYPOINT ["echo", "Hello, Sweden!"]
    ```

    ## Fix
    Deletes the ignored instruction (the image is the same without it).
    """

    code = "MultipleInstructionsDisallowed"
    summary = "A second CMD, ENTRYPOINT or HEALTHCHECK in a stage: only the last one counts."
    fixable = True

    def check(self, a: Analysis) -> Iterator[Violation]:
        for st in a.doc.stages:
            last: dict[str, Instruction] = {}
            for ins in st.instructions[1:]:
                if ins.keyword not in ONCE:
                    continue
                earlier = last.get(ins.keyword)
                last[ins.keyword] = ins
                if earlier is None:
                    continue
                kw = keyword_text(a.doc, earlier)
                fix = Fix(f"Delete the ignored {ins.keyword}", (Edit(whole_lines_range(a.doc, earlier.start_line, earlier.end_line), ""),))
                yield self.violation(
                    earlier.range,
                    f"Multiple {kw} instructions should not be used in the same stage because only the last one will be used",
                    (Related(ins.range, f"this {ins.keyword} replaces it"),),
                    fix,
                )
