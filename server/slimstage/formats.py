"""How ``slimstage check`` prints findings: text for people, and the formats CI systems read.

Every formatter takes the list of ``FileReport`` (path, violations) and returns text; none
of them looks at a Dockerfile. ``text`` puts the severity on every line, shortens long
messages (the whole message is in ``--format json`` and ``slimstage rules CODE``) and
ends with one summary line. ``github`` writes workflow commands (annotations on the pull
request), ``gitlab`` a Code Quality report, ``checkstyle`` and ``junit`` the XML that
Jenkins, GitLab and most CI dashboards read.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Sequence
from xml.sax.saxutils import quoteattr

FORMATS = ("text", "json", "sarif", "github", "gitlab", "checkstyle", "junit")
SHORT_MESSAGE = 160  # characters of a message the text format shows before "…"

_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m", "hint": "\033[2m"}
_BOLD, _RESET = "\033[1m", "\033[0m"


# -- which findings `check --fix` can fix --------------------------------------------------


def fix_kind(v) -> str:
    """"safe" (applied by --fix), "unsafe" (needs --unsafe-fixes), "editor" (only as an editor
    quick fix: it writes another file) or "" (no fix)."""
    fix = v.fix
    if fix is None:
        return ""
    if fix.files or not fix.edits:
        return "editor"
    return "safe" if fix.safe else "unsafe"


def is_fixable(v, unsafe: bool = False) -> bool:
    kind = fix_kind(v)
    return kind == "safe" or (unsafe and kind == "unsafe")


# -- colour --------------------------------------------------------------------------------


def use_colour(choice: str, stream) -> bool:
    """--color always/never win; auto means a terminal and no NO_COLOR (https://no-color.org:
    set and not empty turns colour off)."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    try:
        return bool(stream.isatty()) and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):
        return False


# -- text ----------------------------------------------------------------------------------


def _first_sentence(message: str, minimum: int = 40) -> str:
    """Up to the first '.', ':' or ';' that ends a clause outside `code` (at least ``minimum``)."""
    in_code = False
    for i, ch in enumerate(message):
        if ch == "`":
            in_code = not in_code
        elif ch in ".:;" and not in_code and i + 1 >= minimum and (i + 1 == len(message) or message[i + 1] == " "):
            return message[: i + 1]
    return message


