"""The final image: the stages whose layers it holds, who it runs as, what it starts, and
whether it packages an application (rather than being a base image for others).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterator, Optional

from ..dockerfile.model import Instruction, Stage
from .artifacts import WHOLE_CONTEXT
from .stages import copy_sources

if TYPE_CHECKING:
    from . import Analysis

# Tools an entrypoint uses to start the service as another user.
_PRIVILEGE_DROP = re.compile(r"\b(gosu|su-exec|setpriv|runuser|s6-setuidgid|chpst|setuidgid|su-exec|chroot\s+--userspec)\b")


def final_chain(a: "Analysis") -> list[Stage]:
    """The stages whose layers make up the final image, base first."""
    return [a.doc.stages[i] for i in sorted(a.graph.ships)]


def final_instructions(a: "Analysis", *keywords: str) -> Iterator[Instruction]:
    for st in final_chain(a):
        for ins in st.instructions[1:]:
            if not keywords or ins.keyword in keywords:
                yield ins


def last_user(a: "Analysis") -> Optional[Instruction]:
    """The USER instruction the final image runs as, if any."""
    found = None
    for ins in final_instructions(a, "USER"):
        found = ins
    return found


def is_root_user(ins: Instruction) -> bool:
    user = ins.args[0].text if ins.args else ""
    name = user.split(":", 1)[0].strip()
    return name in ("root", "0")


def drops_privileges(a: "Analysis") -> bool:
    """True when the image starts its service through a tool that switches to another user."""
    for ins in final_instructions(a, "RUN", "ENTRYPOINT", "CMD"):
        if _PRIVILEGE_DROP.search(ins.text) or any(_PRIVILEGE_DROP.search(h.body) for h in ins.heredocs):
            return True
    return False


def copies_whole_context(a: "Analysis") -> Optional[Instruction]:
    """The first COPY/ADD of the whole build context into the final image."""
    for ins in final_instructions(a, "COPY", "ADD"):
        if ins.flag("from") is None and len(ins.args) >= 2 and any(s in WHOLE_CONTEXT for s in copy_sources(ins)):
            return ins
    return None


def packages_application(a: "Analysis") -> bool:
    """A build that ships an application: multi-stage, or the final image takes the whole context.

    Single-stage files that only install a runtime or a server (the official images) are
    base images for others: they stay root on purpose so that images built FROM them can
    install packages, and their entrypoints switch users themselves.
    """
    return a.graph.multi_stage or copies_whole_context(a) is not None


def start_command(a: "Analysis") -> Optional[Instruction]:
    """The last ENTRYPOINT or CMD of the final image."""
    found = None
    for ins in final_instructions(a, "ENTRYPOINT", "CMD"):
        found = ins
    return found


# Programs that open a shell or a REPL: an image that starts one is a base or a tool image.
_INTERACTIVE = frozenset(
    "sh bash ash zsh dash fish python python2 python3 pypy pypy3 node irb jshell ghci iex erl julia R pwsh powershell cmd "
    "php lua perl swift scala groovysh".split()
)


def runs_service(a: "Analysis") -> bool:
    """True when the final image starts a program of its own, not a shell or an interpreter prompt."""
    ins = start_command(a)
    if ins is None:
        return False
    words = [w.text for w in ins.args] if ins.is_json else ins.text.split()
    if ins.keyword == "ENTRYPOINT" or not words:
        return bool(words)
    program = words[0].rsplit("/", 1)[-1]
    if program in _INTERACTIVE and (len(words) == 1 or words[1:] == ["-a"] or words[1] in ("-i", "-l")):
        return False
    return True
