"""Mask what looks like a secret before a Dockerfile leaves the machine, and put it back after.

Masked: ARG/ENV (and LABEL) values whose name says credential (TOKEN, SECRET, PASSWORD,
API_KEY, AWS_*...) or whose value looks like one (well-known token formats, JWTs, long
high-entropy strings), credentials in URLs (``scheme://user:pass@host``), credentials written into an
``Authorization:`` header, ``NAME=value`` assignments whose name says credential (in RUN too), and private key blocks anywhere in the file. Each distinct value becomes a placeholder
``SLIMSTAGE_SECRET_<n>``; ``Redaction.restore`` turns placeholders in the answer back into
the values. The values are kept out of ``repr`` so they never reach a log.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from ..dockerfile.model import Dockerfile, index_of_utf16

PLACEHOLDER = "SLIMSTAGE_SECRET_{n}"
_PLACEHOLDER = re.compile(r"SLIMSTAGE_SECRET_(\d+)")

_SECRET_NAME = re.compile(
    r"(pass(word|wd|phrase)?|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|client[_-]?key|"
    r"credential|auth|session[_-]?key|signing[_-]?key|encryption[_-]?key|^aws_|_key$|^key$)",
    re.I,
)
_TOKEN_PATTERNS = (
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}\b"),  # GitHub tokens
    re.compile(r"\bgithub_pat_[A-Za-z0-9_]{20,}\b"),
    re.compile(r"\bglpat-[A-Za-z0-9_-]{16,}\b"),  # GitLab
    re.compile(r"\bsk-[A-Za-z0-9_-]{16,}\b"),  # OpenAI / Anthropic style
    re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),  # AWS access key ids
    re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b"),  # Slack
    re.compile(r"\bnpm_[A-Za-z0-9]{30,}\b"),
    re.compile(r"\bpypi-[A-Za-z0-9_-]{30,}\b"),
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b"),  # JWT
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"),
)
# `NAME=value` anywhere (a RUN's `API_TOKEN=... ./deploy`, a continuation's ENV-like words).
_ASSIGNMENT = re.compile(r"(?<![\w$])([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"\n]*\"|'[^'\n]*'|[^\s\"'`;&|)]+)")
# The credential of an HTTP Authorization header written out (`curl -H "Authorization: Bearer ..."`).
_AUTH_HEADER = re.compile(r"\bAuthorization:\s*(?:Bearer|Basic|Token|Bot)\s+([^\s'\"$]{8,})", re.I)
# A scheme starts where a run of scheme characters starts (linear: no restart inside ``a.a.a...``).
_URL_CREDENTIALS = re.compile(r"(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*://([^/\s:@'\"]+:[^/\s@'\"]+)@", re.I)
_VARIABLE_ONLY = re.compile(r"^\$\{?[A-Za-z_][A-Za-z0-9_]*(:?[-+?][^}]*)?\}?$")
_BENIGN = frozenset(("true", "false", "yes", "no", "on", "off", "none", "null", "0", "1", ""))


@dataclass(frozen=True)
class Redaction:
    text: str  # the Dockerfile with secrets replaced by placeholders
    pairs: tuple[tuple[str, str], ...] = field(default=(), repr=False)  # (placeholder, value)
    masked: tuple[str, ...] = ()  # what was masked, in words ("ENV NPM_TOKEN", "URL credentials")

    def apply(self, text: str) -> str:
        """Mask the same values in another text (findings, file names) sent along."""
        for placeholder, value in sorted(self.pairs, key=lambda p: -len(p[1])):
            text = text.replace(value, placeholder)
        return text

    def restore(self, text: str) -> str:
        values = dict(self.pairs)
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(0), m.group(0)), text)

    def leaked(self, text: str) -> bool:
        """Whether any masked value still occurs in ``text`` (a test and a last guard)."""
        return any(value in text for _, value in self.pairs)


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def looks_like_secret_value(value: str) -> bool:
    if any(p.search(value) for p in _TOKEN_PATTERNS):
        return True
    v = value.strip()
    if len(v) < 20 or " " in v or v.startswith(("/", ".", "$", "http://", "https://")):
        return False
    has_digit = any(c.isdigit() for c in v)
    has_alpha = any(c.isalpha() for c in v)
    return has_digit and has_alpha and entropy(v) >= 3.7


def _is_maskable(name: str, value: str) -> bool:
    v = value.strip().strip("'\"")
    if v.lower() in _BENIGN or _VARIABLE_ONLY.match(v) or len(v) < 4:
        return False
    return bool(_SECRET_NAME.search(name)) or looks_like_secret_value(v)


def _pairs(words: list[str]) -> list[tuple[str, str]]:
    if words and "=" not in words[0]:
        return [(words[0], " ".join(words[1:]))]
    return [(w.split("=", 1)[0], w.split("=", 1)[1]) for w in words if "=" in w]


def redact(doc: Dockerfile) -> Redaction:
    text = doc.text
    spans: list[tuple[int, int, str]] = []  # (start, end, value) in ``text``
    masked: list[str] = []
    # where each line starts in the text itself (doc.lines lost their CR: CRLF files would drift)
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def offset(line: int, col: int) -> int:
        if line >= len(doc.lines):
            return len(text)
        return line_starts[line] + index_of_utf16(doc.lines[line], col)

    for ins in doc.instructions:
        if ins.keyword not in ("ARG", "ENV", "LABEL"):
            continue
        start, end = offset(ins.range.start.line, ins.range.start.character), offset(ins.range.end.line, ins.range.end.character)
        body = text[start:end]
        for name, value in _pairs([w.text for w in ins.args]):
            if not _is_maskable(name, value):
                continue
            pos = body.find(value)
            if pos < 0:
                continue
            spans.append((start + pos, start + pos + len(value), value))
            masked.append(f"{ins.keyword} {name}")
    found, labels = _text_spans(text)
    spans += found
    masked += labels
    if not spans:
        return Redaction(text)
    numbers: dict[str, str] = {}
    out = _replace(text, spans, numbers)
    pairs = tuple((placeholder, value) for value, placeholder in numbers.items())
    return Redaction(out, pairs, tuple(dict.fromkeys(masked)))


def _text_spans(text: str, where: str = "", assignments: tuple[re.Pattern[str], ...] = ()) -> tuple[list[tuple[int, int, str]], list[str]]:
    """Secrets anywhere in ``text``: token formats, URL credentials, credential assignments
    (``NAME=value``, and ``assignments`` such as ``"name": "value"``), Authorization headers."""
    spans: list[tuple[int, int, str]] = []
    masked: list[str] = []
    for pattern in _TOKEN_PATTERNS:
        for m in pattern.finditer(text):
            spans.append((m.start(), m.end(), m.group(0)))
            masked.append("a token in " + (where or "the file"))
    for m in _URL_CREDENTIALS.finditer(text):
        spans.append((m.start(1), m.end(1), m.group(1)))
        masked.append("URL credentials" + (f" in {where}" if where else ""))
    for rx in (_ASSIGNMENT, *assignments):
        for m in rx.finditer(text):
            name, value = m.group(1), m.group(2)
            quoted = value[:1] in "'\"" and len(value) >= 2
            v = value[1:-1] if quoted else value
            if _SECRET_NAME.search(name) and _is_maskable(name, v) and not _PLACEHOLDER.fullmatch(v):
                at = m.start(2) + (1 if quoted else 0)
                spans.append((at, at + len(v), v))
                masked.append(f"{name}=" + (f" in {where}" if where else ""))
    for m in _AUTH_HEADER.finditer(text):
        spans.append((m.start(1), m.end(1), m.group(1)))
        masked.append("an Authorization header" + (f" in {where}" if where else ""))
    return spans, masked


def _replace(text: str, spans: list[tuple[int, int, str]], numbers: dict[str, str]) -> str:
    """``text`` with every span's value replaced by its placeholder (new values get the next
    numbers in ``numbers``, which is updated), then other long-enough occurrences too."""
    for _, _, value in sorted(spans, key=lambda s: (s[0], -len(s[2]))):
        if value not in numbers:
            numbers[value] = PLACEHOLDER.format(n=len(numbers) + 1)
    # The spans found, back to front, skipping any inside one already replaced...
    out = text
    last = len(text) + 1
    for start, end, value in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0])), reverse=True):
        if end > last:
            continue
        out = out[:start] + numbers[value] + out[end:]
        last = start
    # ...then any other occurrence of a value long enough not to hit ordinary words.
    for value in sorted(numbers, key=len, reverse=True):
        if len(value) >= _GLOBAL_MIN:
            out = out.replace(value, numbers[value])
    return out


_GLOBAL_MIN = 8


def redact_more(redaction: Redaction, text: str) -> tuple[Redaction, str]:
    """Mask ``text`` (project facts sent along with the Dockerfile) with the same placeholders.

    Values already masked in the Dockerfile keep their placeholder; tokens, URL
    credentials, credential assignments (``NAME=value``, ``"name": "value"``) and
    Authorization headers found in ``text`` get new ones. Returns the extended redaction
    (whose ``restore`` knows every placeholder) and the masked text.
    """
    text = redaction.apply(text)
    spans, masked = _text_spans(text, "a project file", (_KEY_VALUE,))
    if not spans:
        return redaction, text
    numbers = {value: placeholder for placeholder, value in redaction.pairs}
    out = _replace(text, spans, numbers)
    pairs = tuple((placeholder, value) for value, placeholder in numbers.items())
    return Redaction(redaction.text, pairs, tuple(dict.fromkeys(redaction.masked + tuple(masked)))), out


# `"name": "value"` and `name = "value"` (JSON, TOML, YAML, .properties) in project files.
_KEY_VALUE = re.compile(r"(?<![A-Za-z0-9_.-])[\"']?([A-Za-z_][A-Za-z0-9_.-]*)[\"']?[ \t]*[:=][ \t]*(\"[^\"\n]*\"|'[^'\n]*')")
