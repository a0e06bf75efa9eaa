"""Each ``check --format`` against its published schema or a real consumer.

- sarif: the OASIS SARIF 2.1.0 JSON schema (``jsonschema``);
- gitlab: GitLab's own JSON schema for Code Quality entries plus the fields its docs require;
- checkstyle: Checkstyle's XSD of its own report (``lxml``);
- junit: the Jenkins xUnit plugin's JUnit XSD (``lxml``), and ``junitparser`` reading it;
- github: the npm package ``@actions/core`` (GitHub's own toolkit) writes the same
  workflow commands for the same annotations;
- text: severity on every line, one summary line, colour only on a terminal.

The input is the corpus plus files made to stress escaping (quotes, ``<&>``, ``%``,
newlines, commas and colons in paths, non-ASCII).
"""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from slimstage.cli import check_all, discover, main
from slimstage.formats import format_github, format_gitlab, relative_path, shorten, summary_line
from slimstage.settings import Settings

from ..conftest import CORPUS

HERE = Path(__file__).resolve().parent
SCHEMAS = HERE / "schemas"
NODE_BAD = 'FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD ["node", "index.js"]\n'
NASTY = 'FROM node:22 AS "x<&>%"\nWORKDIR /app\nCOPY . .\nRUN npm ci && echo "100% <done> & ok"\nCOPY --from=0 / /\nCMD ["node", "ünï.js"]\n'


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> list:
    root = tmp_path_factory.mktemp("formats")
    odd = root / "a,b:c %25"
    odd.mkdir()
    (odd / "Dockerfile").write_text(NASTY, encoding="utf-8")
    (root / "Dockerfile").write_text(NODE_BAD)
    (root / "clean.Dockerfile").write_text("FROM scratch\nCOPY app /app\nENTRYPOINT [\"/app\"]\n")
    paths = [str(root)] + ([str(CORPUS)] if CORPUS.is_dir() else [])
    files = discover(paths, [])
    out = list(check_all(files, Settings(), 1))
    assert sum(len(r.violations) for r in out) >= 8
    return out


def run_format(fmt: str, reports: list) -> str:
    from slimstage.formats import render

    return render(fmt, reports)


def test_sarif_validates_against_the_oasis_schema(reports) -> None:
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    doc = json.loads(run_format("sarif", reports))
    jsonschema.Draft4Validator(schema).validate(doc)
    assert len(doc["runs"][0]["results"]) == sum(len(r.violations) for r in reports)


def _rule_codes() -> set[str]:
    from slimstage.rules.base import all_rules

    return {r.code for r in all_rules()}


RULE_CODES = _rule_codes()


def test_gitlab_validates_against_gitlabs_schema(reports) -> None:
    schema = json.loads((SCHEMAS / "gitlab-codeclimate.json").read_text(encoding="utf-8"))
    issues = json.loads(run_format("gitlab", reports))
    assert isinstance(issues, list) and len(issues) == sum(len(r.violations) for r in reports)
    validator = jsonschema.Draft7Validator(schema)
    for issue in issues:
        validator.validate(issue)
        # what GitLab's Code Quality documentation adds to the schema's required fields
        assert issue["check_name"] in RULE_CODES  # SLIM rules and BuildKit's checks, by their codes
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        path = Path(issue["location"]["path"])
        assert not path.is_absolute() or Path.cwd() not in path.parents  # relative when it can be
        assert issue["location"]["lines"]["begin"] >= 1
    fingerprints = [i["fingerprint"] for i in issues]
    assert len(set(fingerprints)) == len(fingerprints), "GitLab merges issues with equal fingerprints"
    assert json.loads(format_gitlab(reports)) == issues  # stable across runs


def test_paths_are_relative_to_the_working_folder(tmp_path: Path, monkeypatch, capsys) -> None:
    """GitHub, GitLab and code scanning place findings by paths relative to the repository."""
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "Dockerfile").write_text(NODE_BAD)
    monkeypatch.chdir(tmp_path)
    main(["check", "--format", "gitlab", str(tmp_path / "svc")])
    issues = json.loads(capsys.readouterr().out)
    assert {i["location"]["path"] for i in issues} == {"svc/Dockerfile"}
    main(["check", "--format", "github", str(tmp_path / "svc")])
    assert all(",file=svc/Dockerfile," in line for line in capsys.readouterr().out.splitlines())
    main(["check", "--format", "sarif", str(tmp_path / "svc")])
    results = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == {"svc/Dockerfile"}


def test_checkstyle_validates_against_checkstyles_xsd(reports) -> None:
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "checkstyle-report-1.0.0.xsd")))
    doc = etree.fromstring(run_format("checkstyle", reports).encode("utf-8"))
    schema.assertValid(doc)
    errors = doc.findall("file/error")
    assert len(errors) == sum(len(r.violations) for r in reports)
    assert any(e.getparent().get("name").endswith("a,b:c %25/Dockerfile") for e in errors)
    # what a consumer reads back is the message itself, quotes, <&> and newlines included
    assert [e.get("message") for e in errors] == [v.message for r in reports for v in r.violations]


def test_junit_validates_against_the_jenkins_xsd_and_junitparser_reads_it(reports, tmp_path: Path) -> None:
    from junitparser import Failure, JUnitXml, Skipped
    from lxml import etree

    text = run_format("junit", reports)
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "junit-10.xsd")))
    schema.assertValid(etree.fromstring(text.encode("utf-8")))
    path = tmp_path / "report.xml"
    path.write_text(text, encoding="utf-8")
    xml = JUnitXml.fromfile(str(path))
    failed = skipped = cases = 0
    for suite in xml:
        for case in suite:
            cases += 1
            failed += any(isinstance(r, Failure) for r in case.result)
            skipped += any(isinstance(r, Skipped) for r in case.result)
    at_or_above_warning = sum(1 for r in reports for v in r.violations if v.severity in ("error", "warning"))
    assert failed == at_or_above_warning == xml.failures
    assert skipped == sum(1 for r in reports for v in r.violations if v.severity in ("info", "hint"))
    assert cases == sum(max(1, len(r.violations)) for r in reports)


