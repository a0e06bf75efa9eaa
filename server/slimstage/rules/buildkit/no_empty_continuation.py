"""NoEmptyContinuation: an empty line inside a continued instruction."""

from __future__ import annotations

from typing import Iterator

from ...analysis import Analysis
from ...dockerfile.model import Instruction, Range, utf16_len
from ..base import Edit, Fix, Violation
from ._common import BuildKitCheck, whole_lines_range

_SPACE = " \t\n\v\f\r\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def empty_continuation_lines(lines: tuple[str, ...], ins: Instruction) -> list[int]:
    """Blank lines between the first and the last line of the instruction's continuation."""
    lm = ins._map
    if lm is None or lm.single:
        return []
    used = set(lm.lines)
    first, last = lm.lines[0], lm.lines[-1]
    out = []
    for n in range(first + 1, last):
        if n not in used and not lines[n].strip(_SPACE):
            out.append(n)
    return out


class NoEmptyContinuation(BuildKitCheck):
    """An instruction continued with the escape character has an empty line inside it.

    ## What it does
    Flags an instruction whose line continuation (`\\` at the end of a line) runs over an
    empty or blank line. Comment lines inside a continuation are fine; blank ones are what
    BuildKit warns about. One finding per instruction, on its first empty line.

    ## Why it matters
    BuildKit skips such lines today but has deprecated them: a future Dockerfile syntax
    will reject the file. An empty line also reads as the end of the instruction when it
    is not.

    ## Example
    ```dockerfile
    FROM alpine
    RUN apk add \\

        curl
    ```
    Use instead:
    ```dockerfile
    FROM alpine
    RUN apk add \\
        curl
    ```

    ## Fix
    Deletes the empty lines inside the instruction.
    """

    code = "NoEmptyContinuation"
    summary = "An empty line inside a continued instruction (deprecated; a future syntax rejects it)."
    fixable = True

    def check(self, a: Analysis) -> Iterator[Violation]:
        lines = a.doc.lines
        for ins in a.doc.instructions:
            empty = empty_continuation_lines(lines, ins)
            if not empty:
                continue
            edits = tuple(Edit(whole_lines_range(a.doc, n, n), "") for n in empty)
            rng = Range.of(empty[0], 0, empty[0], utf16_len(lines[empty[0]]))
            yield self.violation(rng, "Empty continuation line", fix=Fix("Delete the empty continuation lines", edits))
