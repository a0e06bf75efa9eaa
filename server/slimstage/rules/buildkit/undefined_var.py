"""UndefinedVar: an instruction BuildKit expands reads a variable nothing defines."""

from __future__ import annotations

from functools import cached_property
from typing import Iterator, Optional

from ...analysis import Analysis
from ...dockerfile.model import Instruction, Pos, Range, Stage, utf16_len
from ..base import Edit, Fix, Violation
from ._common import NON_ENV_ARGS, BuildKitCheck, expand, facts, iter_raw_words, raw_words, suggest
from ._image_env import image_env


class EnvState:
    """The variables in effect at one point of a stage: ENV values and ARGs with values
    (``env``: name -> value, None when the value is not known), ARGs declared without a
    value (``declared``), and whether the base image may define names slimstage does not
    know (``open``)."""

    __slots__ = ("env", "declared", "open", "owned")

    def __init__(self, env: dict[str, Optional[str]], declared: set[str], open_: bool, owned: bool = True) -> None:
        self.env = env
        self.declared = declared
        self.open = open_
        self.owned = owned  # False: env and declared are the base stage's, copied on the first change

    def shared(self) -> "EnvState":
        """A state for a stage built FROM this one: the same variables until it changes one."""
        return EnvState(self.env, self.declared, self.open, owned=False)

    def own(self) -> None:
        if not self.owned:
            self.env, self.declared, self.owned = dict(self.env), set(self.declared), True


_EXPANDED = frozenset(("ARG", "ENV", "LABEL", "WORKDIR", "USER", "STOPSIGNAL", "COPY", "ADD", "VOLUME", "RUN"))


class Collected:
    __slots__ = ("workdirs", "exposes", "undefined")

    def __init__(self) -> None:
        self.workdirs: list[tuple[Instruction, Optional[str]]] = []  # first WORKDIR of each chain, expanded
        self.exposes: list[tuple[Instruction, object, Optional[str]]] = []  # EXPOSE words, expanded
        self.undefined: list[tuple[str, Range, str, bool]] = []  # (name, range, suggestion, range is exact)