NODE_CONSUMER = r"""
const core = require('@actions/core');
const items = JSON.parse(require('fs').readFileSync(0, 'utf8'));
for (const it of items) core[it.level](it.message, it.props);
"""


def test_github_matches_what_actions_core_writes(reports) -> None:
    """GitHub's own toolkit (@actions/core) writes the same commands for the same annotations."""
    modules = HERE / "node_modules" / "@actions" / "core"
    node = shutil.which("node")
    if not modules.is_dir() or not node:
        if os.environ.get("CI"):
            pytest.fail("tests/formats/node_modules is missing: scripts/install-test-deps.sh installs it")
        pytest.skip("@actions/core not installed (npm ci --prefix tests/formats)")
    level = {"error": "error", "warning": "warning", "info": "notice", "hint": "notice"}
    items = []
    for rep in reports:
        for v in rep.violations:
            props = {"title": f"{v.code} ({v.name})", "file": relative_path(rep.path),
                     "startLine": v.range.start.line + 1, "endLine": v.range.end.line + 1}
            if v.range.start.line == v.range.end.line:
                props |= {"startColumn": v.range.start.character + 1, "endColumn": v.range.end.character + 1}
            items.append({"level": level[v.severity], "message": v.message, "props": props})
    proc = subprocess.run([node, "-e", NODE_CONSUMER], input=json.dumps(items), capture_output=True, text=True, cwd=HERE, timeout=60)
    assert proc.returncode == 0, proc.stderr
    ours = format_github(reports)
    assert ours.splitlines() == proc.stdout.splitlines()
    assert any("%25" in line and "%2C" in line and "%3A" in line for line in ours.splitlines())


# -- text ----------------------------------------------------------------------------------

_LINE = re.compile(r"^(?P<path>.+):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning|info|hint) (?P<code>SLIM\d{3}|[A-Z][A-Za-z]+) (?P<msg>.+)$")


def test_text_has_severity_on_every_line_and_one_summary(reports) -> None:
    from slimstage.formats import format_text

    lines = format_text(reports).splitlines()
    body, summary = lines[:-1], lines[-1]
    assert len(body) == sum(len(r.violations) for r in reports)
    assert all(_LINE.match(line) for line in body), [line for line in body if not _LINE.match(line)][:3]
    assert re.fullmatch(r"\d+ findings \(\d+ fixable\) in \d+ files(; \d+ more with --unsafe-fixes)?", summary), summary
    assert all(len(_LINE.match(line)["msg"]) <= 200 for line in body)
    assert "\033[" not in "".join(lines)


def test_summary_counts() -> None:
    from slimstage.cli import FileReport

    assert summary_line([FileReport("a", ()), FileReport("b", ())]) == "No findings in 2 files"


def test_long_messages_are_shortened_and_whole_in_json(tmp_path: Path, capsys) -> None:
    p = tmp_path / "Dockerfile"
    p.write_text(NODE_BAD)
    main(["check", str(p)])
    text = capsys.readouterr().out
    main(["check", "--format", "json", str(p)])
    whole = {d["code"]: d["message"] for d in json.loads(capsys.readouterr().out)}
    long = [c for c, m in whole.items() if len(m) > 160]
    assert long
    for code in long:
        line = next(line for line in text.splitlines() if f" {code} " in line)
        assert "…" in line and whole[code] not in line
        assert line.split(f" {code} ", 1)[1].split(" …")[0] in whole[code]
    main(["check", "--full", str(p)])
    full = capsys.readouterr().out
    assert all(" ".join(m.split()) in full for m in whole.values())
    assert shorten("x" * 500).endswith("…") and len(shorten("x " * 300)) <= 162


def _run_on_a_terminal(args: list[str], env: dict) -> str:
    """Run the CLI with stdout on a pseudo-terminal, as a person's shell would."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "slimstage", *args], stdout=slave, stderr=subprocess.DEVNULL, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


def test_colour_on_a_terminal_and_no_color_respected(tmp_path: Path) -> None:
    p = tmp_path / "Dockerfile"
    p.write_text(NODE_BAD)
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | {"TERM": "xterm"}
    assert "\033[33mwarning" in _run_on_a_terminal(["check", str(p)], env)
    assert "\033[" not in _run_on_a_terminal(["check", str(p)], env | {"NO_COLOR": "1"})
    assert "\033[" not in _run_on_a_terminal(["check", "--color", "never", str(p)], env)
    assert "\033[33mwarning" in _run_on_a_terminal(["check", "--color", "always", str(p)], env | {"NO_COLOR": "1"})
    piped = subprocess.run([sys.executable, "-m", "slimstage", "check", str(p)], capture_output=True, text=True, env=env)
    assert "\033[" not in piped.stdout and "warning SLIM101" in piped.stdout


@pytest.mark.parametrize("fmt", ["github", "gitlab", "checkstyle", "junit", "sarif", "json"])
def test_every_format_keeps_exit_codes(tmp_path: Path, fmt: str, capsys) -> None:
    p = tmp_path / "Dockerfile"
    p.write_text(NODE_BAD)
    assert main(["check", "--format", fmt, str(p)]) == 1
    assert main(["check", "--format", fmt, "--fail-level", "error", str(p)]) == 0
    assert main(["check", "--format", fmt, str(tmp_path / "missing")]) == 2
    capsys.readouterr()