def shorten(message: str, limit: int = SHORT_MESSAGE) -> str:
    """The whole message when short; else its first sentence, cut at a word under ``limit``."""
    message = " ".join(message.split())
    if len(message) <= limit:
        return message
    first = _first_sentence(message)
    if len(first) <= limit:
        return first + " …"
    cut = first[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;: ") + " …"


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_line(reports: Sequence, unsafe: bool = False) -> str:
    """'12 findings (3 fixable) in 4 files', or 'No findings in 7 files'."""
    found = [v for r in reports for v in r.violations]
    if not found:
        return f"No findings in {plural(len(reports), 'file')}"
    files = sum(1 for r in reports if r.violations)
    fixable = sum(1 for v in found if is_fixable(v, unsafe))
    line = f"{plural(len(found), 'finding')} ({fixable} fixable) in {plural(files, 'file')}"
    hidden = 0 if unsafe else sum(1 for v in found if fix_kind(v) == "unsafe")
    if hidden:
        line += f"; {hidden} more with --unsafe-fixes"
    return line


def format_text(reports: Sequence, colour: bool = False, full: bool = False, unsafe: bool = False, statistics: bool = False) -> str:
    """One line per finding: ``path:line:col: severity CODE message [fix]``, then the summary."""
    out: list[str] = []
    for rep in reports:
        for v in rep.violations:
            loc = f"{rep.path}:{v.range.start.line + 1}:{v.range.start.character + 1}:"
            sev, code = v.severity, v.code
            message = " ".join(v.message.split()) if full else shorten(v.message)
            kind = fix_kind(v)
            mark = {"safe": " [fix]", "unsafe": " [unsafe fix]", "editor": " [fix in editor]"}.get(kind, "")
            if colour:
                loc = f"{_BOLD}{loc}{_RESET}"
                sev = f"{_COLOURS.get(sev, '')}{sev}{_RESET}"
                code = f"{_BOLD}{code}{_RESET}"
            out.append(f"{loc} {sev} {code} {message}{mark}")
    if statistics:
        counts: dict[str, int] = {}
        for rep in reports:
            for v in rep.violations:
                counts[v.code] = counts.get(v.code, 0) + 1
        for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            out.append(f"{n:>6}  {code}")
    line = summary_line(reports, unsafe)
    out.append(f"{_BOLD}{line}{_RESET}" if colour else line)
    return "\n".join(out) + "\n"


# -- GitHub Actions workflow commands ------------------------------------------------------

_GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice", "hint": "notice"}


def _gh_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(s: str) -> str:
    return _gh_data(s).replace(":", "%3A").replace(",", "%2C")


def format_github(reports: Sequence) -> str:
    """``::warning file=...,line=...::message`` lines: GitHub shows them as annotations on
    the pull request's diff when ``file`` is relative to the repository root."""
    lines = []
    for rep in reports:
        for v in rep.violations:
            props = [
                ("title", f"{v.code} ({v.name})"),
                ("file", relative_path(rep.path)),
                ("line", str(v.range.start.line + 1)),
                ("endLine", str(v.range.end.line + 1)),
            ]
            if v.range.start.line == v.range.end.line:  # GitHub ignores columns on multi-line ranges
                props += [("col", str(v.range.start.character + 1)), ("endColumn", str(v.range.end.character + 1))]
            head = ",".join(f"{k}={_gh_prop(val)}" for k, val in props)
            lines.append(f"::{_GITHUB_LEVEL[v.severity]} {head}::{_gh_data(v.message)}")
    return "".join(line + "\n" for line in lines)


# -- GitLab Code Quality -------------------------------------------------------------------

_GITLAB_SEVERITY = {"error": "major", "warning": "minor", "info": "info", "hint": "info"}


def relative_path(path: str) -> str:
    """GitHub and GitLab want paths relative to the repository (run from its root): a path
    below the working folder is made relative to it; any other stays as it is."""
    p = Path(path)
    if p.is_absolute():
        try:
            p = p.relative_to(Path.cwd())
        except ValueError:
            pass
    return p.as_posix()


def format_gitlab(reports: Sequence) -> str:
    """A Code Quality report: a JSON array of issues with a stable fingerprint each."""
    issues = []
    for rep in reports:
        path = relative_path(rep.path)
        seen: dict[str, int] = {}
        for v in rep.violations:
            key = f"{path}\0{v.code}\0{v.message}"
            seen[key] = seen.get(key, 0) + 1
            fingerprint = hashlib.sha256(f"{key}\0{seen[key]}".encode("utf-8", "surrogateescape")).hexdigest()
            issues.append(
                {
                    "type": "issue",
                    "check_name": v.code,
                    "description": f"{v.code} {v.message}",
                    "categories": ["Performance"] if v.code.startswith("SLIM1") else ["Bug Risk"] if v.severity == "error" else ["Style"],
                    "severity": _GITLAB_SEVERITY[v.severity],
                    "fingerprint": fingerprint,
                    "location": {
                        "path": path,
                        "lines": {"begin": v.range.start.line + 1, "end": v.range.end.line + 1},
                    },
                }
            )
    return json.dumps(issues, indent=2) + "\n"


# -- Checkstyle and JUnit XML --------------------------------------------------------------

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _attr(s: str) -> str:
    """An XML attribute value: characters XML 1.0 cannot hold become U+FFFD."""
    return quoteattr(_XML_BAD.sub("\ufffd", s), {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _text(s: str) -> str:
    from xml.sax.saxutils import escape

    return escape(_XML_BAD.sub("\ufffd", s))


_CHECKSTYLE_SEVERITY = {"error": "error", "warning": "warning", "info": "info", "hint": "info"}


def format_checkstyle(reports: Sequence) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<checkstyle version="4.3">']
    for rep in reports:
        out.append(f"  <file name={_attr(rep.path)}>")
        for v in rep.violations:
            out.append(
                f"    <error line=\"{v.range.start.line + 1}\" column=\"{v.range.start.character + 1}\""
                f" severity=\"{_CHECKSTYLE_SEVERITY[v.severity]}\" message={_attr(v.message)}"
                f" source={_attr(f'slimstage.{v.code}.{v.name}')}/>"
            )
        out.append("  </file>")
    out.append("</checkstyle>")
    return "\n".join(out) + "\n"


def format_junit(reports: Sequence, fail_level: str = "warning") -> str:
    """One test suite per file, one failed test case per finding at or above ``fail_level``
    (lower ones are listed as skipped), and a passing case for a clean file."""
    from .settings import SEVERITIES

    threshold = SEVERITIES.index(fail_level)
    suites = []
    total = total_fail = 0
    for rep in reports:
        cases = []
        failures = skipped = 0
        for v in rep.violations:
            line = v.range.start.line + 1
            name = f"{v.code} line {line}, column {v.range.start.character + 1}"
            body = f"{rep.path}:{line}:{v.range.start.character + 1}: {v.severity} {v.code} {v.message}"
            if SEVERITIES.index(v.severity) <= threshold:
                failures += 1
                inner = f"<failure type={_attr(v.code)} message={_attr(v.message)}>{_text(body)}</failure>"
            else:
                skipped += 1
                inner = f"<skipped message={_attr(f'{v.severity}: {v.message}')}/>"
            cases.append(f"    <testcase classname={_attr(rep.path)} name={_attr(name)} time=\"0\">{inner}</testcase>")
        if not rep.violations:
            cases.append(f"    <testcase classname={_attr(rep.path)} name=\"slimstage\" time=\"0\"/>")
        tests = len(cases)
        total += tests
        total_fail += failures
        suites.append(
            f"  <testsuite name={_attr(rep.path)} tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"0\">\n"
            + "\n".join(cases)
            + "\n  </testsuite>"
        )
    head = f'<testsuites name="slimstage" tests="{total}" failures="{total_fail}" errors="0" time="0">'
    return "\n".join(['<?xml version="1.0" encoding="UTF-8"?>', head, *suites, "</testsuites>"]) + "\n"


def render(fmt: str, reports: Sequence, *, colour: bool = False, full: bool = False, unsafe: bool = False,
           statistics: bool = False, fail_level: str = "warning") -> str:
    """The whole output of ``check`` in ``fmt``."""
    if fmt == "json":
        from .cli import violation_json

        return json.dumps([violation_json(r.path, v) for r in reports for v in r.violations], indent=2) + "\n"
    if fmt == "sarif":
        from .cli import format_sarif

        return json.dumps(format_sarif(list(reports)), indent=2) + "\n"
    if fmt == "github":
        return format_github(reports)
    if fmt == "gitlab":
        return format_gitlab(reports)
    if fmt == "checkstyle":
        return format_checkstyle(reports)
    if fmt == "junit":
        return format_junit(reports, fail_level)
    return format_text(reports, colour, full, unsafe, statistics)
