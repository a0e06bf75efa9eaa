"""FromAsCasing: `FROM` and `AS` written in different cases."""

from __future__ import annotations

from typing import Iterator

from ...analysis import Analysis
from ..base import Edit, Fix, Violation
from ._common import BuildKitCheck, keyword_text


class FromAsCasing(BuildKitCheck):
    """The `AS` of a `FROM ... AS name` is not in the case of `FROM`.

    ## What it does
    Flags a `FROM` written all upper case followed by a lower-case (or mixed) `as`, and a
    `from` written all lower case followed by an `AS` that is not lower case. A `FROM`
    keyword that is itself mixed case is left to `ConsistentInstructionCasing`, and a `FROM`
    whose second word is not `AS` at all to SLIM001 (BuildKit stops at such a line).

    ## Why it matters
    Keywords may be written in either case, but mixing the two in one line reads badly
    and usually means the line was pasted from elsewhere.

    ## Example
    ```dockerfile
    FROM debian:12 as builder
    ```
    Use instead:
    ```dockerfile
    FROM debian:12 AS builder
    ```

    ## Fix
    Rewrites `as` in the case of its `FROM`.
    """

    code = "FromAsCasing"
    summary = "AS is not written in the case of its FROM."
    fixable = True

    def check(self, a: Analysis) -> Iterator[Violation]:
        for st in a.doc.stages:
            frm = st.from_instruction
            if len(frm.args) < 3:
                continue
            kw = keyword_text(a.doc, frm)
            as_word = frm.args[1]
            as_text = as_word.text
            if as_text.lower() != "as":
                continue  # not `FROM image AS name`: SLIM001 reports the malformed FROM
            if kw == kw.lower():
                want = as_text.lower()
            elif kw == kw.upper():
                want = as_text.upper()
            else:
                continue
            if as_text == want:
                continue
            fix = Fix(f"Write '{want}'", (Edit(as_word.range, want),))
            yield self.violation(as_word.range, f"'{as_text}' and '{kw}' keywords' casing do not match", fix=fix)
