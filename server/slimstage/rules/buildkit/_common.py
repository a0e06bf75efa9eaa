"""What BuildKit's build checks share: the rule base class, BuildKit's variable expansion,
image-reference and platform grammar, name suggestions, and per-file facts.

Everything here is a pure function of the model (or of an ``Analysis``, cached on it), and
every loop is linear in the text it reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar, Iterable, Iterator, Mapping, Optional

from ...analysis.images import MAX_EXPANDED
from ...dockerfile.model import Dockerfile, Instruction, Range, Stage, index_of_utf16
from ..base import Rule

if TYPE_CHECKING:
    from ...analysis import Analysis

DOCS = "https://docs.docker.com/go/dockerfile/rule/{}/"


def kebab(name: str) -> str:
    """``JSONArgsRecommended`` -> ``json-args-recommended`` (how docs.docker.com names the pages)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", name).lower()


class BuildKitCheck(Rule):
    """A BuildKit build check: its code is BuildKit's rule name, its docs BuildKit's page."""

    family: ClassVar[str] = "buildkit"
    experimental: ClassVar[bool] = False
    severity = "warning"  # BuildKit reports every check as a warning (``# check=error=true`` fails the build)

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "code" in cls.__dict__:
            cls.name = kebab(cls.code)
            if "url" not in cls.__dict__:
                cls.url = DOCS.format(cls.name)


# -- the text as written -------------------------------------------------------------------


def keyword_text(doc: Dockerfile, ins: Instruction) -> str:
    """The instruction keyword exactly as written (``From``, ``run``...)."""
    r = ins.keyword_range
    if r.start.line != r.end.line or r.start.line >= len(doc.lines):
        return ins.keyword
    line = doc.lines[r.start.line]
    return line[index_of_utf16(line, r.start.character) : index_of_utf16(line, r.end.character)] or ins.keyword


_WORD_STOP = re.compile(r"[ \t\v\f\r\"'\\]")
_NOT_WS = re.compile(r"[^ \t\v\f\r]")


def _quote_end(text: str, i: int) -> int:
    """Index just after the quoted string starting at ``text[i]`` (the end of the text when unclosed)."""
    q, n = text[i], len(text)
    j = i + 1
    while True:
        k = text.find(q, j)
        if k < 0:
            return n
        if q == "'":
            return k + 1
        slashes = 0
        while k - 1 - slashes >= i + 1 and text[k - 1 - slashes] == "\\":
            slashes += 1
        if slashes % 2 == 0:
            return k + 1
        j = k + 1


