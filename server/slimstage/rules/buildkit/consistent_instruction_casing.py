"""ConsistentInstructionCasing: keywords in mixed case, or against the file's majority."""

from __future__ import annotations

from typing import Iterator

from ...analysis import Analysis
from ...dockerfile.parse import KEYWORDS
from ..base import Edit, Fix, Violation
from ._common import BuildKitCheck, is_self_consistent, keyword_text


class ConsistentInstructionCasing(BuildKitCheck):
    """An instruction keyword is not in the case most keywords of the file use.

    ## What it does
    Counts the keywords of every stage (from each `FROM` on; ARGs before the first `FROM`
    are not counted, as in BuildKit) that are all lower case and all upper case. The case
    with more keywords wins (upper case on a tie); every keyword not written in it is
    flagged, mixed-case ones such as `From` included.

    ## Why it matters
    Dockerfile keywords work in any case, but a file that mixes them is harder to scan,
    and tools that look for `RUN` or `COPY` textually miss the odd one out.

    ## Example
    ```dockerfile
    FROM alpine
    Run echo hello > /greeting.txt
    ENTRYPOINT ["cat", "/greeting.txt"]
    ```
    Use instead:
    ```dockerfile
    FROM alpine
    RUN echo hello > /greeting.txt
    ENTRYPOINT ["cat", "/greeting.txt"]
    ```

    ## Fix
    Rewrites the keyword in the majority's case.
    """

    code = "ConsistentInstructionCasing"
    summary = "An instruction keyword is not in the case most keywords of the file use."
    fixable = True

    def check(self, a: Analysis) -> Iterator[Violation]:
        keywords = []
        lower = upper = 0
        for st in a.doc.stages:
            for ins in st.instructions:
                if ins.keyword not in KEYWORDS:
                    continue  # not an instruction: SLIM001 reports it (BuildKit stops there)
                text = keyword_text(a.doc, ins)
                keywords.append((ins, text))
                if is_self_consistent(text):
                    if text == text.lower():
                        lower += 1
                    else:
                        upper += 1
        majority_lower = lower > upper
        casing = "lowercase" if majority_lower else "uppercase"
        for ins, text in keywords:
            want = text.lower() if majority_lower else text.upper()
            if text == want:
                continue
            fix = Fix(f"Write '{want}'", (Edit(ins.keyword_range, want),))
            yield self.violation(
                ins.keyword_range, f"Command '{text}' should match the case of the command majority ({casing})", fix=fix
            )
