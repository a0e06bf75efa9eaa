"""Mask what looks like a secret before a Dockerfile leaves the machine, and put it back after.

Masked, wherever it is in the text (RUN lines, heredoc bodies, continuations):

- the whole value of an ARG/ENV/LABEL (or a ``NAME=value`` word, a ``--name=value`` or
  ``--name value`` flag, a JSON or XML field) whose name says credential: any name part
  pw, pwd, pass, passwd, password, secret, token, key, auth, credential, ... (``DB_PW``,
  ``apiKey``, ``NODE_AUTH_TOKEN``), unless it ends in url, file, path... (it names where a
  secret is, not one); and any value that looks like a token (well-known formats, JWTs, long
  high-entropy strings), including whatever suffix follows the token in its word;
- URL credentials (``scheme://user:password@host``; the last ``@`` of the authority ends the
  password, so ``user:p@ss@host`` goes whole), Slack, Discord and Teams webhook URLs;
- private key blocks (PEM, OpenSSH, PGP ``PRIVATE KEY BLOCK``), even without an END line;
- credentials given to commands: ``mysql -pPASS`` (and mysqldump, mariadb...), ``curl -u
  user:pass``, ``sshpass -p``, ``docker login -p`` (podman, helm...), ``wget --password=``,
  ``Authorization:`` headers; ``.netrc`` (``machine h login u password P``) and ``.pgpass``
  (``host:port:db:user:password``) content; docker ``config.json`` ``auths``.

Each distinct value becomes a placeholder ``SLIMSTAGE_SECRET_<n>``; ``Redaction.restore``
turns placeholders in the answer back into the values (the gate first checks that each
came back where it was: ``validate.misplaced_placeholders``). The values are kept out of
``repr`` so they never reach a log. Linear time: no pattern nests quantifiers, and command
arguments are read in one pass over the words.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from ..dockerfile.model import Dockerfile, index_of_utf16

PLACEHOLDER = "SLIMSTAGE_SECRET_{n}"
_PLACEHOLDER = re.compile(r"SLIMSTAGE_SECRET_(\d+)")

# Name parts that say "credential": ``DB_PW``, ``MYSQL_ROOT_PWD``, ``NODE_AUTH_TOKEN``, ``apiKey``...
_SECRET_PARTS = frozenset(
    "pw pwd pass passwd password passwords passphrase secret secrets token tokens key keys apikey "
    "accesskey privatekey auth authorization credential credentials creds cred sessionid "
    "signature salt pat dsn webhook bearer jwt".split()
)
# For names the parts above miss (no separators: ``DBPASSWORD``, ``APIKEY``); no bare "pass" or
# "auth" (PASSENGER_VERSION, AUTHOR_NAME).
_SECRET_NAME = re.compile(
    r"(password|passwd|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|client[_-]?key|"
    r"credential|session[_-]?key|signing[_-]?key|encryption[_-]?key|^aws_|pass$|pwd$|_pw$|^pw_|_pw_|webhook|"
    r"^auth(?![a-z])|(?<![a-z])auth$|(?:^|[_-])key$)",
    re.I,
)
_NAME_PARTS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z0-9]+(?![a-z])")
# Public key material named like a key: GPG/PGP key ids and fingerprints, keyservers, keyrings.
_PUBLIC_KEY_PARTS = frozenset(("gpg", "pgp", "gnupg", "recv", "keyserver", "keyring", "keyid", "fingerprint", "fingerprints", "pubkey", "public"))
_STRONG_SECRET_PARTS = frozenset(("private", "privatekey", "secret", "secrets", "pass", "passwd", "password", "passphrase", "token", "pw", "pwd"))
_NOT_SECRET_PARTS = frozenset(("ids", "version", "server", "name", "fingerprint", "format", "size", "count", "timeout", "ttl", "header", "url", "uri", "host", "port", "user", "username", "file", "path", "dir", "enabled", "type", "mode", "id", "stdin", "cmd", "command", "prompt", "helper", "store", "length", "len", "required"))


def secret_name(name: str) -> bool:
    """Whether a variable, flag or field name says it holds a credential."""
    if not name or len(name) > 200:
        return False
    parts = [p.lower() for p in _NAME_PARTS.findall(name)]
    if any(p in _PUBLIC_KEY_PARTS for p in parts) and not any(p in _STRONG_SECRET_PARTS for p in parts):
        return False  # GPG_KEYS, RABBITMQ_PGP_KEY_ID, --recv-keys: public key ids (a value that looks like a token is still masked)
    if any(p in _SECRET_PARTS for p in parts):
        # ``TOKEN_URL``, ``PASSWORD_FILE``, ``AUTH_ENABLED`` name where a secret is, not one; the
        # value is still masked when it looks like one.
        return not (parts and parts[-1] in _NOT_SECRET_PARTS)
    return bool(_SECRET_NAME.search(name))


_TOKEN_PATTERNS = (
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}"),  # GitHub tokens
    re.compile(r"\bgithub_pat_[A-Za-z0-9_]{20,}"),
    re.compile(r"\bglpat-[A-Za-z0-9_-]{16,}"),  # GitLab
    re.compile(r"\bsk-[A-Za-z0-9_-]{16,}"),  # OpenAI / Anthropic style
    re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),  # AWS access key ids
    re.compile(r"\bxox[abprse]-[A-Za-z0-9-]{10,}"),  # Slack
    re.compile(r"\bnpm_[A-Za-z0-9]{30,}"),
    re.compile(r"\bpypi-[A-Za-z0-9_-]{30,}"),
    re.compile(r"\bAIza[0-9A-Za-z_-]{30,}"),  # Google API keys
    re.compile(r"\b(?:sk|rk|pk)_live_[0-9A-Za-z]{16,}"),  # Stripe
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),  # JWT
)
# What may follow a token and still be part of it (a suffix after the token's own alphabet).
_TOKEN_TAIL = re.compile(r"[^\s'\"`;&|<>()\\$]*")
# Webhooks whose URL is the credential: the path after the host.
_WEBHOOKS = re.compile(
    r"\bhooks\.slack\.com/(?:services|workflows|triggers)/([A-Za-z0-9/_-]{8,})"
    r"|\bdiscord(?:app)?\.com/api/webhooks/([0-9A-Za-z/_-]{8,})"
    r"|\boutlook\.office(?:365)?\.com/webhook/([0-9A-Za-z@/_-]{8,})",
    re.I,
)
# `NAME=value` anywhere (a RUN's `API_TOKEN=... ./deploy`, a continuation's ENV-like words).
_ASSIGNMENT = re.compile(r"(?<![\w$])([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"\n]*\"|'[^'\n]*'|[^\s\"'`;&|)]+)")
# The credential of an HTTP Authorization header written out (`curl -H "Authorization: Bearer ..."`).
_AUTH_HEADER = re.compile(r"\b(?:Authorization|Proxy-Authorization|X-Api-Key|X-Auth-Token|Private-Token|PRIVATE-TOKEN):\s*(?:(?:Bearer|Basic|Token|Bot)\s+)?([^\s'\"$]{8,})", re.I)
_SCHEME = re.compile(r"\b[a-z][a-z0-9+.-]{0,30}://", re.I)
_AUTHORITY_END = re.compile(r"[/\s'\"?#`<>\\]|$")
_BEGIN_KEY = re.compile(r"-----BEGIN ([A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?)-----")
# JSON (also with escaped quotes, as in `echo "{\"auth\":\"...\"}"`) and XML fields named like a credential.
_JSON_FIELD = re.compile(r"\\?\"([A-Za-z_][\w.-]{0,60})\\?\"\s*:\s*\\?\"([^\"\\\s]{4,})\\?\"")
_XML_FIELD = re.compile(r"<([A-Za-z_][\w.-]{0,60})>([^<\n]{4,200})</")
# A .pgpass line: host:port:database:user:password.
_PGPASS = re.compile(r"^[^:\s]+:(?:\d+|\*):[^:\s]+:[^:\s]+:((?:[^:\s\\]|\\.)+)$")
_WORD = re.compile(r"\S+")
_NETRC_PASSWORD = re.compile(r"\b(?:password|passwd)[ \t]+([^\s'\"\\]+)")
# A shell word, quotes kept together (`-p'My S3cret'`); alternatives start with distinct characters: linear.
_SHELL_WORD = re.compile(r"""(?:[^\s'"]+|'[^']*'|"(?:[^"\\]|\\.)*")+""")
_SEGMENT_END = re.compile(r"[;&|]|(?<!\\)\n")
_KEYWORDS = frozenset(("RUN", "CMD", "ENTRYPOINT", "HEALTHCHECK", "ONBUILD", "SHELL", "\\"))
_VARIABLE_ONLY = re.compile(r"^\$\{?[A-Za-z_][A-Za-z0-9_]*(:?[-+?][^}]*)?\}?$")
_BENIGN = frozenset(("true", "false", "yes", "no", "on", "off", "none", "null", "0", "1", ""))
_MYSQL = frozenset(("mysql", "mysqldump", "mysqladmin", "mysqlimport", "mysqlshow", "mysqlcheck", "mariadb", "mariadb-dump", "mariadb-admin", "mysqlsh"))
_LOGIN = frozenset(("docker", "podman", "buildah", "skopeo", "helm", "nerdctl", "oras", "crane", "regctl"))
_PASSWORD_FLAGS = frozenset(("-p", "--password", "--passwd", "--pass"))
_WRAPPERS = frozenset(("sudo", "env", "exec", "time", "nice", "nohup", "command", "xargs"))


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


