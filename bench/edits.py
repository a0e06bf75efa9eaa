"""Deterministic edit scripts that look like a person working in a Dockerfile.

An edit is one LSP content change: a range (0-based line and UTF-16 column; the
generated text is ASCII, so columns are characters) and the replacement text. A
``Document`` applies edits to its own copy of the text, so the driver always knows the
exact text the server should have, and can send either incremental or full changes.

Two scripts:
- ``edit_session``: a mix of typing a character, backspace, inserting a new
  instruction line, deleting a one-line instruction, and bumping an image tag. Every
  edit changes the text (a server may skip work for a change that changes nothing).
- ``typing_storm``: typing new instructions character by character at one spot, the
  way keystrokes arrive when someone types fast.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Edit:
    start_line: int
    start_col: int
    end_line: int
    end_col: int
    text: str
    kind: str

    def as_change(self) -> dict[str, Any]:
        return {
            "range": {
                "start": {"line": self.start_line, "character": self.start_col},
                "end": {"line": self.end_line, "character": self.end_col},
            },
            "text": self.text,
        }


class Document:
    """The text a server should hold, kept as lines (each without its newline)."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def apply(self, edit: Edit) -> None:
        head = self.lines[edit.start_line][: edit.start_col]
        tail = self.lines[edit.end_line][edit.end_col :]
        middle = (head + edit.text + tail).split("\n")
        self.lines[edit.start_line : edit.end_line + 1] = middle


def _instruction_starts(lines: list[str]) -> list[int]:
    """Lines where an instruction begins (not a continuation, comment or blank)."""
    starts = []
    continued = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not continued and stripped and not stripped.startswith("#"):
            starts.append(i)
        if stripped.startswith("#") and continued:
            continue  # comment lines inside a continuation do not end it
        continued = stripped.endswith("\\")
    return starts


def _single_line_instructions(lines: list[str]) -> list[int]:
    return [
        i
        for i in _instruction_starts(lines)
        if not lines[i].rstrip().endswith("\\") and not lines[i].lstrip().upper().startswith("FROM")
    ]


_TYPED = "abcdefghijklmnopqrstuvwxyz0123456789-_."


def _type_char(rng: random.Random, doc: Document, n: int) -> Edit:
    candidates = [i for i, line in enumerate(doc.lines) if len(line.strip()) > 4 and not line.lstrip().startswith("#")]
    line = rng.choice(candidates)
    text = doc.lines[line]
    body_end = len(text.rstrip(" \\")) if text.rstrip().endswith("\\") else len(text)
    col = rng.randint(min(4, body_end), body_end)
    return Edit(line, col, line, col, rng.choice(_TYPED), "type")


def _backspace(rng: random.Random, doc: Document, n: int) -> Edit:
    candidates = [i for i, line in enumerate(doc.lines) if len(line.strip()) > 6 and not line.lstrip().startswith("#")]
    line = rng.choice(candidates)
    text = doc.lines[line]
    positions = [c for c in range(4, len(text)) if text[c] not in "\\\t \"'"]
    col = rng.choice(positions)
    return Edit(line, col, line, col + 1, "", "backspace")


_NEW_LINES = (
    "ENV BENCH_FLAG_{n}=on",
    "RUN echo step-{n} > /tmp/step-{n}",
    "ARG BENCH_ARG_{n}=v{n}",
    "COPY config/{n}.conf /etc/app/{n}.conf",
    "RUN apt-get update && apt-get install -y curl",
    "COPY . /src/extra-{n}",
    "LABEL org.example.step={n}",
)


def _insert_line(rng: random.Random, doc: Document, n: int) -> Edit:
    starts = _instruction_starts(doc.lines)
    line = rng.choice(starts[1:] or starts)
    return Edit(line, 0, line, 0, rng.choice(_NEW_LINES).format(n=n) + "\n", "insert-line")


def _delete_line(rng: random.Random, doc: Document, n: int) -> Edit:
    singles = _single_line_instructions(doc.lines)
    if not singles:
        return _insert_line(rng, doc, n)
    line = rng.choice(singles)
    return Edit(line, 0, line + 1, 0, "", "delete-line")


def _bump_tag(rng: random.Random, doc: Document, n: int) -> Edit:
    froms = [i for i, line in enumerate(doc.lines) if line.startswith("FROM ") and ":" in line.split()[1]]
    if not froms:
        return _type_char(rng, doc, n)
    line = froms[rng.randrange(len(froms))]
    image = doc.lines[line].split()[1]
    col = len("FROM ") + image.index(":") + 1
    end = len("FROM ") + len(image)
    tag = image[col - len("FROM ") :]
    new = tag + "-slim" if not tag.endswith("-slim") else tag[: -len("-slim")]
    return Edit(line, col, line, end, new, "bump-tag")


_KINDS = ((_type_char, 50), (_backspace, 20), (_insert_line, 14), (_delete_line, 10), (_bump_tag, 6))


def edit_session(text: str, count: int, seed: int = 0) -> list[Edit]:
    """``count`` realistic edits to ``text``, each changing it; deterministic in ``seed``."""
    rng = random.Random(f"slimstage-bench-edits:{seed}")
    doc = Document(text)
    funcs = [f for f, _ in _KINDS]
    weights = [w for _, w in _KINDS]
    edits: list[Edit] = []
    while len(edits) < count:
        make = rng.choices(funcs, weights)[0]
        edit = make(rng, doc, len(edits))
        before = doc.text
        doc.apply(edit)
        if doc.text == before:  # pragma: no cover - every kind changes the text
            continue
        edits.append(edit)
    return edits


_STORM_TEXT = (
    "COPY . /src\n"
    "RUN apt-get update && apt-get install -y build-essential git curl\n"
    "RUN make -C /src all && make -C /src install\n"
    "ENV STORM_DONE=1\n"
    "RUN useradd --create-home app\n"
    "WORKDIR /src/app\n"
)


def _storm_keystrokes(count: int) -> str:
    """Exactly ``count`` characters of whole instruction lines, so the final text is clean."""
    pad_head = "ENV STORM_PAD="
    out = ""
    pool = _STORM_TEXT.splitlines(keepends=True)
    i = 0
    while len(out) + len(pool[i % len(pool)]) + len(pad_head) + 2 <= count:
        out += pool[i % len(pool)]
        i += 1
    fill = count - len(out) - len(pad_head) - 1
    return out + pad_head + "x" * fill + "\n"


def typing_storm(text: str, count: int = 200, seed: int = 0) -> list[Edit]:
    """``count`` one-character insertions typed at the start of an instruction in the middle."""
    rng = random.Random(f"slimstage-bench-storm:{seed}")
    lines = text.split("\n")
    starts = _instruction_starts(lines)
    middle = [i for i in starts if len(starts) // 3 <= starts.index(i) <= 2 * len(starts) // 3]
    line = rng.choice([i for i in middle if not lines[i].startswith("FROM")] or middle)
    typed = _storm_keystrokes(count)
    edits: list[Edit] = []
    row, col = line, 0
    for ch in typed:
        edits.append(Edit(row, col, row, col, ch, "storm"))
        if ch == "\n":
            row, col = row + 1, 0
        else:
            col += 1
    return edits
