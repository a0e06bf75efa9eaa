"""LegacyKeyValueFormat: `ENV key value` / `LABEL key value`."""

from __future__ import annotations

import re
from itertools import islice
from typing import Iterator, Optional

from ...analysis import Analysis
from ...dockerfile.model import Instruction
from ..base import Edit, Fix, Violation
from ._common import BuildKitCheck, first_word_has_equals, iter_raw_words, keyword_text

_QUOTED = re.compile(r'^(?:"[^"\\\\]*"|\'[^\']*\')$')


def modern(ins: Instruction, escape: str) -> Optional[tuple[int, int, str]]:
    """(start, end, replacement) in ``ins.text`` turning ``key value`` into ``key="value"``,
    when that keeps the value exactly; None otherwise."""
    text = ins.text
    words = [(text[s:e], s, e) for s, e in islice(iter_raw_words(text), 3)]
    if len(words) < 2:
        return None
    key, _, key_end = words[0]
    value_start = words[1][1]
    value = ins.text[value_start:].rstrip()
    if ins.range_of(key_end, value_start).start.line != ins.range_of(key_end, value_start).end.line:
        return None  # the separator crosses a line break: rewriting it would move the continuation
    if _QUOTED.match(value):
        return key_end, value_start, "="
    if any(c in value for c in ("'", '"', escape, "\\")):
        return None
    if len(words) == 2:
        return key_end, value_start, "="
    if value_start + len(value) != len(ins.text.rstrip()):
        return None
    return key_end, len(ins.text.rstrip()), '="' + value + '"'


class LegacyKeyValueFormat(BuildKitCheck):
    """`ENV` or `LABEL` written in the legacy `key value` form.

    ## What it does
    Flags an `ENV` or `LABEL` whose first word has no `=`: the legacy form, where the first
    word is the key and the rest of the line, spaces included, is the value. (`ARG a b`
    declares two arguments and is not reported: BuildKit reads it as two names.)

    ## Why it matters
    The legacy form is deprecated, sets only one variable per instruction, and hides
    mistakes: `ENV PATH /app/bin PATH2=x` sets `PATH` to `/app/bin PATH2=x`.

    ## Example
    ```dockerfile
    FROM alpine
    ENV DEPS curl git make
    ```
    Use instead:
    ```dockerfile
    FROM alpine
    ENV DEPS="curl git make"
    ```

    ## Fix
    Rewrites the instruction as `key=value`, quoting the value when it holds spaces. When
    the value has quotes or escapes inside it, or the key and value are on different lines,
    no fix is offered (the rewrite could change the value).
    """

    code = "LegacyKeyValueFormat"
    summary = "ENV/LABEL in the legacy key value form instead of key=value."
    fixable = True

    def check(self, a: Analysis) -> Iterator[Violation]:
        for st in a.doc.stages:
            for ins in st.instructions[1:]:
                if ins.keyword not in ("ENV", "LABEL"):
                    continue
                if not ins.text or first_word_has_equals(ins.text):
                    continue
                kw = keyword_text(a.doc, ins)
                fix = None
                change = modern(ins, a.doc.escape)
                if change is not None:
                    s, e, new = change
                    fix = Fix("Use key=value", (Edit(ins.range_of(s, e), new),))
                yield self.violation(ins.range, f'"{kw} key=value" should be used instead of legacy "{kw} key value" format', fix=fix)
