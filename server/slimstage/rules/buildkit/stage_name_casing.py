"""StageNameCasing: a stage name with upper-case letters."""

from __future__ import annotations

from typing import Iterator

from ...analysis import Analysis
from ..base import Edit, Fix, Violation
from ._common import BuildKitCheck, raw_words


class StageNameCasing(BuildKitCheck):
    """A stage is named with upper-case letters.

    ## What it does
    Flags a `FROM image AS Name` whose name is not all lower case, as BuildKit's
    `StageNameCasing` check does.

    ## Why it matters
    BuildKit compares stage names without regard to case, so `Builder` and `builder` are
    the same stage; writing names in lower case keeps them apart from instruction keywords
    and makes every reference look alike.

    ## Example
    ```dockerfile
    FROM alpine AS BuilderBase
    ```
    Use instead:
    ```dockerfile
    FROM alpine AS builder-base
    ```

    ## Fix
    Lower-cases the name where the stage is declared (references keep working: BuildKit
    matches them without regard to case).
    """

    code = "StageNameCasing"
    summary = "A stage name has upper-case letters."
    fixable = True

    def check(self, a: Analysis) -> Iterator[Violation]:
        for st in a.doc.stages:
            frm = st.from_instruction
            words = raw_words(frm)
            if len(words) != 3 or st.name_word is None:
                continue
            name = words[2][0]
            if name == name.lower():
                continue
            fix = Fix(f"Rename the stage to '{name.lower()}'", (Edit(st.name_word.range, name.lower()),))
            yield self.violation(st.name_word.range, f"Stage name '{name}' should be lowercase", fix=fix)