class StageEnv:
    """Walks stages keeping the variables BuildKit expands instructions with."""

    def __init__(self, a: Analysis) -> None:
        self.doc = a.doc  # not the Analysis: no reference cycle keeps an old version alive
        self.facts = facts(a)
        self.ends: dict[int, EnvState] = {}

    @staticmethod
    def of(a: Analysis) -> "StageEnv":
        found = a.__dict__.get("_buildkit_env")
        if found is None:
            found = a.__dict__["_buildkit_env"] = StageEnv(a)
        return found

    def start(self, st: Stage) -> EnvState:
        base = st.base_stage
        image = st.base
        if base is None and "$" in image:
            defaults = self.facts.global_defaults
            resolved = expand(image, defaults, self.doc.escape).result if defaults is not None else None
            if resolved is None:
                return EnvState({"PATH": None}, set(), True)
            image = resolved
            named = self.doc.stage_ref(resolved, st.index)
            base = named.index if named is not None and named.name == resolved.lower() else None
        if base is not None:
            if base not in self.ends:
                self._finish(self.doc.stages[base])
            return self.ends[base].shared()
        if image.lower() == "scratch":
            return EnvState({"PATH": None}, set(), False)
        names = image_env(image)
        env: dict[str, Optional[str]] = {"PATH": None}
        if names is None:
            return EnvState(env, set(), True)
        for n in names:
            env[n] = None
        return EnvState(env, set(), False)

    def _finish(self, st: Stage) -> None:
        for _ in self.walk(st):
            pass

    def walk(self, st: Stage) -> Iterator[tuple[Instruction, EnvState]]:
        """Each instruction after the FROM, with the state in effect before it (the same
        object, updated after the caller moves on: read it before the next step)."""
        state = self.start(st)
        for ins in st.instructions[1:]:
            yield ins, state
            self.step(state, ins)
        self.ends[st.index] = state

    def step(self, state: EnvState, ins: Instruction) -> None:
        esc = self.doc.escape
        if ins.keyword in ("ENV", "ARG"):
            state.own()
        if ins.keyword == "ENV":
            before = state.env
            new: dict[str, Optional[str]] = {}
            for key, value in env_pairs(ins):
                new[key] = expand(value, before, esc).result
            state.env.update(new)
        elif ins.keyword == "ARG":
            defaults = self.facts.global_defaults or {}
            global_keys = set(self.facts.global_arg_keys)
            for raw, _, _ in raw_words(ins):
                key, sep, value = raw.partition("=")
                if not key:
                    continue
                state.declared.add(key)
                if sep:
                    if key not in NON_ENV_ARGS:
                        state.env[key] = expand(value, state.env, esc).result
                elif key in global_keys:
                    if key in defaults:
                        state.env[key] = defaults[key]
                    elif self.facts.global_defaults is None:
                        state.env[key] = None

    @cached_property
    def collected(self) -> "Collected":
        """One walk over every stage for UndefinedVar, WorkdirRelativePath and the EXPOSE checks."""
        out = Collected()
        workdir_set: dict[int, bool] = {}
        for st in self.doc.stages:
            is_set = workdir_set.get(st.base_stage, False) if st.base_stage is not None else False
            for ins, state in self.walk(st):
                kw = ins.keyword
                if kw == "WORKDIR" and ins.args:
                    if not is_set:
                        out.workdirs.append((ins, self.expand_known(state, ins.text)))
                    is_set = True
                elif kw == "EXPOSE":
                    for word in ins.args:
                        value = word.text if "$" not in word.text else self.expand_known(state, word.text)
                        out.exposes.append((ins, word, value))
                if not state.open and kw in _EXPANDED:
                    out.undefined.extend(undefined_in(self.doc, ins, state, self.facts.suggestions))
            workdir_set[st.index] = is_set
        return out

    def expand_known(self, state: EnvState, text: str) -> Optional[str]:
        """``text`` expanded, or None when a variable's value is not known here."""
        exp = expand(text, state.env, self.doc.escape)
        if exp.result is None:
            return None
        if state.open and exp.unmatched:
            return None
        if exp.unmatched & state.declared:
            return None  # an ARG without a default: --build-arg decides
        return exp.result


def env_pairs(ins: Instruction) -> list[tuple[str, str]]:
    """(key, raw value) of an ENV: ``ENV a=1 b=2`` or the legacy ``ENV key value``."""
    text = ins.text
    words = iter_raw_words(text)
    first = next(words, None)
    if first is None:
        return []
    s, e = first
    if text.find("=", s, e) < 0:
        return [(text[s:e], text[e:].strip())]
    out = []
    for s, e in [first, *words]:
        key, eq, value = text[s:e].partition("=")
        if eq:
            out.append((key, value))
    return out


def _heredoc_pos(body: str, offset: int, first_line: int) -> Pos:
    line = body.count("\n", 0, offset)
    col_start = body.rfind("\n", 0, offset) + 1
    return Pos(first_line + line, utf16_len(body[col_start:offset]))


