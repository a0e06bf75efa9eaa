"""Formatting keeps BuildKit's parse of every corpus file and is idempotent."""

from __future__ import annotations


import pytest

from slimstage.editor.formatting import FormatOptions, format_text, newline_indent

from ..conftest import FIXTURES, corpus_files

dockerfile = pytest.importorskip("dockerfile", reason="BuildKit's parser (pip install dockerfile) is the oracle")

TRICKY = sorted((FIXTURES / "parser").glob("*.Dockerfile"))
FILES = corpus_files() + TRICKY
SHELL_FORM = {"RUN", "CMD", "ENTRYPOINT"}
OPTIONS = [FormatOptions(), FormatOptions(indent=2, split_and_chains=True), FormatOptions(indent=0, split_and_chains=True)]


def shell_words(value: str) -> list[str]:
    """The words ``/bin/sh -c`` sees (quotes and backslash escapes kept, whitespace between words dropped)."""
    words, cur, quote, i = [], [], "", 0
    while i < len(value):
        ch = value[i]
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = ""
            elif ch == "\\" and quote == '"' and i + 1 < len(value):
                i += 1
                cur.append(value[i])
        elif ch == "\\" and i + 1 < len(value):
            cur += [ch, value[i + 1]]
            i += 1
        elif ch in "'\"`":
            quote = ch
            cur.append(ch)
        elif ch in " \t":
            if cur:
                words.append("".join(cur))
                cur = []
        else:
            cur.append(ch)
        i += 1
    if cur:
        words.append("".join(cur))
    return words


def buildkit(text: str) -> list[tuple]:
    # The oracle is a C string API: a lone surrogate crashes the whole process (Go segfault)
    # and a NUL ends the string early. Such input gets no verdict from it.
    if "\x00" in text or any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        raise ValueError("BuildKit's binding cannot take NUL or lone surrogates")
    out = []
    for c in dockerfile.parse_string(text):
        cmd, sub = c.cmd.upper(), (c.sub_cmd or "").upper()
        value: tuple = c.value
        shell = (sub or cmd) in SHELL_FORM and not c.json
        if shell:
            value = tuple(shell_words(" ".join(value)))
        elif cmd == "HEALTHCHECK" and len(value) == 2 and not c.json:
            value = (value[0], tuple(shell_words(value[1])))
        out.append((cmd, sub, c.json, c.flags, value, tuple((h.name, h.content) for h in c.heredocs)))
    return out


@pytest.mark.parametrize("options", OPTIONS, ids=["default", "split-indent2", "split-indent0"])
def test_buildkit_parse_unchanged_and_idempotent_on_the_corpus(options: FormatOptions) -> None:
    assert FILES
    changed = 0
    for path in FILES:
        text = path.read_text(encoding="utf-8", errors="replace")
        once = format_text(text, options)
        changed += once != text
        try:
            before = buildkit(text)
        except Exception:
            continue  # BuildKit rejects the file; the formatter must still be idempotent
        finally:
            assert format_text(once, options) == once, path
        assert buildkit(once) == before, path
    assert changed  # the corpus has something to format


@pytest.mark.parametrize(
    "text",
    [
        "\r\ufeff",  # found by the robustness suite: a stray U+FEFF moved to the start became a byte-order mark
        "\r\ufeff\tFROM node:22\r\n  COPY . .\r\n",
        "\t\ufeffFROM node:22\r\n  RUN yarn build\r\n  ",
        "\ufeff  from alpine\n  run true  \n",  # a real byte-order mark stays and the rest is formatted
    ],
)
def test_byte_order_marks_and_stray_feff(text: str) -> None:
    for options in OPTIONS:
        once = format_text(text, options)
        assert format_text(once, options) == once
        assert once.startswith("\ufeff") == text.startswith("\ufeff")
        try:
            before = buildkit(text)
        except Exception:
            continue
        assert buildkit(once) == before
    assert format_text("\ufeff  from alpine\n  run true  \n") == "\ufeffFROM alpine\nRUN true\n"


def test_enter_indent_only_after_a_continuation_outside_quotes() -> None:
    assert newline_indent("FROM a\nRUN a \\\n\n", 2) == "    "
    assert newline_indent('FROM a\nRUN echo "a \\\n\n', 2) is None  # inside a quoted string
    assert newline_indent("FROM a\nRUN a\n\n", 2) is None
    assert newline_indent("FROM a\nRUN a \\\n\n", 2, FormatOptions(indent=2)) == "  "
