"""What hovering at a position shows: a stage summary, a variable, reference text, rule docs.

- On a FROM line, a stage name, ``FROM <stage>`` or ``--from=<stage>``: that stage's summary.
- On ``$VAR`` or an ARG/ENV name: where the variable is defined.
- On an instruction keyword, a flag or a parser directive: short reference text.
- Inside a finding's range: the rule's documentation (what it does, and the fix), as well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from ..dockerfile.model import Instruction, Pos, Range
from .navigation import PREDEFINED_ARGS, STAGE, Occurrence, symbols
from .reference import RefDoc, directive_doc, flag_doc, instruction_doc, mount_option_doc
from ..rules.base import Violation, docs_url, rule_by_code
from .stageinfo import render, summary

if TYPE_CHECKING:
    from ..analysis import Analysis
    from ..lint import LintResult


@dataclass(frozen=True)
class HoverText:
    text: str
    range: Optional[Range]


def _ref(doc: Optional[RefDoc], markdown: bool) -> Optional[str]:
    if doc is None:
        return None
    return doc.markdown() if markdown else doc.text()


_SENTENCE_END = re.compile(r"(?<=[a-z0-9)\]`'\"])\.(?=\s+[A-Z`])")


def _first_paragraph(text: str, limit: int = 320) -> str:
    """The first paragraph, cut after the last sentence that fits in ``limit`` characters."""
    para = " ".join(text.strip().split("\n\n", 1)[0].split())
    if para.endswith(":"):  # a list follows in the full documentation
        para += " …"
    if len(para) <= limit:
        return para
    ends = [m.end() for m in _SENTENCE_END.finditer(para, 0, limit)]
    if ends:
        return para[: ends[-1]] + " …"
    return para[: para.rfind(" ", 0, limit)] + " …"


def rule_text(v: Violation, markdown: bool) -> str:
    """A finding's rule documentation, short: what it does, and the fix."""
    rule = rule_by_code(v.code)
    if rule is None:
        return f"{v.code}: {v.message}"
    docs = rule.docs()
    what, fix = _first_paragraph(docs.section("What it does")), _first_paragraph(docs.section("Fix"))
    if markdown:
        lines = [f"**{docs.code}** `{docs.name}`: {docs.summary}", "", what]
        if fix:
            lines += ["", f"**Fix**: {fix}"]
        lines += ["", f"[{docs.code} documentation]({docs_url(docs.code)})"]
        return "\n".join(lines)
    lines = [f"{docs.code} {docs.name}: {docs.summary}", "", what.replace("`", "")]
    if fix:
        lines += ["", "Fix: " + fix.replace("`", "")]
    lines += ["", f"Documentation: {docs_url(docs.code)}"]
    return "\n".join(lines)


def _variable_text(a: "Analysis", occ: Occurrence, markdown: bool) -> str:
    text = _variable_markdown(a, occ)
    return text if markdown else text.replace("`", "")


def _variable_markdown(a: "Analysis", occ: Occurrence) -> str:
    name = f"`{occ.name}`"
    if occ.is_definition and occ.target is None:
        scope = "global build argument (FROM lines, and stages that declare it again)" if occ.stage < 0 else "variable of this stage"
        return f"{name}: {scope}, set by `{_source(a, occ.range.start.line)}`"
    defs = symbols(a).definitions(occ)
    if defs:
        d = defs[0]
        scope = "global build argument" if d.stage < 0 else "variable"
        verb = "redeclares the" if occ.is_definition else "uses the"
        return f"{name} {verb} {scope} set on line {d.range.start.line + 1}: `{_source(a, d.range.start.line)}`"
    if occ.name in PREDEFINED_ARGS:
        return f"{name}: a build argument BuildKit sets by itself (declare `ARG {occ.name}` in a stage to use it there)."
    return f"{name} is not defined in this Dockerfile: it comes from the base image's environment or the shell."


def _source(a: "Analysis", line: int) -> str:
    text = a.doc.lines[line].strip() if line < len(a.doc.lines) else ""
    return text if len(text) <= 80 else text[:79] + "…"


def _flag_text(ins: Instruction, pos: Pos, markdown: bool) -> Optional[tuple[str, Range]]:
    for flag in ins.flags:
        if not flag.range.contains(pos):
            continue
        parts = [_ref(flag_doc(ins.keyword, flag.name), markdown)]
        if flag.name == "mount" and flag.value_range is not None and flag.value_range.contains(pos) and flag.value_range.start.line == pos.line:
            option = _option_at(flag.value or "", pos.character - flag.value_range.start.character)
            if option:
                parts.insert(0, _ref(mount_option_doc(option), markdown))
        text = "\n\n".join(p for p in parts if p)
        return (text, flag.range) if text else None
    return None


def _option_at(value: str, offset: int) -> str:
    """The ``key`` of the ``key=value`` item of a mount at ``offset``."""
    start = 0
    for part in value.split(","):
        if start <= offset <= start + len(part):
            return part.partition("=")[0].strip().lower()
        start += len(part) + 1
    return ""


def hover_at(result: "LintResult", pos: Pos, markdown: bool = True, measured=None) -> Optional[HoverText]:
    """``measured(image)``: a size measured locally for an image, or None (see ``stageinfo.render``)."""
    a = result.analysis
    doc = a.doc
    parts: list[str] = []
    rng: Optional[Range] = None
    occ = symbols(a).at(pos)
    ins = doc.instruction_at(pos.line)
    if ins is not None and not ins.range.contains(pos):
        ins = None
    if occ is not None:
        rng = occ.range
        parts.append(render(summary(a, occ.stage), markdown, measured=measured) if occ.kind == STAGE else _variable_text(a, occ, markdown))
    elif ins is not None:
        flag = _flag_text(ins, pos, markdown)
        if ins.keyword_range.contains(pos):
            rng = ins.keyword_range
            if ins.keyword == "FROM":
                parts.append(render(summary(a, ins.stage_index), markdown, measured=measured))
            parts.append(_ref(instruction_doc(ins.keyword), markdown) or "")
        elif ins.sub is not None and ins.sub.keyword_range.contains(pos):
            rng = ins.sub.keyword_range
            parts.append(_ref(instruction_doc(ins.sub.keyword), markdown) or "")
        elif flag is not None:
            parts.append(flag[0])
            rng = flag[1]
        elif ins.keyword == "FROM" and ins.stage_index >= 0:
            rng = ins.range
            parts.append(render(summary(a, ins.stage_index), markdown, measured=measured))
    for d in doc.directives:
        if d.range.contains(pos):
            parts.append(_ref(directive_doc(d.name), markdown) or "")
            rng = d.range
    for v in result.violations:
        if v.range.contains(pos):
            parts.append(rule_text(v, markdown))
            rng = rng or v.range
    parts = [p for p in parts if p]
    if not parts:
        return None
    return HoverText(("\n\n---\n\n" if markdown else "\n\n").join(parts), rng)
