"""InvalidDefinitionDescription (experimental): a comment above FROM/ARG that is not a description."""

from __future__ import annotations

from typing import Iterator

from ...analysis import Analysis
from ..base import Violation
from ._common import BuildKitCheck, facts, raw_words


class InvalidDefinitionDescription(BuildKitCheck):
    """The comment right above a named `FROM` or an `ARG` does not start with its name.

    ## What it does
    Experimental, as in BuildKit: off unless the file says `# check=experimental=InvalidDefinitionDescription`
    (or `experimental=all`) or the rule is selected by its code. BuildKit takes the comment
    lines right above a `FROM ... AS name` or an `ARG` as its description (shown by
    `docker build --call=outline` and `--call=targets`) when the last of them starts with
    the stage's or argument's name. The check flags such comments that start with something
    else. An empty `#` line between the comment and the instruction ends the description
    block (BuildKit's parser does not end it at a blank line).

    ## Why it matters
    A comment that does not follow the `# <name> <description>` shape is not shown as a
    description; one meant as a plain remark should be set apart so it is not mistaken for
    one.

    ## Example
    ```dockerfile
    # a non-descriptive comment
    FROM scratch AS base
    ```
    Use instead:
    ```dockerfile
    # base is a stage for compiling source
    FROM scratch AS base
    ```

    ## Fix
    None automatic: start the comment with the name, or separate it from the instruction
    with an empty `#` line.
    """

    code = "InvalidDefinitionDescription"
    summary = "The comment above a named FROM or an ARG does not start with its name."
    experimental = True

    def check(self, a: Analysis) -> Iterator[Violation]:
        comments = facts(a).comments
        for ins in a.doc.instructions:
            block = comments.get(ins.start_line)
            if not block:
                continue
            if ins.keyword == "FROM":
                st = a.doc.stages[ins.stage_index] if 0 <= ins.stage_index < len(a.doc.stages) else None
                if st is None or st.name is None or st.name_word is None:
                    continue
                keys, what = [st.name], "FROM"
            elif ins.keyword == "ARG":
                keys = [raw.split("=", 1)[0] for raw, _, _ in raw_words(ins)]
                what = "ARG"
            else:
                continue
            if not keys or block[-1].split(" ")[0] in keys:
                continue
            example = keys[0] if len(keys) == 1 else "<arg_key>"
            yield self.violation(ins.range, f"Comment for {what} should follow the format: `# {example} <description>`")