_PUBLISHED_PARTS = frozenset(("sha", "sha1", "sha256", "sha384", "sha512", "md5", "checksum", "hash", "digest", "commit", "version", "tag", "gpg", "pgp", "fingerprint"))


def _is_maskable(name: str, value: str) -> bool:
    v = value.strip().strip("'\"")
    if v.lower() in _BENIGN or _VARIABLE_ONLY.match(v) or len(v) < 4:
        return False
    if secret_name(name):
        return True
    if any(p.lower() in _PUBLISHED_PARTS for p in _NAME_PARTS.findall(name)):
        # A checksum, commit, version or public key id: high entropy, published. Only a known token format counts.
        return any(p.search(v) for p in _TOKEN_PATTERNS)
    return looks_like_secret_value(v)


def _unquote_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without one pair of surrounding quotes."""
    if end - start >= 2 and text[start] in "'\"" and text[end - 1] == text[start]:
        return start + 1, end - 1
    return start, end


def _url_credentials(text: str) -> list[tuple[int, int]]:
    """The user:password of every ``scheme://user:password@host`` (the last ``@`` of the
    authority ends it, so ``user:p@ss@host`` is masked whole). Linear: one scan per URL."""
    out: list[tuple[int, int]] = []
    for m in _SCHEME.finditer(text):
        start = m.end()
        end = _AUTHORITY_END.search(text, start)
        stop = end.start() if end else len(text)
        at = text.rfind("@", start, stop)
        if at > start and text.find(":", start, at) >= 0:
            out.append((start, at))
        elif at > start and (at - start) >= 20 and looks_like_secret_value(text[start:at]):
            out.append((start, at))  # a token as the user name (https://TOKEN@github.com)
    return out


def _private_keys(text: str) -> list[tuple[int, int]]:
    """The body of every private key block (PEM, OpenSSH, PGP), up to its END line or the end of the text."""
    out: list[tuple[int, int]] = []
    pos = 0
    while True:
        m = _BEGIN_KEY.search(text, pos)
        if m is None:
            return out
        end = text.find("-----END " + m.group(1) + "-----", m.end())
        stop = end if end >= 0 else len(text)
        if stop > m.end():
            out.append((m.end(), stop))
        pos = max(stop, m.end())


def _command_arguments(text: str) -> list[tuple[int, int, str]]:
    """Credentials passed as command-line arguments: ``mysql -pPASS``, ``curl -u user:pass``,
    ``sshpass -p PASS``, ``docker login -p PASS``, ``--password=PASS`` / ``--token PASS`` of any
    command, and ``.netrc`` lines (``machine h login u password PASS``). One pass over the words
    of each command segment (text between ``;``, ``&``, ``|`` and line ends)."""
    out: list[tuple[int, int, str]] = []
    seg_start = 0
    ends = [m.start() for m in _SEGMENT_END.finditer(text)] + [len(text)]
    for seg_end in ends:
        words = [(m.start(), m.end(), m.group(0)) for m in _SHELL_WORD.finditer(text[seg_start:seg_end]) if m.group(0) != "\\"]
        base = seg_start
        seg_start = seg_end + 1
        if not words:
            continue
        plain = [w[2].strip("'\"") for w in words]
        i = 0
        # Skip the instruction keyword and its flags, wrappers (sudo, env...) and their flags, assignments.
        while i < len(plain) and (
            plain[i] in _KEYWORDS or plain[i] in _WRAPPERS or (plain[i].startswith("-") and i > 0) or ("=" in plain[i] and not plain[i].startswith("-"))
        ):
            i += 1
        command = plain[i].rsplit("/", 1)[-1] if i < len(plain) else ""
        netrc = "machine" in plain or "login" in plain or "default" in plain
        login = "login" in plain

        def take(k: int, what: str, cut: int = 0) -> None:
            if not 0 <= k < len(words):
                return
            s, e = _unquote_span(text, words[k][0] + base, words[k][1] + base)  # '-ppass' -> -ppass
            s, e = _unquote_span(text, s + cut, e)  # -p'pass' -> pass
            if _opaque(text[s:e]):
                out.append((s, e, what))

        for k in range(i + 1, len(words)):
            w = plain[k]
            low = w.lower()
            if command in _MYSQL and low.startswith("-p") and len(w) > 2 and not low.startswith("--"):
                take(k, f"{command} -p", cut=2)
            elif command == "sshpass" and w == "-p":
                take(k + 1, "sshpass -p")
            elif command == "sshpass" and w.startswith("-p") and len(w) > 2:
                take(k, "sshpass -p", cut=2)
            elif command in _LOGIN and w in _PASSWORD_FLAGS and login:
                take(k + 1, f"{command} login -p")
            elif command in ("curl", "wget", "http", "lftp", "ftp") and w in ("-u", "--user", "-U", "--proxy-user") and k + 1 < len(words):
                pair = words[k + 1]
                raw = text[pair[0] + base : pair[1] + base]
                colon = raw.find(":")
                if colon >= 0:
                    s, e = _unquote_span(text, pair[0] + base, pair[1] + base)
                    colon = text.find(":", s, e)
                    if colon >= 0 and e - colon > 1 and _opaque(text[colon + 1 : e]):
                        out.append((colon + 1, e, f"{command} {w}"))
            elif command == "curl" and w.startswith("-u") and len(w) > 3 and ":" in w:
                s, e = _unquote_span(text, words[k][0] + base, words[k][1] + base)
                colon = text.find(":", s, e)
                if colon >= 0 and e - colon > 1 and _opaque(text[colon + 1 : e]):
                    out.append((colon + 1, e, "curl -u"))
            elif low.startswith("--") and "=" in w:
                name = w[2:].split("=", 1)[0]
                if secret_name(name):
                    s, e = words[k][0] + base, words[k][1] + base
                    eq = text.find("=", s, e)
                    vs, ve = _unquote_span(text, eq + 1, e)
                    if _opaque(text[vs:ve]):
                        out.append((vs, ve, f"--{name}="))
            elif low.startswith("--") and secret_name(w[2:]) and k + 1 < len(words) and not plain[k + 1].startswith("-"):
                take(k + 1, w)
            elif netrc and low in ("password", "passwd", "account"):
                take(k + 1, ".netrc password")
    # .netrc lines inside one quoted word (`echo "machine h login u password P" > ~/.netrc`).
    for m in _NETRC_PASSWORD.finditer(text):
        before = text[max(0, m.start() - 300) : m.start()]  # .netrc entries may span lines
        if ("machine " in before or "login " in before) and _opaque(m.group(1)):
            out.append((m.start(1), m.end(1), ".netrc password"))
    return out


def _opaque(value: str) -> bool:
    """A value worth masking: not a variable reference, not a yes/no, at least 3 characters."""
    return len(value) >= 3 and value.lower() not in _BENIGN and not _VARIABLE_ONLY.match(value) and "$" not in value[:1]


def _shape_spans(text: str, add) -> None:
    """Secrets recognised by their shape anywhere in ``text``: ``add(start, end, what)`` for each."""
    for pattern in _TOKEN_PATTERNS:
        for m in pattern.finditer(text):
            tail = _TOKEN_TAIL.match(text, m.end())
            add(m.start(), tail.end() if tail else m.end(), "a token in the file")
    for s, e in _url_credentials(text):
        add(s, e, "URL credentials")
    for s, e in _private_keys(text):
        add(s, e, "a private key")
    for m in _WEBHOOKS.finditer(text):
        g = next(i for i in (1, 2, 3) if m.group(i))
        add(m.start(g), m.end(g), "a webhook URL")
    for m in _ASSIGNMENT.finditer(text):
        name, value = m.group(1), m.group(2)
        quoted = value[:1] in "'\"" and len(value) >= 2
        v = value[1:-1] if quoted else value
        if secret_name(name) and _is_maskable(name, v):
            at = m.start(2) + (1 if quoted else 0)
            add(at, at + len(v), f"{name}=")
    for m in _AUTH_HEADER.finditer(text):
        add(m.start(1), m.end(1), "an Authorization header")
    for m in _JSON_FIELD.finditer(text):
        if secret_name(m.group(1)) and m.group(2).lower() not in _BENIGN and not _VARIABLE_ONLY.match(m.group(2)):
            add(m.start(2), m.end(2), f'"{m.group(1)}" in JSON')
    for m in _XML_FIELD.finditer(text):
        value = m.group(2).strip()
        if secret_name(m.group(1)) and value.lower() not in _BENIGN and not _VARIABLE_ONLY.match(value) and len(value) >= 4:
            add(m.start(2), m.end(2), f"<{m.group(1)}> in XML")
    for m in _WORD.finditer(text):
        word = m.group(0)
        if word.count(":") >= 4:
            s, e = _unquote_span(text, m.start(), m.end())
            p = _PGPASS.match(text[s:e])
            if p and p.group(1) != "*":
                add(s + p.start(1), s + p.end(1), ".pgpass line")
    for s, e, what in _command_arguments(text):
        add(s, e, what)


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

    def add(start: int, end: int, what: str) -> None:
        if end > start:
            spans.append((start, end, text[start:end]))
            masked.append(what)

    for ins in doc.instructions:
        if ins.keyword not in ("ARG", "ENV", "LABEL"):
            continue
        words = ins.args
        ranges = [(offset(w.range.start.line, w.range.start.character), offset(w.range.end.line, w.range.end.character)) for w in words]
        if words and "=" not in words[0].text and ins.keyword == "ENV" and len(words) > 1:
            # Legacy ``ENV NAME value with spaces``: the whole rest of the line is the value.
            name, value = words[0].text, " ".join(w.text for w in words[1:])
            if _is_maskable(name, value):
                s, e = _unquote_span(text, ranges[1][0], ranges[-1][1])
                add(s, e, f"{ins.keyword} {name}")
            continue
        for w, (s, e) in zip(words, ranges):
            if "=" not in w.text:
                continue
            name, value = w.text.split("=", 1)
            if not _is_maskable(name, value):
                continue
            eq = text.find("=", s, e)
            if eq < 0:
                continue
            vs, ve = _unquote_span(text, eq + 1, e)
            add(vs, ve, f"{ins.keyword} {name.strip(chr(34) + chr(39))}")
    _shape_spans(text, add)
    if not spans:
        return Redaction(text)

    numbers: dict[str, str] = {}
    out = _replace_spans(text, [(s, e) for s, e, _ in spans], numbers)
    pairs = tuple((placeholder, value) for value, placeholder in numbers.items())
    return Redaction(out, pairs, tuple(dict.fromkeys(masked)))


_GLOBAL_MIN = 8


def _replace_spans(text: str, spans: list[tuple[int, int]], numbers: dict[str, str]) -> str:
    """``text`` with each span replaced by its value's placeholder. Overlapping spans merge
    into one (a token inside a named value: the whole value goes); a value not yet in
    ``numbers`` (value -> placeholder, updated) gets the next number. Then any other
    occurrence of a value long enough not to hit ordinary words is replaced too (at most
    ``_GLOBAL_MAX`` values: each is one pass over the text, so the work stays linear in it)."""
    merged: list[list[int]] = []
    for s, e in sorted(spans):
        if merged and s < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    for s, e in merged:
        if text[s:e] not in numbers:
            numbers[text[s:e]] = PLACEHOLDER.format(n=len(numbers) + 1)
    parts: list[str] = []
    pos = 0
    for s, e in merged:
        parts.append(text[pos:s])
        parts.append(numbers[text[s:e]])
        pos = e
    parts.append(text[pos:])
    out = "".join(parts)
    for value in sorted(numbers, key=len, reverse=True)[:_GLOBAL_MAX]:
        if len(value) >= _GLOBAL_MIN:
            out = out.replace(value, numbers[value])
    return out


def redact_more(redaction: Redaction, text: str) -> tuple[Redaction, str]:
    """Mask ``text`` (project facts sent along with the Dockerfile) with the same placeholders.

    Values already masked in the Dockerfile keep their placeholder; every shape ``redact``
    recognises (tokens, URL credentials, private keys, credential assignments, command-line
    passwords...) and ``"name": "value"`` / ``name = "value"`` pairs with a credential name
    get new ones. Returns the extended redaction (whose ``restore`` knows every placeholder)
    and the masked text.
    """
    text = redaction.apply(text)
    spans: list[tuple[int, int]] = []
    masked: list[str] = []

    def add(start: int, end: int, what: str) -> None:
        if end > start and not _PLACEHOLDER.fullmatch(text[start:end]):
            spans.append((start, end))
            masked.append(f"{what} in a project file")

    _shape_spans(text, add)
    for m in _KEY_VALUE.finditer(text):
        name, value = m.group(1), m.group(2)
        v = value[1:-1]
        if secret_name(name) and _is_maskable(name, v):
            add(m.start(2) + 1, m.start(2) + 1 + len(v), name)
    if not spans:
        return redaction, text
    numbers = {value: placeholder for placeholder, value in redaction.pairs}
    out = _replace_spans(text, spans, numbers)
    pairs = tuple((placeholder, value) for value, placeholder in numbers.items())
    return Redaction(redaction.text, pairs, tuple(dict.fromkeys(redaction.masked + tuple(masked)))), out


# `"name": "value"` and `name = "value"` (JSON, TOML, YAML, .properties) in project files.
# Linear: a match starts only where a run of name characters starts.
_KEY_VALUE = re.compile(r"(?<![A-Za-z0-9_.-])[\"']?([A-Za-z_][A-Za-z0-9_.-]*)[\"']?[ \t]*[:=][ \t]*(\"[^\"\n]*\"|'[^'\n]*')")
_GLOBAL_MAX = 64
