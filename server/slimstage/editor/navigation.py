"""Where stage names and ARG/ENV variables are defined and used, and how to rename them.

Stage names: ``FROM … AS x`` defines ``x``; ``FROM x``, ``COPY --from=x`` and
``RUN --mount=…,from=x`` use it (``--from=0`` uses stage 0 by index and is never
renamed). Variables: ``ARG`` and ``ENV`` define them, ``$X`` and ``${X…}`` use them,
following Docker's scoping: global ARGs (before the first FROM) reach FROM lines and the
stages that declare ``ARG X`` again; an ARG or ENV reaches the rest of its stage; ENV
also reaches the stages built FROM it. A redefinition (``ARG V`` then ``ENV V=$V``) is
the same symbol, so a rename changes all of them together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator, Optional
from weakref import WeakKeyDictionary

from ..analysis.references import stage_references
from ..dockerfile.model import Dockerfile, Instruction, Pos, Range, index_of_utf16, utf16_col
from ..dockerfile.words import split_words

if TYPE_CHECKING:
    from ..analysis import Analysis

STAGE, VARIABLE = "stage", "variable"
STAGE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*")
VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_USE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))")
RESERVED_STAGE_NAMES = frozenset(("scratch", "context"))
# ARGs BuildKit defines by itself (usable in FROM lines, and in stages after `ARG NAME`).
PREDEFINED_ARGS = (
    "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
    "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT",
    "HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY",
)


@dataclass(frozen=True)
class Occurrence:
    kind: str  # STAGE | VARIABLE
    name: str  # as written
    range: Range  # the name only
    key: tuple  # identity of the symbol: ("stage", index) or ("variable", group)
    is_definition: bool
    target: Optional[Range] = None  # a use: the definition it resolves to; a redefinition: the earlier one
    stage: int = -1  # STAGE: the stage referred to; VARIABLE: the stage it sits in (-1: global)
    by_index: bool = False  # ``--from=0``: names the stage by position


class RenameError(Exception):
    """A rename that cannot be done, with a message for the user."""


@dataclass
class _Scopes:
    """Union-find over variable definitions, so redefinitions and their uses form one symbol."""

    parent: list[int] = field(default_factory=list)

    def new(self) -> int:
        self.parent.append(len(self.parent))
        return len(self.parent) - 1

    def find(self, n: int) -> int:
        while self.parent[n] != n:
            self.parent[n] = self.parent[self.parent[n]]
            n = self.parent[n]
        return n

    def union(self, a: int, b: int) -> int:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)
        return min(ra, rb)


@dataclass(frozen=True)
class _Def:
    node: int
    range: Range
    is_env: bool


def variable_uses(text: str, escape: str = "\\") -> Iterator[tuple[str, int, int]]:
    """``(name, start, end)`` of each ``$NAME`` / ``${NAME…}`` in ``text``, skipping escaped and single-quoted ones."""
    i, n = 0, len(text)
    single = double = False
    while i < n:
        ch = text[i]
        if single:
            single = ch != "'"
            i += 1
            continue
        if ch in (escape, "\\") and i + 1 < n:
            i += 2
            continue
        if ch == "'" and not double:
            single = True
        elif ch == '"':
            double = not double
        elif ch == "$":
            m = _USE.match(text, i)
            if m:
                group = 1 if m.group(1) else 2
                yield m.group(group), m.start(group), m.end(group)
                i = m.end(group)
                continue
        i += 1


def _raw(doc: Dockerfile, rng: Optional[Range]) -> Optional[tuple[str, int, int]]:
    """``(line text, start index, end index)`` of a single-line range."""
    if rng is None or rng.start.line != rng.end.line or rng.start.line >= len(doc.lines):
        return None
    line = doc.lines[rng.start.line]
    return line, index_of_utf16(line, rng.start.character), index_of_utf16(line, rng.end.character)


def _span(line_no: int, line: str, start: int, end: int) -> Range:
    return Range(Pos(line_no, utf16_col(line, start)), Pos(line_no, utf16_col(line, end)))


class Symbols:
    """Every stage-name and variable occurrence of a document, and what each resolves to."""

    def __init__(self, doc: Dockerfile) -> None:
        self.doc = doc
        self._uf = _Scopes()
        self._found: list[tuple[Occurrence, int]] = []  # variables carry a node, resolved to a key at the end
        self._stage_occ: list[Occurrence] = []
        self._unresolved: dict[tuple[str, int], int] = {}
        self.globals: dict[str, _Def] = {}
        self._before: dict[int, dict[str, _Def]] = {}  # id(instruction) -> visible definitions
        self._after: dict[int, dict[str, _Def]] = {}
        self._stages()
        self._variables()
        occ = self._stage_occ + [
            Occurrence(o.kind, o.name, o.range, ("variable", self._uf.find(node)), o.is_definition, o.target, o.stage)
            for o, node in self._found
        ]
        occ.sort(key=lambda o: (o.range.start, o.range.end))
        self.occurrences: tuple[Occurrence, ...] = tuple(occ)

    # -- stage names --------------------------------------------------------------------------
    def _stages(self) -> None:
        doc = self.doc
        for st in doc.stages:
            if st.name_word is not None:
                self._stage_occ.append(Occurrence(STAGE, st.name_word.text, st.name_word.range, (STAGE, st.index), True, stage=st.index))
        for r in stage_references(doc):  # the one finder of stage references (analysis/references.py)
            if r.name_range is None:
                continue
            if r.kind == "base":
                base = doc.stages[r.stage].base_stage
                if base is not None:
                    self._stage_ref(base, r.ref, r.name_range, False)
                continue
            target = doc.stage_ref(r.ref, before=r.stage)
            if target is not None:
                self._stage_ref(target.index, r.ref, r.name_range, r.ref.isdigit())

    def _stage_ref(self, index: int, text: str, rng: Range, by_index: bool) -> None:
        target = self.doc.stages[index].name_word
        self._stage_occ.append(
            Occurrence(STAGE, text, rng, (STAGE, index), False, target.range if target else None, index, by_index)
        )

    # -- variables ------------------------------------------------------------------------------
    def _variables(self) -> None:
        doc = self.doc
        for ins in doc.global_args:
            self._before[id(ins)] = dict(self.globals)
            self._uses(ins, self.globals, -1)
            if ins.keyword == "ARG":
                self._defs(ins, self.globals, -1)
            self._after[id(ins)] = dict(self.globals)
        env_at_end: dict[int, dict[str, _Def]] = {}
        for st in doc.stages:
            frm = st.from_instruction
            self._before[id(frm)] = dict(self.globals)
            self._uses(frm, self.globals, st.index, from_line=True)
            inherited = env_at_end.get(st.base_stage, {}) if st.base_stage is not None else {}
            local: dict[str, _Def] = dict(inherited)
            self._after[id(frm)] = dict(local)
            for ins in st.instructions[1:]:
                self._before[id(ins)] = dict(local)
                if ins.keyword != "ONBUILD":  # ONBUILD runs in another build, with its own variables
                    self._uses(ins, local, st.index)
                if ins.keyword in ("ARG", "ENV"):
                    self._defs(ins, local, st.index)
                self._after[id(ins)] = dict(local)
            env_at_end[st.index] = {k: d for k, d in local.items() if d.is_env or k in inherited}

    def _defs(self, ins: Instruction, scope: dict[str, _Def], stage: int) -> None:
        words = split_words(ins.text)
        if ins.keyword == "ENV" and words and "=" not in words[0][0]:
            words = words[:1]  # legacy `ENV NAME value with spaces`
        for text, start, end in words:
            name = text.split("=", 1)[0]
            if not VARIABLE_NAME.fullmatch(name):
                continue
            if ins.text[start : start + 1] in ("'", '"'):
                start += 1
            rng = ins.range_of(start, start + len(name))
            previous = scope.get(name)
            if previous is None and ins.keyword == "ARG" and stage >= 0:
                previous = self.globals.get(name)  # `ARG NAME` in a stage brings the global one in
            node = self._uf.new()
            if previous is not None:
                self._uf.union(node, previous.node)
            self._found.append((Occurrence(VARIABLE, name, rng, (), True, previous.range if previous else None, stage), node))
            scope[name] = _Def(node, rng, ins.keyword == "ENV" or (previous is not None and previous.is_env))

    def _uses(self, ins: Instruction, scope: dict[str, _Def], stage: int, from_line: bool = False) -> None:
        doc = self.doc
        for name, s, e in variable_uses(ins.text, doc.escape):
            self._use(name, ins.range_of(s, e), scope, stage, from_line)
        for flag in ins.flags:
            raw = _raw(doc, flag.value_range) if flag.value and "$" in flag.value else None
            if raw is None:
                continue
            line, s0, e0 = raw
            for name, s, e in variable_uses(line[s0:e0], doc.escape):
                self._use(name, _span(flag.value_range.start.line, line, s0 + s, s0 + e), scope, stage, from_line)  # type: ignore[union-attr]
        if ins.keyword == "RUN" or (ins.keyword in ("COPY", "ADD") and any(h.expand for h in ins.heredocs)):
            for h in ins.heredocs:
                for k, line in enumerate(re.split(r"\r\n|\n|\r", h.body)[:-1]):  # the client's lines (a lone CR ends one)
                    line_no = h.range.start.line + k
                    for name, s, e in variable_uses(line, doc.escape):
                        self._use(name, _span(line_no, line, s, e), scope, stage, from_line)

    def _use(self, name: str, rng: Range, scope: dict[str, _Def], stage: int, from_line: bool) -> None:
        d = scope.get(name)
        if d is not None:
            node = self._uf.new()
            self._uf.union(node, d.node)
            self._found.append((Occurrence(VARIABLE, name, rng, (), False, d.range, stage), node))
            return
        key = (name, -2 if from_line else stage)  # unresolved (from the base image or the environment)
        if key not in self._unresolved:
            self._unresolved[key] = self._uf.new()
        self._found.append((Occurrence(VARIABLE, name, rng, (), False, None, stage), self._unresolved[key]))

    # -- queries --------------------------------------------------------------------------------
    def at(self, pos: Pos) -> Optional[Occurrence]:
        """The occurrence under the cursor (a cursor just after a name counts)."""
        touching = [o for o in self.occurrences if o.range.start <= pos <= o.range.end]
        if not touching:
            return None
        inside = [o for o in touching if pos < o.range.end]
        return (inside or touching)[0]

    def group(self, occ: Occurrence) -> list[Occurrence]:
        """Every occurrence of the same symbol, in document order."""
        return [o for o in self.occurrences if o.key == occ.key]

    def definitions(self, occ: Occurrence) -> list[Occurrence]:
        """Where ``occ`` is defined: the definition a use resolves to, the earlier one for a redefinition."""
        if occ.target is not None:
            return [o for o in self.occurrences if o.is_definition and o.range == occ.target]
        if occ.is_definition:
            return [occ]
        return []

    def variables_at(self, line: int) -> dict[str, Range]:
        """Variables visible on ``line`` (name -> where defined): the scope of the instruction there."""
        doc = self.doc
        ins = doc.instruction_at(line)
        if ins is not None:
            scope = self._before.get(id(ins), {})
        else:
            before = [i for i in doc.instructions if i.end_line < line]
            scope = self._after.get(id(before[-1]), {}) if before else dict(self.globals)
        return {name: d.range for name, d in scope.items()}


_CACHE: "WeakKeyDictionary[Analysis, Symbols]" = WeakKeyDictionary()


def symbols(a: "Analysis") -> Symbols:
    """The symbols of the analysed document (computed once per Analysis)."""
    found = _CACHE.get(a)
    if found is None:
        found = _CACHE[a] = Symbols(a.doc)
    return found


# -- rename -------------------------------------------------------------------------------------


def renamable(sym: Symbols, pos: Pos) -> Occurrence:
    """The occurrence a rename at ``pos`` would change; RenameError when there is none."""
    occ = sym.at(pos)
    if occ is None:
        raise RenameError("Only stage names and ARG/ENV variables can be renamed.")
    if occ.by_index:
        name = sym.doc.stages[occ.stage].name_word
        hint = f" rename it at `AS {name.text}`" if name is not None else " name the stage first (`FROM … AS name`)"
        raise RenameError(f"`{occ.name}` refers to the stage by its index;{hint}.")
    if occ.kind == VARIABLE and not any(o.is_definition for o in sym.group(occ)):
        raise RenameError(f"`{occ.name}` is not defined in this file (it comes from the base image or the build).")
    return occ


def rename_edits(sym: Symbols, pos: Pos, new_name: str) -> list[tuple[Range, str]]:
    """The edits that rename the symbol at ``pos`` to ``new_name``; RenameError when it is invalid or taken."""
    occ = renamable(sym, pos)
    group = sym.group(occ)
    if occ.kind == STAGE:
        _check_stage_name(sym.doc, occ.stage, new_name)
    else:
        _check_variable_name(sym, group, new_name)
    return [(o.range, new_name) for o in group if not o.by_index]


def _check_stage_name(doc: Dockerfile, index: int, new: str) -> None:
    if not STAGE_NAME.fullmatch(new):
        raise RenameError(f"`{new}` is not a valid stage name: use a letter, then letters, digits, `_`, `.` or `-`.")
    low = new.lower()
    if low in RESERVED_STAGE_NAMES:
        raise RenameError(f"`{new}` is reserved by BuildKit.")
    other = doc.stage_by_name.get(low)
    if other is not None and other.index != index:
        raise RenameError(f"A stage named `{other.name_word.text if other.name_word else new}` already exists (line {other.range.start.line + 1}).")
    for st in doc.stages[index + 1 :]:
        # an image with that name used below would start to mean the stage
        refs = [st.base] if st.base_stage is None else []
        refs += [f.value or "" for ins in st.instructions for f in ins.flags_named("from")]
        if any(r.lower() == low for r in refs):
            raise RenameError(f"`{new}` is used as an image name on line {st.range.start.line + 1}; renaming would change what it refers to.")


def _check_variable_name(sym: Symbols, group: list[Occurrence], new: str) -> None:
    if not VARIABLE_NAME.fullmatch(new):
        raise RenameError(f"`{new}` is not a valid variable name: use letters, digits and `_`, not starting with a digit.")
    stages = {o.stage for o in group}
    for o in sym.occurrences:
        if o.kind == VARIABLE and o.name == new and o.stage in stages and o.key != group[0].key:
            raise RenameError(f"A variable named `{new}` is already used in this scope (line {o.range.start.line + 1}).")
