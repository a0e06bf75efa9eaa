"""EXPOSE port specifications as BuildKit splits them: ``[ip:][hostPort:]containerPort[/proto]``."""

from __future__ import annotations

from typing import Iterator, Optional

from ...analysis import Analysis
from ...dockerfile.model import Instruction, Word
from .undefined_var import StageEnv


def split_port(raw: str) -> Optional[tuple[str, str, str, str]]:
    """(ip, host port, container port, protocol); None when BuildKit rejects the port before
    checking it (no port, or a protocol other than tcp, udp, sctp)."""
    parts = raw.split(":")
    container = parts[-1]
    if len(parts) == 1:
        ip, host = "", ""
    elif len(parts) == 2:
        ip, host = "", parts[0]
    elif len(parts) == 3:
        ip, host = parts[0], parts[1]
    else:
        ip, host = ":".join(parts[:-2]), parts[-2]
    port, _, proto = container.partition("/")
    if not port or proto.lower() not in ("", "tcp", "udp", "sctp"):
        return None
    return ip, host, port, proto


def expose_words(a: Analysis) -> list[tuple[Instruction, Word, Optional[str]]]:
    """Each word of each EXPOSE in a stage, with its value after expansion (None when unknown)."""
    return StageEnv.of(a).collected.exposes  # type: ignore[return-value]


def expose_ports(a: Analysis) -> Iterator[tuple[Word, str, tuple[str, str, str, str], bool]]:
    """Each port BuildKit reads from an EXPOSE: (its word, the raw text, ``split_port``'s
    parts, whether the word is that text as written, so an edit of the word is safe)."""
    for _ins, word, value in expose_words(a):
        if value is None:
            continue
        for raw in value.split():
            parts = split_port(raw)
            if parts is not None:
                yield word, raw, parts, word.text == value
