"""JSONArgsRecommended: CMD or ENTRYPOINT in shell form."""

from __future__ import annotations

import json
import re
from typing import Iterator, Optional

from ...analysis import Analysis
from ...dockerfile.model import Instruction, Range
from ..base import Edit, Fix, Violation
from ._common import BuildKitCheck, keyword_text

# Anything a shell would interpret: expansions, quoting, globbing, redirections, operators.
_SHELL_FEATURES = re.compile(r"[$`'\"\\|&;<>()*?\[\]{}~#!]")

# Words only a shell understands: builtins and keywords have no program to run in exec form.
_SHELL_ONLY = frozenset(
    ". : alias bg case cd command eval exec exit export fg for function if jobs read readonly set shift source "
    "time trap ulimit umask unalias unset until wait while".split()
)


def exec_form(text: str) -> Optional[str]:
    """``node server.js`` -> ``["node", "server.js"]``; None when a shell would do more than split words."""
    words = text.split()
    if not words or _SHELL_FEATURES.search(text) or "=" in words[0] or words[0] in _SHELL_ONLY:
        return None  # a leading NAME=value is an assignment the shell makes
    return json.dumps(words)


class JSONArgsRecommended(BuildKitCheck):
    """`CMD` or `ENTRYPOINT` is written in shell form.

    ## What it does
    Flags a `CMD` or `ENTRYPOINT` that is not a JSON array, unless a `SHELL` instruction
    earlier in the stage (or in a stage it is built `FROM`) chose the shell on purpose.

    ## Why it matters
    In shell form the program runs as a child of `/bin/sh -c`, which does not pass on
    signals: `docker stop` waits for its timeout and then kills the program instead of
    letting it shut down cleanly.

    ## Example
    ```dockerfile
    FROM alpine
    ENTRYPOINT my-program start
    ```
    Use instead:
    ```dockerfile
    FROM alpine
    ENTRYPOINT ["my-program", "start"]
    ```

    ## Fix
    Rewrites the instruction as a JSON array when the command uses no shell feature
    (no variables, quotes, globs, redirections, pipes or operators), so splitting at
    spaces is all the shell did. The fix is applied by "fix all" for a `CMD` with no
    `ENTRYPOINT` in effect; otherwise (the exec form changes what an `ENTRYPOINT`
    receives) it is offered but not applied in bulk. With shell features, use a script
    and run it in exec form, or add `SHELL` to say the shell is wanted.
    """

    code = "JSONArgsRecommended"
    summary = "CMD or ENTRYPOINT in shell form: the program does not get stop signals."
    fixable = True

    def check(self, a: Analysis) -> Iterator[Violation]:
        doc = a.doc
        shell_set: list[bool] = []
        entrypoint_set: list[bool] = []
        for st in doc.stages:
            inherited = st.base_stage is not None and st.base_stage < len(shell_set)
            shell = shell_set[st.base_stage] if inherited else False  # type: ignore[index]
            entry = entrypoint_set[st.base_stage] if inherited else False  # type: ignore[index]
            for ins in st.instructions[1:]:
                if ins.keyword == "SHELL":
                    shell = True
                elif ins.keyword in ("CMD", "ENTRYPOINT"):
                    if not ins.is_json and not shell:
                        yield self._finding(doc, ins, entry)
                    if ins.keyword == "ENTRYPOINT":
                        entry = True
            shell_set.append(shell)
            entrypoint_set.append(entry)

    def _finding(self, doc, ins: Instruction, entrypoint_in_effect: bool) -> Violation:
        kw = keyword_text(doc, ins)
        fix = None
        arr = exec_form(ins.text) if not ins.heredocs and not ins.flags else None
        if arr is not None:
            rng = ins.range_of(0, len(ins.text))
            safe = ins.keyword == "CMD" and not entrypoint_in_effect
            fix = Fix(f"Use the exec form: {kw} {arr}", (Edit(rng, arr),), safe=safe)
        where = Range(ins.keyword_range.start, ins.range.end)
        return self.violation(where, f"JSON arguments recommended for {kw} to prevent unintended behavior related to OS signals", fix=fix)