class UndefinedVar(BuildKitCheck):
    """An instruction that BuildKit expands uses a variable that is not defined.

    ## What it does
    Expands, as BuildKit does, the words of `ENV`, `LABEL`, `ARG` defaults, `COPY`/`ADD`
    (paths, `--chown`, `--chmod`, `--checksum`, and unquoted heredocs), `WORKDIR`, `USER`,
    `VOLUME`, `STOPSIGNAL` and `RUN --mount` options, and flags each variable that no `ENV`
    or `ARG` before it in the stage (or in a stage it is built `FROM`) defines and the base
    image does not set. `RUN`, `CMD` and `ENTRYPOINT` commands are not checked: their shell
    expands them at run time. A name within two edits of a defined one is suggested.

    slimstage knows the environment of common official images (`golang` sets `GOPATH`,
    `python` sets `PYTHON_VERSION`...); for other images it cannot know what they set
    without pulling them, and stays quiet about names they might define.

    ## Why it matters
    An undefined variable expands to nothing, silently: `COPY $DIR_ASSET .` copies the
    whole context, `ENV PATH=$PAHT:/app/bin` drops the system path. A global `ARG`
    declared before the first `FROM` is not visible inside a stage until the stage
    repeats `ARG NAME`.

    ## Example
    ```dockerfile
    FROM alpine
    ARG DIR_ASSETS=assets/
    COPY $DIR_ASSET /srv/
    ```
    Use instead:
    ```dockerfile
    FROM alpine
    ARG DIR_ASSETS=assets/
    COPY $DIR_ASSETS /srv/
    ```

    ## Fix
    When a defined name is close (`$PAHT` -> `$PATH`), replaces the variable with it. It is
    a suggestion, not applied by "fix all": declaring the variable may be what was meant.
    """

    code = "UndefinedVar"
    summary = "An instruction BuildKit expands uses a variable that is not defined."
    fixable = True

    def check(self, a: Analysis) -> Iterator[Violation]:
        for name, rng, hint, exact in StageEnv.of(a).collected.undefined:
            message = f"Usage of undefined variable '${name}'" + (f" (did you mean ${hint}?)" if hint else "")
            fix = Fix(f"Use ${hint}", (Edit(rng, hint),), safe=False) if hint and exact else None
            yield self.violation(rng, message, fix=fix, variable=name, hint=hint)


def _is_undefined(name: str, env, state: EnvState) -> bool:
    return name not in env and name not in state.declared and name not in NON_ENV_ARGS


def undefined_in(doc, ins: Instruction, state: EnvState, budget: Optional[list[int]] = None) -> Iterator[tuple[str, Range, str, bool]]:
    """The undefined variables an instruction expands: (name, range, suggestion, exact range)."""
    esc = doc.escape
    kw = ins.keyword
    reported: set[str] = set()

    def report(exp, offset: int, fallback: Optional[Range], env) -> Iterator[tuple[str, Range, str, bool]]:
        for name, s, e in exp.refs:
            if name in reported or not _is_undefined(name, env, state):
                continue
            reported.add(name)
            rng = ins.range_of(offset + s, offset + e) if offset >= 0 else (fallback or ins.range)
            yield name, rng, suggest(name, env, budget), offset >= 0

    if kw == "ARG":
        local = dict(state.env)
        for raw, s, _ in raw_words(ins):
            key, sep, value = raw.partition("=")
            if sep:
                if "$" in value:
                    yield from report(expand(value, local, esc), s + len(key) + 1, None, local)
                if key not in NON_ENV_ARGS:
                    local[key] = ""
        return
    texts: list[tuple[str, int, Optional[Range]]] = []  # (text, offset in ins.text or -1, range when not exact)
    if kw in ("ENV", "LABEL", "WORKDIR", "USER", "STOPSIGNAL"):
        texts.append((ins.text, 0, None))
    elif kw in ("COPY", "ADD", "VOLUME"):
        if ins.is_json:
            texts.extend((w.text, -1, w.range) for w in ins.args)
        else:
            texts.append((ins.text, 0, None))
        for flag in ins.flags:
            if flag.name in ("chown", "chmod", "checksum") and flag.value:
                texts.append((flag.value, -1, flag.value_range or flag.range))
    elif kw == "RUN":
        for flag in ins.flags:
            if flag.name == "mount" and flag.value and "$" in flag.value:
                texts.append((flag.value, -1, flag.value_range or flag.range))
    for text, offset, fallback in texts:
        if "$" in text:
            yield from report(expand(text, state.env, esc), offset, fallback, state.env)
    if kw in ("COPY", "ADD"):
        for doc_ in ins.heredocs:
            if not doc_.expand or "$" not in doc_.body:
                continue
            exp = expand(doc_.body, state.env, esc, raw=True)
            for name, s, e in exp.refs:
                if name in reported or not _is_undefined(name, state.env, state):
                    continue
                reported.add(name)
                first = doc_.range.start.line
                yield name, Range(_heredoc_pos(doc_.body, s, first), _heredoc_pos(doc_.body, e, first)), suggest(name, state.env, budget), True


__all__ = ["UndefinedVar", "StageEnv", "EnvState", "env_pairs", "undefined_in"]