def iter_raw_words(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each argument word, quotes kept together, split as ``words.split_words``
    splits; linear, with plain runs and quoted strings skipped by C-level searches."""
    n, i = len(text), 0
    while True:
        m = _NOT_WS.search(text, i)
        if m is None:
            return
        start = i = m.start()
        while i < n:
            m = _WORD_STOP.search(text, i)
            if m is None:
                i = n
                break
            i = m.start()
            ch = text[i]
            if ch in " \t\v\f\r":
                break
            if ch == "\\":
                i = min(i + 2, n)
            else:
                i = _quote_end(text, i)
        yield start, i


def raw_words(ins: Instruction) -> list[tuple[str, int, int]]:
    """The argument words with their quotes kept: (raw text, start, end) in ``ins.text``."""
    text = ins.text
    return [(text[s:e], s, e) for s, e in iter_raw_words(text)]


def first_word_has_equals(text: str) -> bool:
    """Whether the first argument word holds an ``=`` (``KEY=value``, not the legacy ``KEY value``)."""
    for s, e in iter_raw_words(text):
        eq = text.find("=", s, e)
        return eq >= 0
    return False


def is_self_consistent(word: str) -> bool:
    return word == word.lower() or word == word.upper()


# -- BuildKit's shell-word expansion -------------------------------------------------------

PLATFORM_ARGS = {
    # What BuildKit predefines before the first FROM; values stand for a linux/amd64 build.
    "BUILDPLATFORM": "linux/amd64",
    "BUILDOS": "linux",
    "BUILDOSVERSION": "",
    "BUILDARCH": "amd64",
    "BUILDVARIANT": "",
    "TARGETPLATFORM": "linux/amd64",
    "TARGETOS": "linux",
    "TARGETOSVERSION": "",
    "TARGETARCH": "amd64",
    "TARGETVARIANT": "",
    "TARGETSTAGE": "default",
}
NON_ENV_ARGS = frozenset(("BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE"))
_MAX_DEPTH = 32
_SPECIAL_PARAMS = "@*#?-$!0"


@dataclass
class Expansion:
    """The result of expanding one word: its value (None when it cannot be known), the
    variables found and not found, and where each variable name is in the text."""

    result: Optional[str]
    matched: set[str] = field(default_factory=set)
    unmatched: set[str] = field(default_factory=set)
    refs: list[tuple[str, int, int]] = field(default_factory=list)  # (name, start, end) of each name read


class _Unknown(Exception):
    pass


_SPECIAL_CACHE: dict = {}


class _Lexer:
    """BuildKit's word lexer (quotes, the escape character, ``$VAR`` / ``${VAR...}``)."""

    def __init__(self, text: str, env: Mapping[str, Optional[str]], escape: str = "\\", raw: bool = False) -> None:
        self.s = text
        self.i = 0
        self.env = env
        self.esc = "\\" if raw else escape
        self.raw = raw  # heredoc bodies: quotes are plain characters
        self.out = Expansion(None)
        self.unknown = False
        self.depth = 0

    def get(self, name: str, start: int) -> Optional[str]:
        self.out.refs.append((name, start, start + len(name)))
        if name in self.env:
            self.out.matched.add(name)
            value = self.env[name]
            if value is None or len(value) > MAX_EXPANDED:  # defined, but its value is not known here (or too long to carry)
                self.unknown = True
                return ""
            return value
        self.out.unmatched.add(name)
        return None

    def _special(self, extra: str) -> "re.Pattern[str]":
        key = (self.esc, self.raw, extra)
        pat = _SPECIAL_CACHE.get(key)
        if pat is None:
            chars = "$" + self.esc + ("" if self.raw else "'\"") + extra
            pat = _SPECIAL_CACHE[key] = re.compile("[" + re.escape(chars) + "]")
        return pat

    def word(self, stops: str = "") -> str:
        s, n = self.s, len(self.s)
        buf: list[str] = []
        special = self._special(stops)
        while self.i < n:
            m = special.search(s, self.i)
            if m is None:
                buf.append(s[self.i :])
                self.i = n
                break
            if m.start() > self.i:
                buf.append(s[self.i : m.start()])  # a plain run, copied at once
                self.i = m.start()
            ch = s[self.i]
            if stops and ch in stops:
                return "".join(buf)
            if ch == self.esc:
                self.i += 1
                if self.i < n:
                    buf.append(s[self.i])
                    self.i += 1
                continue
            if not self.raw and ch == "'":
                end = s.find("'", self.i + 1)
                if end < 0:
                    raise _Unknown()
                buf.append(s[self.i + 1 : end])
                self.i = end + 1
                continue
            if not self.raw and ch == '"':
                self.i += 1
                buf.append(self.double_quoted())
                continue
            buf.append(self.dollar())
        if stops:
            raise _Unknown()  # the closing brace never came
        return "".join(buf)

    def double_quoted(self) -> str:
        s, n = self.s, len(self.s)
        buf: list[str] = []
        key = (self.esc, "dq")
        special = _SPECIAL_CACHE.get(key)
        if special is None:
            special = _SPECIAL_CACHE[key] = re.compile("[" + re.escape('"$' + self.esc) + "]")
        while self.i < n:
            m = special.search(s, self.i)
            if m is None:
                break
            if m.start() > self.i:
                buf.append(s[self.i : m.start()])
                self.i = m.start()
            ch = s[self.i]
            if ch == '"':
                self.i += 1
                return "".join(buf)
            if ch == self.esc:
                if self.i + 1 < n and s[self.i + 1] in ('"', "$", self.esc):
                    buf.append(s[self.i + 1])
                    self.i += 2
                else:
                    buf.append(ch)
                    self.i += 1
                continue
            buf.append(self.dollar())
        raise _Unknown()

    def name(self) -> str:
        s, n, start = self.s, len(self.s), self.i
        if start < n and s[start].isdigit():
            while self.i < n and s[self.i].isdigit():
                self.i += 1
            return s[start : self.i]
        if start < n and s[start] in _SPECIAL_PARAMS:
            self.i += 1
            return s[start]
        while self.i < n and (s[self.i].isalnum() or s[self.i] == "_"):
            self.i += 1
        return s[start : self.i]

    def dollar(self) -> str:
        s, n = self.s, len(self.s)
        self.i += 1  # the $
        if self.i >= n:
            return "$"
        if s[self.i] != "{":
            start = self.i
            name = self.name()
            if not name:
                return "$"
            value = self.get(name, start)
            return value or ""
        self.i += 1  # the {
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise _Unknown()
        try:
            start = self.i
            name = self.name()
            if not name or self.i >= n:
                raise _Unknown()
            ch = s[self.i]
            self.i += 1
            if ch == "}":
                value = self.get(name, start)
                return value or ""
            value = self.get(name, start)
            is_set = value is not None
            if ch == ":" and self.i < n and s[self.i] in "-+?=":
                op = s[self.i]
                self.i += 1
                word = self.word("}")
                self.i += 1
                if op in "-=":
                    return value if value else word
                if op == "+":
                    return word if value else ""
                if not value:
                    raise _Unknown()  # ${VAR:?message} fails the build when VAR is empty
                return value
            if ch in "-+?=":
                word = self.word("}")
                self.i += 1
                if ch in "-=":
                    return value if is_set else word
                if ch == "+":
                    return word if is_set else ""
                if not is_set:
                    raise _Unknown()
                return value or ""
            if ch in "#%/":
                # Pattern removal and substitution: the variables inside count, the value is not computed.
                self.word("}")
                self.i += 1
                self.unknown = True
                return ""
            raise _Unknown()  # an unsupported modifier: BuildKit fails
        finally:
            self.depth -= 1


def expand(text: str, env: Mapping[str, Optional[str]], escape: str = "\\", raw: bool = False) -> Expansion:
    """Expand ``text`` the way BuildKit expands an instruction's word with ``env``."""
    lex = _Lexer(text, env, escape, raw)
    try:
        value = lex.word()
    except _Unknown:
        lex.out.result = None
        return lex.out
    # A value past MAX_EXPANDED is "not known", as in analysis.scope: a doubling chain of
    # ARGs/ENVs then stops growing instead of taking memory exponential in its length.
    lex.out.result = None if lex.unknown or len(value) > MAX_EXPANDED else value
    return lex.out


def references(text: str, escape: str = "\\", raw: bool = False) -> list[tuple[str, int, int]]:
    """Every variable name read while expanding ``text`` (with no variable defined)."""
    return expand(text, {}, escape, raw).refs


# -- image references and platforms -------------------------------------------------------

_ALNUM = r"[a-z0-9]+"
_SEP = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = rf"{_ALNUM}(?:{_SEP}{_ALNUM})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[(?:[a-fA-F0-9:]+)\])"
_DOMAIN = rf"{_HOST}(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_REFERENCE = re.compile(rf"^((?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*)(?::({_TAG}))?(?:@({_DIGEST}))?$")
_HEX64 = re.compile(r"^[a-f0-9]{64}$")


def valid_image_reference(ref: str) -> bool:
    """Whether ``ref`` parses as a normalized image name (distribution/reference's grammar)."""
    if not ref or len(ref) > 1024 or _HEX64.match(ref):
        return False
    first, slash, rest = ref.partition("/")
    if not slash or ("." not in first and ":" not in first and first != "localhost" and first.lower() == first):
        domain, remainder = "docker.io", ref
        if "/" not in remainder:
            remainder = "library/" + remainder
    else:
        domain, remainder = first, rest
    remote = remainder.split(":", 1)[0].split("@", 1)[0]
    if remote.lower() != remote:
        return False
    m = _REFERENCE.match(f"{domain}/{remainder}")
    return m is not None and len(m.group(1)) <= 255


_OS = frozenset("aix android darwin dragonfly freebsd hurd illumos ios js linux nacl netbsd openbsd plan9 solaris wasip1 windows zos".split())
_ARCH = {
    "i386": "386", "386": "386", "x86_64": "amd64", "x86-64": "amd64", "amd64": "amd64",
    "aarch64": "arm64", "arm64": "arm64", "armhf": "arm", "armel": "arm", "arm": "arm",
    "ppc64le": "ppc64le", "ppc64": "ppc64", "s390x": "s390x", "riscv64": "riscv64",
    "mips64le": "mips64le", "mips64": "mips64", "mipsle": "mipsle", "mips": "mips", "loong64": "loong64", "wasm": "wasm",
}
_COMPONENT = re.compile(r"^[A-Za-z0-9_.-]+$")


def parse_platform(spec: str) -> Optional[tuple[str, str, str]]:
    """(os, architecture, variant) of a platform specifier as containerd normalizes it, or None."""
    parts = spec.split("/")
    if not 1 <= len(parts) <= 3 or not all(_COMPONENT.match(p) for p in parts):
        return None
    parts = [p.lower() for p in parts]
    if len(parts) == 1:
        if parts[0] in _OS or parts[0] == "macos":
            return ("darwin" if parts[0] == "macos" else parts[0], "amd64", "")
        if parts[0] in _ARCH:
            return ("linux", _ARCH[parts[0]], "")
        return None
    os_ = "darwin" if parts[0] == "macos" else parts[0]
    arch = _ARCH.get(parts[1], parts[1])
    return (os_, arch, parts[2] if len(parts) == 3 else "")


# -- suggestions ---------------------------------------------------------------------------


def _levenshtein(a: str, b: str, limit: int) -> int:
    """Edit distance of ``a`` and ``b``, or ``limit`` when it is ``limit`` or more (a banded
    computation: O(len * limit), not O(len²))."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    big = limit
    prev = [j if j < limit else big for j in range(len(b) + 1)]
    for i in range(1, len(a) + 1):
        lo, hi = max(1, i - limit + 1), min(len(b), i + limit - 1)
        cur = [big] * (len(b) + 1)
        cur[0] = i if i < limit else big
        ca = a[i - 1]
        best = cur[0]
        for j in range(lo, hi + 1):
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != b[j - 1]))
            cur[j] = v if v < limit else big
            if v < best:
                best = v
        if best >= limit:
            return limit
        prev = cur
    return min(prev[-1], limit)


SUGGESTION_BUDGET = 5000  # name comparisons per file; beyond it, messages go without a suggestion


def suggest(value: str, options: Iterable[str], budget: Optional[list[int]] = None) -> str:
    """The closest option under an edit distance of 3 (none when ``value`` itself is an option).

    ``budget`` (a one-item list, shared by a file's checks) bounds the comparisons, so a file
    with thousands of undefined names and defined ones stays linear."""
    best, mindist = "", 3
    if len(value) > 200:
        return ""
    for opt in options:
        if opt == value:
            return ""
        if len(opt) > 200 or abs(len(opt) - len(value)) >= mindist:
            continue
        if budget is not None:
            if budget[0] <= 0:
                return ""
            budget[0] -= 1
        dist = _levenshtein(value, opt, mindist)
        if dist < mindist:
            best, mindist = opt, dist
    return best


# -- per-file facts, computed once per Analysis ----------------------------------------------


def parse_check_options(value: str) -> Optional[dict]:
    """BuildKit's ``check`` options: ``skip=A,B;error=true;experimental=C``; None when invalid."""
    value = value.strip()
    out: dict = {"skip": set(), "skip_all": False, "experimental": set(), "experimental_all": False, "error": False}
    if not value:
        return out
    for part in value.split(";", 2):
        key, sep, val = part.partition("=")
        if not sep:
            return None
        key, val = key.strip(), val.strip()
        if key == "skip":
            if val == "all":
                out["skip_all"] = True
            else:
                out["skip"] = {v.strip() for v in val.split(",")}
        elif key == "experimental":
            if val == "all":
                out["experimental_all"] = True
            else:
                out["experimental"] = {v.strip() for v in val.split(",")}
        elif key == "error":
            if val.lower() in ("1", "t", "true"):
                out["error"] = True
            elif val.lower() in ("0", "f", "false"):
                out["error"] = False
            else:
                return None
        else:
            return None
    return out


_COMMENT_DIRECTIVE = re.compile(r"^[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*$")


def check_directive(doc: Dockerfile) -> Optional[dict]:
    """The file's ``# check=`` directive, parsed (None when there is none or it is invalid)."""
    for d in doc.directives:
        if d.name == "check":
            return parse_check_options(d.value)
    return None


def comment_check(comments: list[str]) -> Optional[dict]:
    """The first ``check=`` in the comments right above an instruction (BuildKit reads them too)."""
    for text in comments:
        m = _COMMENT_DIRECTIVE.match(text)
        if not m or m.group(1).lower() != "check":
            continue
        return parse_check_options(m.group(2).split(" ", 1)[0])
    return None


def previous_comments(doc: Dockerfile) -> dict[int, list[str]]:
    """The comments BuildKit attaches to each instruction (keyed by its first line): those since
    the previous instruction, an empty ``#`` starting over, parser directives left out."""
    directive_lines = {d.range.start.line for d in doc.directives}
    out: dict[int, list[str]] = {}
    comments = doc.comments
    ci, prev_end = 0, -1
    for ins in doc.instructions:
        block: list[str] = []
        while ci < len(comments) and comments[ci].line < ins.start_line:
            c = comments[ci]
            ci += 1
            if c.line <= prev_end or c.line in directive_lines:
                continue
            if not c.text:
                block = []
            else:
                block.append(c.text)
        while ci < len(comments) and comments[ci].line <= ins.end_line:
            ci += 1  # comments inside a continuation belong to no instruction
        if block:
            out[ins.start_line] = block
        prev_end = ins.end_line
    return out


class Facts:
    """What several checks need, computed once per file."""

    def __init__(self, a: "Analysis") -> None:
        self.doc = a.doc  # not the Analysis: no reference cycle keeps an old version alive
        self.suggestions = [SUGGESTION_BUDGET]

    @cached_property
    def comments(self) -> dict[int, list[str]]:
        return previous_comments(self.doc)

    @cached_property
    def global_arg_keys(self) -> list[str]:
        """Names declared by ARGs before the first FROM, in order."""
        keys: dict[str, None] = {}
        for ins in self.doc.global_args:
            if ins.keyword != "ARG":
                continue
            for raw, _, _ in raw_words(ins):
                key = raw.split("=", 1)[0]
                if key:
                    keys[key] = None
        return list(keys)

    @cached_property
    def global_defaults(self) -> Optional[dict[str, str]]:
        """The global ARG values when no --build-arg is given (platform ARGs for a linux/amd64
        build); None when a default cannot be computed."""
        env = dict(PLATFORM_ARGS)
        for ins in self.doc.global_args:
            if ins.keyword != "ARG":
                continue
            for raw, _, _ in raw_words(ins):
                key, sep, value = raw.partition("=")
                if not sep:
                    continue
                exp = expand(value, env, self.doc.escape)
                if exp.result is None:
                    return None
                env[key] = exp.result
        return env

    @cached_property
    def stage_roots(self) -> list[str]:
        """For each stage, the image at the bottom of its FROM chain ('' when unknown)."""
        out: list[str] = []
        for st in self.doc.stages:
            if st.base_stage is not None and st.base_stage < len(out):
                out.append(out[st.base_stage])
            else:
                out.append(st.base)
        return out

    def stage_words(self, st: Stage) -> tuple[str, str, str]:
        """(image, platform, name) of a stage's FROM, raw as written."""
        frm = st.from_instruction
        words = raw_words(frm)
        image = words[0][0] if words else ""
        plat = frm.flag("platform")
        return image, (plat.value or "") if plat is not None else "", words[2][0] if len(words) >= 3 else ""


def facts(a: "Analysis") -> Facts:
    found = a.__dict__.get("_buildkit_facts")
    if found is None:
        found = a.__dict__["_buildkit_facts"] = Facts(a)
    return found


def whole_lines_range(doc: Dockerfile, first: int, last: int) -> Range:
    """Lines ``first``..``last`` with the line break after them."""
    if last + 1 < len(doc.lines):
        return Range.of(first, 0, last + 1, 0)
    from ...dockerfile.model import utf16_len

    if first > 0:
        return Range.of(first - 1, utf16_len(doc.lines[first - 1]), last, utf16_len(doc.lines[last]))
    return Range.of(first, 0, last, utf16_len(doc.lines[last]))
