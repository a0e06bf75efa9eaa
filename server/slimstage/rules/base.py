"""What a rule is, what it reports, and how the set of rules is found.

A rule is a class with its code, name, severity and summary at the top, a ``check``
that yields ``Violation``s from an ``Analysis``, and a docstring with the sections
"What it does", "Why it matters", "Example" and "Fix": the single source of the rule's
documentation page, its hover text and ``slimstage rules CODE``.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, ClassVar, Iterable, Optional

from ..dockerfile import lone_cr
from ..dockerfile.model import Instruction, Range, utf16_len

if TYPE_CHECKING:
    from ..analysis import Analysis

SEVERITIES = ("error", "warning", "info", "hint")
DOCS_URL = "https://github.com/slimstage/slimstage/blob/main/docs/rules/{code}.md"


@dataclass(frozen=True)
class Edit:
    """Replace ``range`` of the Dockerfile with ``new_text``."""

    range: Range
    new_text: str


@dataclass(frozen=True)
class FileChange:
    """Create or append to a file beside the Dockerfile (e.g. ``.dockerignore``)."""

    path: str  # relative to the build context root
    text: str
    mode: str = "create"  # "create" | "append"


@dataclass(frozen=True)
class Fix:
    title: str
    edits: tuple[Edit, ...] = ()
    files: tuple[FileChange, ...] = ()
    # safe: the result builds and behaves as before (applied by the editor's "fix all" and
    # `check --fix`); False when it may change what the image does, e.g. which user runs it
    # or which packages apt pulls in (applied only on request: `check --fix --unsafe-fixes`).
    safe: bool = True


@dataclass(frozen=True)
class Related:
    range: Range
    message: str


@dataclass(frozen=True)
class Violation:
    code: str
    name: str
    severity: str
    message: str
    range: Range
    related: tuple[Related, ...] = ()
    fix: Optional[Fix] = None
    data: dict = field(default_factory=dict, compare=False, hash=False)


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]  # kebab-case, names the pattern flagged
    severity: ClassVar[str] = "warning"
    summary: ClassVar[str]  # one line, for listings
    fixable: ClassVar[bool] = False
    settings: ClassVar[tuple[str, ...]] = ()  # settings that change what the rule does
    family: ClassVar[str] = "slimstage"  # "slimstage" (SLIMnnn) or "buildkit" (BuildKit's build checks)
    url: ClassVar[str] = ""  # the documentation page, when it is not slimstage's own
    experimental: ClassVar[bool] = False  # off unless asked for (``# check=experimental=``, or selected by code)

    def check(self, a: "Analysis") -> Iterable[Violation]:  # pragma: no cover - abstract
        raise NotImplementedError

    def violation(
        self,
        range: Range,
        message: str,
        related: Iterable[Related] = (),
        fix: Optional[Fix] = None,
        **data: object,
    ) -> Violation:
        return Violation(self.code, self.name, self.severity, message, range, tuple(related), fix, dict(data))

    @classmethod
    def docs(cls) -> "RuleDocs":
        return parse_docs(cls)


@dataclass(frozen=True)
class RuleDocs:
    code: str
    name: str
    summary: str
    severity: str
    fixable: bool
    settings: tuple[str, ...]
    sections: tuple[tuple[str, str], ...]  # (heading, markdown body)
    family: str = "slimstage"
    url: str = ""
    experimental: bool = False

    def section(self, heading: str) -> str:
        for h, body in self.sections:
            if h.lower() == heading.lower():
                return body
        return ""

    def markdown(self) -> str:
        lines = [f"# {self.code}: {self.name}", "", self.summary, ""]
        if self.family == "buildkit":
            lines.append("- Family: BuildKit build checks (the same check as `docker build --check`, run without Docker)")
            lines.append(f"- BuildKit documentation: {self.url}")
            if self.experimental:
                lines.append("- Experimental: off unless enabled with `# check=experimental=" + self.code + "` or selected by code")
        lines.append(f"- Severity: {self.severity}")
        lines.append(f"- Fix: {'available' if self.fixable else 'none (the message says what to do)'}")
        if self.settings:
            lines.append("- Settings: " + ", ".join(f"`{s}`" for s in self.settings))
        lines.append("")
        for heading, body in self.sections:
            lines += [f"## {heading}", "", body.strip(), ""]
        return "\n".join(lines).rstrip() + "\n"

    def text(self) -> str:
        """Plain text (for clients without markdown, and the terminal)."""
        md = self.markdown()
        md = re.sub(r"^#+ ", "", md, flags=re.M)
        return md.replace("```dockerfile\n", "").replace("```\n", "").replace("`", "")


def parse_docs(cls: type[Rule]) -> RuleDocs:
    doc = inspect.cleandoc(cls.__doc__ or "")
    sections: list[tuple[str, str]] = []
    heading, body = None, []
    for line in doc.splitlines():
        if line.startswith("## "):
            if heading:
                sections.append((heading, "\n".join(body).strip()))
            heading, body = line[3:].strip(), []
        elif heading:
            body.append(line)
    if heading:
        sections.append((heading, "\n".join(body).strip()))
    return RuleDocs(
        cls.code, cls.name, cls.summary, cls.severity, cls.fixable, cls.settings, tuple(sections), cls.family, cls.url, cls.experimental
    )


FAMILIES = ("slimstage", "buildkit")


def _rules_in(package_name: str, path: list[str], pattern: str) -> list[Rule]:
    found: list[Rule] = []
    for info in pkgutil.iter_modules(path):
        if not re.fullmatch(pattern, info.name):
            continue
        module = importlib.import_module(f"{package_name}.{info.name}")
        for obj in vars(module).values():
            if inspect.isclass(obj) and issubclass(obj, Rule) and obj.__module__ == module.__name__ and "code" in obj.__dict__:
                found.append(obj())
    return found


@lru_cache(maxsize=1)
def all_rules() -> tuple[Rule, ...]:
    """Every rule, sorted by family then code: slimstage's own, one per module
    ``slimstage/rules/slimNNN_*.py``, then BuildKit's build checks, one per module
    ``slimstage/rules/buildkit/<check_name>.py``."""
    from .. import rules as package
    from . import buildkit

    own = _rules_in(package.__name__, package.__path__, r"slim\d{3}_\w+")
    checks = _rules_in(buildkit.__name__, buildkit.__path__, r"[a-z][a-z0-9_]*")
    return tuple(sorted(own, key=lambda r: r.code)) + tuple(sorted(checks, key=lambda r: r.code))


@lru_cache(maxsize=1)
def _index() -> dict[str, Rule]:
    out: dict[str, Rule] = {}
    for rule in all_rules():
        out.setdefault(rule.code.upper(), rule)
        out.setdefault(rule.name.upper(), rule)
    return out


def rule_by_code(code: str) -> Optional[Rule]:
    """The rule with this code (any case: ``SLIM101``, ``StageNameCasing``) or name."""
    return _index().get(code.upper())


def docs_url(code: str) -> str:
    rule = rule_by_code(code)
    if rule is not None and rule.url:
        return rule.url
    return DOCS_URL.format(code=code)


# -- small helpers shared by rules ---------------------------------------------------------


def instruction_lines(a: "Analysis", ins: Instruction) -> str:
    """The instruction's text exactly as written, all its lines, with a final newline."""
    if lone_cr.needed(a.doc.text):  # keep a lone CR inside the instruction: BuildKit reads it as part of the line
        return lone_cr.slice_lines(a.doc.text, ins.start_line, ins.end_line) + "\n"
    lines = a.doc.lines[ins.start_line : ins.end_line + 1]
    return "\n".join(lines) + "\n"


def whole_lines(a: "Analysis", ins: Instruction) -> Range:
    """The range covering the instruction's lines including the line break after them."""
    end = ins.end_line + 1
    if end >= len(a.doc.lines):
        return Range.of(ins.start_line, 0, ins.end_line, utf16_len(a.doc.lines[ins.end_line]))
    return Range.of(ins.start_line, 0, end, 0)
