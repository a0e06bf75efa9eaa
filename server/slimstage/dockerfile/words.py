"""Splitting argument text into words, with offsets, the way Dockerfile arguments split."""

from __future__ import annotations

import json
import re

_WS = " \t\v\f\r"
_SPECIAL = re.compile(r"['\"\\]")
_PLAIN_WORD = re.compile(r"[^ \t\v\f\r]+")


def split_words(text: str, base: int = 0) -> list[tuple[str, int, int]]:
    """Whitespace-separated words, quotes kept together (and removed from the word text).

    Returns (unquoted text, start offset, end offset) relative to ``base``.
    """
    if not _SPECIAL.search(text):
        return [(m.group(), base + m.start(), base + m.end()) for m in _PLAIN_WORD.finditer(text)]
    out: list[tuple[str, int, int]] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in _WS:
            i += 1
        if i >= n:
            break
        start = i
        buf: list[str] = []
        quote = ""
        while i < n and (quote or text[i] not in _WS):
            ch = text[i]
            if quote:
                if ch == quote:
                    quote = ""
                elif ch == "\\" and quote == '"' and i + 1 < n and text[i + 1] in '"\\$`':
                    i += 1
                    buf.append(text[i])
                else:
                    buf.append(ch)
            elif ch in "'\"":
                quote = ch
            elif ch == "\\" and i + 1 < n:
                i += 1
                buf.append(text[i])
            else:
                buf.append(ch)
            i += 1
        out.append(("".join(buf), base + start, base + i))
    return out



def json_words(text: str, base: int) -> list[tuple[str, int, int]]:
    """Positions of the string items of a JSON array (best effort for escapes)."""
    out: list[tuple[str, int, int]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] == '"':
            start = i
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            end = min(i + 1, n)
            try:
                value = json.loads(text[start:end])
            except ValueError:
                value = text[start + 1 : end - 1]
            out.append((value, base + start, base + end))
            i = end
        else:
            i += 1
    return out


def unterminated(line: str, substitutions: bool = False) -> bool:
    """True where a shell lexer gives up on ``line``: an unterminated quote or ``${``.

    BuildKit then sees no heredoc on the line. With ``substitutions``, an unclosed backtick
    or ``$(`` counts too, as it does for a shell: a fix must not append a command to such a
    line (the command would land inside the open quote or substitution)."""
    i, n, quote, depth = 0, len(line), "", 0
    while i < n:
        ch = line[i]
        if quote == "'":
            if ch == "'":
                quote = ""
        elif ch == "\\":
            i += 1
        elif ch == "`" and substitutions:
            quote = "" if quote == "`" else ("`" if not quote else quote)
        elif ch == quote:
            quote = ""
        elif ch in "'\"" and not quote:
            quote = ch
        elif ch == "$" and line.startswith("${", i):
            end = line.find("}", i)
            if end < 0:
                return True
            i = end
        elif substitutions and quote != "`" and line.startswith("$(", i):
            depth += 1
            i += 1
        elif substitutions and ch == ")" and depth and not quote:
            depth -= 1
        i += 1
    return bool(quote) or depth > 0
