"""Differential parsing: where BuildKit's own parser accepts a generated file, slimstage splits it the same way.

BuildKit's Go parser (the PyPI ``dockerfile`` package) is the oracle. For every generated
input it accepts, the instruction keywords, their first and last lines and the heredoc
bodies must be equal. Inputs it rejects are only required not to crash slimstage (the
pipeline suite covers them).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from slimstage.dockerfile import parse

from .fuzz import fuzz
from .strategies import dockerfiles, fixable, mutated, seeded
from .tally import tally

dockerfile = pytest.importorskip("dockerfile", reason="BuildKit's parser (pip install dockerfile) is the oracle")


def buildkit_view(text: str):
    """BuildKit's split. Heredoc bodies keep CRLF there; slimstage drops the CR like on every
    other line (a deliberate difference: the bodies are read, not run), so compare them without."""
    try:
        commands = dockerfile.parse_string(text)
    except dockerfile.GoParseError:
        return None
    except UnicodeDecodeError:  # the binding's own bug on some astral characters: no verdict
        return None
    lines = _ClientLines(text)
    return [
        ((c.cmd or "").upper(), lines.start(c.start_line - 1), lines.end(c.end_line - 1), tuple(re.sub("\r+\n", "\n", h.content) for h in c.heredocs))
        for c in commands
    ]


_GO_SPACE = " \t\n\v\f\r\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"  # Go's unicode.IsSpace


class _ClientLines:
    """BuildKit's line numbers (lines end at ``\\n`` only) as an LSP client numbers the same
    text (a lone ``\\r`` ends a line too), which is how slimstage reports positions."""

    def __init__(self, text: str) -> None:
        self.segments = text.split("\n")
        self.first = []  # the client line where each BuildKit line starts
        line = 0
        for seg in self.segments:
            self.first.append(line)
            line += len(re.findall(r"\r\n|\n|\r", seg + "\n"))  # the client's line ends in this line and its '\n'

    def start(self, n: int) -> int:
        """Where the instruction's first word is: after the spaces BuildKit skips, lone CRs among them."""
        if n >= len(self.first):
            return n
        seg = self.segments[n].rstrip("\r")
        lead = seg[: len(seg) - len(seg.lstrip(_GO_SPACE))]
        return self.first[n] + lead.count("\r")

    def end(self, n: int) -> int:
        if n >= len(self.segments):
            return n
        return self.first[n] + self.segments[n].rstrip("\r").count("\r")


def slimstage_view(text: str):
    # slimstage's lines are the client's (lone CRs end lines); buildkit_view translates BuildKit's to those.
    return [(i.keyword, i.start_line, i.end_line, tuple(h.body for h in i.heredocs)) for i in parse(text).instructions]


def _no_nul(text: str) -> bool:
    # The oracle is a C string API: it stops at a NUL byte (and cannot take lone surrogates).
    return "\x00" not in text and not any(0xD800 <= ord(c) <= 0xDFFF for c in text)


@fuzz(400)
@given(st.one_of(dockerfiles(), mutated(), mutated(), fixable(), mutated(fixable()), seeded(), mutated(seeded())).filter(_no_nul))
def test_instruction_boundaries_match_buildkit(text: str) -> None:
    tally("buildkit differential")
    theirs = buildkit_view(text)
    assume(theirs is not None)
    tally("buildkit accepted")
    assert slimstage_view(text) == theirs


@pytest.mark.parametrize(
    "text",
    [
        "FROM a\nRUN <<EOF\nx\nEOF",
        "FROM a\nRUN <<EOF1 <<EOF2\na\nEOF1\nb\nEOF2\n",
        "# escape=`\nFROM a\nRUN echo `\n  hi\n",
        "# escape=`\n# escape=\\\nFROM a\nRUN echo \\\n  hi\n",
        "FROM a\r\nRUN echo \\\r\n\r\n  hi\r\n",
        "FROM a\nRUN echo \\ \t\n  hi\n",
        "FROM a\nRUN echo \\\n# comment\n  hi\n",
        "\ufeffFROM a\nRUN x\n",
        "FROM a\nRUN <<-EOF\n\tx\n\tEOF\n",
        "FROM a\nCOPY <<EOF /x\nEOF\n",
        "FROM a\nRUN [\"sh\", \"-c\", \"<<EOF\"]\nEOF\n",
        "FROM a\nONBUILD RUN <<EOF\nx\nEOF\n",
        "FROM a\nRUN \\\n",
        "\t FROM a\n\tRUN\tx\n",
        "FROM a\nRUN x\\\\\nRUN y\n",
        "FROM a\nrun <<eof\nx\neof\n",
        "\x85FROM a\n\xa0\n\u3000RUN x\x85\n",
        "FROM a\nRUN x \\\n\u2028# c\n y\n",
        "FROM a\nRUN x \\\\\nRUN y\n",
        "FROM a\n\\\nRUN y\n",
        "# escape=`\nFROM a\nRUN x``\nRUN y\n",
        "FROM a\nRUN \\\n\n\n",
        "\\",
        "FROM a\n  \\  \n\n",
        "FROM a\nRUN <<EOF cat <<'\nx\nEOF\n",
        "FROM a\nRUN <<EOF echo ${x:-\nx\nEOF\n",
        "FROM a\nRUN <<EOF echo \"a\\\"\"\nx\nEOF\n",
        "FROM a\nRUN <<EOF echo 'a\\'\nx\nEOF\n",
        "FROM a\nRUN <<EOF echo \\\nx\nEOF\n",
    ],
    ids=lambda t: repr(t)[:40],
)
def test_hand_picked_edges(text: str) -> None:
    theirs = buildkit_view(text)
    if theirs is None:
        parse(text)  # rejected by BuildKit: slimstage must still not crash
        return
    assert slimstage_view(text) == theirs
