"""EXPOSE port specifications as BuildKit splits them: ``[ip:][hostPort:]containerPort[/proto]``."""

from __future__ import annotations

from typing import Iterator, Optional

from ...analysis import Analysis
from ...dockerfile.model import Instruction, Word
from .undefined_var import StageEnv


def split_port(raw: str) -> tuple[str, str, str, str]:
    """(ip, host port, container port, protocol)."""
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
    return ip, host, port, proto


def expose_words(a: Analysis) -> Iterator[tuple[Instruction, Word, Optional[str]]]:
    """Each word of each EXPOSE in a stage, with its value after expansion (None when unknown)."""
    env = StageEnv.of(a)
    for st in a.doc.stages:
        for ins, state in env.walk(st):
            if ins.keyword != "EXPOSE":
                continue
            for word in ins.args:
                value = word.text if "$" not in word.text else env.expand_known(state, word.text)
                yield ins, word, value
