"""Signature help: the syntax of the instruction being typed, and of ``RUN --mount=`` by mount type.

``RUN --mount=type=cache,|`` shows the keys a cache mount takes
(``type=cache,id=<id>,target=<path>,…``) with the next unused key active; on a key being
typed, that key is active. Elsewhere in an instruction the reference syntax
(``reference.py``) is shown, the active parameter following the flag or the argument
under the cursor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ..dockerfile.model import Dockerfile, Pos, index_of_utf16
from .reference import instruction_doc, mount_option_doc

# The keys each mount type takes (BuildKit's Dockerfile reference, RUN --mount), in the order shown.
MOUNT_KEYS: dict[str, tuple[str, ...]] = {
    "bind": ("target", "source", "from", "rw"),
    "cache": ("target", "id", "sharing", "from", "source", "mode", "uid", "gid", "readonly"),
    "tmpfs": ("target", "size"),
    "secret": ("id", "target", "env", "required", "mode", "uid", "gid"),
    "ssh": ("id", "target", "required", "mode", "uid", "gid"),
}
_PLACEHOLDER = {
    "target": "<path>", "source": "<path>", "from": "<stage|image>", "id": "<id>", "sharing": "shared|private|locked",
    "mode": "<octal>", "uid": "<uid>", "gid": "<gid>", "size": "<bytes>", "env": "<NAME>",
}
_FLAGS_ONLY = ("rw", "readonly", "required")
_ALIASES = {"dst": "target", "destination": "target", "src": "source", "ro": "readonly", "readwrite": "rw"}


@dataclass(frozen=True)
class Parameter:
    start: int  # offsets of the parameter in the signature's label
    end: int
    documentation: str = ""


@dataclass(frozen=True)
class Signature:
    label: str
    documentation: str
    parameters: tuple[Parameter, ...]
    active_parameter: Optional[int]


@dataclass(frozen=True)
class Help:
    signatures: tuple[Signature, ...]
    active_signature: int = 0


def _prefix(doc: Dockerfile, pos: Pos) -> Optional[tuple[str, str, str]]:
    """(keyword, the instruction's joined text before the cursor, the rest of the cursor's line)."""
    ins = doc.instruction_at(pos.line)
    if ins is None or pos.line >= len(doc.lines):
        return None
    body_start = ins.heredocs[0].range.start.line if ins.heredocs else None
    if body_start is not None and pos.line >= body_start:
        return None  # inside a heredoc: a script or a file, not the instruction
    parts = []
    for n in range(ins.start_line, pos.line + 1):
        raw = doc.lines[n]
        if n == pos.line:
            cut = index_of_utf16(raw, pos.character)
            parts.append(raw[:cut])
            rest = raw[cut:]
        else:
            stripped = raw.rstrip(" \t")
            if raw.lstrip().startswith("#"):
                continue
            parts.append(stripped[:-1] if stripped.endswith(doc.escape) else stripped)
    text = "".join(parts).lstrip()
    if ins.start_line == pos.line and index_of_utf16(doc.lines[pos.line], pos.character) <= index_of_utf16(doc.lines[pos.line], ins.keyword_range.end.character):
        return None  # still typing the keyword
    return ins.keyword, text, rest


def mount_signature(value_before: str, value_after: str) -> Signature:
    """``--mount=`` for the mount type written in the value (bind when none)."""
    whole = value_before + re.split(r"\s", value_after, maxsplit=1)[0]
    opts = {}
    for part in whole.split(","):
        key, _, val = part.partition("=")
        opts[_ALIASES.get(key.strip().lower(), key.strip().lower())] = val.strip()
    kind = opts.get("type", "") or "bind"
    keys = MOUNT_KEYS.get(kind, MOUNT_KEYS["bind"])
    label = f"--mount=type={kind}"
    params = [Parameter(len("--mount="), len(label), (mount_option_doc("type").summary if mount_option_doc("type") else ""))]
    for key in keys:
        piece = key if key in _FLAGS_ONLY else f"{key}={_PLACEHOLDER.get(key, '<value>')}"
        start = len(label) + 1
        label += "," + piece
        ref = mount_option_doc(key)
        params.append(Parameter(start, len(label), ref.summary if ref else ""))
    # active: the key being typed, else the first key of this type not written yet
    segment = value_before.rsplit(",", 1)[-1]
    typing = _ALIASES.get(segment.partition("=")[0].strip().lower(), segment.partition("=")[0].strip().lower())
    order = ("type",) + keys
    if segment and typing in order and ("=" in segment or typing in _FLAGS_ONLY):
        active = order.index(typing)
    else:
        used = {k for k in opts if opts.get(k) or k in _FLAGS_ONLY}
        active = next((i for i, k in enumerate(order) if k not in used and not (k == "type" and kind)), None)
        if "type" not in opts and not segment:
            active = 0
    doc = f"Mount for this RUN command ({kind}): the keys a {kind} mount takes."
    return Signature(label, doc, tuple(params), active)


def _params(label: str) -> list[tuple[int, int]]:
    """Top-level space-separated parts of a syntax line after the keyword ([...] and <...> kept whole)."""
    out, depth, start = [], 0, None
    first_space = label.find(" ")
    if first_space < 0:
        return out
    for i in range(first_space + 1, len(label) + 1):
        ch = label[i] if i < len(label) else " "
        if ch in "[<":
            depth += 1
        elif ch in "]>":
            depth -= 1
        if ch == " " and depth <= 0:
            if start is not None:
                out.append((start, i))
            start = None
        elif start is None:
            start = i
    return out


def _instruction_signatures(keyword: str, args_before: str) -> Optional[Help]:
    ref = instruction_doc(keyword)
    if ref is None or not ref.syntax:
        return None
    words = args_before.split()
    current = "" if (not args_before or args_before[-1] in " \t") else (words.pop() if words else "")
    positional = sum(1 for w in words if not w.startswith("--"))
    sigs = []
    for line in ref.syntax:
        spans = _params(line)
        flag_spans = [k for k, (s, e) in enumerate(spans) if line[s:e].startswith("[--")]
        other = [k for k in range(len(spans)) if k not in flag_spans]
        active: Optional[int] = None
        if current.startswith("-"):
            name = current.lstrip("-").split("=", 1)[0]
            named = [k for k in flag_spans if name and f"--{name}" in line[spans[k][0] : spans[k][1]]]
            active = (named or flag_spans or [None])[0]
        elif other:
            active = other[min(positional, len(other) - 1)]
        sigs.append(Signature(line, ref.summary, tuple(Parameter(s, e) for s, e in spans), active))
    active_sig = 0
    if len(sigs) > 1:
        json_form = args_before.lstrip().startswith("[") or (words and words[-1].startswith("["))
        active_sig = next((i for i, s in enumerate(sigs) if ("[\"" in s.label) == bool(json_form)), 0)
    return Help(tuple(sigs), active_sig)


def signature_help(doc: Dockerfile, pos: Pos) -> Optional[Help]:
    """What to show at ``pos``: a mount's keys inside ``--mount=``, else the instruction's syntax."""
    found = _prefix(doc, pos)
    if found is None:
        return None
    keyword, text, rest = found
    if keyword == "ONBUILD":
        head = text.split(None, 2)
        if len(head) >= 2:
            keyword, text = head[1].upper(), text.split(None, 1)[1]
    m = re.search(r"(?:^|\s)--mount=(\S*)$", text)
    if keyword == "RUN" and m:
        return Help((mount_signature(m.group(1), rest),))
    args_before = text.split(None, 1)[1] if len(text.split(None, 1)) > 1 else ""
    if text and text[-1] in " \t" and not args_before:
        args_before = " "
    return _instruction_signatures(keyword, args_before)
